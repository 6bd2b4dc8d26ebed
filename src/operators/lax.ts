// jax.lax: the primitive-level API (exact dtypes, no promotion), scan and associativeScan.

import type { DType } from '../graph/dtype.js';
import { node } from '../graph/node.js';
import { fmtShape, normalizeAxis, shapesEqual } from '../graph/shape.js';
import type { LaxArray } from './array.js';
import * as np from './np.js';
import type { ArrayLike, SliceIndex } from './array.js';
import { basicIndex } from './indexing.js';
import { broadcastNode, castNode, toNode, wrap } from './nodes.js';
import { checkAxis, checkDType, checkInt, checkShape, describe } from './validate.js';
import { flattenNodes } from './trace.js';
import { unflatten } from '../graph/pytree.js';

export { scan } from './scan.js';

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'rem' | 'max' | 'min' | 'pow' | 'atan2' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or' | 'xor' | 'shl' | 'shr';

/** lax binary ops need equal dtypes; JS numbers take the other operand's dtype. */
function laxBinary(prim: BinaryName, name: string) {
  return (a: ArrayLike, b: ArrayLike): LaxArray => {
    let x = toNode(a, `lax.${name}`, 0);
    let y = toNode(b, `lax.${name}`, 1);
    if (x.weak && !y.weak) x = castNode(x, y.dtype);
    if (y.weak && !x.weak) y = castNode(y, x.dtype);
    if (x.dtype !== y.dtype) throw new TypeError(`lax.${name} requires arguments to have the same dtypes, got ${x.dtype}, ${y.dtype}`);
    const shape = x.shape.length === 0 ? y.shape : x.shape;
    if (x.shape.length && y.shape.length && !shapesEqual(x.shape, y.shape)) {
      throw new TypeError(`lax.${name} requires arguments to have the same shape, got ${fmtShape(x.shape)}, ${fmtShape(y.shape)}`);
    }
    return wrap(node(prim, [broadcastNode(x, shape), broadcastNode(y, shape)], {}));
  };
}

export const add = laxBinary('add', 'add');
export const sub = laxBinary('sub', 'sub');
export const mul = laxBinary('mul', 'mul');
export const div = laxBinary('div', 'div');
export const rem = laxBinary('rem', 'rem');
export const max = laxBinary('max', 'max');
export const min = laxBinary('min', 'min');
export const pow = laxBinary('pow', 'pow');
export const atan2 = laxBinary('atan2', 'atan2');
export const eq = laxBinary('eq', 'eq');
export const ne = laxBinary('ne', 'ne');
export const lt = laxBinary('lt', 'lt');
export const le = laxBinary('le', 'le');
export const gt = laxBinary('gt', 'gt');
export const ge = laxBinary('ge', 'ge');
export const bitwiseAnd = laxBinary('and', 'bitwise_and');
export const bitwiseOr = laxBinary('or', 'bitwise_or');
export const bitwiseXor = laxBinary('xor', 'bitwise_xor');
export const shiftLeft = laxBinary('shl', 'shift_left');
/** Logical shift for uint32, arithmetic for int32. */
export const shiftRight = laxBinary('shr', 'shift_right');
export const shiftRightLogical = (a: ArrayLike, b: ArrayLike) => {
  const x = toNode(a, 'lax.shift_right_logical');
  if (x.dtype !== 'uint32') throw new TypeError(`lax.shift_right_logical: use uint32 operands here, got ${x.dtype}`);
  return shiftRight(a, b);
};

/** A list of integers, one per dimension of an operand of `ndim` dimensions (slice starts, limits, strides). */
function intList(fn: string, what: string, v: unknown, ndim: number): number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isInteger(d))) throw new TypeError(`${fn}: ${what} must be an array of integers, got ${describe(v)}`);
  if (v.length !== ndim) throw new TypeError(`${fn}: ${what} must have length equal to the number of dimensions of the operand, got ${what} ${fmtShape(v)} for an operand of dimension ${ndim}`);
  return [...v];
}

