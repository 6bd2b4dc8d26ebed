// jax.lax: the primitive-level API (exact dtypes, no promotion), scan and associativeScan.

import type { DType } from '../graph/dtype.js';
import { node } from '../graph/node.js';
import { fmtShape, normalizeAxis, shapesEqual } from '../graph/shape.js';
import type { LaxArray } from './array.js';
import * as np from './np.js';
import type { ArrayLike, SliceIndex } from './array.js';
import { basicIndex } from './indexing.js';
import { broadcastNode, castNode, toNode, wrap } from './nodes.js';
import { flattenNodes } from './trace.js';
import { unflatten } from '../graph/pytree.js';

export { scan } from './scan.js';

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'rem' | 'max' | 'min' | 'pow' | 'atan2' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or' | 'xor' | 'shl' | 'shr';

/** lax binary ops need equal dtypes; JS numbers take the other operand's dtype. */
function laxBinary(prim: BinaryName, name: string) {
  return (a: ArrayLike, b: ArrayLike): LaxArray => {
    let x = toNode(a);
    let y = toNode(b);
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
  const x = toNode(a);
  if (x.dtype !== 'uint32') throw new TypeError(`lax.shift_right_logical: use uint32 operands here, got ${x.dtype}`);
  return shiftRight(a, b);
};

export const select = (pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike) => wrap(node('select', [toNode(pred), toNode(onTrue), toNode(onFalse)], {}));
export const convertElementType = (x: ArrayLike, dtype: DType) => wrap(castNode(toNode(x), dtype));
export const bitcastConvertType = (x: ArrayLike, dtype: DType) => wrap(node('bitcast', [toNode(x)], { dtype }));
export const iota = (dtype: DType, size: number) => wrap(node('iota', [], { shape: [size], dtype, axis: 0 }));
export const broadcastedIota = (dtype: DType, shape: number[], dimension: number) => wrap(node('iota', [], { shape, dtype, axis: normalizeAxis(dimension, shape.length) }));
export const broadcastInDim = (x: ArrayLike, shape: number[], dims: number[]) => wrap(node('broadcast', [toNode(x)], { shape, dims }));
export const slice = (x: ArrayLike, starts: number[], limits: number[], strides?: number[]) =>
  wrap(node('slice', [toNode(x)], { starts, limits, strides: strides ?? starts.map(() => 1) }));
export const rev = (x: ArrayLike, dimensions: number[]) => wrap(node('rev', [toNode(x)], { axes: dimensions }));
export const dotGeneral = (a: ArrayLike, b: ArrayLike, dims: [[number[], number[]], [number[], number[]]]) =>
  wrap(node('dot', [toNode(a), toNode(b)], { lhsContract: dims[0][0], rhsContract: dims[0][1], lhsBatch: dims[1][0], rhsBatch: dims[1][1] }));
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
