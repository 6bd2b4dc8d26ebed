// 7. Random uniform: jax.random.uniform(key, (2^22,)) float32 on threefry-2x32 (JAX's default,
// partitionable layout). Also holds what random_normal.ts shares: the scalar threefry loop and the
// moments cross-check for peers whose generators differ from JAX's.
//
// The js column is a plain scalar loop: element i hashes the counter pair (0, i) under the key,
// xors the two output words, and puts the top 23 bits in the mantissa of a float in [1, 2), minus
// 1. laxflow and jax-js (which implements the same threefry layout) are checked against it element
// for element; tfjs uses other generators (Philox-based / its own LCG), so its cells are checked
// only statistically (mean and variance within 6 standard errors of the js sample's).

import type { Jax } from '../peers/jaxjs.js';
import type { LfArray, Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { defineCase, impl, type CrossCheck, type Prepared } from '../harness.js';

export const N = 1 << 22;

/**
 * Threefry-2x32 (20 rounds) of the counter pair (0, i) under key (k0, k1), for i in [0, n), the
 * two output words xored: JAX's partitionable `random_bits`. Rounds unrolled, no allocation.
 */
export function threefryBits(k0: number, k1: number, n: number, out: Uint32Array): Uint32Array {
  const k2 = (k0 ^ k1 ^ 0x1bd11bda) >>> 0;
  for (let i = 0; i < n; i++) {
    let a = k0 | 0;
    let b = (i + k1) | 0;
    // rotations 13 15 26 6, then 17 29 16 24; key injections after every four rounds
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k1) | 0; b = (b + k2 + 1) | 0;
    a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + k2) | 0; b = (b + k0 + 2) | 0;
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k0) | 0; b = (b + k1 + 3) | 0;
    a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + k1) | 0; b = (b + k2 + 4) | 0;
    a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k2) | 0; b = (b + k0 + 5) | 0;
    out[i] = a ^ b;
  }
  return out;
}

/** JAX's uniform on [0, 1) from 32-bit words, in place: bitcast(w >> 9 | 0x3F800000) - 1. */
export function uniformFromBits(words: Uint32Array): Float32Array {
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  for (let i = 0; i < words.length; i++) {
    words[i] = (words[i]! >>> 9) | 0x3f800000;
    floats[i] = floats[i]! - 1;
  }
  return floats;
}

function moments(xs: Float64Array): { mean: number; variance: number; m4: number } {
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let s2 = 0;
  let s4 = 0;
  for (const x of xs) {
    const d = (x - mean) * (x - mean);
    s2 += d;
    s4 += d * d;
  }
  return { mean, variance: s2 / xs.length, m4: s4 / xs.length };
}

/**
 * The statistical cross-check for peers with other generators: the sample mean and variance of
 * `got` within 6 standard errors (of a difference of two independent estimates) of the js
 * sample's, and every value finite and within [lo, hi].
 */
export const momentsCheck =
  (lo: number, hi: number): CrossCheck =>
  (got, ref) => {
    if (got.length !== ref.length) return `length ${got.length} != ${ref.length}`;
    const bad = got.findIndex((x) => !(Number.isFinite(x) && x >= lo && x <= hi));
    if (bad >= 0) return `[${bad}] = ${got[bad]} outside [${lo}, ${hi}]`;
    const g = moments(got);
    const r = moments(ref);
    const n = ref.length;
    const seMean = Math.SQRT2 * Math.sqrt(r.variance / n);
    const seVar = Math.SQRT2 * Math.sqrt((r.m4 - r.variance ** 2) / n);
    if (Math.abs(g.mean - r.mean) > 6 * seMean) return `mean ${g.mean.toPrecision(6)} vs js ${r.mean.toPrecision(6)} (se ${seMean.toExponential(1)})`;
    if (Math.abs(g.variance - r.variance) > 6 * seVar) return `variance ${g.variance.toPrecision(6)} vs js ${r.variance.toPrecision(6)} (se ${seVar.toExponential(1)})`;
    return null;
  };

/** laxflow: a fresh key per run (untimed), so no realized result is ever reused. */
export function laxflowSampler(sample: (lf: Laxflow, key: LfArray) => LfArray) {
  return (_: null, lf: Laxflow): Prepared => {
    let seed = 0;
    let key = lf.random.key(seed);
    return {
      reset: () => void (key = lf.random.key(seed++)), // the first run uses key(0), as the js column
      run: () => sample(lf, key).data(),
    };
  };
}

/** jax-js: `random.key(0)` per run (jit functions consume their arguments). */
export const jaxSampler =
  (sample: (jax: Jax, key: ReturnType<Jax['random']['key']>) => ReturnType<Jax['random']['key']>) =>
  (_: null, jax: Jax): Prepared => ({
    run: () => sample(jax, jax.random.key(0)).data(),
  });

/** tfjs: a seeded op, read back with `await t.data()`. */
export const tfSampler =
  (sample: (tf: Tf) => ReturnType<Tf['randomUniform']>) =>
  (_: null, tf: Tf): Prepared => ({
    run: async () => {
      const t = sample(tf);
      const out = await t.data();
      t.dispose();
      return out as Float32Array;
    },
  });

const tfNote = "tfjs's own generator (not threefry): checked statistically (mean, variance), not element for element";

export default defineCase<null>({
  id: 'random-uniform',
  title: 'random uniform 2^22',
  description: '`random.uniform(key, [2^22])` float32 on threefry-2x32 (JAX partitionable layout; js: scalar threefry over counters + the mantissa trick)',
  makeInputs: () => null,
  tolerance: { rtol: 0, atol: 0 }, // bit-exact: every value is a multiple of 2^-23
  target: { column: 'laxflow-cpu', maxRatio: 0.5 },
  impls: {
    js: impl(() => ({ run: () => uniformFromBits(threefryBits(0, 0, N, new Uint32Array(N))) })),
    'laxflow-cpu': impl(laxflowSampler(({ random }, key) => random.uniform(key, [N]))),
    'jax-js': impl(jaxSampler((jax, key) => jax.random.uniform(key, [N])), 'jax-js implements the same threefry layout: checked element for element'),
    'tfjs-cpu': impl(tfSampler((tf) => tf.randomUniform([N], 0, 1, 'float32', 42)), tfNote, momentsCheck(0, 1)),
    'tfjs-wasm': impl(tfSampler((tf) => tf.randomUniform([N], 0, 1, 'float32', 42)), tfNote, momentsCheck(0, 1)),
  },
});
