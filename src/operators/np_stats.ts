// jax.numpy's comparisons of whole arrays (isclose, allclose, arrayEqual), differences and
// integrals (diff, ediff1d, trapezoid, cumulativeSum), NaN-ignoring reductions (nansum,
// nanmean, nanargmax, ...), weighted and paired statistics (average, ptp, cov, corrcoef),
// 1-D convolution, interpolation and counting (interp, digitize, bincount, histogram), each
// with jnp's formulas (jax/_src/numpy/lax_numpy.py, reductions.py) over existing primitives.

import { node } from '../graph/node.js';
import { fmtShape, shapesEqual } from '../graph/shape.js';
import type { ArrayLike, AxisOptions, LaxArray } from './array.js';
import { IndexRef } from './at.js';
import { zeros } from './creation.js';
import {
  abs,
  add,
  clip,
  divide,
  equal,
  greater,
  isinf,
  isnan,
  lessEqual,
  less,
  logicalAnd,
  logicalNot,
  logicalOr,
  multiply,
  notEqual,
  sqrt,
  subtract,
  where,
} from './elementwise.js';
import { dot, matmul } from './linalg.js';
import { broadcastNode, castNode, iotaNode, scalarNode, toNode, typeOf, wrap } from './nodes.js';
import { promoted2 } from './np_math.js';
import { ravel, sliceAxis } from './np_stack.js';
import { searchsorted } from './np_sort.js';
import { all, argmax, argmin, cumprod, cumsum, max, min, prod, sum } from './reductions.js';
import { broadcastTo, concatenate, expandDims, flip, reshape } from './shape_ops.js';
import { checkAxis, checkBool, checkChoice, checkInt, checkNumber, checkOptions } from './validate.js';
import { promoteAll } from '../graph/dtype.js';

// ---- closeness and equality -----------------------------------------------------------

/** isclose as JAX: |a - b| <= atol + rtol |b| for finite values; infinities equal only to themselves; NaN never (unless equalNan). */
export function isclose(a: ArrayLike, b: ArrayLike, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): LaxArray {
  const o = checkOptions<{ rtol?: number; atol?: number; equalNan?: boolean }>('isclose', opts, ['rtol', 'atol', 'equalNan']);
  const rtol = checkNumber('isclose', 'rtol', o.rtol ?? 1e-5);
  const atol = checkNumber('isclose', 'atol', o.atol ?? 1e-8);
  const equalNan = o.equalNan === undefined ? false : checkBool('isclose', 'equalNan', o.equalNan);
  const [xn, yn] = promoted2(a, b, 'isclose');
  const [x, y] = [wrap(xn), wrap(yn)];
  if (x.dtype !== 'float32') return equal(x, y);
  let out = lessEqual(abs(subtract(x, y)), add(atol, multiply(rtol, abs(y))));
  const anyInf = logicalOr(isinf(x), isinf(y));
  out = logicalOr(logicalAnd(out, logicalNot(anyInf)), logicalAnd(logicalAnd(isinf(x), isinf(y)), equal(x, y)));
  const nan = logicalOr(isnan(x), isnan(y));
  out = logicalAnd(out, logicalNot(nan));
  return equalNan ? logicalOr(out, logicalAnd(isnan(x), isnan(y))) : out;
}
export const allclose = (a: ArrayLike, b: ArrayLike, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}) => all(isclose(a, b, opts));

/** arrayEqual: true when shapes match and every element is equal (NaNs equal with equalNan). A 0-d bool array. */
export function arrayEqual(a: ArrayLike, b: ArrayLike, opts: { equalNan?: boolean } = {}): LaxArray {
  const o = checkOptions<{ equalNan?: boolean }>('arrayEqual', opts, ['equalNan']);
  const x = toNode(a, 'arrayEqual', 0);
  const y = toNode(b, 'arrayEqual', 1);
  if (!shapesEqual(x.shape, y.shape)) return wrap(castNode(scalarNode(false), 'bool'));
  let eq = equal(wrap(x), wrap(y));
  if (o.equalNan) eq = logicalOr(eq, logicalAnd(isnan(wrap(x)), isnan(wrap(y))));
  return all(eq);
}
/** arrayEquiv: equal after broadcasting (false when the shapes do not broadcast). */
export function arrayEquiv(a: ArrayLike, b: ArrayLike): LaxArray {
  const x = toNode(a, 'arrayEquiv', 0);
  const y = toNode(b, 'arrayEquiv', 1);
  try {
    return all(equal(wrap(x), wrap(y)));
  } catch {
    return wrap(castNode(scalarNode(false), 'bool'));
  }
}

