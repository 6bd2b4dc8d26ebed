// Samplers built on random bits, following jax/_src/random/core.py operation for operation so
// the float32/int32 results match JAX bit for bit: uniform (mantissa method), normal
// (sqrt(2) * erfinv), exponential (-log1p(-u)), randint (JAX's two-key modulus method in uint32)
// and bernoulli.

import { broadcastShapes, fmtShape, shapesEqual } from '../graph/shape.js';
import { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import type { ArrayLike } from '../operators/array.js';
import { checkShape, randomBits } from './bits.js';
import { erfinv } from './erfinv.js';
import { checkKey, split, type KeyArray } from './keys.js';
import { u32 } from './threefry.js';

type FloatOptions = { dtype?: string };

export function floatDtype(name: string, dtype: string | undefined): 'float32' {
  const d = dtype ?? 'float32';
  if (d !== 'float32') throw new TypeError(`dtype argument to \`${name}\` must be a float dtype, got ${d}`);
  return d;
}

/** JAX's _check_shape: parameter shapes must broadcast to exactly `shape`. */
export function checkParamShapes(name: string, shape: number[], ...params: readonly number[][]): void {
  if (!params.length) return;
  const out = broadcastShapes(name, shape, ...params);
  if (!shapesEqual(out, shape)) {
    throw new TypeError(`${name} parameter shapes must be broadcast-compatible with shape argument, and the result of broadcasting the shapes must equal the shape argument, but got result ${fmtShape(out)} for shape argument ${fmtShape(shape)}.`);
  }
}

export const shapeOf = (x: ArrayLike): number[] => (x instanceof LaxArray ? x.shape : np.array(x as never).shape);

/**
 * Uniform float32 in [minval, maxval): the top 23 bits of each word become the mantissa of a
 * float in [1, 2), minus 1, scaled and shifted, and clamped below by minval:
 *   max(minval, (bitcast(bits >> 9 | 0x3F800000) - 1) * (maxval - minval) + minval)
 */
export function uniformFromBits(bits: LaxArray, minval: ArrayLike, maxval: ArrayLike): LaxArray {
  const lo = lax.convertElementType(minval, 'float32');
  const hi = lax.convertElementType(maxval, 'float32');
  const mantissa = np.bitwiseOr(lax.shiftRightLogical(bits, u32(32 - 23)), u32(0x3f800000));
  const floats = np.subtract(lax.bitcastConvertType(mantissa, 'float32'), np.array(1, { dtype: 'float32' }));
  return np.maximum(lo, np.add(np.multiply(floats, np.subtract(hi, lo)), lo));
}

/** jax.random.uniform(key, shape, dtype, minval, maxval). */
export function uniform(k: KeyArray, shape: readonly number[] = [], opts: FloatOptions & { minval?: ArrayLike; maxval?: ArrayLike } = {}): LaxArray {
  const key = checkKey('uniform', k);
  floatDtype('uniform', opts.dtype);
  const s = checkShape('uniform', shape);
  return uniformFromBits(randomBits(key, s), opts.minval ?? 0, opts.maxval ?? 1);
}

/** The float32 just above -1 (np.nextafter(-1, 0)), so erfinv never sees -1. */
const NEXT_AFTER_MINUS_ONE = Math.fround(-1 + 2 ** -24);

/** jax.random.normal: sqrt(2) * erfinv(u), u uniform on (-1, 1). */
export function normal(k: KeyArray, shape: readonly number[] = [], opts: FloatOptions = {}): LaxArray {
  const key = checkKey('normal', k);
  floatDtype('normal', opts.dtype);
  const s = checkShape('normal', shape);
  const u = uniformFromBits(randomBits(key, s), NEXT_AFTER_MINUS_ONE, 1);
  return np.multiply(np.array(Math.fround(Math.SQRT2), { dtype: 'float32' }), erfinv(u));
}

/**
 * jax.random.exponential: -log1p(-u) for u = uniform(key, shape), density exp(-x) on [0, inf).
 * (log1p is the one step whose last bit can differ from XLA's own implementation.)
 */
export function exponential(k: KeyArray, shape: readonly number[] = [], opts: FloatOptions = {}): LaxArray {
  const key = checkKey('exponential', k);
  floatDtype('exponential', opts.dtype);
  const u = uniformFromBits(randomBits(key, checkShape('exponential', shape)), 0, 1);
  return np.negative(np.log1p(np.negative(u)));
}

function intBound(name: string, v: ArrayLike, dtype: 'int32' | 'uint32'): LaxArray {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${name}: bounds must be finite, got ${v}`);
    // Python ints outside the dtype's range are clipped to it (JAX's _convert_and_clip_integer).
    const [lo, hi] = dtype === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
    return np.array(Math.min(Math.max(Math.trunc(v), lo), hi), { dtype });
  }
  const a = v instanceof LaxArray ? v : np.array(v as never);
  // Floats are truncated to int (`minval.astype(int)`), integers converted (JAX clips; int32 and
  // uint32 values that are out of range for the other dtype are clipped here too).
  const asInt = a.dtype === 'float32' || a.dtype === 'bool' ? lax.convertElementType(a, 'int32') : a;
  if (asInt.dtype === dtype) return asInt;
  const clipped = dtype === 'int32' ? np.minimum(asInt, np.array(2 ** 31 - 1, { dtype: 'uint32' })) : np.maximum(asInt, np.array(0, { dtype: 'int32' }));
  return lax.convertElementType(clipped, dtype);
}

/**
 * jax.random.randint: integers in [minval, maxval). Two keys give a high and a low word per
 * element; with span = maxval - minval (as uint32; 1 where maxval <= minval) and
 * multiplier = (2^16 % span)^2 % span (in wrapping uint32, exactly as JAX computes it):
 *   offset = ((hi % span) * multiplier + lo % span) % span;   out = minval + offset
 */
export function randint(k: KeyArray, shape: readonly number[], minval: ArrayLike, maxval: ArrayLike, opts: { dtype?: string } = {}): LaxArray {
  const key = checkKey('randint', k);
  const dtype = opts.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'uint32') throw new TypeError(`randint only accepts integer dtypes, got ${dtype}`);
  const s = checkShape('randint', shape);
  checkParamShapes('randint', s, shapeOf(minval), shapeOf(maxval));
  const lo = np.broadcastTo(intBound('randint', minval, dtype), s);
  const hi = np.broadcastTo(intBound('randint', maxval, dtype), s);
  const keys = split(key);
  const [k1, k2] = [keys.slice(0), keys.slice(1)];
  const higherBits = randomBits(k1, s);
  const lowerBits = randomBits(k2, s);
  let span = lax.convertElementType(np.subtract(hi, lo), 'uint32');
  span = lax.select(np.lessEqual(hi, lo), np.onesLike(span), span);
  let multiplier = lax.rem(u32(2 ** 16), span);
  multiplier = lax.rem(np.multiply(multiplier, multiplier), span);
  let offset = np.add(np.multiply(lax.rem(higherBits, span), multiplier), lax.rem(lowerBits, span));
  offset = lax.rem(offset, span);
  return np.add(lo, lax.convertElementType(offset, dtype));
}

/** jax.random.bernoulli: uniform(key, shape) < p (mode 'low'); shape defaults to p's shape. */
export function bernoulli(k: KeyArray, p: ArrayLike = 0.5, shape?: readonly number[]): LaxArray {
  const key = checkKey('bernoulli', k);
  const prob = p instanceof LaxArray ? p : np.array(p as never, { dtype: 'float32' });
  if (prob.dtype !== 'float32') throw new TypeError(`bernoulli probability \`p\` must have a floating dtype, got ${prob.dtype}.`);
  const s = shape === undefined ? prob.shape : checkShape('bernoulli', shape);
  if (shape !== undefined) checkParamShapes('bernoulli', s, prob.shape);
  return np.less(uniformFromBits(randomBits(key, s), 0, 1), prob);
}