export const select = (pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike) => {
  const [p, t, f] = [toNode(pred, 'lax.select', 0), toNode(onTrue, 'lax.select', 1), toNode(onFalse, 'lax.select', 2)];
  if (p.dtype !== 'bool') throw new TypeError(`lax.select: pred must be boolean type, got ${p.dtype}`);
  if (t.dtype !== f.dtype || !shapesEqual(t.shape, f.shape)) throw new TypeError(`lax.select: cases must have the same shapes and dtypes, got ${t.dtype}${fmtShape(t.shape)} and ${f.dtype}${fmtShape(f.shape)}`);
  if (p.shape.length && !shapesEqual(p.shape, t.shape)) throw new TypeError(`lax.select: pred must be scalar or have the same shape as cases, got pred shape ${fmtShape(p.shape)} for cases of shape ${fmtShape(t.shape)}`);
  return wrap(node('select', [broadcastNode(p, t.shape), t, f], {}));
};
export const convertElementType = (x: ArrayLike, dtype: DType) => wrap(castNode(toNode(x, 'lax.convert_element_type'), checkDType('lax.convert_element_type', dtype) ?? missingDType('lax.convert_element_type')));
export const bitcastConvertType = (x: ArrayLike, dtype: DType) => wrap(node('bitcast', [toNode(x, 'lax.bitcast_convert_type')], { dtype: checkDType('lax.bitcast_convert_type', dtype) ?? missingDType('lax.bitcast_convert_type') }));
function missingDType(fn: string): never {
  throw new TypeError(`${fn}: a dtype is required (laxflow has float32, int32, uint32, bool)`);
}
export const iota = (dtype: DType, size: number) => {
  const d = checkDType('lax.iota', dtype) ?? missingDType('lax.iota');
  return wrap(node('iota', [], { shape: checkShape('lax.iota', [checkInt('lax.iota', 'size', size)]), dtype: d, axis: 0 }));
};
export const broadcastedIota = (dtype: DType, shape: number[], dimension: number) => {
  const d = checkDType('lax.broadcasted_iota', dtype) ?? missingDType('lax.broadcasted_iota');
  const s = checkShape('lax.broadcasted_iota', shape);
  return wrap(node('iota', [], { shape: s, dtype: d, axis: checkAxis('lax.broadcasted_iota', dimension, s.length, 'dimension') }));
};
export const broadcastInDim = (x: ArrayLike, shape: number[], dims: number[]) => {
  const n = toNode(x, 'lax.broadcast_in_dim');
  const s = checkShape('lax.broadcast_in_dim', shape);
  const d = intList('lax.broadcast_in_dim', 'broadcast_dimensions', dims, n.shape.length);
  d.forEach((ax) => checkAxis('lax.broadcast_in_dim', ax, s.length, 'broadcast dimension'));
  if (d.some((ax, i) => i > 0 && ax <= d[i - 1])) throw new TypeError(`lax.broadcast_in_dim: broadcast_dimensions must be strictly increasing, got ${fmtShape(d)}`);
  return wrap(node('broadcast', [n], { shape: s, dims: d }));
};
/**
 * lax.slice: `starts <= limits <= shape`, positive strides, with lax's messages (a slice past
 * the end is an error, never a read of whatever lies beyond).
 */
export const slice = (x: ArrayLike, starts: number[], limits: number[], strides?: number[]) => {
  const n = toNode(x, 'lax.slice');
  const nd = n.shape.length;
  const st = intList('lax.slice', 'start_indices', starts, nd);
  const li = intList('lax.slice', 'limit_indices', limits, nd);
  const sd = strides === undefined || strides === null ? st.map(() => 1) : intList('lax.slice', 'strides', strides, nd);
  if (st.some((v) => v < 0)) throw new RangeError(`lax.slice: start_indices must be greater than or equal to zero, got start_indices ${fmtShape(st)}`);
  if (li.some((v, i) => v > n.shape[i])) throw new RangeError(`lax.slice: limit_indices must be less than or equal to operand shape, got limit_indices ${fmtShape(li)} and shape ${fmtShape(n.shape)}`);
  if (li.some((v, i) => v < st[i])) throw new RangeError(`lax.slice: limit_indices must be greater than or equal to start_indices, got start_indices ${fmtShape(st)} and limit_indices ${fmtShape(li)}`);
  if (sd.some((v) => v <= 0)) throw new RangeError(`lax.slice: strides must be positive, got ${fmtShape(sd)}`);
  return wrap(node('slice', [n], { starts: st, limits: li, strides: sd }));
};
/** lax.rev: `dimensions` unique and each less than the operand's ndim (JAX's wording). */
export const rev = (x: ArrayLike, dimensions: number[]) => {
  const n = toNode(x, 'lax.rev');
  if (!Array.isArray(dimensions) || dimensions.some((d) => typeof d !== 'number' || !Number.isInteger(d))) throw new TypeError(`lax.rev: dimensions must be an array of integers, got ${describe(dimensions)}`);
  if (new Set(dimensions).size !== dimensions.length) throw new RangeError(`lax.rev: rev dimensions must be unique, got ${fmtShape(dimensions)}.`);
  if (dimensions.some((d) => d < 0 || d >= n.shape.length)) throw new RangeError(`lax.rev: rev dimensions must all be less than operand ndim, got dimensions ${fmtShape(dimensions)} for operand ndim ${n.shape.length}.`);
  return wrap(node('rev', [n], { axes: [...dimensions] }));
};
export const dotGeneral = (a: ArrayLike, b: ArrayLike, dims: [[number[], number[]], [number[], number[]]]) => {
  const [x, y] = [toNode(a, 'lax.dot_general', 0), toNode(b, 'lax.dot_general', 1)];
  const ok = Array.isArray(dims) && dims.length === 2 && dims.every((p) => Array.isArray(p) && p.length === 2 && p.every((l) => Array.isArray(l) && l.every((d) => typeof d === 'number' && Number.isInteger(d))));
  if (!ok) throw new TypeError(`lax.dot_general: dimension_numbers must be [[lhs_contract, rhs_contract], [lhs_batch, rhs_batch]] of integer arrays, got ${describe(dims)}`);
  const axes = (list: number[], nd: number, what: string) => list.map((d) => checkAxis('lax.dot_general', d, nd, `${what} dimension`));
  const [lc, rc] = [axes(dims[0][0], x.shape.length, 'lhs contracting'), axes(dims[0][1], y.shape.length, 'rhs contracting')];
  const [lb, rb] = [axes(dims[1][0], x.shape.length, 'lhs batch'), axes(dims[1][1], y.shape.length, 'rhs batch')];
  return wrap(node('dot', [x, y], { lhsContract: lc, rhsContract: rc, lhsBatch: lb, rhsBatch: rb }));
};
export const cumsum = (x: ArrayLike, opts: { axis?: number; reverse?: boolean } = {}) => np.cumsum(x, opts);
export const cumprod = (x: ArrayLike, opts: { axis?: number; reverse?: boolean } = {}) => np.cumprod(x, opts);
export const cummax = np.cummax;
export const cummin = np.cummin;