// ---- differences, sums along an axis ----------------------------------------------------

/** diff: the n-th discrete difference along `axis` (bools: notEqual), after prepend/append. */
export function diff(a: ArrayLike, opts: { n?: number; axis?: number; prepend?: ArrayLike; append?: ArrayLike } = {}): LaxArray {
  const o = checkOptions<{ n?: number; axis?: number; prepend?: ArrayLike; append?: ArrayLike }>('diff', opts, ['n', 'axis', 'prepend', 'append']);
  let x = wrap(toNode(a, 'diff'));
  if (x.ndim === 0) throw new TypeError('diff: diff requires input that is at least one dimensional');
  const n = checkInt('diff', 'n', o.n ?? 1, { min: 0 });
  const axis = checkAxis('diff', o.axis ?? -1, x.ndim);
  const edge = (v: ArrayLike) => {
    const e = wrap(toNode(v, 'diff'));
    return e.ndim === 0 ? broadcastTo(e, x.shape.map((d, i) => (i === axis ? 1 : d))) : e;
  };
  if (o.prepend !== undefined || o.append !== undefined) {
    x = concatenate([...(o.prepend !== undefined ? [edge(o.prepend)] : []), x, ...(o.append !== undefined ? [edge(o.append)] : [])], { axis });
  }
  for (let k = 0; k < n; k++) {
    const len = x.shape[axis];
    if (len === 0) break;
    const hi = sliceAxis(x, axis, 1, len);
    const lo = sliceAxis(x, axis, 0, len - 1);
    x = x.dtype === 'bool' ? notEqual(hi, lo) : subtract(hi, lo);
  }
  return x;
}

/** ediff1d: differences of the flattened array, with optional values before and after. */
export function ediff1d(a: ArrayLike, opts: { toEnd?: ArrayLike; toBegin?: ArrayLike } = {}): LaxArray {
  const o = checkOptions<{ toEnd?: ArrayLike; toBegin?: ArrayLike }>('ediff1d', opts, ['toEnd', 'toBegin']);
  const x = ravel(wrap(toNode(a, 'ediff1d')));
  const d = x.size === 0 ? x : subtract(sliceAxis(x, 0, 1, x.size), sliceAxis(x, 0, 0, x.size - 1));
  const parts = [...(o.toBegin !== undefined ? [ravel(wrap(toNode(o.toBegin, 'ediff1d')))] : []), d, ...(o.toEnd !== undefined ? [ravel(wrap(toNode(o.toEnd, 'ediff1d')))] : [])];
  return parts.length === 1 ? d : concatenate(parts);
}

/** trapezoid(y, { x, dx, axis }): the trapezoid rule along `axis` (default -1). */
export function trapezoid(y: ArrayLike, opts: { x?: ArrayLike; dx?: number; axis?: number } = {}): LaxArray {
  const o = checkOptions<{ x?: ArrayLike; dx?: number; axis?: number }>('trapezoid', opts, ['x', 'dx', 'axis']);
  const v = wrap(castNode(toNode(y, 'trapezoid'), 'float32'));
  const axis = checkAxis('trapezoid', o.axis ?? -1, v.ndim);
  const n = v.shape[axis];
  if (n === 0) return sum(v, { axis });
  const mid = add(sliceAxis(v, axis, 1, n), sliceAxis(v, axis, 0, n - 1));
  if (o.x === undefined) return multiply(sum(mid, { axis }), 0.5 * checkNumber('trapezoid', 'dx', o.dx ?? 1));
  let x = wrap(castNode(toNode(o.x, 'trapezoid'), 'float32'));
  const dx = x.ndim === 1 ? diff(x) : diff(x, { axis });
  x = x.ndim === 1 ? reshape(dx, v.shape.map((d, i) => (i === axis ? n - 1 : 1))) : dx;
  return multiply(sum(multiply(x, mid), { axis }), 0.5);
}

