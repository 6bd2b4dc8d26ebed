// jax.numpy's sorting and order statistics: sort, argsort, searchsorted, median, quantile,
// percentile and their nan- forms. Values become uint32 keys in JAX's sort order
// (lax._float_to_int_for_sort: -0 equals 0, every NaN equals NaN and sorts last), which the
// bitonic network of sort_network.ts sorts stably along the last axis; other axes are moved
// there and back.

import { node, type Node } from '../graph/node.js';
import { fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { add, ceil, equal, floor, isnan, less, lessEqual, logicalNot, multiply, subtract, where } from './elementwise.js';
import { broadcastNode, castNode, reshapeNode, scalarNode, toNode, wrap } from './nodes.js';
import { moveaxis, ravel } from './np_stack.js';
import { any, sum } from './reductions.js';
import { expandDims, flip, reshape } from './shape_ops.js';
import { argsortKeys, gatherRows } from './sort_network.js';
import { takeAlongAxis } from './np_index.js';
import { checkAxis, checkBool, checkChoice, checkNumber, checkOptions, describe } from './validate.js';

const u32 = (v: number, shape: readonly number[]) => broadcastNode(scalarNode(v, 'uint32'), shape);

/** uint32 keys whose unsigned order is JAX's sort order of `x`'s values. */
export function sortKeys(x: Node): Node {
  const s = x.shape;
  if (x.dtype === 'uint32') return x;
  if (x.dtype === 'bool') return castNode(x, 'uint32');
  if (x.dtype === 'int32') return node('xor', [node('bitcast', [x], { dtype: 'uint32' }), u32(0x80000000, s)], {});
  // float32: -0 as 0, NaN as the positive quiet NaN, then negative floats inverted below the
  // positive ones (which get the top bit).
  const zero = broadcastNode(scalarNode(0, 'float32'), s);
  const std = node('select', [node('ne', [x, x], {}), broadcastNode(scalarNode(NaN, 'float32'), s), node('select', [node('eq', [x, zero], {}), zero, x], {})], {});
  const bits = node('bitcast', [std], { dtype: 'uint32' });
  const negative = node('ge', [bits, u32(0x80000000, s)], {});
  return node('select', [negative, node('not', [bits], {}), node('or', [bits, u32(0x80000000, s)], {})], {});
}

/** `x` with `axis` last, as [rows, n], and how to undo it. */
function rowsAlong(x: LaxArray, axis: number): { rows: Node; back: (r: Node) => LaxArray } {
  const moved = moveaxis(x, axis, -1);
  const shape = moved.shape;
  const n = shape[shape.length - 1];
  const rows = reshapeNode(moved.node, [shape.reduce((a, b) => a * b, 1) / Math.max(n, 1) || 0, n]);
  return { rows, back: (r) => moveaxis(wrap(reshapeNode(r, shape)), -1, axis) };
}

interface SortOpts {
  axis?: number | null;
  stable?: boolean;
  descending?: boolean;
}
function sortArgs(fn: string, a: ArrayLike, opts: unknown): { x: LaxArray; axis: number; descending: boolean } {
  const o = checkOptions<SortOpts>(fn, opts, ['axis', 'stable', 'descending']);
  if (o.stable !== undefined) checkBool(fn, 'stable', o.stable);
  const descending = o.descending === undefined ? false : checkBool(fn, 'descending', o.descending);
  let x = wrap(toNode(a, fn));
  if (o.axis === null) x = ravel(x);
  if (x.ndim === 0) throw new TypeError(`${fn}: axis -1 is out of bounds for array of dimension 0`);
  return { x, axis: checkAxis(fn, o.axis ?? -1, x.ndim), descending };
}

/** argsort: the stable ascending order along `axis` (default -1; null: flattened). descending keeps equal values in index order, as JAX. */
export function argsort(a: ArrayLike, opts: SortOpts = {}): LaxArray {
  const { x, axis, descending } = sortArgs('argsort', a, opts);
  const n = x.shape[axis];
  if (n === 0) return wrap(castNode(x.node, 'int32'));
  if (!descending) {
    const { rows, back } = rowsAlong(x, axis);
    return back(argsortKeys(wrap(sortKeys(rows))).node);
  }
  // JAX: n - 1 - rev(argsort(rev(x)))
  const r = argsort(flip(x, axis), { axis });
  return subtract(n - 1, flip(r, axis));
}

/** sort: ascending (or descending) along `axis` (default -1; null: flattened); NaNs last. */
export function sort(a: ArrayLike, opts: SortOpts = {}): LaxArray {
  const { x, axis, descending } = sortArgs('sort', a, opts);
  if (x.shape[axis] === 0) return x;
  const { rows, back } = rowsAlong(x, axis);
  const sorted = back(gatherRows(rows, argsortKeys(wrap(sortKeys(rows))).node));
  return descending ? flip(sorted, axis) : sorted;
}

/** searchsorted(a, v, { side }): for each v, the index in sorted 1-D `a` where it would be inserted (left: first such, right: last). */
export function searchsorted(a: ArrayLike, v: ArrayLike, opts: { side?: 'left' | 'right'; sorter?: ArrayLike } = {}): LaxArray {
  const o = checkOptions<{ side?: 'left' | 'right'; sorter?: ArrayLike }>('searchsorted', opts, ['side', 'sorter']);
  const side = o.side === undefined ? 'left' : checkChoice('searchsorted', 'side', o.side, ['left', 'right'] as const);
  let x = wrap(toNode(a, 'searchsorted', 0));
  const q = wrap(toNode(v, 'searchsorted', 1));
  if (x.ndim !== 1) throw new TypeError(`searchsorted: a should be 1-dimensional, got shape ${fmtShape(x.shape)}`);
  if (o.sorter !== undefined) x = takeAlongAxis(x, o.sorter, { axis: 0 });
  const dtype = add(wrap(castNode(scalarNode(0), x.dtype)), wrap(castNode(scalarNode(0), q.dtype))).dtype;
  const kx = sortKeys(castNode(x.node, dtype));
  const kq = sortKeys(castNode(q.node, dtype));
  // count of a's keys below (left) or at most (right) each query's key: the comparison over all pairs
  const shape = [...q.shape, x.shape[0]];
  const xb = wrap(node('broadcast', [kx], { shape, dims: [q.ndim] }));
  const qb = wrap(node('broadcast', [kq], { shape, dims: q.shape.map((_, i) => i) }));
  const below = side === 'left' ? less(xb, qb) : lessEqual(xb, qb);
  return wrap(castNode(sum(below, { axis: -1 }).node, 'int32'));
}

type Method = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';
interface QuantileOpts {
  axis?: number | number[] | null;
  keepdims?: boolean;
  method?: Method;
}

/**
 * jnp.quantile's algorithm: sort along the (flattened) axes; the q-th quantile sits at
 * fractional position q (n - 1), n the count of values (of non-NaN values for the nan-
 * forms, whose NaNs sort last); 'linear' is low (1 - w) + high w with w the fraction.
 * Without `ignoreNan`, a NaN anywhere in a slice makes its result NaN.
 */
function quantileOf(fn: string, a: ArrayLike, qs: ArrayLike, opts: unknown, ignoreNan: boolean, scale = 1): LaxArray {
  const o = checkOptions<QuantileOpts>(fn, opts, ['axis', 'keepdims', 'method']);
  const method = o.method === undefined ? 'linear' : checkChoice(fn, 'method', o.method, ['linear', 'lower', 'higher', 'midpoint', 'nearest'] as const);
  const keepdims = o.keepdims === undefined ? false : checkBool(fn, 'keepdims', o.keepdims);
  let x = wrap(castNode(toNode(a, fn, 0), 'float32'));
  const q0 = wrap(castNode(toNode(qs, fn, 1), 'float32'));
  if (q0.ndim > 1) throw new TypeError(`${fn}: q must be zero- or one-dimensional, got shape ${fmtShape(q0.shape)}`);
  const q = multiply(q0, 1 / scale);
  const inShape = x.shape;
  const axes = o.axis === undefined || o.axis === null ? inShape.map((_, i) => i) : (Array.isArray(o.axis) ? o.axis : [o.axis]).map((ax) => checkAxis(fn, ax, x.ndim));
  if (new Set(axes).size !== axes.length) throw new RangeError(`${fn}: repeated axis`);
  // reduced axes moved last and flattened into one
  const kept = inShape.map((_, i) => i).filter((i) => !axes.includes(i));
  const moved = moveaxis(x, axes, axes.map((_, i) => kept.length + i));
  const n = axes.reduce((p, ax) => p * inShape[ax], 1);
  x = reshape(moved, [...kept.map((i) => inShape[i]), n]);
  if (n === 0) throw new RangeError(`${fn}: cannot compute a quantile of an empty axis`);
  const s = sort(x, { axis: -1 });
  const nanRow = any(isnan(x), { axis: -1, keepdims: true });
  const count = ignoreNan ? sum(logicalNot(isnan(x)), { axis: -1, keepdims: true }) : wrap(broadcastNode(scalarNode(n, 'int32'), [...x.shape.slice(0, -1), 1]));
  const qb = q.ndim === 0 ? q : reshape(q, [q.size, ...x.shape.slice(0, -1).map(() => 1), 1]);
  const pos = multiply(qb, subtract(wrap(castNode(count.node, 'float32')), 1));
  const lowPos = floor(pos);
  const highPos = ceil(pos);
  const at = (p: LaxArray) => {
    const idx = wrap(castNode(p.node, 'int32'));
    const src = q.ndim === 0 ? s : wrap(broadcastNode(s.node, [q.size, ...s.shape]));
    const full = wrap(broadcastNode(idx.node, [...src.shape.slice(0, -1), 1]));
    return takeAlongAxis(src, where(less(full, 0), 0, full), { axis: -1 });
  };
  const low = at(lowPos);
  const high = at(highPos);
  let r: LaxArray;
  if (method === 'lower') r = low;
  else if (method === 'higher') r = high;
  else if (method === 'midpoint') r = multiply(add(low, high), 0.5);
  else if (method === 'nearest') r = where(lessEqual(subtract(pos, lowPos), 0.5), low, high); // round half to even on position: JAX uses round(pos)
  else {
    const w = subtract(pos, lowPos);
    r = add(multiply(low, subtract(1, w)), multiply(high, w));
  }
  // r: [..q, ...kept, 1]
  r = reshape(r, r.shape.slice(0, -1));
  if (!ignoreNan) {
    const nr = reshape(nanRow, nanRow.shape.slice(0, -1));
    r = where(q.ndim === 0 ? nr : expandDims(nr, 0), NaN, r);
  } else {
    const empty = reshape(equal(count, 0), count.shape.slice(0, -1));
    r = where(q.ndim === 0 ? empty : expandDims(empty, 0), NaN, r);
  }
  if (keepdims) {
    const kd = inShape.map((d, i) => (axes.includes(i) ? 1 : d));
    r = reshape(r, [...(q.ndim === 0 ? [] : [q.size]), ...kd]);
  }
  return r;
}

const checkQ = (fn: string, q: unknown) => {
  if (typeof q === 'number') checkNumber(fn, 'q', q);
  else if (q === undefined) throw new TypeError(`${fn}: q is required, got ${describe(q)}`);
};
export const quantile = (a: ArrayLike, q: ArrayLike, opts: QuantileOpts = {}) => (checkQ('quantile', q), quantileOf('quantile', a, q, opts, false));
export const nanquantile = (a: ArrayLike, q: ArrayLike, opts: QuantileOpts = {}) => (checkQ('nanquantile', q), quantileOf('nanquantile', a, q, opts, true));
export const percentile = (a: ArrayLike, q: ArrayLike, opts: QuantileOpts = {}) => (checkQ('percentile', q), quantileOf('percentile', a, q, opts, false, 100));
export const nanpercentile = (a: ArrayLike, q: ArrayLike, opts: QuantileOpts = {}) => (checkQ('nanpercentile', q), quantileOf('nanpercentile', a, q, opts, true, 100));
export const median = (a: ArrayLike, opts: { axis?: number | number[] | null; keepdims?: boolean } = {}) =>
  quantileOf('median', a, 0.5, checkOptions('median', opts, ['axis', 'keepdims']), false);
export const nanmedian = (a: ArrayLike, opts: { axis?: number | number[] | null; keepdims?: boolean } = {}) =>
  quantileOf('nanmedian', a, 0.5, checkOptions('nanmedian', opts, ['axis', 'keepdims']), true);

/** msort: sort along axis 0. */
export const msort = (a: ArrayLike) => sort(a, { axis: 0 });

/** lexsort(keys): the indirect stable sort by the last key, then the one before, ... (one stable argsort per key). */
export function lexsort(keys: ArrayLike[], opts: { axis?: number } = {}): LaxArray {
  const o = checkOptions<{ axis?: number }>('lexsort', opts, ['axis']);
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError('lexsort: need sequence of keys with len > 0 in lexsort');
  const ks = keys.map((k, i) => wrap(toNode(k, 'lexsort', i)));
  const axis = o.axis ?? -1;
  let order = argsort(ks[0], { axis });
  for (let i = 1; i < ks.length; i++) {
    const k = takeAlongAxis(ks[i], order, { axis });
    order = takeAlongAxis(order, argsort(k, { axis }), { axis });
  }
  return order;
}

