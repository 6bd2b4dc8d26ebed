// A stable sort of uint32 keys along the last axis, as graph operations (gather, compare,
// select): a bitonic network over (key, original index) pairs, which are all distinct, so the
// network's order equals a stable sort's. laxflow has no sort primitive; this composite needs
// none (log2(n) * (log2(n) + 1) / 2 passes of elementwise work over the padded length, each
// fusable) and so runs on every backend and under vmap, jit and scan. jnp.sort/argsort
// (np_sort.ts) and random.permutation/choice (random/sort_keys.ts) sort through it.

import { node, type Node } from '../graph/node.js';
import type { LaxArray } from './array.js';
import { broadcastNode, iotaNode, reshapeNode, scalarNode, wrap } from './nodes.js';

const i32 = (v: number, shape: readonly number[]) => broadcastNode(scalarNode(v, 'int32'), shape);

/**
 * The permutation that stably sorts `keys` (uint32, shape [rows, n]) along its last axis:
 * int32 [rows, n] with out[r, j] = the index of the j-th smallest key of row r.
 */
export function argsortKeys(keys: LaxArray): LaxArray {
  if (keys.dtype !== 'uint32' || keys.ndim !== 2) throw new TypeError(`argsortKeys expects uint32 [rows, n] keys, got ${keys.dtype} ${JSON.stringify(keys.shape)}`);
  const [rows, n] = keys.shape;
  let size = 1;
  while (size < n) size *= 2;
  const shape = [rows, size];
  const col = iotaNode(shape, 1);
  const rowBase = node('mul', [iotaNode(shape, 0), i32(size, shape)], {});
  // Padding sorts last: the largest key and indices above every real one.
  let k: Node = size === n ? keys.node : node('concat', [keys.node, broadcastNode(scalarNode(0xffffffff, 'uint32'), [rows, size - n])], { axis: 1 });
  let idx: Node = col;
  const zero = i32(0, shape);
  for (let block = 2; block <= size; block *= 2) {
    const ascending = node('eq', [node('and', [col, i32(block, shape)], {}), zero], {});
    for (let stride = block / 2; stride >= 1; stride /= 2) {
      const partner = node('add', [rowBase, node('xor', [col, i32(stride, shape)], {})], {});
      const pk = node('gather', [k, partner], {});
      const pi = node('gather', [idx, partner], {});
      const selfLess = node('or', [node('lt', [k, pk], {}), node('and', [node('eq', [k, pk], {}), node('lt', [idx, pi], {})], {})], {});
      const lower = node('eq', [node('and', [col, i32(stride, shape)], {}), zero], {});
      // The lower element of an ascending pair keeps the smaller one, and so on.
      const takeSelf = node('eq', [selfLess, node('eq', [lower, ascending], {})], {});
      k = node('select', [takeSelf, k, pk], {});
      idx = node('select', [takeSelf, idx, pi], {});
    }
  }
  if (size === n) return wrap(idx);
  return wrap(node('slice', [idx], { starts: [0, 0], limits: [rows, n], strides: [1, 1] }));
}

/** Rows of `x` ([rows, n]) reordered by `order` (int32 [rows, m], indices into each row). */
export function gatherRows(x: Node, order: Node): Node {
  const [rows, n] = x.shape;
  const flat = node('add', [order, node('mul', [iotaNode(order.shape, 0), i32(n, order.shape)], {})], {});
  return node('gather', [reshapeNode(x, [rows, n]), flat], {});
}
