// jax.numpy's stacking, splitting and axis-arrangement functions (vstack, split, moveaxis,
// roll, rot90, pad, ...): compositions of concatenate, static slices, transpose and rev, so
// they are views or one concat kernel and fuse like the primitives they are made of.

import { fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { Slice } from './array.js';
import { basicIndex } from './indexing.js';
import { reshapeNode, toNode, wrap } from './nodes.js';
import { broadcastTo, concatenate, flip, transpose } from './shape_ops.js';
import { checkAxes, checkAxis, checkChoice, checkInt, checkOptions, checkScalar, describe } from './validate.js';
import { full } from './creation.js';

const list = (fn: string, arrays: unknown): LaxArray[] => {
  if (!Array.isArray(arrays)) throw new TypeError(`${fn}: expected a list of arrays, got ${describe(arrays)}`);
  if (arrays.length === 0) throw new TypeError(`Need at least one array to concatenate.`);
  return arrays.map((a, i) => wrap(toNode(a as ArrayLike, fn, i)));
};

/** The slice of `x` from `start` to `stop` along `axis`. */
export function sliceAxis(x: LaxArray, axis: number, start: number, stop: number, step = 1): LaxArray {
  const idx = x.shape.map((_, i) => (i === axis ? new Slice(start, stop, step) : null));
  return basicIndex(x, idx);
}

export const atleast1d = (a: ArrayLike): LaxArray => {
  const x = wrap(toNode(a, 'atleast1d'));
  return x.ndim >= 1 ? x : wrap(reshapeNode(x.node, [1]));
};
export const atleast2d = (a: ArrayLike): LaxArray => {
  const x = wrap(toNode(a, 'atleast2d'));
  return x.ndim >= 2 ? x : wrap(reshapeNode(x.node, [1, x.size]));
};
/** atleast3d: 0-d to [1,1,1], [n] to [1,n,1], [m,n] to [m,n,1] (NumPy's placement). */
export const atleast3d = (a: ArrayLike): LaxArray => {
  const x = wrap(toNode(a, 'atleast3d'));
  if (x.ndim >= 3) return x;
  const s = x.ndim === 0 ? [1, 1, 1] : x.ndim === 1 ? [1, x.shape[0], 1] : [...x.shape, 1];
  return wrap(reshapeNode(x.node, s));
};

export const vstack = (arrays: ArrayLike[]) => concatenate(list('vstack', arrays).map(atleast2d), { axis: 0 });
export const rowStack = vstack;
export const hstack = (arrays: ArrayLike[]) => {
  const xs = list('hstack', arrays).map(atleast1d);
  return concatenate(xs, { axis: xs[0].ndim === 1 ? 0 : 1 });
};
export const dstack = (arrays: ArrayLike[]) => concatenate(list('dstack', arrays).map(atleast3d), { axis: 2 });
/** columnStack: 1-D arrays become columns, 2-D arrays are stacked as they are. */
export const columnStack = (arrays: ArrayLike[]) =>
  concatenate(list('columnStack', arrays).map((x) => (x.ndim < 2 ? wrap(reshapeNode(x.node, [x.size, 1])) : x)), { axis: 1 });
export const concat = (arrays: ArrayLike[], opts: { axis?: number } = {}) => concatenate(arrays, opts);

/** unstack: the slices along `axis` (default 0), as a list. */
export function unstack(a: ArrayLike, opts: { axis?: number } = {}): LaxArray[] {
  const x = wrap(toNode(a, 'unstack'));
  const o = checkOptions<{ axis?: number }>('unstack', opts, ['axis']);
  if (x.ndim === 0) throw new TypeError('unstack: Input array must have at least one dimension');
  const axis = checkAxis('unstack', o.axis ?? 0, x.ndim);
  return Array.from({ length: x.shape[axis] }, (_, i) => basicIndex(x, x.shape.map((_, d) => (d === axis ? i : null))));
}

/**
 * arraySplit: `sections` equal parts (the first n % sections one longer), or split before
 * each of the given indices (clamped to the axis, as NumPy's slicing).
 */
function splitAt(fn: string, a: ArrayLike, sections: number | number[], axis0: unknown, even: boolean): LaxArray[] {
  const x = wrap(toNode(a, fn));
  if (x.ndim === 0) throw new TypeError(`${fn}: array must have at least one dimension`);
  const axis = checkAxis(fn, axis0 ?? 0, x.ndim);
  const n = x.shape[axis];
  let cuts: number[];
  if (typeof sections === 'number') {
    const k = checkInt(fn, 'indices_or_sections', sections, { min: 1 });
    if (even && n % k !== 0) throw new RangeError(`${fn}: array split does not result in an equal division: ${n} is not divisible by ${k}`);
    const [q, r] = [Math.floor(n / k), n % k];
    cuts = Array.from({ length: k - 1 }, (_, i) => (i + 1) * q + Math.min(i + 1, r));
  } else if (Array.isArray(sections)) {
    cuts = sections.map((c) => checkInt(fn, 'indices', c));
  } else throw new TypeError(`${fn}: indices_or_sections must be an integer or a list of integers, got ${describe(sections)}`);
  const norm = (c: number) => Math.min(Math.max(c < 0 ? c + n : c, 0), n);
  const bounds = [0, ...cuts.map(norm), n];
  return bounds.slice(1).map((stop, i) => sliceAxis(x, axis, bounds[i], Math.max(stop, bounds[i])));
}
export const split = (a: ArrayLike, sections: number | number[], opts: { axis?: number } = {}) =>
  splitAt('split', a, sections, checkOptions<{ axis?: number }>('split', opts, ['axis']).axis, true);
export const arraySplit = (a: ArrayLike, sections: number | number[], opts: { axis?: number } = {}) =>
  splitAt('arraySplit', a, sections, checkOptions<{ axis?: number }>('arraySplit', opts, ['axis']).axis, false);
export const hsplit = (a: ArrayLike, sections: number | number[]) => {
  const x = wrap(toNode(a, 'hsplit'));
  return splitAt('hsplit', x, sections, x.ndim === 1 ? 0 : 1, true);
};
export const vsplit = (a: ArrayLike, sections: number | number[]) => {
  const x = wrap(toNode(a, 'vsplit'));
  if (x.ndim < 2) throw new TypeError('vsplit only works on arrays of 2 or more dimensions');
  return splitAt('vsplit', x, sections, 0, true);
};
export const dsplit = (a: ArrayLike, sections: number | number[]) => {
  const x = wrap(toNode(a, 'dsplit'));
  if (x.ndim < 3) throw new TypeError('dsplit only works on arrays of 3 or more dimensions');
  return splitAt('dsplit', x, sections, 2, true);
};

export const ravel = (a: ArrayLike): LaxArray => {
  const x = toNode(a, 'ravel');
  return wrap(reshapeNode(x, [x.size]));
};

/** moveaxis: axes `source` moved to `destination`, the others in their order. */
export function moveaxis(a: ArrayLike, source: number | number[], destination: number | number[]): LaxArray {
  const x = wrap(toNode(a, 'moveaxis'));
  const src = (Array.isArray(source) ? source : [source]).map((s) => checkAxis('moveaxis', s, x.ndim, 'source'));
  const dst = (Array.isArray(destination) ? destination : [destination]).map((d) => checkAxis('moveaxis', d, x.ndim, 'destination'));
  if (src.length !== dst.length) throw new RangeError('moveaxis: Inconsistent number of elements: source and destination');
  checkAxes('moveaxis', src, x.ndim, 'source');
  checkAxes('moveaxis', dst, x.ndim, 'destination');
  const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
  const perm = new Array<number>(x.ndim);
  dst.forEach((d, i) => (perm[d] = src[i]));
  let r = 0;
  for (let i = 0; i < x.ndim; i++) if (perm[i] === undefined) perm[i] = rest[r++];
  return transpose(x, perm);
}
export function swapaxes(a: ArrayLike, axis1: number, axis2: number): LaxArray {
  const x = wrap(toNode(a, 'swapaxes'));
  const [i, j] = [checkAxis('swapaxes', axis1, x.ndim, 'axis1'), checkAxis('swapaxes', axis2, x.ndim, 'axis2')];
  const perm = x.shape.map((_, k) => (k === i ? j : k === j ? i : k));
  return transpose(x, perm);
}
/** rollaxis: axis moved to before `start` (NumPy's legacy form). */
export function rollaxis(a: ArrayLike, axis: number, start = 0): LaxArray {
  const x = wrap(toNode(a, 'rollaxis'));
  const ax = checkAxis('rollaxis', axis, x.ndim);
  let s = checkInt('rollaxis', 'start', start);
  if (s < -x.ndim || s > x.ndim) throw new RangeError(`rollaxis: start=${start} must satisfy ${-x.ndim} <= start < ${x.ndim + 1}`);
  if (s < 0) s += x.ndim;
  if (ax < s) s -= 1;
  return moveaxis(x, ax, s);
}
export const permuteDims = (a: ArrayLike, axes?: number[]) => transpose(a, axes);
/** matrixTranspose: swap the last two axes. */
export function matrixTranspose(a: ArrayLike): LaxArray {
  const x = wrap(toNode(a, 'matrixTranspose'));
  if (x.ndim < 2) throw new TypeError(`matrixTranspose: x must be at least two-dimensional, got shape ${fmtShape(x.shape)}`);
  return swapaxes(x, -1, -2);
}
export const fliplr = (a: ArrayLike) => {
  const x = wrap(toNode(a, 'fliplr'));
  if (x.ndim < 2) throw new TypeError('fliplr: Input must be >= 2-d.');
  return flip(x, 1);
};
export const flipud = (a: ArrayLike) => {
  const x = wrap(toNode(a, 'flipud'));
  if (x.ndim < 1) throw new TypeError('flipud: Input must be >= 1-d.');
  return flip(x, 0);
};

/** roll: elements shifted by `shift` along `axis` (the flattened array when omitted), wrapping around. */
export function roll(a: ArrayLike, shift: number | number[], opts: { axis?: number | number[] } = {}): LaxArray {
  let x = wrap(toNode(a, 'roll'));
  const o = checkOptions<{ axis?: number | number[] | null }>('roll', opts, ['axis']);
  if (o.axis === undefined || o.axis === null) {
    const shape = x.shape;
    return wrap(reshapeNode(roll(wrap(reshapeNode(x.node, [x.size])), shift, { axis: 0 }).node, shape));
  }
  const axes = (Array.isArray(o.axis) ? o.axis : [o.axis]).map((ax) => checkAxis('roll', ax, x.ndim));
  const shifts = (Array.isArray(shift) ? shift : [shift]).map((s) => checkInt('roll', 'shift', s));
  if (shifts.length !== axes.length && shifts.length !== 1 && axes.length !== 1) throw new RangeError("roll: 'shift' and 'axis' arguments to roll must be scalars or 1D arrays of the same length");
  const k = Math.max(shifts.length, axes.length);
  for (let i = 0; i < k; i++) {
    const ax = axes[axes.length === 1 ? 0 : i];
    const n = x.shape[ax];
    if (n === 0) continue;
    const s = ((shifts[shifts.length === 1 ? 0 : i] % n) + n) % n;
    if (s === 0) continue;
    x = concatenate([sliceAxis(x, ax, n - s, n), sliceAxis(x, ax, 0, n - s)], { axis: ax });
  }
  return x;
}

/** rot90: k quarter turns from the first towards the second of `axes` (default [0, 1]). */
export function rot90(a: ArrayLike, k = 1, opts: { axes?: [number, number] } = {}): LaxArray {
  const x = wrap(toNode(a, 'rot90'));
  const o = checkOptions<{ axes?: [number, number] }>('rot90', opts, ['axes']);
  checkInt('rot90', 'k', k);
  if (x.ndim < 2) throw new RangeError(`rot90: array must be at least 2-d, got shape ${fmtShape(x.shape)}`);
  const axes = o.axes ?? [0, 1];
  if (!Array.isArray(axes) || axes.length !== 2) throw new RangeError('rot90: len(axes) must be 2.');
  const [a0, a1] = axes.map((ax) => checkAxis('rot90', ax, x.ndim, 'axes'));
  if (a0 === a1) throw new RangeError('rot90: Axes must be different.');
  const turns = ((k % 4) + 4) % 4;
  if (turns === 0) return x;
  if (turns === 2) return flip(x, [a0, a1]);
  return turns === 1 ? swapaxes(flip(x, a1), a0, a1) : flip(swapaxes(x, a0, a1), a1);
}

type PadMode = 'constant' | 'edge' | 'wrap' | 'reflect' | 'symmetric';
/**
 * pad with `padWidth` (n, [before, after], or one pair per axis) in mode 'constant'
 * (`constantValues`, default 0), 'edge', 'wrap', 'reflect' or 'symmetric' (NumPy's meanings).
 */
export function pad(a: ArrayLike, padWidth: number | [number, number] | [number, number][], opts: { mode?: PadMode; constantValues?: number } = {}): LaxArray {
  let x = wrap(toNode(a, 'pad'));
  const o = checkOptions<{ mode?: PadMode; constantValues?: number }>('pad', opts, ['mode', 'constantValues']);
  const mode = o.mode === undefined ? 'constant' : checkChoice('pad', 'mode', o.mode, ['constant', 'edge', 'wrap', 'reflect', 'symmetric'] as const);
  const cv = o.constantValues === undefined ? 0 : checkScalar('pad', 'constant_values', o.constantValues);
  const pw: [number, number][] =
    typeof padWidth === 'number' ? x.shape.map(() => [padWidth, padWidth])
    : Array.isArray(padWidth) && padWidth.length === 2 && typeof padWidth[0] === 'number' ? x.shape.map(() => padWidth as [number, number])
    : Array.isArray(padWidth) && padWidth.length === 1 && Array.isArray(padWidth[0]) ? x.shape.map(() => (padWidth as [number, number][])[0])
    : (padWidth as [number, number][]);
  if (!Array.isArray(pw) || pw.length !== x.ndim || pw.some((p) => !Array.isArray(p) || p.length !== 2)) {
    throw new TypeError(`pad: pad_width must be an integer, a pair or one pair per axis (${x.ndim}), got ${describe(padWidth)}`);
  }
  pw.forEach((p) => p.forEach((v) => checkInt('pad', 'pad_width', v, { min: 0 })));
  for (let ax = 0; ax < x.ndim; ax++) {
    const [before, after] = pw[ax];
    if (before === 0 && after === 0) continue;
    const n = x.shape[ax];
    const parts: LaxArray[] = [];
    if (mode === 'constant') {
      const fill = (k: number) => full(x.shape.map((d, i) => (i === ax ? k : d)), cv, { dtype: x.dtype });
      if (before) parts.push(fill(before));
      parts.push(x);
      if (after) parts.push(fill(after));
      x = concatenate(parts, { axis: ax });
      continue;
    }
    if (n === 0) throw new RangeError(`pad: can't extend empty axis ${ax} using modes other than 'constant'`);
    if (mode === 'edge') {
      const edge = (i: number, k: number) => broadcastTo(sliceAxis(x, ax, i, i + 1), x.shape.map((d, j) => (j === ax ? k : d)));
      x = concatenate([...(before ? [edge(0, before)] : []), x, ...(after ? [edge(n - 1, after)] : [])], { axis: ax });
      continue;
    }
    // wrap, reflect, symmetric: the index of each padded position in the original axis.
    const period = mode === 'wrap' ? n : mode === 'symmetric' ? 2 * n : 2 * n - 2;
    const src = (j: number): number => {
      if (mode === 'reflect' && n === 1) return 0;
      const m = ((j % period) + period) % period;
      if (mode === 'wrap') return m;
      if (mode === 'symmetric') return m < n ? m : 2 * n - 1 - m;
      return m < n ? m : 2 * n - 2 - m;
    };
    const pieces: LaxArray[] = [];
    const run = (from: number, to: number) => {
      // maximal runs of consecutive source indices (ascending or descending) become one slice each
      let j = from;
      while (j < to) {
        const s = src(j);
        let e = j + 1;
        const dir = e < to ? src(e) - s : 1;
        if (Math.abs(dir) !== 1) {
          pieces.push(sliceAxis(x, ax, s, s + 1));
          j = e;
          continue;
        }
        while (e < to && src(e) - src(e - 1) === dir) e++;
        const last = src(e - 1);
        pieces.push(dir === 1 ? sliceAxis(x, ax, s, last + 1) : flip(sliceAxis(x, ax, last, s + 1), ax));
        j = e;
      }
    };
    run(-before, 0);
    pieces.push(x);
    run(n, n + after);
    x = concatenate(pieces, { axis: ax });
  }
  return x;
}

/** append: values concatenated after arr (both flattened when axis is omitted). */
export function append(arr: ArrayLike, values: ArrayLike, opts: { axis?: number } = {}): LaxArray {
  const o = checkOptions<{ axis?: number | null }>('append', opts, ['axis']);
  const x = wrap(toNode(arr, 'append', 0));
  const v = wrap(toNode(values, 'append', 1));
  if (o.axis === undefined || o.axis === null) return concatenate([ravel(x), ravel(v)]);
  return concatenate([x, v], { axis: o.axis });
}

