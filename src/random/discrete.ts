// Discrete samplers, as jax/_src/random.py writes them:
//
//   rademacher   2 * bernoulli(key, 0.5, shape) - 1                          (bit-exact)
//   geometric    floor(log(u) / log1p(-p)) + 1, u = uniform(key, shape)       (bits of u exact;
//                log/log1p can differ from XLA's in the last bit)
//   categorical  argmax(gumbel(key, [...prefix, ...logits' shape]) + logits, axis) (gumbel's bits)
//   poisson      lam < 10: Knuth's product of uniforms; else Hormann's transformed rejection
//                (PTRS), each with JAX's keys: one split per loop iteration for the whole array.
//
// JAX runs poisson's loops with lax.while_loop until every element is done. Here they are
// unrolled to a fixed count (Knuth: 48 iterations; rejection: 16 rounds) with the same keys and
// the same updates, which is JAX's result exactly whenever JAX's loop stops within that count:
// for Knuth, unless some element of the array reaches 47 (P < 1e-14 per element at lam < 10);
// for the rejection rounds, unless some element is rejected 16 times (P ~ 0.11^16 ~ 5e-16).
// Rejection reads lgamma (special.ts, Lanczos as XLA; not XLA's exact float operations), so an
// acceptance test that falls within float32 rounding may go the other way: poisson is JAX's
// algorithm but not claimed bit-exact.

import { normalizeAxis } from '../graph/shape.js';
import { LaxArray } from '../operators/array.js';
import type { ArrayLike } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { checkShape, randomBits } from './bits.js';
import { bernoulli, checkParamShapes, shapeOf, uniformFromBits } from './distributions.js';
import { gumbel, type GumbelMode } from './gumbel.js';
import { checkKey, split, type KeyArray } from './keys.js';
import { lgamma } from './special.js';

type IntOptions = { dtype?: string };

function intDtype(name: string, dtype: string | undefined): 'int32' | 'uint32' {
  const d = dtype ?? 'int32';
  if (d !== 'int32' && d !== 'uint32') throw new TypeError(`dtype argument to \`${name}\` must be an int dtype, got ${d}`);
  return d;
}

/** jax.random.rademacher(key, shape, dtype = int32): -1 or 1 with probability 1/2 each. */
export function rademacher(k: KeyArray, shape: readonly number[], opts: { dtype?: string } = {}): LaxArray {
  const key = checkKey('rademacher', k);
  const dtype = opts.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32') throw new TypeError(`rademacher: dtype must be int32 or float32, got ${dtype}`);
  const b = bernoulli(key, 0.5, checkShape('rademacher', shape)).astype(dtype);
  return np.subtract(np.multiply(2, b), 1).astype(dtype);
}

const probability = (name: string, p: ArrayLike): LaxArray => {
  const a = p instanceof LaxArray ? p : np.array(p as never, { dtype: 'float32' });
  if (a.dtype === 'bool') throw new TypeError(`${name}: p must be a float array, got bool`);
  return lax.convertElementType(a, 'float32');
};

/** jax.random.geometric(key, p, shape = p's shape, dtype = int32): trials until the first success, >= 1. */
export function geometric(k: KeyArray, p: ArrayLike, shape?: readonly number[], opts: IntOptions = {}): LaxArray {
  const key = checkKey('geometric', k);
  const dtype = intDtype('geometric', opts.dtype);
  const prob = probability('geometric', p);
  const s = shape === undefined ? prob.shape : checkShape('geometric', shape);
  if (shape !== undefined) checkParamShapes('geometric', s, prob.shape);
  const u = uniformFromBits(randomBits(key, s), 0, 1);
  const logOneMinusP = np.broadcastTo(np.log1p(np.negative(prob)), s);
  return np.add(np.floor(np.divide(np.log(u), logOneMinusP)).astype(dtype), 1).astype(dtype);
}

/**
 * jax.random.categorical(key, logits, { axis = -1, shape, mode }): indices drawn with
 * probabilities softmax(logits) along axis, by the Gumbel-max trick. shape (default: logits'
 * shape without axis) may add leading axes, each a fresh draw.
 */
export function categorical(k: KeyArray, logits: ArrayLike, opts: { axis?: number; shape?: readonly number[]; mode?: GumbelMode; replace?: boolean } = {}): LaxArray {
  const key = checkKey('categorical', k);
  const lg = probability('categorical', logits);
  if (lg.ndim === 0) throw new TypeError('categorical: logits must have at least one dimension');
  if (opts.replace === false) throw new TypeError('categorical: replace=false is not supported here; use random.choice(key, n, shape, { replace: false, p: softmax(logits) })');
  let axis = normalizeAxis(opts.axis ?? -1, lg.ndim);
  axis -= lg.ndim; // JAX keeps the axis negative, counted from the end
  const batchShape = lg.shape.filter((_, i) => i !== axis + lg.ndim);
  const shape = opts.shape === undefined ? batchShape : checkShape('categorical', opts.shape);
  if (opts.shape !== undefined) checkParamShapes('categorical', shape, batchShape);
  const prefix = shape.slice(0, shape.length - batchShape.length);
  const logitsShape = shape.slice(shape.length - batchShape.length);
  logitsShape.splice(axis + lg.ndim, 0, lg.shape[axis + lg.ndim]);
  const g = gumbel(key, [...prefix, ...logitsShape], { mode: opts.mode });
  const expanded = lg.reshape([...prefix.map(() => 1), ...lg.shape]);
  return np.argmax(np.add(g, expanded), { axis });
}

