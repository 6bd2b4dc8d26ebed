// Sorting for random: `permutation` needs `lax.sort_key_val`, done by the bitonic network of
// operators/sort_network.ts (a stable sort of uint32 keys, no sort primitive).
// `topKIndices` (lax.top_k's indices, for `choice`'s Gumbel top-k) sorts float32 values
// through the same network.

import { node } from '../graph/node.js';
import type { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { wrap } from '../operators/nodes.js';
import { argsortKeys } from '../operators/sort_network.js';

const i32 = (v: number) => np.array(v, { dtype: 'int32' });

/** Flat gather: out[...] = x.flat[index[...]] (int32 index, same shape as out). */
const gather = (x: LaxArray, index: LaxArray): LaxArray => wrap(node('gather', [x.node, index.node], {}));

export { argsortKeys };

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