/** cumulativeSum / cumulativeProd (array API): along `axis` (required above 1-D), optionally starting with the identity. */
function cumulative(fn: string, scan: typeof cumsum, identity: number, a: ArrayLike, opts: { axis?: number; includeInitial?: boolean }): LaxArray {
  const o = checkOptions<{ axis?: number; includeInitial?: boolean }>(fn, opts, ['axis', 'includeInitial']);
  const x = wrap(toNode(a, fn));
  if (x.ndim === 0) throw new TypeError(`${fn}: input must have at least one dimension`);
  if (o.axis === undefined && x.ndim > 1) throw new TypeError(`${fn}: axis must be specified for arrays of more than one dimension (got shape ${fmtShape(x.shape)})`);
  const axis = checkAxis(fn, o.axis ?? 0, x.ndim);
  const r = scan(x, { axis });
  if (!o.includeInitial) return r;
  return concatenate([wrap(broadcastNode(castNode(scalarNode(identity), r.dtype), x.shape.map((d, i) => (i === axis ? 1 : d)))), r], { axis });
}
export const cumulativeSum = (a: ArrayLike, opts: { axis?: number; includeInitial?: boolean } = {}) => cumulative('cumulativeSum', cumsum, 0, a, opts);
export const cumulativeProd = (a: ArrayLike, opts: { axis?: number; includeInitial?: boolean } = {}) => cumulative('cumulativeProd', cumprod, 1, a, opts);

// ---- NaN-ignoring reductions ----------------------------------------------------------------

