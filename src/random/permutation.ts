// Shuffling and sampling: `permutation` (JAX's repeated sort by random 32-bit keys) and `choice`
// (randint, inverse-CDF search, a permutation's head, or Gumbel top-k for weighted draws without
// replacement).

import { normalizeAxis, fmtShape } from '../graph/shape.js';
import { LaxArray } from '../operators/array.js';
import * as np from '../operators/np.js';
import type { ArrayLike, SliceIndex } from '../operators/array.js';
import { randomBits } from './bits.js';
import { uniform, randint } from './distributions.js';
import { checkKey, split, type KeyArray } from './keys.js';
import { gumbel, type GumbelMode } from './gumbel.js';
import { sortValuesByKeys, topKIndices } from './sort_keys.js';

/** Move `axis` last and flatten the rest: [rows, n], and the way back. */
function toRows(x: LaxArray, axis: number): [LaxArray, (y: LaxArray) => LaxArray] {
  const perm = [...x.shape.keys()].filter((a) => a !== axis).concat([axis]);
  const moved = np.transpose(x, perm);
  const movedShape = moved.shape;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [moved.reshape([-1, x.shape[axis]]), (y) => np.transpose(y.reshape(movedShape), inverse)];
}

/**
 * JAX's `_shuffle`: ceil(3 * ln(size) / ln(2^32 - 1)) rounds; each splits the key, draws
 * uint32 sort keys of x's shape and stably sorts x along `axis` by them. Repeating with fresh
 * keys makes 32-bit key collisions (which would bias the result) negligible.
 */
function shuffle(key: KeyArray, x: LaxArray, axis: number): LaxArray {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(2 ** 32 - 1));
  for (let r = 0; r < rounds; r++) {
    const keys = split(key);
    key = keys.slice(0);
    const sortKeys = randomBits(keys.slice(1), x.shape);
    const [kRows] = toRows(sortKeys, axis);
    const [xRows, back] = toRows(x, axis);
    x = back(sortValuesByKeys(kRows, xRows));
  }
  return x;
}

/**
 * jax.random.permutation(key, x, axis=0, independent=False): a shuffled arange(x) for an
 * integer x; otherwise x with its slices along `axis` permuted (one permutation for all, or one
 * per vector with `independent`).
 */
export function permutation(k: KeyArray, x: number | ArrayLike, opts: { axis?: number; independent?: boolean } = {}): LaxArray {
  const key = checkKey('permutation', k);
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) throw new TypeError('x must be an integer or at least 1-dimensional');
    return shuffle(key, np.arange(x), 0);
  }
  const arr = x instanceof LaxArray ? x : np.array(x as never);
  if (arr.ndim === 0) throw new TypeError('x must be an integer or at least 1-dimensional');
  const axis = normalizeAxis(opts.axis ?? 0, arr.ndim);
  if (opts.independent || arr.ndim === 1) return shuffle(key, arr, axis);
  const ind = shuffle(key, np.arange(arr.shape[axis]), 0);
  return np.take(arr, ind, { axis });
}

/**
 * jax.random.choice(key, a, shape, replace=True, p=None, axis=0): samples of `a` (or of
 * arange(a)). With replacement: randint indices, or inverse-CDF search of cumsum(p). Without:
 * the first draws of a permutation, or with weights p the Gumbel top-k trick (JAX's, with the
 * same key): g = gumbel(key, [n], mode) + log(p); the indices of the nDraws largest g, largest
 * first. `mode` ('low' default, or 'high') is gumbel's.
 */
export function choice(k: KeyArray, a: number | ArrayLike, shape: readonly number[] = [], opts: { replace?: boolean; p?: ArrayLike; axis?: number; mode?: GumbelMode } = {}): LaxArray {
  const key = checkKey('choice', k);
  if (!Array.isArray(shape)) throw new TypeError(`shape argument of jax.random.choice must be a sequence, got ${String(shape)}`);
  const replace = opts.replace ?? true;
  const arr = typeof a === 'number' ? undefined : a instanceof LaxArray ? a : np.array(a as never);
  if (arr && arr.ndim === 0) throw new TypeError('choice: a must be an integer or an array of at least one dimension');
  const axis = arr ? normalizeAxis(opts.axis ?? 0, arr.ndim) : 0;
  const nInputs = arr ? arr.shape[axis] : (a as number);
  const nDraws = shape.reduce((x, y) => x * y, 1);
  const outShape = arr ? [...arr.shape.slice(0, axis), ...shape, ...arr.shape.slice(axis + 1)] : [...shape];
  if (nDraws === 0) return np.zeros(outShape, { dtype: arr ? arr.dtype : 'int32' });
  if (nInputs <= 0) throw new RangeError('a must be greater than 0 unless no samples are taken');
  if (!replace && nDraws > nInputs) throw new RangeError(`Cannot take a larger sample (size ${nDraws}) than population (size ${nInputs}) when 'replace=False'`);
  let ind: LaxArray;
  if (opts.p === undefined) {
    if (replace) ind = randint(key, [...shape], 0, nInputs);
    else {
      const perm = permutation(key, arr ?? nInputs, { axis });
      const idx = perm.shape.map((): SliceIndex => null);
      idx[axis] = np.slice(0, nDraws);
      return perm.slice(...idx).reshape(outShape);
    }
  } else {
    const p = opts.p instanceof LaxArray ? opts.p.astype('float32') : np.array(opts.p as never, { dtype: 'float32' });
    if (p.ndim !== 1 || p.shape[0] !== nInputs) {
      throw new TypeError(`p must be None or a 1D vector with the same size as a.shape[axis]. p has shape ${fmtShape(p.shape)} and a.shape[axis] is ${nInputs}.`);
    }
    if (!replace) {
      const g = np.add(gumbel(key, [nInputs], { mode: opts.mode }), np.log(p));
      ind = topKIndices(g, nDraws);
    } else {
      const cuml = np.cumsum(p);
      const total = cuml.slice(-1);
      const r = np.multiply(total, np.subtract(1, uniform(key, [...shape])));
      // searchsorted(cuml, r, side='left') = how many cumulative sums are below r.
      ind = np.sum(np.less(cuml, np.expandDims(r, -1)).astype('int32'), { axis: -1 });
    }
  }
  return (arr ? np.take(arr, ind, { axis }) : ind).reshape(outShape);
}
