// Basic indexing (integers, slices, `null`) and jnp.take.

import { node, type Node } from '../graph/node.js';
import { sizeOf, type Shape } from '../graph/shape.js';
import { Slice, type ArrayLike, type LaxArray, type SliceIndex } from './array.js';
import { full } from './creation.js';
import { add, clip, greaterEqual, less, logicalAnd, remainder, where } from './elementwise.js';
import { broadcastNode, castNode, iotaNode, reshapeNode, scalarNode, toNode, wrap } from './nodes.js';
import { checkAxis, checkChoice, checkInt, checkOptions, describe } from './validate.js';

/** `np.slice(start, stop, step)`: Python's `start:stop:step`, for indexing (`np.slice(1, 3)` is `1:3`). */
export function slice(start?: number | null, stop?: number | null, step?: number | null): Slice {
  const part = (name: string, v: number | null | undefined) => (v === undefined || v === null ? null : checkInt('slice', name, v));
  return new Slice(part('start', start), part('stop', stop), part('step', step));
}

/** Python's slice.indices(len): [start, count, step]. */
export function sliceIndices(s: Slice, len: number): [number, number, number] {
  for (const v of [s.start, s.stop, s.step]) {
    if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw new TypeError(`slice indices must be integers or null, got ${describe(v)}`);
  }
  const step = s.step ?? 1;
  if (step === 0) throw new RangeError('slice step cannot be zero');
  const [lo, hi] = step > 0 ? [0, len] : [-1, len - 1];
  const clampIdx = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? Math.max(v + len, lo) : Math.min(v, hi));
  const start = clampIdx(s.start, step > 0 ? lo : hi);
  const stop = clampIdx(s.stop, step > 0 ? hi : lo);
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return [start, count, step];
}

export function checkIndexCount(n: number, ndim: number): void {
  if (n > ndim) throw new RangeError(`Too many indices for array: ${n} non-None/Ellipsis indices for dim ${ndim}.`);
}

/** Basic indexing `x[i, a:b:c, :]` with static integers, slices and `null` (whole axis). */
export function basicIndex(a: ArrayLike, index: SliceIndex[]): LaxArray {
  let x = toNode(a, 'slice');
  checkIndexCount(index.length, x.shape.length);
  const starts: number[] = [];
  const limits: number[] = [];
  const strides: number[] = [];
  const revAxes: number[] = [];
  const keep: boolean[] = [];
  x.shape.forEach((dim, ax) => {
    const ix = ax < index.length ? index[ax] : null;
    if (ix !== null && typeof ix !== 'number' && !(ix instanceof Slice)) throw new TypeError(`slice: basic indices are integers, np.slice(...) or null, got ${describe(ix)} at position ${ax} (use .at(...).get() for index arrays)`);
    if (typeof ix === 'number') {
      if (!Number.isInteger(ix)) throw new TypeError(`slice: Indexer must be an integer, a slice or null, got ${describe(ix)} at position ${ax}`);
      if (ix < -dim || ix >= dim) throw new RangeError(`slice: index ${ix} is out of bounds for axis ${ax} with size ${dim}`);
      const i = ix < 0 ? ix + dim : ix;
      starts.push(i), limits.push(i + 1), strides.push(1), keep.push(false);
      return;
    }
    const [start, count, step] = sliceIndices(ix ?? new Slice(), dim);
    const s = step > 0 ? start : dim - 1 - start; // negative steps read the reversed axis
    if (step < 0) revAxes.push(ax);
    starts.push(s), limits.push(s + (count - 1) * Math.abs(step) + 1), strides.push(Math.abs(step)), keep.push(true);
    if (count === 0) limits[limits.length - 1] = s;
  });
  if (revAxes.length) x = node('rev', [x], { axes: revAxes });
  const sliced = starts.every((s, i) => s === 0 && limits[i] === x.shape[i] && strides[i] === 1) ? x : node('slice', [x], { starts, limits, strides });
  return wrap(reshapeNode(sliced, sliced.shape.filter((_, i) => keep[i])));
}


/**
 * Integer index values as int32. A uint32 index of 2^31 or more is out of bounds of any
 * array: it becomes int32's largest value (still out of bounds) instead of wrapping negative
 * (which would count from the end).
 */
export function intIndices(n: Node): Node {
  if (n.dtype !== 'uint32') return castNode(n, 'int32');
  return castNode(node('min', [n, broadcastNode(scalarNode(2 ** 31 - 1, 'uint32'), n.shape)], {}), 'int32');
}

const intScalar = (v: number, shape: Shape) => broadcastNode(scalarNode(v, 'int32'), shape);

/** jnp.take(a, indices, axis): mode 'fill' (JAX's default: NaN / min int / true), 'clip' or 'wrap'. */
export function take(a: ArrayLike, indices: ArrayLike, opts: { axis?: number | null; mode?: 'fill' | 'clip' | 'wrap' } = {}): LaxArray {
  let x = toNode(a, 'take');
  const o = checkOptions<{ axis?: number | null; mode?: string }>('take', opts, ['axis', 'mode']);
  const mode = o.mode === undefined ? 'fill' : checkChoice('take', 'mode', o.mode, ['fill', 'clip', 'wrap'] as const);
  if (o.axis === undefined || o.axis === null) x = reshapeNode(x, [x.size]);
  const axis = checkAxis('take', o.axis ?? 0, x.shape.length);
  const dim = x.shape[axis];
  const idx0 = toNode(indices, 'take', 1);
  if (idx0.dtype !== 'int32' && idx0.dtype !== 'uint32') throw new TypeError(`take: indices must be an integer array, got dtype ${idx0.dtype}`);
  const idx = intIndices(idx0);
  if (dim === 0 && idx.size > 0) throw new RangeError('Cannot do a non-empty jnp.take() from an empty axis.');
  // 'fill': negative indices count from the end, others out of range give the fill value;
  // 'clip' clamps the index as given (-1 is 0, as NumPy and JAX); 'wrap' takes it modulo dim.
  let i = mode === 'fill' ? where(less(wrap(idx), 0), add(wrap(idx), dim), wrap(idx)) : wrap(idx);
  const valid = logicalAnd(greaterEqual(i, 0), less(i, dim));
  if (mode === 'wrap') i = remainder(wrap(idx), Math.max(dim, 1));
  i = clip(i, 0, Math.max(dim - 1, 0));
  // out[o..., j..., k...] = x[o..., idx[j...], k...], gathered by flat offset into x.
  const outShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const nIdx = idx.shape.length;
  const xStrides = x.shape.map((_, d) => sizeOf(x.shape.slice(d + 1)));
  let flat: Node = node('mul', [node('broadcast', [i.node], { shape: outShape, dims: idx.shape.map((_, k) => axis + k) }), intScalar(xStrides[axis], outShape)], {});
  outShape.forEach((_, d) => {
    if (d >= axis && d < axis + nIdx) return;
    const stride = d < axis ? xStrides[d] : xStrides[d - nIdx + 1];
    flat = node('add', [flat, node('mul', [iotaNode(outShape, d), intScalar(stride, outShape)], {})], {});
  });
  const out = wrap(node('gather', [x, flat], {}));
  if (mode !== 'fill') return out;
  const fill = x.dtype === 'float32' ? NaN : x.dtype === 'int32' ? -2147483648 : x.dtype === 'uint32' ? 4294967295 : true;
  const mask = wrap(node('broadcast', [valid.node], { shape: outShape, dims: idx.shape.map((_, k) => axis + k) }));
  return where(mask, out, full([], fill, { dtype: x.dtype }));
}