const nanFilled = (fn: string, a: ArrayLike, v: number): LaxArray => {
  const x = wrap(toNode(a, fn));
  return x.dtype === 'float32' ? where(isnan(x), v, x) : x;
};
type RedOpts = AxisOptions;
export const nansum = (a: ArrayLike, opts: RedOpts = {}) => sum(nanFilled('nansum', a, 0), opts);
export const nanprod = (a: ArrayLike, opts: RedOpts = {}) => prod(nanFilled('nanprod', a, 1), opts);
/** nanmax/nanmin: NaNs ignored; NaN where every value is NaN. */
function nanExtreme(fn: string, a: ArrayLike, opts: RedOpts, isMax: boolean): LaxArray {
  const x = wrap(toNode(a, fn));
  if (x.dtype !== 'float32') return isMax ? max(x, opts) : min(x, opts);
  const r = isMax ? max(where(isnan(x), -Infinity, x), opts) : min(where(isnan(x), Infinity, x), opts);
  return where(all(isnan(x), opts), NaN, r);
}
export const nanmax = (a: ArrayLike, opts: RedOpts = {}) => nanExtreme('nanmax', a, opts, true);
export const nanmin = (a: ArrayLike, opts: RedOpts = {}) => nanExtreme('nanmin', a, opts, false);
const notNanCount = (x: LaxArray, opts: RedOpts): LaxArray => wrap(castNode(sum(logicalNot(isnan(x)), opts).node, 'float32'));
/** nanmean: the mean of the non-NaN values (NaN where there are none). */
export function nanmean(a: ArrayLike, opts: RedOpts = {}): LaxArray {
  const x = wrap(castNode(toNode(a, 'nanmean'), 'float32'));
  return divide(sum(where(isnan(x), 0, x), opts), notNanCount(x, opts));
}
/** nanvar: centered on nanmean, sum of squares over the non-NaN count minus ddof (NaN when that is <= 0). */
export function nanvar(a: ArrayLike, opts: RedOpts & { ddof?: number } = {}): LaxArray {
  const o = checkOptions<RedOpts & { ddof?: number }>('nanvar', opts, ['axis', 'keepdims', 'ddof']);
  const x = wrap(castNode(toNode(a, 'nanvar'), 'float32'));
  const ddof = checkInt('nanvar', 'ddof', o.ddof ?? 0);
  const m = nanmean(x, { axis: o.axis, keepdims: true });
  const c = where(isnan(x), 0, subtract(x, m));
  const n = subtract(notNanCount(x, { axis: o.axis, keepdims: o.keepdims }), ddof);
  return where(lessEqual(n, 0), NaN, divide(sum(multiply(c, c), { axis: o.axis, keepdims: o.keepdims }), n));
}
export const nanstd = (a: ArrayLike, opts: RedOpts & { ddof?: number } = {}) => sqrt(nanvar(a, opts));
/** nanargmax/nanargmin: the index ignoring NaNs; -1 where every value is NaN (JAX). */
function nanArg(fn: string, a: ArrayLike, opts: { axis?: number; keepdims?: boolean }, isMax: boolean): LaxArray {
  const o = checkOptions<{ axis?: number; keepdims?: boolean }>(fn, opts, ['axis', 'keepdims']);
  const x = wrap(toNode(a, fn));
  if (x.dtype !== 'float32') return isMax ? argmax(x, o) : argmin(x, o);
  const r = isMax ? argmax(where(isnan(x), -Infinity, x), o) : argmin(where(isnan(x), Infinity, x), o);
  return where(all(isnan(x), o), -1, r);
}
export const nanargmax = (a: ArrayLike, opts: { axis?: number; keepdims?: boolean } = {}) => nanArg('nanargmax', a, opts, true);
export const nanargmin = (a: ArrayLike, opts: { axis?: number; keepdims?: boolean } = {}) => nanArg('nanargmin', a, opts, false);
export const nancumsum = (a: ArrayLike, opts: { axis?: number } = {}) => cumsum(nanFilled('nancumsum', a, 0), opts);
export const nancumprod = (a: ArrayLike, opts: { axis?: number } = {}) => cumprod(nanFilled('nancumprod', a, 1), opts);

// ---- statistics ------------------------------------------------------------------------------

/** ptp: max - min along the axes. */
export const ptp = (a: ArrayLike, opts: RedOpts = {}) => {
  const x = wrap(toNode(a, 'ptp'));
  return subtract(max(x, opts), min(x, opts));
};

/** average(a, { axis, weights, keepdims }): sum(a w) / sum(w) (the mean without weights). 1-D weights apply along a single axis. */
export function average(a: ArrayLike, opts: { axis?: number | number[] | null; weights?: ArrayLike; keepdims?: boolean } = {}): LaxArray {
  const o = checkOptions<{ axis?: number | number[] | null; weights?: ArrayLike; keepdims?: boolean }>('average', opts, ['axis', 'weights', 'keepdims']);
  const x = wrap(castNode(toNode(a, 'average'), 'float32'));
  const red = { axis: o.axis ?? undefined, keepdims: o.keepdims };
  if (o.weights === undefined) return divide(sum(x, red), sumCount(x, o.axis));
  let w = wrap(castNode(toNode(o.weights, 'average', 1), 'float32'));
  if (!shapesEqual(w.shape, x.shape)) {
    if (o.axis === undefined || o.axis === null || Array.isArray(o.axis)) throw new TypeError('average: Axis must be specified when shapes of a and weights differ.');
    const axis = checkAxis('average', o.axis, x.ndim);
    if (w.ndim !== 1 || w.shape[0] !== x.shape[axis]) throw new TypeError(`average: Length of weights ${fmtShape(w.shape)} not compatible with specified axis ${axis} of shape ${fmtShape(x.shape)}`);
    w = reshape(w, x.shape.map((d, i) => (i === axis ? d : 1)));
  }
  return divide(sum(multiply(x, w), red), sum(broadcastTo(w, x.shape), red));
}
const sumCount = (x: LaxArray, axis: number | number[] | null | undefined): number =>
  axis === undefined || axis === null ? x.size : (Array.isArray(axis) ? axis : [axis]).reduce((n, ax) => n * x.shape[checkAxis('average', ax, x.ndim)], 1);

