// More of jax.lax, composed of existing operations (no new primitive, so every backend, vmap,
// jit and grad apply): dynamic slicing with traced start indices (dynamicSlice,
// dynamicUpdateSlice and their one-axis forms), sliceInDim, map (a scan without a carry), sort
// and sortKeyVal (stable, along one dimension), topK, rsqrt and reducePrecision (XLA's
// rounding to a narrower float format, on the bits).

import { node } from '../graph/node.js';
import { fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { castNode, toNode, wrap } from './nodes.js';
import * as np from './np.js';
import { scan } from './scan.js';
import { checkAxis, checkInt, checkOptions, describe } from './validate.js';

/** Start indices: one per dimension, JS integers or integer scalar arrays (or one int array of length ndim). */
function startList(fn: string, starts: unknown, ndim: number): LaxArray[] {
  let list: unknown[];
  if (Array.isArray(starts)) list = starts;
  else if (starts instanceof Object && 'shape' in (starts as LaxArray) && (starts as LaxArray).ndim === 1) list = [...(starts as LaxArray)];
  else throw new TypeError(`${fn}: start_indices must be a list of scalar indices, got ${describe(starts)}`);
  if (list.length !== ndim) throw new TypeError(`${fn}: Length of slice indices must match number of operand dimensions (${list.length} vs ${ndim})`);
  return list.map((s, i) => {
    const n = toNode(s as ArrayLike, fn, i + 1);
    if (n.shape.length !== 0) throw new TypeError(`${fn}: start indices must be scalars, got shape ${fmtShape(n.shape)} at position ${i}`);
    if (n.dtype !== 'int32' && n.dtype !== 'uint32') throw new TypeError(`${fn}: index arguments must be integers, got ${n.dtype}`);
    return wrap(n.dtype === 'int32' ? n : castNode(n, 'int32'));
  });
}

/** Each axis's indices start + arange(size), the start clamped to [0, dim - size] (XLA's rule), shaped to broadcast along its own axis. */
function windowIndices(shape: readonly number[], starts: LaxArray[], sizes: readonly number[]): LaxArray[] {
  return shape.map((dim, d) => {
    const start = np.clip(starts[d], 0, dim - sizes[d]);
    const idx = np.add(np.arange(sizes[d]), start);
    return idx.reshape(shape.map((_, e) => (e === d ? sizes[d] : 1)));
  });
}

/**
 * lax.dynamic_slice(operand, startIndices, sliceSizes): operand[s0 : s0 + z0, ...] with the
 * starts traced values, each clamped so the window lies inside the operand.
 */
export function dynamicSlice(operand: ArrayLike, startIndices: ArrayLike[] | LaxArray, sliceSizes: number[]): LaxArray {
  const x = wrap(toNode(operand, 'lax.dynamic_slice'));
  const starts = startList('lax.dynamic_slice', startIndices, x.ndim);
  if (!Array.isArray(sliceSizes) || sliceSizes.length !== x.ndim) throw new TypeError(`lax.dynamic_slice: slice_sizes must have length equal to the number of operand dimensions (${x.ndim}), got ${describe(sliceSizes)}`);
  sliceSizes.forEach((z, d) => {
    checkInt('lax.dynamic_slice', 'slice_sizes', z, { min: 0 });
    if (z > x.shape[d]) throw new TypeError(`lax.dynamic_slice: slice_sizes must be less than or equal to operand shape, got slice_sizes ${fmtShape(sliceSizes)} for operand shape ${fmtShape(x.shape)}`);
  });
  if (x.ndim === 0) return x;
  if (sliceSizes.some((z) => z === 0)) return np.zeros(sliceSizes, { dtype: x.dtype });
  return x.at(...windowIndices(x.shape, starts, sliceSizes)).get();
}

/** lax.dynamic_update_slice(operand, update, startIndices): operand with the window at the (clamped) starts replaced by update. */
export function dynamicUpdateSlice(operand: ArrayLike, update: ArrayLike, startIndices: ArrayLike[] | LaxArray): LaxArray {
  const x = wrap(toNode(operand, 'lax.dynamic_update_slice', 0));
  const u = wrap(toNode(update, 'lax.dynamic_update_slice', 1));
  if (u.dtype !== x.dtype) throw new TypeError(`lax.dynamic_update_slice: update and operand dtypes must match, got ${u.dtype} and ${x.dtype}`);
  if (u.ndim !== x.ndim || u.shape.some((z, d) => z > x.shape[d])) {
    throw new TypeError(`lax.dynamic_update_slice: update shape must be smaller than operand shape, got update shape ${fmtShape(u.shape)} for operand shape ${fmtShape(x.shape)}`);
  }
  const starts = startList('lax.dynamic_update_slice', startIndices, x.ndim);
  if (x.ndim === 0) return u;
  if (u.size === 0) return x;
  return x.at(...windowIndices(x.shape, starts, u.shape)).set(u);
}

/** The full starts (0 elsewhere) and sizes of a one-axis window. */
function inDim(fn: string, x: LaxArray, start: ArrayLike, size: number, axis: number): [ArrayLike[], number[]] {
  const ax = checkAxis(fn, axis, x.ndim);
  return [x.shape.map((_, d) => (d === ax ? start : 0)), x.shape.map((dim, d) => (d === ax ? size : dim))];
}

/** lax.dynamic_slice_in_dim(operand, startIndex, sliceSize, axis = 0). */
export function dynamicSliceInDim(operand: ArrayLike, startIndex: ArrayLike, sliceSize: number, axis = 0): LaxArray {
  const x = wrap(toNode(operand, 'lax.dynamic_slice_in_dim'));
  const [starts, sizes] = inDim('lax.dynamic_slice_in_dim', x, startIndex, sliceSize, axis);
  return dynamicSlice(x, starts, sizes);
}

/** lax.dynamic_update_slice_in_dim(operand, update, startIndex, axis). */
export function dynamicUpdateSliceInDim(operand: ArrayLike, update: ArrayLike, startIndex: ArrayLike, axis: number): LaxArray {
  const x = wrap(toNode(operand, 'lax.dynamic_update_slice_in_dim'));
  const ax = checkAxis('lax.dynamic_update_slice_in_dim', axis, x.ndim);
  return dynamicUpdateSlice(x, update, x.shape.map((_, d) => (d === ax ? startIndex : 0)));
}

/**
 * lax.slice_in_dim(operand, startIndex, limitIndex, stride = 1, axis = 0): lax.slice along one
 * axis; null start or limit mean the ends, negative ones count from the end (as JAX).
 */
export function sliceInDim(operand: ArrayLike, startIndex: number | null, limitIndex: number | null, stride = 1, axis = 0): LaxArray {
  const x = wrap(toNode(operand, 'lax.slice_in_dim'));
  const ax = checkAxis('lax.slice_in_dim', axis, x.ndim);
  const dim = x.shape[ax];
  const norm = (v: number | null, dflt: number, what: string) => {
    if (v === null || v === undefined) return dflt;
    const i = checkInt('lax.slice_in_dim', what, v);
    return i < 0 ? i + dim : i;
  };
  const start = norm(startIndex, 0, 'start_index');
  const limit = norm(limitIndex, dim, 'limit_index');
  const s = checkInt('lax.slice_in_dim', 'stride', stride, { min: 1 });
  if (start < 0 || limit > dim || limit < start) throw new RangeError(`lax.slice_in_dim: start_index ${start} and limit_index ${limit} must satisfy 0 <= start <= limit <= ${dim} (axis ${ax} of shape ${fmtShape(x.shape)})`);
  const idx = x.shape.map((_, d) => (d === ax ? np.slice(start, limit, s) : null));
  return x.slice(...idx);
}

/** lax.map(f, xs): f over the leading axis of xs (a pytree), stacked; a lax.scan without carry, so f is traced once. */
export function map<X, Y>(f: (x: any) => Y, xs: X): any {
  const [, ys] = scan((carry: [], x: unknown) => [carry, f(x)] as const, [] as [], xs as never);
  return ys;
}

/** lax.rsqrt(x): 1 / sqrt(x), float32 only (as lax). */
export function rsqrt(x: ArrayLike): LaxArray {
  const n = toNode(x, 'lax.rsqrt');
  if (n.dtype !== 'float32') throw new TypeError(`lax.rsqrt does not accept dtype ${n.dtype}. Accepted dtypes are subtypes of floating.`);
  return np.divide(1, np.sqrt(wrap(n)));
}

/**
 * lax.sort(operand, { dimension = -1, isStable = true, numKeys = 1 }): one array sorted, or a
 * list of arrays of one shape all permuted by the stable order of the first numKeys of them
 * (lexicographic; NaNs last). -0 and +0 compare equal here (XLA's total order puts -0 first).
 */
export function sort(operand: ArrayLike | ArrayLike[], opts: { dimension?: number; isStable?: boolean; numKeys?: number } = {}): LaxArray | LaxArray[] {
  const o = checkOptions<{ dimension?: number; isStable?: boolean; numKeys?: number }>('lax.sort', opts, ['dimension', 'isStable', 'numKeys']);
  const list = Array.isArray(operand) && operand.length > 0 && operand.every((a) => typeof a === 'object' && a !== null && 'shape' in (a as object));
  const arrays = (list ? (operand as ArrayLike[]) : [operand as ArrayLike]).map((a, i) => wrap(toNode(a, 'lax.sort', i)));
  const shape = arrays[0].shape;
  if (arrays.some((a) => a.shape.length !== shape.length || a.shape.some((d, i) => d !== shape[i]))) throw new TypeError(`lax.sort: operands must all have the same shape, got ${arrays.map((a) => fmtShape(a.shape)).join(', ')}`);
  const dim = checkAxis('lax.sort', o.dimension ?? -1, shape.length, 'dimension');
  const numKeys = checkInt('lax.sort', 'num_keys', o.numKeys ?? 1, { min: 1, max: arrays.length });
  if (!list) return np.sort(arrays[0], { axis: dim });
  // np.lexsort's primary key is its last
  const order = numKeys === 1 ? np.argsort(arrays[0], { axis: dim }) : np.lexsort(arrays.slice(0, numKeys).reverse(), { axis: dim });
  return arrays.map((a) => np.takeAlongAxis(a, order, { axis: dim }));
}

/** lax.sort_key_val(keys, values, dimension = -1): [sorted keys, values in the keys' order]. */
export function sortKeyVal(keys: ArrayLike, values: ArrayLike, dimension = -1): [LaxArray, LaxArray] {
  const [k, v] = sort([wrap(toNode(keys, 'lax.sort_key_val', 0)), wrap(toNode(values, 'lax.sort_key_val', 1))], { dimension }) as LaxArray[];
  return [k, v];
}

/** lax.top_k(operand, k): [the k largest along the last axis, descending; their indices], lower index first among ties. */
export const topK = (operand: ArrayLike, k: number): [LaxArray, LaxArray] => np.topK(operand, k);

/**
 * lax.reduce_precision(x, exponentBits, mantissaBits): x rounded to the float format with those
 * widths and back to float32, on the bits as XLA does it:
 *   1. mantissa: add the round-to-nearest-even bias (half the dropped part, minus one, plus the
 *      last kept bit) and clear the dropped bits (a carry may round into the exponent);
 *   2. exponent, with fewer than 8 exponent bits: a biased exponent above the narrow format's
 *      largest becomes +-inf, one at or below its smallest normal's becomes +-0 (no
 *      subnormals); with 8 it is left alone, so float32's subnormals stay (rounded in step 1);
 *   3. NaN stays x.
 */
export function reducePrecision(x: ArrayLike, exponentBits: number, mantissaBits: number): LaxArray {
  const n = toNode(x, 'lax.reduce_precision');
  if (n.dtype !== 'float32') throw new TypeError(`lax.reduce_precision: operand must be float32, got ${n.dtype}`);
  const e = checkInt('lax.reduce_precision', 'exponent_bits', exponentBits, { min: 1 });
  const m = checkInt('lax.reduce_precision', 'mantissa_bits', mantissaBits, { min: 0 });
  const value = wrap(n);
  const u32 = (v: number) => np.array(v >>> 0, { dtype: 'uint32' });
  let bits = wrap(node('bitcast', [n], { dtype: 'uint32' }));
  if (m < 23) {
    const shift = 23 - m;
    const lastBit = np.bitwiseAnd(np.rightShift(bits, u32(shift)), u32(1));
    const bias = np.add(lastBit, u32((1 << (shift - 1)) - 1));
    bits = np.bitwiseAnd(np.add(bits, bias), u32(~((1 << shift) - 1)));
  }
  if (e < 8) {
    const expMask = 0x7f800000;
    const exponent = np.bitwiseAnd(bits, u32(expMask));
    const reducedBias = (1 << (e - 1)) - 1;
    const overflow = np.greater(exponent, u32((127 + reducedBias) << 23));
    const underflow = np.lessEqual(exponent, u32((127 - reducedBias) << 23));
    const signed = np.bitwiseAnd(bits, u32(0x80000000));
    bits = np.where(overflow, np.bitwiseOr(signed, u32(expMask)), np.where(underflow, signed, bits));
  }
  return np.where(np.isnan(value), value, wrap(node('bitcast', [bits.node], { dtype: 'float32' })));
}
