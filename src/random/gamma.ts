// Gamma and the samplers built on it, as jax/_src/random.py writes them:
//
//   gamma(key, a, shape)   keys = split(key, size); element i is _gamma_one(keys[i], a[i])
//   loggamma               the same in log space (beta and dirichlet use it)
//   beta(key, a, b)        [ka, kb] = split(key); ga = loggamma(ka, a), gb = loggamma(kb, b);
//                          exp(ga - max) / (exp(ga - max) + exp(gb - max))
//   dirichlet(key, alpha)  softmax(loggamma(key, alpha, [...shape, k]), -1)
//   chisquare(key, df)     2 exp(loggamma(key, df / 2))
//   t(key, df)             [kn, kg] = split(key); n = normal(kn); n sqrt((df / 2) / gamma(kg, df / 2))
//
// _gamma_one is Marsaglia and Tsang's method (a < 1 boosted to a + 1 and scaled by
// u^(1/a)): JAX runs it as two nested while loops over the element's own keys. Here both are
// unrolled (6 outer rounds of 3 inner draws) with exactly JAX's key splits and updates, taking
// the first accepted round, so a sample is JAX's whenever JAX accepts within 6 rounds and its
// inner loop finds v > 0 within 3 draws (each round accepts with probability > 0.95, an inner
// draw fails with probability < 0.008; past that, the sample comes from the last round with
// v > 0, a deviation of probability below 1e-7 per element). Its float operations (log, pow,
// normal's erfinv) are XLA's up to their last bits, so values are JAX's to about an ulp; not
// verified here against JAX itself (no JAX on the test machines), hence not claimed bit-exact.

import { broadcastShapes } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { vmap } from '../operators/vmap.js';
import { checkShape, randomBits } from './bits.js';
import { checkParamShapes, floatDtype, normal, shapeOf, uniformFromBits } from './distributions.js';
import { checkKey, split, type KeyArray } from './keys.js';

type FloatOptions = { dtype?: string };

const OUTER_ROUNDS = 6;
const INNER_DRAWS = 3;

const scalarUniform = (key: KeyArray) => uniformFromBits(randomBits(key, []), 0, 1);

/** JAX's _gamma_one for one key and one alpha (scalars), unrolled (see the header). */
function gammaOne(key: KeyArray, alpha: LaxArray, logSpace: boolean): LaxArray {
  const boost = np.greaterEqual(alpha, 1);
  const a = np.where(boost, alpha, np.add(alpha, 1));
  const d = np.subtract(a, 1 / 3);
  const c = np.divide(1 / 3, np.sqrt(d));
  const first = split(key);
  let state = first.slice(0);
  const subkey = first.slice(1);
  let chosen: LaxArray = np.ones([]);
  let fallback: LaxArray = np.ones([]);
  let done: LaxArray = np.zeros([], { dtype: 'bool' });
  for (let r = 0; r < OUTER_ROUNDS; r++) {
    const keys = split(state, 3);
    state = keys.slice(0);
    // inner loop: x ~ normal until v = 1 + c x > 0
    let inner = keys.slice(1);
    let x: LaxArray = np.zeros([]);
    let v: LaxArray = np.full([], -1, { dtype: 'float32' });
    for (let s = 0; s < INNER_DRAWS; s++) {
      const ks = split(inner);
      inner = ks.slice(0);
      const xs = normal(ks.slice(1), []);
      const vs = np.add(1, np.multiply(xs, c));
      const take = np.lessEqual(v, 0); // JAX draws again only while v <= 0
      x = np.where(take, xs, x);
      v = np.where(take, vs, v);
    }
    const X = np.multiply(x, x);
    const V = np.multiply(np.multiply(v, v), v);
    const U = scalarUniform(keys.slice(2));
    const again = np.logicalAnd(
      np.greaterEqual(U, np.subtract(1, np.multiply(0.0331, np.multiply(X, X)))),
      np.greaterEqual(np.log(U), np.add(np.multiply(X, 0.5), np.multiply(d, np.add(np.subtract(1, V), np.log(V))))),
    );
    const valid = np.greater(v, 0);
    const accept = np.logicalAnd(np.logicalAnd(np.logicalNot(again), valid), np.logicalNot(done));
    chosen = np.where(accept, V, chosen);
    fallback = np.where(valid, V, fallback);
    done = np.logicalOr(done, accept);
  }
  const V = np.where(done, chosen, fallback);
  if (logSpace) {
    const logSamples = np.log1p(np.negative(scalarUniform(subkey))); // -exponential(subkey)
    const logBoost = np.where(np.logicalOr(boost, np.equal(logSamples, 0)), 0, np.multiply(logSamples, np.divide(1, alpha)));
    return np.add(np.add(np.log(d), np.log(V)), logBoost);
  }
  const samples = np.subtract(1, scalarUniform(subkey));
  const boosted = np.where(boost, 1, np.power(samples, np.divide(1, alpha)));
  return np.multiply(np.multiply(d, V), boosted);
}