interface CovOpts {
  y?: ArrayLike;
  rowvar?: boolean;
  bias?: boolean;
  ddof?: number;
}
/** cov(m, { y, rowvar, bias, ddof }): covariance of the variables (rows, or columns with rowvar false). */
export function cov(m: ArrayLike, opts: CovOpts = {}): LaxArray {
  const o = checkOptions<CovOpts>('cov', opts, ['y', 'rowvar', 'bias', 'ddof']);
  let x = wrap(castNode(toNode(m, 'cov'), 'float32'));
  if (x.ndim > 2) throw new TypeError(`cov: m has more than 2 dimensions, got shape ${fmtShape(x.shape)}`);
  const rowvar = o.rowvar ?? true;
  const vars = (v: LaxArray) => {
    const v2 = v.ndim < 2 ? reshape(v, [1, v.size]) : v;
    return !rowvar && v2.shape[0] !== 1 ? wrap(node('transpose', [v2.node], { perm: [1, 0] })) : v2;
  };
  x = vars(x);
  if (o.y !== undefined) x = concatenate([x, vars(wrap(castNode(toNode(o.y, 'cov', 1), 'float32')))], { axis: 0 });
  const n = x.shape[1];
  const ddof = o.ddof !== undefined ? checkInt('cov', 'ddof', o.ddof) : o.bias ? 0 : 1;
  const c = subtract(x, divide(sum(x, { axis: 1, keepdims: true }), n));
  const r = divide(matmul(c, wrap(node('transpose', [c.node], { perm: [1, 0] }))), Math.max(n - ddof, 0));
  return r.shape[0] === 1 ? reshape(r, []) : r;
}
/** corrcoef: cov / (std_i std_j), clipped to [-1, 1]. */
export function corrcoef(x: ArrayLike, opts: { y?: ArrayLike; rowvar?: boolean } = {}): LaxArray {
  const o = checkOptions<{ y?: ArrayLike; rowvar?: boolean }>('corrcoef', opts, ['y', 'rowvar']);
  const c = cov(x, o);
  if (c.ndim === 0) return divide(c, c);
  const d = sqrt(diagOf(c));
  return clip(divide(divide(c, expandDims(d, 1)), expandDims(d, 0)), -1, 1);
}
const diagOf = (c: LaxArray) => {
  const n = c.shape[0];
  return sliceAxis(reshape(c, [n * n]), 0, 0, n * n, n + 1);
};

// ---- convolution -----------------------------------------------------------------------------

type ConvMode = 'full' | 'same' | 'valid';
/**
 * JAX's _conv: pad `a` (full: nw - 1 each side; same: nw // 2 before, nw - nw // 2 - 1 after;
 * valid: none) and correlate with `w`: out[k] = sum_t apad[k + t] w[t], as one gather of the
 * windows and one dot.
 */
