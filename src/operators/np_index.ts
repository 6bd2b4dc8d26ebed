// jax.numpy's index-driven selection: takeAlongAxis, putAlongAxis, select, choose,
// countNonzero, unravelIndex, ravelMultiIndex. Each is a gather or scatter by flat offsets,
// index arithmetic or a chain of selects, so it fuses like the primitives.

import { node, type Node } from '../graph/node.js';
import { broadcastShapes, sizeOf } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { full } from './creation.js';
import { add, clip, equal, greaterEqual, less, logicalAnd, remainder, toBool, where } from './elementwise.js';
import { intIndices } from './indexing.js';
import { broadcastNode, castNode, iotaNode, reshapeNode, scalarNode, toNode, wrap } from './nodes.js';
import { sum } from './reductions.js';
import { checkAxis, checkChoice, checkOptions, describe } from './validate.js';

const i32 = (v: number, shape: readonly number[]) => broadcastNode(scalarNode(v, 'int32'), shape);

/**
 * takeAlongAxis(arr, indices, { axis }): out[..., j, ...] = arr[..., indices[..., j, ...], ...]
 * along `axis` (null: the flattened array), the other axes broadcast. Negative indices count
 * from the end; out-of-range ones give the fill value (NaN, int min, true), JAX's default mode.
 */
export function takeAlongAxis(arr: ArrayLike, indices: ArrayLike, opts: { axis?: number | null; mode?: 'fill' | 'clip' } = {}): LaxArray {
  let x = toNode(arr, 'takeAlongAxis', 0);
  let idx0 = toNode(indices, 'takeAlongAxis', 1);
  const o = checkOptions<{ axis?: number | null; mode?: 'fill' | 'clip' }>('takeAlongAxis', opts, ['axis', 'mode']);
  const mode = o.mode === undefined ? 'fill' : checkChoice('takeAlongAxis', 'mode', o.mode, ['fill', 'clip'] as const);
  if (idx0.dtype !== 'int32' && idx0.dtype !== 'uint32') throw new TypeError(`takeAlongAxis: indices must be an integer array, got dtype ${idx0.dtype}`);
  if (o.axis === null) {
    x = reshapeNode(x, [x.size]);
    idx0 = reshapeNode(idx0, [idx0.size]);
  }
  if (o.axis !== null && o.axis === undefined) throw new TypeError(`takeAlongAxis: axis is required (an integer or null), got ${describe(o.axis)}`);
  if (idx0.shape.length !== x.shape.length) throw new TypeError(`takeAlongAxis: indices and arr must have the same number of dimensions; ${idx0.shape.length} vs ${x.shape.length}`);
  const axis = checkAxis('takeAlongAxis', o.axis ?? 0, x.shape.length);
  const n = x.shape[axis];
  const rest = broadcastShapes('takeAlongAxis', x.shape.map((d, i) => (i === axis ? 1 : d)), idx0.shape.map((d, i) => (i === axis ? 1 : d)));
  const outShape = rest.map((d, i) => (i === axis ? idx0.shape[axis] : d));
  let idx = wrap(broadcastNode(intIndices(idx0), outShape));
  idx = where(less(idx, 0), add(idx, n), idx);
  const valid = logicalAnd(greaterEqual(idx, 0), less(idx, n));
  const xb = broadcastNode(x, rest.map((d, i) => (i === axis ? n : d)));
  const strides = xb.shape.map((_, d) => sizeOf(xb.shape.slice(d + 1)));
  let flat: Node = node('mul', [idx.node, i32(strides[axis], outShape)], {});
  outShape.forEach((_, d) => {
    if (d !== axis) flat = node('add', [flat, node('mul', [iotaNode(outShape, d), i32(strides[d], outShape)], {})], {});
  });
  if (n === 0) return full(outShape, x.dtype === 'float32' ? NaN : 0, { dtype: x.dtype });
  const out = wrap(node('gather', [xb, flat], {}));
  if (mode === 'clip') return out;
  const fill = x.dtype === 'float32' ? NaN : x.dtype === 'int32' ? -2147483648 : x.dtype === 'uint32' ? 4294967295 : true;
  return where(valid, out, full([], fill, { dtype: x.dtype }));
}

