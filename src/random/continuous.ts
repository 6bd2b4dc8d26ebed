// Continuous samplers that transform one uniform (or normal) draw, written operation for
// operation as jax/_src/random.py writes them, so their bits are JAX's wherever the
// operations they use are (uniform and normal are bit-exact; log, log1p, tan and exp can
// differ from XLA's in the last bit, as in exponential and gumbel):
//
//   laplace          u = uniform(key, shape, -1 + epsneg, 1);   sign(u) * log1p(-|u|)
//   logistic         u = uniform(key, shape, tiny, 1);          log(u / (1 - u))
//   cauchy           u = uniform(key, shape, eps, 1);           tan(pi * (u - 0.5))
//   lognormal        exp(normal(key, shape) * sigma)
//   truncatedNormal  u = uniform(key, shape, erf(lower/sqrt2), erf(upper/sqrt2));
//                    clip(sqrt2 * erfinv(u), nextafter(lower, inf), nextafter(upper, -inf))
//                    (erf is XLA's rational approximation, special.ts: not bit-exact)

import { broadcastShapes } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { checkShape, randomBits } from './bits.js';
import { checkParamShapes, floatDtype, normal, shapeOf, uniformFromBits } from './distributions.js';
import { erfinv } from './erfinv.js';
import { checkKey, type KeyArray } from './keys.js';
import { erf } from './special.js';

type FloatOptions = { dtype?: string };

/** The float32 just above -1: -1 + np.finfo(float32).epsneg. */
const NEXT_AFTER_MINUS_ONE = Math.fround(-1 + 2 ** -24);
/** np.finfo(float32).tiny and .eps */
const TINY = 2 ** -126;
const EPS = 2 ** -23;

function floatUniform(name: string, k: KeyArray, shape: readonly number[], opts: FloatOptions, minval: number): LaxArray {
  const key = checkKey(name, k);
  floatDtype(name, opts.dtype);
  return uniformFromBits(randomBits(key, checkShape(name, shape)), minval, 1);
}

/** jax.random.laplace(key, shape): density exp(-|x|) / 2. */
export function laplace(k: KeyArray, shape: readonly number[] = [], opts: FloatOptions = {}): LaxArray {
  const u = floatUniform('laplace', k, shape, opts, NEXT_AFTER_MINUS_ONE);
  return np.multiply(np.sign(u), np.log1p(np.negative(np.abs(u))));
}

/** jax.random.logistic(key, shape): density exp(-x) / (1 + exp(-x))^2. */
export function logistic(k: KeyArray, shape: readonly number[] = [], opts: FloatOptions = {}): LaxArray {
  const u = floatUniform('logistic', k, shape, opts, TINY);
  return np.log(np.divide(u, np.subtract(1, u)));
}

/** jax.random.cauchy(key, shape): density 1 / (pi (1 + x^2)). */
export function cauchy(k: KeyArray, shape: readonly number[] = [], opts: FloatOptions = {}): LaxArray {
  const u = floatUniform('cauchy', k, shape, opts, EPS);
  return np.tan(np.multiply(Math.PI, np.subtract(u, 0.5)));
}

const asFloat = (x: ArrayLike): LaxArray => lax.convertElementType(x, 'float32');

/** jax.random.lognormal(key, sigma = 1, shape = sigma's shape): exp(sigma * normal). */
export function lognormal(k: KeyArray, sigma: ArrayLike = 1, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const key = checkKey('lognormal', k);
  floatDtype('lognormal', opts.dtype);
  const s = shape === undefined ? shapeOf(sigma) : checkShape('lognormal', shape);
  if (shape !== undefined) checkParamShapes('lognormal', s, shapeOf(sigma));
  return np.exp(np.multiply(normal(key, s), asFloat(sigma)));
}

/** The next float32 after x towards +inf (up) or -inf, elementwise (lax.nextafter). */
function nextFloat(x: LaxArray, up: boolean): LaxArray {
  return np.nextafter(x, up ? Infinity : -Infinity);
}

/**
 * jax.random.truncated_normal(key, lower, upper, shape = broadcast of their shapes): the
 * standard normal restricted to (lower, upper), by inverting the CDF on a uniform between
 * erf(lower / sqrt 2) and erf(upper / sqrt 2), clipped inside the open interval.
 */
export function truncatedNormal(k: KeyArray, lower: ArrayLike, upper: ArrayLike, shape?: readonly number[], opts: FloatOptions = {}): LaxArray {
  const key = checkKey('truncated_normal', k);
  floatDtype('truncated_normal', opts.dtype);
  const s = shape === undefined ? [...broadcastShapes('truncated_normal', shapeOf(lower), shapeOf(upper))] : checkShape('truncated_normal', shape);
  if (shape !== undefined) checkParamShapes('truncated_normal', s, shapeOf(lower), shapeOf(upper));
  const sqrt2 = Math.fround(Math.SQRT2);
  const lo = asFloat(lower);
  const hi = asFloat(upper);
  const a = erf(np.divide(lo, sqrt2));
  const b = erf(np.divide(hi, sqrt2));
  const u = uniformFromBits(randomBits(key, s), a, b);
  const out = np.multiply(sqrt2, erfinv(u));
  return np.clip(out, nextFloat(lax.stopGradient(lo), true), nextFloat(lax.stopGradient(hi), false));
}