function correlateValid(fn: string, a: LaxArray, w: LaxArray, mode: ConvMode): LaxArray {
  const nw = w.shape[0];
  const [lo, hi] = mode === 'full' ? [nw - 1, nw - 1] : mode === 'same' ? [Math.floor(nw / 2), nw - Math.floor(nw / 2) - 1] : [0, 0];
  const zerosOf = (k: number) => wrap(broadcastNode(castNode(scalarNode(0), a.dtype), [k]));
  const ap = lo || hi ? concatenate([...(lo ? [zerosOf(lo)] : []), a, ...(hi ? [zerosOf(hi)] : [])]) : a;
  const len = ap.shape[0] - nw + 1;
  if (len <= 0) throw new RangeError(`${fn}: the output would be empty`);
  const windows = wrap(node('gather', [ap.node, node('add', [iotaNode([len, nw], 0), iotaNode([len, nw], 1)], {})], {}));
  return dot(windows, w);
}
function convArgs(fn: string, a: ArrayLike, v: ArrayLike, mode: unknown): [LaxArray, LaxArray, ConvMode] {
  const m = mode === undefined ? 'full' : checkChoice(fn, 'mode', mode, ['full', 'same', 'valid'] as const);
  let x = toNode(a, fn, 0);
  let y = toNode(v, fn, 1);
  if (x.shape.length !== 1 || y.shape.length !== 1) throw new TypeError(`${fn}() only support 1-dimensional inputs, got shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  if (x.size === 0 || y.size === 0) throw new RangeError(`${fn}: inputs cannot be empty, got shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  let dtype = promoteAll([typeOf(x), typeOf(y)]).dtype;
  if (dtype === 'bool') dtype = 'int32';
  x = castNode(x, dtype);
  y = castNode(y, dtype);
  return [wrap(x), wrap(y), m];
}
/** convolve(a, v, { mode }): 1-D discrete convolution ('full' default, 'same', 'valid'). */
export function convolve(a: ArrayLike, v: ArrayLike, opts: { mode?: ConvMode } = {}): LaxArray {
  const o = checkOptions<{ mode?: ConvMode }>('convolve', opts, ['mode']);
  let [x, y, mode] = convArgs('convolve', a, v, o.mode);
  if (y.shape[0] > x.shape[0]) [x, y] = [y, x];
  return correlateValid('convolve', x, flip(y), mode);
}
/** correlate(a, v, { mode }): 1-D cross-correlation ('valid' default). */
export function correlate(a: ArrayLike, v: ArrayLike, opts: { mode?: ConvMode } = {}): LaxArray {
  const o = checkOptions<{ mode?: ConvMode }>('correlate', opts, ['mode']);
  const [x, y, mode] = convArgs('correlate', a, v, o.mode ?? 'valid');
  if (y.shape[0] > x.shape[0]) return flip(correlateValid('correlate', y, x, mode));
  return correlateValid('correlate', x, y, mode);
}

// ---- interpolation and counting --------------------------------------------------------------

/** interp(x, xp, fp, { left, right }): piecewise-linear interpolation on increasing xp (float32). */
export function interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, opts: { left?: number; right?: number } = {}): LaxArray {
  const o = checkOptions<{ left?: number; right?: number }>('interp', opts, ['left', 'right']);
  const q = wrap(castNode(toNode(x, 'interp', 0), 'float32'));
  const px = wrap(castNode(toNode(xp, 'interp', 1), 'float32'));
  const pf = wrap(castNode(toNode(fp, 'interp', 2), 'float32'));
  if (px.ndim !== 1 || pf.ndim !== 1 || px.shape[0] !== pf.shape[0]) throw new TypeError(`interp: xp and fp must be one-dimensional arrays of equal size, got shapes ${fmtShape(px.shape)} and ${fmtShape(pf.shape)}`);
  const n = px.shape[0];
  if (n === 0) throw new RangeError('interp: xp and fp must be non-empty');
  const i = clip(searchsorted(px, q, { side: 'right' }), 1, Math.max(n - 1, 1));
  const at = (arr: LaxArray, idx: LaxArray) => wrap(node('gather', [arr.node, clip(idx, 0, n - 1).node], {}));
  const df = subtract(at(pf, i), at(pf, subtract(i, 1)));
  const dx = subtract(at(px, i), at(px, subtract(i, 1)));
  const delta = subtract(q, at(px, subtract(i, 1)));
  const eps = 1.1920928955078125e-7;
  const dx0 = lessEqual(abs(dx), eps);
  let f = where(dx0, at(pf, i), add(at(pf, subtract(i, 1)), multiply(divide(delta, where(dx0, 1, dx)), df)));
  const x0 = at(px, wrap(broadcastNode(scalarNode(0, 'int32'), q.shape)));
  const xn = at(px, wrap(broadcastNode(scalarNode(n - 1, 'int32'), q.shape)));
  f = where(less(q, x0), o.left ?? at(pf, wrap(broadcastNode(scalarNode(0, 'int32'), q.shape))), f);
  f = where(less(xn, q), o.right ?? at(pf, wrap(broadcastNode(scalarNode(n - 1, 'int32'), q.shape))), f);
  return n === 1 ? where(isnan(q), q, at(pf, wrap(broadcastNode(scalarNode(0, 'int32'), q.shape)))) : f;
}

