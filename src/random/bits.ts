// Random bits: uint32 words of a given shape from a key, in JAX's two layouts
// (jax/_src/prng.py `_threefry_random_bits_partitionable` / `_original`).

import type { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { checkShape as checkShapeArg } from '../operators/validate.js';
import { checkKey, iota2x32, partitionable, type KeyArray } from './keys.js';
import { keyWords, threefry2x32, threefryRounds } from './threefry.js';

/** A sampler's shape argument, checked by the public API's one shape check (operators/validate.ts). */
export const checkShape = (name: string, shape: readonly number[]): number[] => checkShapeArg(name, shape);

/**
 * 32 random bits per element of `shape`, for an already-checked single key.
 * Partitionable: element i hashes the counter pair (0, i) and xors the two output words, so
 * every element is independent of the others (and of the array's size).
 * Legacy: the hash of counters 0 .. n-1 (first half paired with second half).
 */
export function randomBits(key: KeyArray, shape: readonly number[]): LaxArray {
  const n = shape.reduce((a, b) => a * b, 1);
  if (partitionable()) {
    const [k1, k2] = keyWords(key);
    const [hi, lo] = iota2x32(shape);
    const [b1, b2] = threefryRounds(k1, k2, hi, lo);
    return np.bitwiseXor(b1, b2);
  }
  return threefry2x32(key, lax.iota('uint32', n)).reshape([...shape]);
}

/** jax.random.bits: uniform uint32 words (the only unsigned dtype with 64-bit types off). */
export function bits(k: KeyArray, shape: readonly number[] = [], opts: { dtype?: string } = {}): LaxArray {
  const key = checkKey('bits', k);
  const dtype = opts.dtype ?? 'uint32';
  if (dtype !== 'uint32') throw new TypeError(`dtype argument to \`bits\` must be an unsigned int dtype, got ${dtype}`);
  return randomBits(key, checkShape('bits', shape));
}
