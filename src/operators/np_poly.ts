// jax.numpy's polynomials over 1-D coefficient arrays, highest power first (NumPy's poly1d
// order): polyval (Horner's rule), polyadd, polysub, polymul (a full convolution), polyder,
// polyint; and the signal windows bartlett, blackman, hamming, hanning (host-computed
// constants: their length is static).

import { fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { add, multiply, subtract } from './elementwise.js';
import { castNode, freshConstant, toNode, wrap } from './nodes.js';
import { convolve } from './np_stats.js';
import { sliceAxis } from './np_stack.js';
import { concatenate } from './shape_ops.js';
import { full } from './creation.js';
import { checkInt, checkOptions } from './validate.js';

const coeffs = (fn: string, p: ArrayLike, position = 0): LaxArray => {
  const c = wrap(toNode(p, fn, position));
  if (c.ndim !== 1) throw new TypeError(`${fn}: coefficients must be one-dimensional, got shape ${fmtShape(c.shape)}`);
  return c;
};

/** polyval(p, x): p[0] x^(n-1) + ... + p[n-1], by Horner's rule (0 for no coefficients). */
export function polyval(p: ArrayLike, x: ArrayLike): LaxArray {
  const c = coeffs('polyval', p);
  const v = wrap(toNode(x, 'polyval', 1));
  let y: LaxArray = multiply(v, 0);
  for (let i = 0; i < c.shape[0]; i++) y = add(multiply(y, v), sliceAxis(c, 0, i, i + 1).reshape([]));
  return y;
}
/** The shorter of two coefficient arrays padded with leading zeros to the other's length. */
function aligned(fn: string, a: ArrayLike, b: ArrayLike): [LaxArray, LaxArray] {
  const [x, y] = [coeffs(fn, a, 0), coeffs(fn, b, 1)];
  const n = Math.max(x.shape[0], y.shape[0]);
  const pad = (c: LaxArray) => (c.shape[0] === n ? c : concatenate([full([n - c.shape[0]], 0, { dtype: c.dtype }), c]));
  return [pad(x), pad(y)];
}
export const polyadd = (a: ArrayLike, b: ArrayLike) => add(...aligned('polyadd', a, b));
export const polysub = (a: ArrayLike, b: ArrayLike) => subtract(...aligned('polysub', a, b));
export const polymul = (a: ArrayLike, b: ArrayLike) => convolve(coeffs('polymul', a, 0), coeffs('polymul', b, 1));

/** polyder(p, m): the m-th derivative's coefficients. */
export function polyder(p: ArrayLike, m = 1): LaxArray {
  let c = coeffs('polyder', p);
  checkInt('polyder', 'm', m, { min: 0 });
  for (let k = 0; k < m; k++) {
    const n = c.shape[0];
    if (n <= 1) return sliceAxis(c, 0, 0, 0);
    const pw = wrap(freshConstant(Int32Array.from({ length: n - 1 }, (_, i) => n - 1 - i), [n - 1], 'int32'));
    c = multiply(sliceAxis(c, 0, 0, n - 1), pw);
  }
  return c;
}
/** polyint(p, { m, k }): the m-th antiderivative, each integration constant k (default 0). */
export function polyint(p: ArrayLike, opts: { m?: number; k?: number } = {}): LaxArray {
  const o = checkOptions<{ m?: number; k?: number }>('polyint', opts, ['m', 'k']);
  const m = checkInt('polyint', 'm', o.m ?? 1, { min: 0 });
  let c = wrap(castNode(coeffs('polyint', p).node, 'float32'));
  for (let j = 0; j < m; j++) {
    const n = c.shape[0];
    const div = wrap(freshConstant(Float32Array.from({ length: n }, (_, i) => n - i), [n], 'float32'));
    c = concatenate([n ? c.div(div) : c, full([1], o.k ?? 0, { dtype: 'float32' })]);
  }
  return c;
}

/** A window of M points from its float64 formula, rounded to float32 (NumPy computes in float64). */
function windowOf(fn: string, M: number, f: (n: number, M: number) => number): LaxArray {
  checkInt(fn, 'M', M);
  if (M <= 0) return wrap(freshConstant(new Float32Array(0), [0], 'float32'));
  if (M === 1) return wrap(freshConstant(Float32Array.of(1), [1], 'float32'));
  return wrap(freshConstant(Float32Array.from({ length: M }, (_, n) => f(n, M)), [M], 'float32'));
}
export const bartlett = (M: number) => windowOf('bartlett', M, (n, m) => 1 - Math.abs((2 * n - (m - 1)) / (m - 1)));
export const blackman = (M: number) => windowOf('blackman', M, (n, m) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (m - 1)));
export const hamming = (M: number) => windowOf('hamming', M, (n, m) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (m - 1)));
export const hanning = (M: number) => windowOf('hanning', M, (n, m) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)));