const KNUTH_ITERATIONS = 48;
const REJECTION_ROUNDS = 16;

/** JAX's _poisson_knuth: count uniforms until their log-product falls to -lam (k - 1). */
function poissonKnuth(key: KeyArray, lam: LaxArray, shape: number[]): LaxArray {
  let k = np.zeros(shape, { dtype: 'int32' });
  let logProd = np.zeros(shape);
  let rng = key;
  const negLam = np.negative(lam);
  for (let i = 0; i < KNUTH_ITERATIONS; i++) {
    const keys = split(rng);
    rng = keys.slice(0);
    k = np.where(np.greater(logProd, negLam), np.add(k, 1), k);
    logProd = np.add(logProd, np.log(uniformFromBits(randomBits(keys.slice(1), shape), 0, 1)));
  }
  return np.subtract(k, 1);
}

/**
 * JAX's _poisson_rejection (Hormann's PTRS). Every round draws for the whole array, and a later
 * acceptance overwrites an earlier one while any element is still unaccepted: round r counts
 * only if some element was unaccepted after round r - 1, exactly as JAX's while loop.
 */
function poissonRejection(key: KeyArray, lam: LaxArray, shape: number[]): LaxArray {
  const logLam = np.log(lam);
  const b = np.add(0.931, np.multiply(2.53, np.sqrt(lam)));
  const a = np.add(-0.059, np.multiply(0.02483, b));
  const invAlpha = np.add(1.1239, np.divide(1.1328, np.subtract(b, 3.4)));
  const vR = np.subtract(0.9277, np.divide(3.6224, np.subtract(b, 2)));
  let kOut = np.full(shape, -1, { dtype: 'float32' });
  let accepted = np.zeros(shape, { dtype: 'bool' });
  let rng = key;
  for (let r = 0; r < REJECTION_ROUNDS; r++) {
    const running = np.any(np.logicalNot(accepted));
    const keys = split(rng, 3);
    rng = keys.slice(0);
    const u = np.subtract(uniformFromBits(randomBits(keys.slice(1), shape), 0, 1), 0.5);
    const v = uniformFromBits(randomBits(keys.slice(2), shape), 0, 1);
    const uShifted = np.subtract(0.5, np.abs(u));
    const k = np.floor(np.add(np.add(np.multiply(np.add(np.divide(np.multiply(2, a), uShifted), b), u), lam), 0.43));
    const s = np.log(np.divide(np.multiply(v, invAlpha), np.add(np.divide(a, np.multiply(uShifted, uShifted)), b)));
    const t = np.subtract(np.add(np.negative(lam), np.multiply(k, logLam)), lgamma(np.add(k, 1)));
    const accept1 = np.logicalAnd(np.greaterEqual(uShifted, 0.07), np.lessEqual(v, vR));
    const reject = np.logicalOr(np.less(k, 0), np.logicalAnd(np.less(uShifted, 0.013), np.greater(v, uShifted)));
    const accept = np.logicalAnd(np.logicalOr(accept1, np.logicalAnd(np.logicalNot(reject), np.lessEqual(s, t))), running);
    kOut = np.where(accept, k, kOut);
    accepted = np.logicalOr(accepted, accept);
  }
  return kOut;
}

/** jax.random.poisson(key, lam, shape = lam's shape, dtype = int32). */
export function poisson(k: KeyArray, lam: ArrayLike, shape?: readonly number[], opts: IntOptions = {}): LaxArray {
  const key = checkKey('poisson', k);
  const dtype = intDtype('poisson', opts.dtype);
  const rate = probability('poisson', lam);
  const s = shape === undefined ? rate.shape : checkShape('poisson', shape);
  if (shape !== undefined) checkParamShapes('poisson', s, shapeOf(rate));
  const lamB = np.broadcastTo(rate, s);
  const useKnuth = np.logicalOr(np.isnan(lamB), np.less(lamB, 10));
  const lamKnuth = np.where(useKnuth, lamB, 0);
  const lamRejection = np.where(useKnuth, 1e5, lamB);
  const knuth = poissonKnuth(key, lamKnuth, s).astype(dtype);
  const rejection = poissonRejection(key, lamRejection, s).astype(dtype);
  const result = np.where(useKnuth, knuth, rejection);
  return np.where(np.equal(lamB, 0), np.zerosLike(result), result);
}
