// Threefry-2x32 (20 rounds), written once as graph operations: uint32 add (wrapping), xor and
// rotate = shl | shr. Every backend (the CPU oracle, fused CPU kernels, WGSL) gets the hash
// from this one definition, and the bits fuse with whatever consumes them.
//
// Two entry points, as in jax/_src/prng.py:
//   threefryRounds(k1, k2, x1, x2)  the `threefry2x32_p` primitive: elementwise over
//                                   broadcastable uint32 operands, two outputs.
//   threefry2x32(key, count)        JAX's `threefry_2x32`: hashes a flat counter array by
//                                   pairing its first half with its second half (zero-padded
//                                   when odd), output shaped like `count`.

import type { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';

/** A uint32 scalar constant. */
export const u32 = (v: number): LaxArray => np.array(v >>> 0, { dtype: 'uint32' });

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;
const KS_PARITY = 0x1bd11bda;

function rotateLeft(x: LaxArray, d: number): LaxArray {
  return np.bitwiseOr(lax.shiftLeft(x, u32(d)), lax.shiftRightLogical(x, u32(32 - d)));
}

/**
 * The Threefry-2x32 block cipher on counter pairs (x1, x2) under key (k1, k2); all uint32 and
 * broadcastable. Five groups of four rounds, each followed by a key injection:
 *
 *   ks = [k1, k2, k1 ^ k2 ^ 0x1BD11BDA];  x1 += ks[0];  x2 += ks[1]
 *   for i in 0..4:
 *     for r in ROTATIONS[i % 2]:  x1 += x2;  x2 = rotl(x2, r) ^ x1
 *     x1 += ks[(i + 1) % 3];  x2 += ks[(i + 2) % 3] + (i + 1)
 */
export function threefryRounds(k1: LaxArray, k2: LaxArray, x1: LaxArray, x2: LaxArray): [LaxArray, LaxArray] {
  for (const v of [k1, k2, x1, x2]) {
    if (v.dtype !== 'uint32') throw new TypeError(`Arguments to threefry2x32 must have uint32 type, got ${[k1, k2, x1, x2].map((a) => a.dtype).join(', ')}`);
  }
  const ks = [k1, k2, np.bitwiseXor(np.bitwiseXor(k1, k2), u32(KS_PARITY))];
  let a = np.add(x1, ks[0]);
  let b = np.add(x2, ks[1]);
  for (let i = 0; i < 5; i++) {
    for (const r of ROTATIONS[i % 2]) {
      a = np.add(a, b);
      b = np.bitwiseXor(a, rotateLeft(b, r));
    }
    a = np.add(a, ks[(i + 1) % 3]);
    b = np.add(np.add(b, ks[(i + 2) % 3]), u32(i + 1));
  }
  return [a, b];
}

/** The two uint32 words of a single raw key (shape [2]), as scalars. */
export function keyWords(key: LaxArray): [LaxArray, LaxArray] {
  return [key.slice(0), key.slice(1)];
}

/**
 * JAX's `threefry_2x32(keypair, count)`: hash uint32 `count` (any shape) under a key of shape
 * [2]. The flattened counts are split into halves (a zero appended when odd), the halves are the
 * two lanes of the cipher, and the lanes' outputs are concatenated back.
 */
export function threefry2x32(key: LaxArray, count: LaxArray): LaxArray {
  if (key.dtype !== 'uint32' || count.dtype !== 'uint32') throw new TypeError(`threefry_2x32 requires uint32 arguments, got [${key.dtype}, ${count.dtype}]`);
  const [k1, k2] = keyWords(key);
  const n = count.size;
  const flat = count.reshape([n]);
  const odd = n % 2;
  const padded = odd ? np.concatenate([flat, np.zeros([1], { dtype: 'uint32' })]) : flat;
  const half = (n + odd) / 2;
  const [a, b] = threefryRounds(k1, k2, padded.slice(np.slice(0, half)), padded.slice(np.slice(half)));
  const out = np.concatenate([a, b]);
  return (odd ? out.slice(np.slice(0, n)) : out).reshape(count.shape);
}
