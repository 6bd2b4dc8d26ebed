// jax.numpy's data-dependent selections with a static output size, as JAX requires under
// jit: nonzero, flatnonzero, argwhere and unique take `size` (and `fillValue`); the found
// items are compacted by a scatter of each one to its rank (a cumulative count), so nothing
// needs to know the count before the graph runs. Also isin, partition/argpartition (a full
// sort: a valid partition, as NumPy and JAX leave the order within each side unspecified)
// and topK (lax.top_k: the k largest along the last axis, largest first, ties by index).

import { node } from '../graph/node.js';
import { fmtShape, stridesOf } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { IndexRef } from './at.js';
import { full } from './creation.js';
import { equal, floorDivide, isnan, logicalAnd, logicalNot, notEqual, remainder, subtract, toBool, where } from './elementwise.js';
import { castNode, iotaNode, reshapeNode, toNode, wrap } from './nodes.js';
import { takeAlongAxis } from './np_index.js';
import { sort, argsort } from './np_sort.js';
import { ravel, sliceAxis } from './np_stack.js';
import { any, cumsum } from './reductions.js';
import { concatenate, expandDims, stack } from './shape_ops.js';
import { checkAxis, checkInt, checkOptions, checkScalar } from './validate.js';

interface SizeOpts {
  size?: number;
  fillValue?: number;
}
const sizeOf = (fn: string, o: SizeOpts): number => {
  if (o.size === undefined) throw new TypeError(`${fn}: the size option is required (laxflow arrays are lazy, so the output size must be static, as under jax.jit)`);
  return checkInt(fn, 'size', o.size, { min: 0 });
};

/** The flat indices of the true elements of `mask` (1-D bool), in order, compacted into `size` slots (the rest `fill`). */
function compact(mask: LaxArray, values: LaxArray, size: number, fill: number): LaxArray {
  const rank = subtract(cumsum(wrap(castNode(mask.node, 'int32'))), 1);
  const slot = where(mask, rank, size); // size is out of range: dropped
  const base = full([size], fill, { dtype: values.dtype });
  return new IndexRef(base, [slot]).set(values);
}

/** flatnonzero(a, { size, fillValue }): flat indices of the nonzero elements, padded to `size`. */
export function flatnonzero(a: ArrayLike, opts: SizeOpts = {}): LaxArray {
  const o = checkOptions<SizeOpts>('flatnonzero', opts, ['size', 'fillValue']);
  const m = ravel(wrap(toBool(a, 'flatnonzero')));
  const fill = o.fillValue === undefined ? 0 : checkInt('flatnonzero', 'fill_value', o.fillValue);
  return compact(m, wrap(iotaNode([m.size], 0)), sizeOf('flatnonzero', o), fill);
}

/** nonzero(a, { size, fillValue }): one int32 index array per axis, padded to `size`. */
export function nonzero(a: ArrayLike, opts: SizeOpts = {}): LaxArray[] {
  const o = checkOptions<SizeOpts>('nonzero', opts, ['size', 'fillValue']);
  const x = toNode(a, 'nonzero');
  if (x.shape.length === 0) throw new TypeError('nonzero: Calling nonzero on 0d arrays is not allowed. Use jnp.atleast_1d(scalar).nonzero() instead.');
  const flat = flatnonzero(wrap(x), { size: o.size, fillValue: -1 });
  const valid = notEqual(flat, -1);
  const fill = o.fillValue === undefined ? 0 : checkInt('nonzero', 'fill_value', o.fillValue);
  const st = stridesOf(x.shape);
  return x.shape.map((d, ax) => where(valid, remainder(floorDivide(flat, st[ax]), d), fill));
}

/** argwhere(a, { size, fillValue }): [size, ndim] int32 coordinates of the nonzero elements. */
export function argwhere(a: ArrayLike, opts: SizeOpts = {}): LaxArray {
  const o = checkOptions<SizeOpts>('argwhere', opts, ['size', 'fillValue']);
  const x = wrap(toNode(a, 'argwhere'));
  const coords = nonzero(x.ndim === 0 ? wrap(reshapeNode(x.node, [1])) : x, o);
  if (x.ndim === 0) return wrap(reshapeNode(coords[0].node, [sizeOf('argwhere', o), 0]));
  return stack(coords, { axis: 1 });
}

