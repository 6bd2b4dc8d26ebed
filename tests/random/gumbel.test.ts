// gumbel, exponential and weighted choice without replacement (Gumbel top-k): JAX's published
// values (each with its JAX call), bit-exact agreement with the plain-JS reference, the top-k
// sort, and sampling statistics.

import { afterEach, describe, expect, it } from 'vitest';
import { config, np, random, vmap, type LaxArray } from '../../src/index.js';
import { topKIndices } from '../../src/random/sort_keys.js';
import { bitsRef, gumbelRef, uniformFromWord, weightedChoiceRef } from './reference.js';

const list = async (a: LaxArray) => Array.from(await a.data(), Number);
const legacy = () => config.update('jax_threefry_partitionable', false);
afterEach(() => config.reset());

/** Kolmogorov-Smirnov statistic of samples against a CDF. */
function ks(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(samples).sort();
  let d = 0;
  xs.forEach((x, i) => (d = Math.max(d, Math.abs(cdf(x) - i / xs.length), Math.abs(cdf(x) - (i + 1) / xs.length))));
  return d;
}
const N = 50_000;
const KS_CRITICAL = 1.63 / Math.sqrt(N); // alpha = 0.01

// jax tests/random_test.py _RANDOM_VALUES_CASES (legacy layout, float32, printed to 6 decimals):
// key = PRNGKey(zlib.adler32((name + 'threefry2x32').encode())) (python3 zlib).
describe('jax testRandomDistributionValues (legacy layout)', () => {
  it('gumbel(PRNGKey(1179715317), (5,))', async () => {
    legacy();
    const got = await list(random.gumbel(random.PRNGKey(1179715317), [5]));
    [2.06701, 0.911726, 0.145736, 0.185427, -0.00711].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });
  it('exponential(PRNGKey(1942292768), (5,))', async () => {
    legacy();
    const got = await list(random.exponential(random.PRNGKey(1942292768), [5]));
    [0.526067, 0.043046, 0.039932, 0.46427, 0.123886].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });
});

describe.each([true, false])('bit-exact against the plain-JS reference (partitionable=%s)', (partitionable) => {
  it('gumbel (mode low) and exponential', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const key = [0, 77];
    expect(await list(random.gumbel(random.key(77), [257]))).toEqual(gumbelRef(key, 257, partitionable));
    const expo = bitsRef(key, 257, partitionable).map((w) => -Math.fround(Math.log1p(-uniformFromWord(w))));
    expect(await list(random.exponential(random.key(77), [257]))).toEqual(expo);
  });

  it('choice(replace=false, p) is the top-k of gumbel + log(p)', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const p = [0.05, 0.3, 0, 0.15, 0.1, 0.25, 0, 0.05, 0.1];
    for (const [seed, k] of [[0, 1], [1, 4], [2, 7], [3, 3]]) {
      const got = await list(random.choice(random.key(seed), p.length, [k], { replace: false, p }));
      expect(got).toEqual(weightedChoiceRef([0, seed], p, k, partitionable));
    }
  });
});

describe('lax.top_k indices through the sort network', () => {
  it('orders descending, ties by index, infinities at the ends', async () => {
    const x = np.array([0.5, -Infinity, 2, 0.5, -3, Infinity, 0, -0.25, 2], { dtype: 'float32' });
    // np.argsort(-x, kind='stable')[:k] for x above
    expect(await list(topKIndices(x, 9))).toEqual([5, 2, 8, 0, 3, 6, 7, 4, 1]);
    expect(await list(topKIndices(x, 3))).toEqual([5, 2, 8]);
    expect(await topKIndices(np.array([[1, 3, 2], [-1, -3, -2]], { dtype: 'float32' }), 2).tolist()).toEqual([[1, 2], [0, 2]]);
  });
});

describe('choice without replacement, weighted', () => {
  it('never repeats and never picks a zero weight while others remain', async () => {
    const p = [0.5, 0, 0.2, 0.1, 0, 0.2];
    const draws = (await vmap((k: LaxArray) => random.choice(k, 6, [4], { replace: false, p }))(random.split(random.key(8), 200)).tolist()) as number[][];
    for (const d of draws) {
      expect(new Set(d).size).toBe(4);
      expect(d.includes(1) || d.includes(4)).toBe(false);
    }
    const all = await list(random.choice(random.key(9), 6, [6], { replace: false, p: [1, 2, 3, 4, 5, 6] }));
    expect([...all].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('draws in order: P(first = i) = p_i and P(second = j) = sum_i p_i p_j / (1 - p_i)', async () => {
    const p = [0.4, 0.3, 0.2, 0.1];
    const draws = (await vmap((k: LaxArray) => random.choice(k, 4, [2], { replace: false, p }))(random.split(random.key(10), N)).tolist()) as number[][];
    const freq = (pos: number, v: number) => draws.filter((d) => d[pos] === v).length / N;
    const second = (j: number) => p.reduce((s, pi, i) => (i === j ? s : s + (pi * p[j]) / (1 - pi)), 0);
    // 4.5 standard errors of a frequency near 0.5 at N = 5e4 is 0.01.
    p.forEach((pi, i) => expect(Math.abs(freq(0, i) - pi)).toBeLessThan(0.01));
    p.forEach((_, j) => expect(Math.abs(freq(1, j) - second(j))).toBeLessThan(0.01));
  });

  it('takes rows of an array along an axis, in gumbel mode high too', async () => {
    const a = np.arange(12).reshape([3, 4]);
    const p = [0.1, 0.2, 0.3, 0.4];
    const idx = weightedChoiceRef([0, 4], p, 2, true);
    const rows = (await a.tolist()) as number[][];
    expect(await random.choice(random.key(4), a, [2], { replace: false, p, axis: 1 }).tolist()).toEqual(rows.map((r) => idx.map((i) => r[i])));
    const high = await list(random.choice(random.key(4), 4, [4], { replace: false, p, mode: 'high' }));
    expect([...high].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe.each([true, false])('statistics (partitionable=%s)', (partitionable) => {
  it('gumbel (both modes) and exponential pass KS tests', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const gumbelCdf = (x: number) => Math.exp(-Math.exp(-x));
    expect(ks(await list(random.gumbel(random.key(21), [N])), gumbelCdf)).toBeLessThan(KS_CRITICAL);
    const high = await list(random.gumbel(random.key(22), [N], { mode: 'high' }));
    expect(high.every(Number.isFinite)).toBe(true);
    expect(ks(high, gumbelCdf)).toBeLessThan(KS_CRITICAL);
    const e = await list(random.exponential(random.key(23), [N]));
    expect(Math.min(...e)).toBeGreaterThanOrEqual(0);
    expect(ks(e, (x) => 1 - Math.exp(-x))).toBeLessThan(KS_CRITICAL);
  });
});

describe('errors in JAX words', () => {
  it('refuses bad modes and dtypes', () => {
    expect(() => random.gumbel(random.key(0), [2], { mode: 'mid' as never })).toThrow('Must provide valid mode for gumbel got: mid');
    expect(() => random.gumbel(random.key(0), [2], { dtype: 'int32' })).toThrow('dtype argument to `gumbel` must be a float dtype, got int32');
    expect(() => random.exponential(random.key(0), [2], { dtype: 'int32' })).toThrow('dtype argument to `exponential` must be a float dtype, got int32');
    expect(() => random.choice(random.key(0), 3, [4], { replace: false, p: [0.2, 0.3, 0.5] })).toThrow("Cannot take a larger sample (size 4) than population (size 3) when 'replace=False'");
  });
});
