// Special functions the samplers need, as float32 graph operations (every backend runs them):
// erf (truncatedNormal) and lgamma (poisson's transformed rejection). Both follow XLA's
// formulas (xla/client/lib/math.cc), not necessarily its exact float32 operation order, so a
// value can differ from XLA's in the last bits.
//
//   erf(x)    = x P(x^2) / Q(x^2) over x clamped to [-4, 4] (rational minimax, error ~1e-7)
//   lgamma(x) = Lanczos (g = 7, 9 terms) for x >= 0.5, reflection log(pi / |sin(pi x)|) - lgamma(1 - x) below

import type { LaxArray } from '../operators/array.js';
import * as np from '../operators/np.js';

const ERF_ALPHA = [-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2];
const ERF_BETA = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];

/** Horner's rule, highest coefficient first. */
function poly(x: LaxArray, coefficients: number[]): LaxArray {
  let p = np.fullLike(x, coefficients[0]);
  for (const c of coefficients.slice(1)) p = np.add(np.multiply(p, x), c);
  return p;
}

/** The error function, float32. */
export function erf(x: LaxArray): LaxArray {
  const c = np.clip(x, -4, 4);
  const x2 = np.multiply(c, c);
  return np.divide(np.multiply(c, poly(x2, ERF_ALPHA)), poly(x2, ERF_BETA));
}

const LANCZOS_G = 7;
const LANCZOS_BASE = 0.99999999999980993227684700473478;
const LANCZOS = [676.520368121885098567009190444019, -1259.13921672240287047156078755283, 771.3234287776530788486528258894, -176.61502916214059906584551354, 12.507343278686904814458936853, -0.13857109526572011689554707, 9.984369578019570859563e-6, 1.50563273514931155834e-7];

/** log|Gamma(x)|, float32; +inf at the poles (0, -1, -2, ...). */
export function lgamma(x: LaxArray): LaxArray {
  const reflect = np.less(x, 0.5);
  // Lanczos on z = x - 1 (or on -x where reflecting: lgamma(1 - x) needs z = -x)
  const z = np.where(reflect, np.negative(x), np.subtract(x, 1));
  let sum: LaxArray = np.add(np.multiply(z, 0), LANCZOS_BASE);
  LANCZOS.forEach((c, i) => {
    sum = np.add(sum, np.divide(c, np.add(z, i + 1)));
  });
  const half = LANCZOS_G + 0.5;
  const t = np.add(z, half);
  const logT = np.add(Math.log(half), np.log1p(np.divide(z, half)));
  const logY = np.add(np.add(0.5 * Math.log(2 * Math.PI), np.subtract(np.multiply(np.add(z, 0.5), logT), t)), np.log(sum));
  // reflection: lgamma(x) = log(pi) - log|sin(pi x)| - lgamma(1 - x); sin(pi x) via the
  // distance of x to the nearest integer, so large |x| keeps its precision
  const frac = np.subtract(np.abs(x), np.floor(np.abs(x)));
  const nearest = np.where(np.greater(frac, 0.5), np.subtract(1, frac), frac);
  const reflected = np.subtract(np.subtract(Math.log(Math.PI), np.log(np.abs(np.sin(np.multiply(nearest, Math.PI))))), logY);
  const out = np.where(reflect, reflected, logY);
  return np.where(np.logicalAnd(np.lessEqual(x, 0), np.equal(x, np.floor(x))), Infinity, out);
}
