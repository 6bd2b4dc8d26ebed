// Samplers: JAX's published values (each with its JAX call), bit-exact agreement with the
// plain-JS reference, vmap over keys versus a loop, and KS tests on 10^5 samples.

import { afterEach, describe, expect, it } from 'vitest';
import { config, np, random, vmap, type LaxArray } from '../../src/index.js';
import { bitsRef, uniformFromWord } from './reference.js';

const list = async (a: LaxArray) => Array.from(await a.data(), Number);
const legacy = () => config.update('jax_threefry_partitionable', false);
afterEach(() => config.reset());

// jax tests/random_test.py _RANDOM_VALUES_CASES (legacy layout, float32): key = PRNGKey(zlib.adler32(
// (name + 'threefry2x32').encode())), e.g. adler32(b'uniformthreefry2x32') = 1338574713 (python3 zlib).
describe('jax testRandomDistributionValues (legacy layout)', () => {
  it('uniform(PRNGKey(1338574713), (5,))', async () => {
    legacy();
    const got = await list(random.uniform(random.PRNGKey(1338574713), [5]));
    [0.298671, 0.073213, 0.873356, 0.260549, 0.412797].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });
  it('normal(PRNGKey(1193674498), (5,))', async () => {
    legacy();
    const got = await list(random.normal(random.PRNGKey(1193674498), [5]));
    [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });
  it('randint(PRNGKey(1319372649), (5,), 0, 10)', async () => {
    legacy();
    expect(await list(random.randint(random.PRNGKey(1319372649), [5], 0, 10))).toEqual([0, 5, 7, 7, 5]);
  });
  it('bernoulli(PRNGKey(1612777541), p=0.5, shape=(5,))', async () => {
    legacy();
    expect(await random.bernoulli(random.PRNGKey(1612777541), 0.5, [5]).tolist()).toEqual([false, true, true, true, false]);
  });
  it('bits(PRNGKey(942802475), (5,), uint32)', async () => {
    legacy();
    expect(await list(random.bits(random.PRNGKey(942802475), [5]))).toEqual([1978747883, 4134381225, 3628107870, 689687174, 2788938207]);
  });
  it('testRngRandomBits: bits(PRNGKey(1701), (3,), uint32)', async () => {
    legacy();
    expect(await list(random.bits(random.PRNGKey(1701), [3]))).toEqual([56197195, 4200222568, 961309823]);
  });
  it('testPRNGValues: randint(PRNGKey(0), (3, 3), 0, 8)', async () => {
    legacy();
    expect(await random.randint(random.PRNGKey(0), [3, 3], 0, 8).tolist()).toEqual([[2, 1, 3], [6, 1, 5], [6, 3, 4]]);
  });
});

describe('default (partitionable) layout', () => {
  it('uniform(key(0), shape=(3,)) as in JEP 9263 (docs/jep/9263-typed-keys.md)', async () => {
    expect(await random.uniform(random.key(0), [3]).format()).toBe('[0.947667   0.9785799  0.33229148]');
  });
});

describe.each([true, false])('bit-exact against the plain-JS reference (partitionable=%s)', (partitionable) => {
  it('bits and uniform', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const key = [0, 2024];
    const words = bitsRef(key, 333, partitionable);
    expect(await list(random.bits(random.key(2024), [333]))).toEqual(words);
    expect(await list(random.uniform(random.key(2024), [333]))).toEqual(words.map(uniformFromWord));
  });

  it('vmap over keys equals a loop over keys', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const keys = random.split(random.key(3), 5);
    const sample = (k: LaxArray) => [random.uniform(k, [4]), random.normal(k, [2, 3]), random.randint(k, [6], -5, 50), random.bernoulli(k, 0.3, [3]), random.permutation(k, 6)];
    const batched = vmap(sample)(keys) as LaxArray[];
    for (let i = 0; i < 5; i++) {
      const one = sample(keys.slice(i));
      for (let j = 0; j < one.length; j++) expect(await batched[j].slice(i).tolist()).toEqual(await one[j].tolist());
    }
  });
});

/** Kolmogorov-Smirnov statistic of sorted samples against a CDF. */
function ks(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(samples).sort();
  let d = 0;
  xs.forEach((x, i) => (d = Math.max(d, Math.abs(cdf(x) - i / xs.length), Math.abs(cdf(x) - (i + 1) / xs.length))));
  return d;
}
// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, far below the KS threshold).
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return Math.sign(x) * y;
}
const N = 100_000;
const KS_CRITICAL = 1.63 / Math.sqrt(N); // alpha = 0.01

describe.each([true, false])('statistics on 10^5 samples (partitionable=%s)', (partitionable) => {
  it('uniform passes a KS test, within [minval, maxval)', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const u = await list(random.uniform(random.key(11), [N], { minval: -1, maxval: 3 }));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(ks(u, (x) => (x + 1) / 4)).toBeLessThan(KS_CRITICAL);
  });
  it('normal passes a KS test', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const z = await list(random.normal(random.key(12), [N]));
    expect(z.every(Number.isFinite)).toBe(true);
    expect(ks(z, (x) => 0.5 * (1 + erf(x / Math.SQRT2)))).toBeLessThan(KS_CRITICAL);
  });
  it('randint is uniform over its range, bernoulli has mean p', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const r = await list(random.randint(random.key(13), [N], 3, 10));
    const counts = [3, 4, 5, 6, 7, 8, 9].map((v) => r.filter((x) => x === v).length / N);
    expect(r.every((x) => x >= 3 && x < 10)).toBe(true);
    counts.forEach((c) => expect(Math.abs(c - 1 / 7)).toBeLessThan(0.005));
    const b = await list(random.bernoulli(random.key(14), 0.3, [N]));
    expect(Math.abs(b.reduce((s, x) => s + x, 0) / N - 0.3)).toBeLessThan(0.005);
  });
});

describe('edge cases and errors', () => {
  it('randint returns minval where maxval <= minval, and takes array bounds', async () => {
    expect(await list(random.randint(random.key(0), [4], 5, 5))).toEqual([5, 5, 5, 5]);
    const r = await list(random.randint(random.key(1), [3], np.array([0, 10, 100]), np.array([1, 11, 101])));
    expect(r).toEqual([0, 10, 100]);
    expect(() => random.randint(random.key(0), [3], np.array([0, 1]), 5)).toThrow(/randint/);
    expect(() => random.randint(random.key(0), [3], 0, 5, { dtype: 'float32' })).toThrow('randint only accepts integer dtypes, got float32');
  });
  it('normal maps erfinv(+-1) to +-inf (XLA ErfInv edge)', async () => {
    expect(await list(random.erfinv(np.array([-1, 0, 1], { dtype: 'float32' })))).toEqual([-Infinity, 0, Infinity]);
  });
  it('uniform and normal refuse non-float dtypes', () => {
    expect(() => random.uniform(random.key(0), [2], { dtype: 'int32' })).toThrow('dtype argument to `uniform` must be a float dtype, got int32');
    expect(() => random.normal(random.key(0), [2], { dtype: 'int32' })).toThrow('dtype argument to `normal` must be a float dtype, got int32');
  });
});