/** digitize(x, bins, { right }): the bin index of each x for increasing bins (searchsorted, side 'right' unless right). */
export function digitize(x: ArrayLike, bins: ArrayLike, opts: { right?: boolean } = {}): LaxArray {
  const o = checkOptions<{ right?: boolean }>('digitize', opts, ['right']);
  return searchsorted(bins, x, { side: o.right ? 'left' : 'right' });
}

/** bincount(x, { weights, length }): counts (or summed weights) of each non-negative integer below `length` (required: the output shape is static). */
export function bincount(x: ArrayLike, opts: { weights?: ArrayLike; length?: number; minlength?: number } = {}): LaxArray {
  const o = checkOptions<{ weights?: ArrayLike; length?: number; minlength?: number }>('bincount', opts, ['weights', 'length', 'minlength']);
  const v = wrap(toNode(x, 'bincount', 0));
  if (v.dtype !== 'int32' && v.dtype !== 'uint32' && v.dtype !== 'bool') throw new TypeError(`bincount: x argument to bincount must have an integer type, got ${v.dtype}`);
  if (v.ndim !== 1) throw new TypeError(`bincount: x must be one-dimensional, got shape ${fmtShape(v.shape)}`);
  if (o.length === undefined) throw new TypeError('bincount: the length option is required (laxflow arrays are lazy, so the output size must be given, as under jax.jit)');
  const length = Math.max(checkInt('bincount', 'length', o.length, { min: 0 }), checkInt('bincount', 'minlength', o.minlength ?? 0, { min: 0 }));
  const w = o.weights === undefined ? null : wrap(toNode(o.weights, 'bincount', 1));
  const dtype = w ? w.dtype : 'int32';
  const idx = clip(wrap(castNode(v.node, 'int32')), 0, null);
  return new IndexRef(zeros([length], { dtype }), [idx]).add(w ?? 1);
}

/** histogram(a, { bins, range, weights, density }): [counts, edges] over `bins` equal bins (the last closed), range default [min, max]. */
export function histogram(a: ArrayLike, opts: { bins?: number; range?: [number, number]; weights?: ArrayLike; density?: boolean } = {}): [LaxArray, LaxArray] {
  const o = checkOptions<{ bins?: number; range?: [number, number]; weights?: ArrayLike; density?: boolean }>('histogram', opts, ['bins', 'range', 'weights', 'density']);
  const x = ravel(wrap(castNode(toNode(a, 'histogram'), 'float32')));
  const bins = checkInt('histogram', 'bins', o.bins ?? 10, { min: 1 });
  let lo: LaxArray | number;
  let hi: LaxArray | number;
  if (o.range !== undefined) {
    [lo, hi] = [checkNumber('histogram', 'range', o.range[0]), checkNumber('histogram', 'range', o.range[1])];
    if (lo > hi) throw new RangeError('histogram: max must be larger than min in range parameter.');
  } else [lo, hi] = [min(x), max(x)];
  // jnp.histogram_bin_edges: equal min and max widen to min - 0.5, max + 0.5
  const same = equal(lo, hi);
  const l = where(same, subtract(lo, 0.5), lo);
  const h = where(same, add(hi, 0.5), hi);
  const t = divide(wrap(castNode(iotaNode([bins + 1], 0), 'float32')), bins);
  const edges = add(l, multiply(subtract(h, l), t));
  const i = clip(subtract(searchsorted(edges, x, { side: 'right' }), 1), 0, bins - 1);
  const inRange = logicalAnd(lessEqual(sliceAxis(edges, 0, 0, 1), x), lessEqual(x, sliceAxis(edges, 0, bins, bins + 1)));
  const w0 = o.weights === undefined ? wrap(castNode(inRange.node, 'float32')) : where(inRange, ravel(wrap(castNode(toNode(o.weights, 'histogram', 1), 'float32'))), 0);
  let counts = new IndexRef(zeros([bins]), [i]).add(w0);
  if (o.density) counts = divide(divide(counts, sum(counts)), subtract(sliceAxis(edges, 0, 1, bins + 1), sliceAxis(edges, 0, 0, bins)));
  return [counts, edges];
}
export const histogramBinEdges = (a: ArrayLike, opts: { bins?: number; range?: [number, number] } = {}) => histogram(a, checkOptions('histogramBinEdges', opts, ['bins', 'range']))[1];