/** unique(a, { size, fillValue }): the sorted distinct values of the flattened array, padded to `size` (default fill: the smallest value); NaNs count as one value (JAX's equal_nan). */
export function unique(a: ArrayLike, opts: SizeOpts = {}): LaxArray {
  const o = checkOptions<SizeOpts>('unique', opts, ['size', 'fillValue']);
  const s = sort(ravel(wrap(toNode(a, 'unique'))));
  const size = sizeOf('unique', o);
  if (s.size === 0) return full([size], o.fillValue ?? 0, { dtype: s.dtype });
  const n = s.size;
  const [hi, lo] = [sliceAxis(s, 0, 1, n), sliceAxis(s, 0, 0, n - 1)];
  // JAX's equal_nan=True: NaNs (sorted last) count as one value
  const first = concatenate([full([1], true, { dtype: 'bool' }), logicalAnd(notEqual(hi, lo), logicalNot(logicalAnd(isnan(hi), isnan(lo))))]);
  const fill = o.fillValue === undefined ? sliceAxis(s, 0, 0, 1) : checkScalar('unique', 'fill_value', o.fillValue);
  const c = compact(first, s, size, 0);
  const count = cumsum(wrap(castNode(first.node, 'int32')));
  const found = sliceAxis(count, 0, n - 1, n); // how many distinct values
  return where(wrap(node('lt', [iotaNode([size], 0), node('broadcast', [found.node], { shape: [size], dims: [0] })], {})), c, fill);
}

/** isin(element, testElements, { invert }): whether each element is among testElements. */
export function isin(element: ArrayLike, testElements: ArrayLike, opts: { invert?: boolean } = {}): LaxArray {
  const o = checkOptions<{ invert?: boolean }>('isin', opts, ['invert']);
  const x = wrap(toNode(element, 'isin', 0));
  const t = ravel(wrap(toNode(testElements, 'isin', 1)));
  const r = any(equal(expandDims(x, -1), t), { axis: -1 });
  return o.invert ? logicalNot(r) : r;
}

/** partition(a, kth, { axis }): the kth element in its sorted place, smaller ones before, larger after (here: sorted). */
export function partition(a: ArrayLike, kth: number, opts: { axis?: number } = {}): LaxArray {
  const o = checkOptions<{ axis?: number }>('partition', opts, ['axis']);
  const x = wrap(toNode(a, 'partition'));
  const axis = checkAxis('partition', o.axis ?? -1, x.ndim);
  checkPartitionKth('partition', kth, x.shape[axis]);
  return sort(x, { axis });
}
/** argpartition(a, kth, { axis }): indices that partition `a` (here: the stable argsort). */
export function argpartition(a: ArrayLike, kth: number, opts: { axis?: number } = {}): LaxArray {
  const o = checkOptions<{ axis?: number }>('argpartition', opts, ['axis']);
  const x = wrap(toNode(a, 'argpartition'));
  const axis = checkAxis('argpartition', o.axis ?? -1, x.ndim);
  checkPartitionKth('argpartition', kth, x.shape[axis]);
  return argsort(x, { axis });
}
function checkPartitionKth(fn: string, kth: number, n: number): void {
  checkInt(fn, 'kth', kth);
  if (kth < -n || kth >= n) throw new RangeError(`${fn}: kth(=${kth}) out of bounds ${n}`);
}

/** topK(a, k): [values, indices] of the k largest along the last axis, largest first; equal values by index. */
export function topK(a: ArrayLike, k: number): [LaxArray, LaxArray] {
  const x = wrap(toNode(a, 'topK'));
  if (x.ndim === 0) throw new TypeError(`topK: operand must have at least one dimension, got shape ${fmtShape(x.shape)}`);
  const n = x.shape[x.ndim - 1];
  checkInt('topK', 'k', k, { min: 0, max: n });
  const idx = sliceAxis(argsort(x, { descending: true }), x.ndim - 1, 0, k);
  return [takeAlongAxis(x, idx, { axis: -1 }), idx];
}