/** select(condlist, choicelist, default): the first choice whose condition holds, else default. */
export function select(condlist: ArrayLike[], choicelist: ArrayLike[], dflt: ArrayLike = 0): LaxArray {
  if (!Array.isArray(condlist) || !Array.isArray(choicelist)) throw new TypeError('select: condlist and choicelist must be lists');
  if (condlist.length !== choicelist.length) throw new RangeError(`select: condlist must have length equal to choicelist (${condlist.length} vs ${choicelist.length})`);
  if (condlist.length === 0) throw new RangeError('select: condlist must be non-empty');
  let out = wrap(toNode(dflt, 'select', 2));
  for (let i = condlist.length - 1; i >= 0; i--) out = where(wrap(toBool(condlist[i], 'select', 0)), choicelist[i], out);
  return out;
}

/** choose(a, choices, { mode }): out = choices[a][...] with broadcasting; mode 'raise' is not traceable, so 'clip' (default here) or 'wrap'. */
export function choose(a: ArrayLike, choices: ArrayLike[], opts: { mode?: 'clip' | 'wrap' } = {}): LaxArray {
  const o = checkOptions<{ mode?: 'clip' | 'wrap' }>('choose', opts, ['mode']);
  const mode = o.mode === undefined ? 'clip' : checkChoice('choose', 'mode', o.mode, ['clip', 'wrap'] as const);
  if (!Array.isArray(choices) || choices.length === 0) throw new TypeError('choose: choices must be a non-empty list of arrays');
  const n = choices.length;
  const i0 = wrap(intIndices(toNode(a, 'choose', 0)));
  const idx = mode === 'wrap' ? remainder(i0, n) : clip(i0, 0, n - 1);
  let out = wrap(toNode(choices[n - 1], 'choose', 1));
  for (let i = n - 2; i >= 0; i--) out = where(equal(idx, i), choices[i], out);
  return out;
}

/** countNonzero(a, { axis, keepdims }): int32 count of nonzero (true) elements. */
export function countNonzero(a: ArrayLike, opts: { axis?: number | number[]; keepdims?: boolean } = {}): LaxArray {
  const x = toBool(a, 'countNonzero');
  return sum(wrap(x), checkOptions('countNonzero', opts, ['axis', 'keepdims']));
}


/** putAlongAxis(arr, indices, values, { axis }): a copy of arr with values written at indices along axis (JAX: inplace false). */
export function putAlongAxis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, opts: { axis?: number | null; inplace?: boolean } = {}): LaxArray {
  const o = checkOptions<{ axis?: number | null; inplace?: boolean }>('putAlongAxis', opts, ['axis', 'inplace']);
  if (o.inplace !== false) throw new TypeError("putAlongAxis: jax.numpy.put_along_axis cannot modify arrays in place; pass { inplace: false }");
  let x = toNode(arr, 'putAlongAxis', 0);
  let idx = intIndices(toNode(indices, 'putAlongAxis', 1));
  const shape = x.shape;
  if (o.axis === null || o.axis === undefined) {
    x = reshapeNode(x, [x.size]);
    idx = reshapeNode(idx, [idx.size]);
  }
  if (idx.shape.length !== x.shape.length) throw new TypeError(`putAlongAxis: indices and arr must have the same number of dimensions; ${idx.shape.length} vs ${x.shape.length}`);
  const axis = checkAxis('putAlongAxis', o.axis ?? 0, x.shape.length);
  const n = x.shape[axis];
  const outShape = x.shape.map((d, i) => (i === axis ? idx.shape[axis] : d));
  let i = wrap(broadcastNode(idx, outShape));
  i = where(less(i, 0), add(i, n), i);
  const strides = x.shape.map((_, d) => sizeOf(x.shape.slice(d + 1)));
  let flat: Node = node('mul', [i.node, i32(strides[axis], outShape)], {});
  outShape.forEach((_, d) => {
    if (d !== axis) flat = node('add', [flat, node('mul', [iotaNode(outShape, d), i32(strides[d], outShape)], {})], {});
  });
  // out-of-range indices along the axis are dropped (JAX's scatter mode for put)
  const ok = logicalAnd(greaterEqual(i, 0), less(i, n));
  const target = where(ok, wrap(flat), x.size);
  const v = castNode(broadcastNode(toNode(values, 'putAlongAxis', 2), outShape), x.dtype);
  const out = wrap(node('scatter', [reshapeNode(x, [x.size]), reshapeNode(target.node, [target.size]), reshapeNode(v, [sizeOf(outShape)])], { mode: 'set' }));
  return wrap(reshapeNode(out.node, o.axis === null || o.axis === undefined ? [sizeOf(shape)] : shape));
}