/**
 * gradient(f, { axis, spacing }): central differences (f[i+1] - f[i-1]) / 2h inside, one-sided
 * first differences at the two ends (NumPy's edge_order=1), along one axis (default: every
 * axis, a list of arrays).
 */
export function gradient(f: ArrayLike, opts: { axis?: number; spacing?: number } = {}): LaxArray | LaxArray[] {
  const o = checkOptions<{ axis?: number; spacing?: number }>('gradient', opts, ['axis', 'spacing']);
  const x = wrap(castNode(toNode(f, 'gradient'), 'float32'));
  const h = checkNumber('gradient', 'spacing', o.spacing ?? 1);
  const along = (axis: number): LaxArray => {
    const n = x.shape[axis];
    if (n < 2) throw new RangeError('gradient: Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) elements are required.');
    const first = divide(subtract(sliceAxis(x, axis, 1, 2), sliceAxis(x, axis, 0, 1)), h);
    const last = divide(subtract(sliceAxis(x, axis, n - 1, n), sliceAxis(x, axis, n - 2, n - 1)), h);
    if (n === 2) return concatenate([first, last], { axis });
    const mid = divide(subtract(sliceAxis(x, axis, 2, n), sliceAxis(x, axis, 0, n - 2)), 2 * h);
    return concatenate([first, mid, last], { axis });
  };
  if (o.axis !== undefined) return along(checkAxis('gradient', o.axis, x.ndim));
  const all = x.shape.map((_, ax) => along(ax));
  return all.length === 1 ? all[0] : all;
}

/** unwrap(p, { discont, axis, period }): p with jumps larger than discont (default period / 2) along axis replaced by their period complement. */
export function unwrap(p: ArrayLike, opts: { discont?: number; axis?: number; period?: number } = {}): LaxArray {
  const o = checkOptions<{ discont?: number; axis?: number; period?: number }>('unwrap', opts, ['discont', 'axis', 'period']);
  const x = wrap(castNode(toNode(p, 'unwrap'), 'float32'));
  const axis = checkAxis('unwrap', o.axis ?? -1, x.ndim);
  const period = checkNumber('unwrap', 'period', o.period ?? 2 * Math.PI);
  const half = period / 2;
  const discont = Math.max(checkNumber('unwrap', 'discont', o.discont ?? half), half);
  const n = x.shape[axis];
  if (n < 2) return x;
  const dd = diff(x, { axis });
  // NumPy: ddmod = mod(dd + half, period) - half; ddmod[(ddmod == -half) & (dd > 0)] = half
  let ddmod = subtract(remainderOf(add(dd, half), period), half);
  ddmod = where(logicalAnd(equal(ddmod, -half), greater(dd, 0)), half, ddmod);
  const correction = where(less(abs(dd), discont), 0, subtract(ddmod, dd));
  const cum = cumsum(correction, { axis });
  return concatenate([sliceAxis(x, axis, 0, 1), add(sliceAxis(x, axis, 1, n), cum)], { axis });
}
const remainderOf = (a: LaxArray, m: number): LaxArray => subtract(a, multiply(floorOf(divide(a, m)), m));
const floorOf = (a: LaxArray): LaxArray => wrap(node('floor', [a.node], {}));
