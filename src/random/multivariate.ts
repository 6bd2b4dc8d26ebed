// Samplers over vectors and matrices, as jax/_src/random.py writes them, on np.linalg:
//
//   multivariateNormal(key, mean, cov, shape, { method })
//       factor = cholesky(cov) ('cholesky', default) | U sqrt(s) ('svd') | V sqrt(w) ('eigh');
//       mean + factor @ normal(key, [...shape, n])
//   orthogonal(key, n, shape, { m })
//       z = normal(key, [...shape, max(n, m), min(n, m)]); [q, r] = qr(z);
//       q * sign(diag(r)) (the Haar measure), transposed when n < m
//
// The normal draws are JAX's bit for bit; the factorizations are laxflow's float32 ones
// (np.linalg), not LAPACK's, so the samples agree with JAX's to float32 rounding of the
// factor, not bit for bit.

import { broadcastShapes, fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { checkShape } from './bits.js';
import { checkParamShapes, floatDtype, normal } from './distributions.js';
import { checkKey, type KeyArray } from './keys.js';

type Method = 'cholesky' | 'svd' | 'eigh';

/** jax.random.multivariate_normal(key, mean [..., n], cov [..., n, n], shape = broadcast of their batch shapes). */
export function multivariateNormal(k: KeyArray, mean: ArrayLike, cov: ArrayLike, shape?: readonly number[], opts: { dtype?: string; method?: Method } = {}): LaxArray {
  const key = checkKey('multivariate_normal', k);
  floatDtype('multivariate_normal', opts.dtype);
  const method = opts.method ?? 'cholesky';
  if (!['cholesky', 'svd', 'eigh'].includes(method)) throw new TypeError(`method must be one of {'svd', 'eigh', 'cholesky'}, got ${String(method)}`);
  const mu = lax.convertElementType(mean, 'float32');
  const sigma = lax.convertElementType(cov, 'float32');
  if (mu.ndim < 1) throw new TypeError(`multivariate_normal requires mean.ndim >= 1, got mean.ndim == ${mu.ndim}`);
  if (sigma.ndim < 2) throw new TypeError(`multivariate_normal requires cov.ndim >= 2, got cov.ndim == ${sigma.ndim}`);
  const n = mu.shape[mu.ndim - 1];
  if (sigma.shape[sigma.ndim - 1] !== n || sigma.shape[sigma.ndim - 2] !== n) {
    throw new TypeError(`multivariate_normal requires cov.shape == (..., n, n) for n=${n}, but got cov.shape == ${fmtShape(sigma.shape)}.`);
  }
  const batch = [...broadcastShapes('multivariate_normal', mu.shape.slice(0, -1), sigma.shape.slice(0, -2))];
  const s = shape === undefined ? batch : checkShape('multivariate_normal', shape);
  if (shape !== undefined) checkParamShapes('multivariate_normal', s, mu.shape.slice(0, -1), sigma.shape.slice(0, -2));
  let factor: LaxArray;
  if (method === 'svd') {
    const [u, sv] = np.linalg.svd(sigma) as LaxArray[];
    factor = np.multiply(u, np.expandDims(np.sqrt(sv), -2));
  } else if (method === 'eigh') {
    const [w, v] = np.linalg.eigh(sigma);
    factor = np.multiply(v, np.expandDims(np.sqrt(w), -2));
  } else factor = np.linalg.cholesky(sigma);
  const z = normal(key, [...s, n]);
  return np.add(mu, np.squeeze(np.matmul(factor, np.expandDims(z, -1)), -1));
}

/** jax.random.orthogonal(key, n, shape = [], { m = n }): a Haar-random [..., n, m] matrix with orthonormal columns (or rows when n < m). */
export function orthogonal(k: KeyArray, n: number, shape: readonly number[] = [], opts: { dtype?: string; m?: number } = {}): LaxArray {
  const key = checkKey('orthogonal', k);
  floatDtype('orthogonal', opts.dtype);
  const s = checkShape('orthogonal', shape);
  const m = opts.m ?? n;
  checkShape('orthogonal', [n, m]);
  const z = normal(key, [...s, Math.max(n, m), Math.min(n, m)]);
  const [q, r] = np.linalg.qr(z) as LaxArray[];
  const d = np.diagonal(r, { axis1: -2, axis2: -1 });
  const out = np.multiply(q, np.expandDims(np.sign(d), -2));
  return n < m ? np.swapaxes(out, -1, -2) : out;
}