function sliceAxis(x: LaxArray, axis: number, start: number, stop: number | null, step = 1): LaxArray {
  const idx = x.shape.map((): SliceIndex => null);
  idx[axis] = np.slice(start, stop, step);
  return basicIndex(x, idx);
}

/** Interleave a (ceil(n/2) rows) and b (floor(n/2) rows) along `axis`: a0 b0 a1 b1 ... */
function interleave(a: LaxArray, b: LaxArray, axis: number): LaxArray {
  const na = a.shape[axis];
  const nb = b.shape[axis];
  const pairs = sliceAxis(a, axis, 0, nb);
  const both = np.stack([pairs, b], { axis: axis + 1 });
  const merged = np.reshape(both, a.shape.map((d, i) => (i === axis ? 2 * nb : d)));
  return na > nb ? np.concatenate([merged, sliceAxis(a, axis, nb, na)], { axis }) : merged;
}

/**
 * lax.associative_scan: inclusive scan with an associative `fn` over pytrees of arrays,
 * by JAX's odd/even recursion (O(log n) depth of batched `fn` calls).
 */
export function associativeScan<T>(fn: (a: T, b: T) => T, elems: T, opts: { reverse?: boolean; axis?: number } = {}): T {
  const [leaves, def] = flattenNodes(elems);
  if (leaves.length === 0) throw new TypeError('associative_scan: elems must contain at least one array');
  const axis = normalizeAxis(opts.axis ?? 0, leaves[0].shape.length);
  const n = leaves[0].shape[axis];
  if (leaves.some((l) => l.shape[axis] !== n)) throw new TypeError(`associative_scan: array inputs to associative_scan must have the same first dimension, got ${leaves.map((l) => fmtShape(l.shape)).join(', ')}`);
  let xs = leaves.map(wrap);
  if (opts.reverse) xs = xs.map((x) => np.flip(x, axis));
  const combine = (a: LaxArray[], b: LaxArray[]): LaxArray[] => {
    const out = fn(unflatten(def, a) as T, unflatten(def, b) as T);
    return flattenNodes(out)[0].map(wrap);
  };
  const rec = (elems: LaxArray[]): LaxArray[] => {
    const m = elems[0].shape[axis];
    if (m < 2) return elems;
    const reduced = combine(elems.map((e) => sliceAxis(e, axis, 0, m - 1, 2)), elems.map((e) => sliceAxis(e, axis, 1, null, 2)));
    const odd = rec(reduced);
    const even =
      m % 2 === 0
        ? combine(odd.map((e) => sliceAxis(e, axis, 0, e.shape[axis] - 1)), elems.map((e) => sliceAxis(e, axis, 2, null, 2)))
        : combine(odd, elems.map((e) => sliceAxis(e, axis, 2, null, 2)));
    const evenFull = elems.map((e, i) => np.concatenate([sliceAxis(e, axis, 0, 1), even[i]], { axis }));
    return evenFull.map((e, i) => interleave(e, odd[i], axis));
  };
  let out = rec(xs);
  if (opts.reverse) out = out.map((x) => np.flip(x, axis));
  return unflatten(def, out) as T;
}

export { cond, foriLoop, optimizationBarrier, stopGradient, switchFn as switch, whileLoop } from './control_flow.js';
export { dynamicSlice, dynamicSliceInDim, dynamicUpdateSlice, dynamicUpdateSliceInDim, map, reducePrecision, rsqrt, sliceInDim, sort, sortKeyVal, topK } from './lax_extras.js';
