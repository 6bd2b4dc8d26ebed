// A stable sort of uint32 keys along the last axis, as graph operations (gather, compare,
// select): a bitonic network over (key, original index) pairs, which are all distinct, so the
// network's order equals a stable sort's. `permutation` needs `lax.sort_key_val`; laxflow has
// no sort primitive, and this composite needs none (log2(n) * (log2(n) + 1) / 2 passes of
// elementwise work over the padded length, each fusable). `topKIndices` (lax.top_k's indices,
// for `choice`'s Gumbel top-k) sorts float32 values through the same network.

import { node } from '../graph/node.js';
import type { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { wrap } from '../operators/nodes.js';

const i32 = (v: number) => np.array(v, { dtype: 'int32' });

/** Flat gather: out[...] = x.flat[index[...]] (int32 index, same shape as out). */
const gather = (x: LaxArray, index: LaxArray): LaxArray => wrap(node('gather', [x.node, index.node], {}));

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
  const col = lax.broadcastedIota('int32', shape, 1);
  const rowBase = np.multiply(lax.broadcastedIota('int32', shape, 0), i32(size));
  // Padding sorts last: the largest key and indices above every real one.
  let k = size === n ? keys : np.concatenate([keys, np.full([rows, size - n], 0xffffffff, { dtype: 'uint32' })], { axis: 1 });
  let idx = col;
  for (let block = 2; block <= size; block *= 2) {
    const ascending = np.equal(np.bitwiseAnd(col, i32(block)), i32(0));
    for (let stride = block / 2; stride >= 1; stride /= 2) {
      const partner = np.add(rowBase, np.bitwiseXor(col, i32(stride)));
      const pk = gather(k, partner);
      const pi = gather(idx, partner);
      const selfLess = np.logicalOr(np.less(k, pk), np.logicalAnd(np.equal(k, pk), np.less(idx, pi)));
      const lower = np.equal(np.bitwiseAnd(col, i32(stride)), i32(0));
      // The lower element of an ascending pair keeps the smaller one, and so on.
      const takeSelf = np.equal(selfLess, np.equal(lower, ascending));
      k = lax.select(takeSelf, k, pk);
      idx = lax.select(takeSelf, idx, pi);
    }
  }
  return size === n ? idx : idx.slice(null, np.slice(0, n));
}

/** lax.sort_key_val(keys, values) along the last axis of [rows, n] arrays: values reordered. */
export function sortValuesByKeys(keys: LaxArray, values: LaxArray): LaxArray {
  const [rows, n] = keys.shape;
  const order = argsortKeys(keys);
  const flat = np.add(order, np.multiply(lax.broadcastedIota('int32', [rows, n], 0), i32(n)));
  return gather(values, flat);
}

/**
 * uint32 keys whose ascending order is the descending order of float32 `x` (same shape):
 * non-negative floats map below every negative one, larger first (bits ^ 0x7FFFFFFF), and
 * negative floats keep their bits (a more negative float has larger bits). +0 sorts before -0.
 */
export function descendingFloatKeys(x: LaxArray): LaxArray {
  if (x.dtype !== 'float32') throw new TypeError(`descendingFloatKeys expects float32, got ${x.dtype}`);
  const bits = lax.bitcastConvertType(x, 'uint32');
  const negative = np.greaterEqual(bits, np.array(0x80000000, { dtype: 'uint32' }));
  return lax.select(negative, bits, np.bitwiseXor(bits, np.array(0x7fffffff, { dtype: 'uint32' })));
}

/**
 * lax.top_k(x, k)[1]: int32 indices of the k largest float32 values along the last axis, largest
 * first; equal values keep their index order (lower index first), as XLA's TopK.
 */
export function topKIndices(x: LaxArray, k: number): LaxArray {
  const n = x.shape[x.ndim - 1];
  if (x.ndim < 1 || !Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`top_k: k must be between 0 and the size of the last axis (${n}), got ${k}`);
  const order = argsortKeys(descendingFloatKeys(x).reshape([-1, n]));
  return order.slice(null, np.slice(0, k)).reshape([...x.shape.slice(0, -1), k]);
}
