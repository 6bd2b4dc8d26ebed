// PRNG keys: raw uint32 arrays of shape [..., 2] (JAX's legacy `PRNGKey` representation), so
// they are ordinary arrays that vmap, scan and jit carry like any other. Seeding, key checks,
// `split` and `foldIn`, in both of JAX's layouts (config `jax_threefry_partitionable`).

import { config } from '../config.js';
import { fmtShape } from '../graph/shape.js';
import { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';
import { threefry2x32, threefryRounds, keyWords, u32 } from './threefry.js';

/** A key argument: a uint32 array of shape [2] (or [..., 2] under the caller's own batching). */
export type KeyArray = LaxArray;

const TWO_32 = 2 ** 32;

/** Low 32 bits of an integer seed, as JAX computes it with x64 disabled (seed -> int64 -> int32). */
function seedWord(seed: number | bigint): number {
  if (typeof seed === 'bigint') {
    if (seed < -(2n ** 63n) || seed >= 2n ** 63n) throw new RangeError('OverflowError: Python int too large to convert to C long');
    return Number(BigInt.asUintN(32, seed));
  }
  if (!Number.isInteger(seed)) throw new TypeError(`PRNG key seed must be an integer; got ${seed}`);
  if (seed < -(2 ** 63) || seed >= 2 ** 63) throw new RangeError('OverflowError: Python int too large to convert to C long');
  if (!Number.isSafeInteger(seed)) return Number(BigInt.asUintN(32, BigInt(seed)));
  return ((seed % TWO_32) + TWO_32) % TWO_32;
}

/**
 * jax.random.key / PRNGKey: the raw key [seed >> 32, seed & 0xFFFFFFFF] of an integer seed. With
 * 64-bit types off JAX first narrows the seed to int32, so the high word is always 0 and the low
 * word is the seed modulo 2^32: key(42) = [0, 42], key(-1) = [0, 4294967295],
 * key(2**31 + 99) = [0, 2147483747]. A scalar integer array seed works too (so `vmap(key)`).
 */
export function key(seed: number | bigint | LaxArray, ctorName = 'key'): KeyArray {
  if (seed instanceof LaxArray) {
    if (seed.ndim !== 0) throw new TypeError(`${ctorName} accepts a scalar seed, but was given an array of shape ${fmtShape(seed.shape)} != (). Use jax.vmap for batching`);
    if (seed.dtype !== 'int32' && seed.dtype !== 'uint32') throw new TypeError(`PRNG key seed must be an integer; got ${seed.dtype} seed`);
    return np.stack([u32(0), lax.convertElementType(seed, 'uint32')]);
  }
  if (Array.isArray(seed) || ArrayBuffer.isView(seed)) {
    const shape = np.array(seed as never).shape;
    throw new TypeError(`${ctorName} accepts a scalar seed, but was given an array of shape ${fmtShape(shape)} != (). Use jax.vmap for batching`);
  }
  return np.array([0, seedWord(seed)], { dtype: 'uint32' });
}

/** jax.random.PRNGKey: the same raw uint32 key as `key` (keys are raw arrays here). */
export const PRNGKey = (seed: number | bigint | LaxArray): KeyArray => key(seed, 'PRNGKey');

/** JAX's key-data check: a uint32 array whose shape ends with (2,). */
export function checkKeyData(name: string, k: unknown): LaxArray {
  if (!(k instanceof LaxArray)) throw new TypeError(`unexpected PRNG key type ${k === null ? 'null' : typeof k}`);
  if (k.ndim < 1) throw new TypeError(`${name}: JAX encountered invalid PRNG key data: expected key_data.ndim >= 1; got ndim=${k.ndim}`);
  if (k.shape[k.ndim - 1] !== 2) {
    throw new TypeError(`${name}: JAX encountered invalid PRNG key data: expected key_data.shape to end with (2,); got shape=${fmtShape(k.shape)} (expected a PRNG key array of shape (..., 2) and dtype uint32)`);
  }
  if (k.dtype !== 'uint32') {
    throw new TypeError(`${name}: JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; got dtype=${k.dtype} (expected a PRNG key array of shape (..., 2) and dtype uint32)`);
  }
  return k;
}

/** A single key (shape [2]); a batch of keys is refused in JAX's words. */
export function checkKey(name: string, k: unknown): LaxArray {
  const key = checkKeyData(name, k);
  if (key.ndim !== 1) throw new TypeError(`${name} accepts a single key, but was given a key array of shape ${fmtShape(key.shape)} != (). Use jax.vmap for batching.`);
  return key;
}

export const partitionable = (): boolean => config.read('jax_threefry_partitionable');

/**
 * The counter pair of each element of `shape` in the partitionable layout: the 64-bit
 * row-major index split into (hi, lo) words (JAX's `iota_2x32_shape`). Sizes stay below 2^32
 * here, so hi is 0.
 */
export function iota2x32(shape: readonly number[]): [LaxArray, LaxArray] {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n >= TWO_32) throw new RangeError('random bits array of size exceeding 2 ** 32 is not supported');
  const lo = shape.length === 0 ? np.zeros([], { dtype: 'uint32' }) : lax.iota('uint32', n).reshape([...shape]);
  return [np.zeros([...shape], { dtype: 'uint32' }), lo];
}

function checkNum(num: number | number[]): number[] {
  const shape = typeof num === 'number' ? [num] : [...num];
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new TypeError(`split: num must be a non-negative integer or a tuple of them, got ${JSON.stringify(num)}`);
  return shape;
}

/**
 * jax.random.split: `num` new keys (or a shape of them), shape [...num, 2].
 * Partitionable layout: key i is the hash of counter (0, i), both output words kept.
 * Legacy layout: the hash of counters 0 .. 2*num-1, read as num pairs.
 */
export function split(k: KeyArray, num: number | number[] = 2): KeyArray {
  const key = checkKey('split', k);
  const shape = checkNum(num);
  const n = shape.reduce((a, b) => a * b, 1);
  if (partitionable()) {
    const [k1, k2] = keyWords(key);
    const [hi, lo] = iota2x32(shape);
    const [b1, b2] = threefryRounds(k1, k2, hi, lo);
    return np.stack([b1, b2], { axis: shape.length });
  }
  return threefry2x32(key, lax.iota('uint32', 2 * n)).reshape([...shape, 2]);
}

/**
 * jax.random.fold_in: a new key from a key and 32-bit data, the hash of the counter pair
 * (0, data) (same in both layouts). `data` may be a traced scalar (so vmap over data works).
 */
export function foldIn(k: KeyArray, data: number | LaxArray): KeyArray {
  const key = checkKey('fold_in', k);
  let word: LaxArray;
  if (data instanceof LaxArray) {
    if (data.ndim !== 0) throw new TypeError(`fold_in accepts a scalar, but was given an array of shape ${fmtShape(data.shape)} != (). Use jax.vmap for batching.`);
    if (data.dtype === 'float32' || data.dtype === 'bool') throw new TypeError(`fold_in: data must be an integer, got ${data.dtype}`);
    word = lax.convertElementType(data, 'uint32');
  } else {
    if (!Number.isInteger(data)) throw new TypeError(`fold_in: data must be an integer, got ${data}`);
    if (data < 0 || data >= TWO_32) throw new RangeError(`OverflowError: Python int ${data} too large to convert to uint32`);
    word = u32(data);
  }
  return threefry2x32(key, np.stack([u32(0), word]));
}

/** jax.random.key_data: the raw uint32 words (keys already are raw). */
export const keyData = (k: KeyArray): LaxArray => checkKeyData('key_data', k);