/** unravelIndex(indices, shape): one int32 array of coordinates per axis (indices clipped into range, as JAX). */
export function unravelIndex(indices: ArrayLike, shape: number[]): LaxArray[] {
  const idx = wrap(intIndices(toNode(indices, 'unravelIndex')));
  const total = sizeOf(shape);
  const i = clip(where(less(idx, 0), add(idx, total), idx), 0, Math.max(total - 1, 0));
  return shape.map((d, ax) => remainder(wrap(node('div', [i.node, i32(sizeOf(shape.slice(ax + 1)), i.shape)], {})), d));
}

/** ravelMultiIndex(multiIndex, dims, { mode }): flat indices of coordinates ('clip' default; 'wrap'). */
export function ravelMultiIndex(multiIndex: ArrayLike[], dims: number[], opts: { mode?: 'clip' | 'wrap' } = {}): LaxArray {
  const o = checkOptions<{ mode?: 'clip' | 'wrap' }>('ravelMultiIndex', opts, ['mode']);
  const mode = o.mode === undefined ? 'clip' : checkChoice('ravelMultiIndex', 'mode', o.mode, ['clip', 'wrap'] as const);
  if (!Array.isArray(multiIndex) || multiIndex.length !== dims.length) throw new TypeError(`ravelMultiIndex: parameter multi_index must be a sequence of length ${dims.length}`);
  let out: LaxArray | null = null;
  multiIndex.forEach((m, ax) => {
    const c0 = wrap(intIndices(toNode(m, 'ravelMultiIndex', ax)));
    const c = mode === 'wrap' ? remainder(c0, dims[ax]) : clip(c0, 0, dims[ax] - 1);
    const term = wrap(node('mul', [c.node, i32(sizeOf(dims.slice(ax + 1)), c.shape)], {}));
    out = out === null ? term : add(out, term);
  });
  return out!;
}

/**
 * piecewise(x, condlist, funclist): funclist[i](x) (or the number funclist[i]) where
 * condlist[i] holds, the last true condition winning; one extra entry in funclist is the
 * value where none holds (default 0). Every function runs on all of x (as JAX's).
 */
export function piecewise(x: ArrayLike, condlist: ArrayLike[], funclist: (((x: LaxArray) => ArrayLike) | number)[]): LaxArray {
  const v = wrap(toNode(x, 'piecewise'));
  if (!Array.isArray(condlist) || !Array.isArray(funclist)) throw new TypeError('piecewise: condlist and funclist must be lists');
  const n = condlist.length;
  if (funclist.length !== n && funclist.length !== n + 1) throw new RangeError(`piecewise: with ${n} condition(s), either ${n} or ${n + 1} functions are required`);
  const value = (f: ((x: LaxArray) => ArrayLike) | number): ArrayLike => (typeof f === 'function' ? f(v) : f);
  let out = where(true, funclist.length === n + 1 ? value(funclist[n]) : 0, full(v.shape, 0, { dtype: v.dtype }));
  out = wrap(castNode(out.node, v.dtype));
  for (let i = 0; i < n; i++) out = where(wrap(toBool(condlist[i], 'piecewise', i + 1)), wrap(castNode(toNode(value(funclist[i]), 'piecewise'), v.dtype)), out);
  return out;
}