/** JAX's _gamma_impl: one key per element (split(key, size)), alpha broadcast to shape. */
function gammaImpl(key: KeyArray, alpha: LaxArray, shape: number[], logSpace: boolean): LaxArray {
  const size = shape.reduce((p, q) => p * q, 1);
  if (size === 0) return np.zeros(shape);
  const keys = split(key, size);
  const alphas = np.broadcastTo(alpha, shape).reshape([size]);
  const out = vmap((k: LaxArray, a: LaxArray) => gammaOne(k, a, logSpace))(keys, alphas);
  return out.reshape(shape);
}

function gammaArgs(name: string, k: KeyArray, a: ArrayLike, shape: readonly number[] | undefined, opts: FloatOptions): [KeyArray, LaxArray, number[]] {
  const key = checkKey(name, k);
  floatDtype(name, opts.dtype);
  const s = shape === undefined ? shapeOf(a) : checkShape(name, shape);
  if (shape !== undefined) checkParamShapes(name, s, shapeOf(a));
  return [key, lax.convertElementType(a, 'float32'), s];
}

/** jax.random.gamma(key, a, shape = a's shape): density x^(a-1) e^(-x) / Gamma(a). */
export function gamma(k: KeyArray, a: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const [key, alpha, s] = gammaArgs('gamma', k, a, shape, opts);
  return gammaImpl(key, alpha, s, false);
}

/** jax.random.loggamma: log of a gamma sample, accurate for small a (where the sample underflows). */
export function loggamma(k: KeyArray, a: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const [key, alpha, s] = gammaArgs('loggamma', k, a, shape, opts);
  return gammaImpl(key, alpha, s, true);
}

/** jax.random.beta(key, a, b, shape = broadcast of a's and b's shapes). */
export function beta(k: KeyArray, a: ArrayLike, b: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const key = checkKey('beta', k);
  floatDtype('beta', opts.dtype);
  const s = shape === undefined ? [...broadcastShapes('beta', shapeOf(a), shapeOf(b))] : checkShape('beta', shape);
  if (shape !== undefined) checkParamShapes('beta', s, shapeOf(a), shapeOf(b));
  const keys = split(key);
  const logA = gammaImpl(keys.slice(0), lax.convertElementType(a, 'float32'), s, true);
  const logB = gammaImpl(keys.slice(1), lax.convertElementType(b, 'float32'), s, true);
  const logMax = np.maximum(logA, logB);
  const ga = np.exp(np.subtract(logA, logMax));
  const gb = np.exp(np.subtract(logB, logMax));
  return np.divide(ga, np.add(ga, gb));
}

/** jax.random.dirichlet(key, alpha, shape = alpha's shape without its last axis): [...shape, k]. */
export function dirichlet(k: KeyArray, alpha: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const key = checkKey('dirichlet', k);
  floatDtype('dirichlet', opts.dtype);
  const al = lax.convertElementType(alpha, 'float32');
  if (al.ndim < 1) throw new TypeError(`dirichlet requires alpha.ndim >= 1, got alpha.ndim == ${al.ndim}`);
  const batch = al.shape.slice(0, -1);
  const s = shape === undefined ? batch : checkShape('dirichlet', shape);
  if (shape !== undefined) checkParamShapes('dirichlet', s, batch);
  const logG = gammaImpl(key, al, [...s, al.shape[al.ndim - 1]], true);
  const m = np.max(logG, { axis: -1, keepdims: true });
  const e = np.exp(np.subtract(logG, lax.stopGradient(m)));
  return np.divide(e, np.sum(e, { axis: -1, keepdims: true }));
}

/** jax.random.chisquare(key, df, shape = df's shape): 2 * gamma(df / 2), through loggamma. */
export function chisquare(k: KeyArray, df: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const [key, d, s] = gammaArgs('chisquare', k, df, shape, opts);
  return np.multiply(np.exp(gammaImpl(key, np.divide(d, 2), s, true)), 2);
}

/** jax.random.t(key, df, shape = df's shape): Student's t with df degrees of freedom. */
export function t(k: KeyArray, df: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const [key, d, s] = gammaArgs('t', k, df, shape, opts);
  const keys = split(key);
  const n = normal(keys.slice(0), s);
  const halfDf = np.divide(d, 2);
  const g = gammaImpl(keys.slice(1), halfDf, s, false);
  return np.multiply(n, np.sqrt(np.divide(halfDf, g)));
}
