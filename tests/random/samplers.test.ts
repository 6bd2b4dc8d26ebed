// jax.random's further samplers (src/random/continuous.ts, discrete.ts, gamma.ts,
// multivariate.ts), two ways:
// 1. Against plain-JS replays of jax/_src/random.py on the JS threefry of reference.ts (JAX's
//    keys and bits, independent of the graph), on the CPU backend and the oracle. Where JAX's
//    algorithm is a fixed sequence of float32 operations (laplace, logistic, cauchy,
//    rademacher, geometric, categorical, lognormal, poisson's Knuth branch) the replay does those
//    operations with Math.fround: equal bit for bit except where a transcendental (log, log1p,
//    tan, exp) rounds differently, allowed 2 ulps. Where JAX loops (gamma's two while loops,
//    poisson's rejection rounds), the replay runs the real loops with JAX's keys, so it checks
//    that the unrolled rounds pick JAX's sample; their float math is float64 in the replay (rel 1e-5).
// 2. Moments of 2^16 samples (2^14 for gamma's family and poisson) against the distribution's, within 6 standard errors (a false
//    failure rate below 1e-8 per check), and support (bounds, integer values).

import { describe, expect, it } from 'vitest';
import { config, np, random, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';
import { mismatch, rel, ulps } from '../oracle/compare.js';
import { bitsRef, gumbelRef, splitRef, uniformFromWord } from './reference.js';

const f = Math.fround;
const PART = true; // the default layout (jax_threefry_partitionable)
const keyOf = (seed: number) => [0, seed];

/** Both backends' values of x against `want` within `tol`. */
function check(x: LaxArray, want: number[], tol = ulps(2)): void {
  const [[cpu], [oracle]] = both(x);
  expect(mismatch(Array.from(cpu, Number), want, tol), 'cpu').toBeUndefined();
  expect(mismatch(Array.from(oracle, Number), want, tol), 'oracle').toBeUndefined();
}

/** JAX's uniform(key, (n,), minval, maxval) in float32 steps. */
const uniformRef = (key: number[], n: number, lo: number, hi: number) => bitsRef(key, n, PART).map((w) => Math.max(f(lo), f(f(uniformFromWord(w) * f(f(hi) - f(lo))) + f(lo))));

/** erfinv as laxflow and XLA write it (Giles' float32 polynomials), here in float64. */
function erfinvRef(x: number): number {
  const lt = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941];
  const ge = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682];
  let w = -Math.log1p(-x * x);
  const c = w < 5 ? lt : ge;
  w = w < 5 ? w - 2.5 : Math.sqrt(w) - 3;
  return c.reduce((p, k) => p * w + k, 0) * x;
}
const normalRef = (key: number[], n: number) => uniformRef(key, n, f(-1 + 2 ** -24), 1).map((u) => Math.SQRT2 * erfinvRef(u));

describe('samplers that transform one draw: JAX operation for operation', () => {
  const n = 64;
  const k = keyOf(7);
  it('laplace, logistic, cauchy', () => {
    check(random.laplace(random.key(7), [n]), uniformRef(k, n, f(-1 + 2 ** -24), 1).map((u) => f(Math.sign(u) * f(Math.log1p(-Math.abs(u))))));
    check(random.logistic(random.key(7), [n]), uniformRef(k, n, 2 ** -126, 1).map((u) => f(Math.log(f(u / f(1 - u))))));
    check(random.cauchy(random.key(7), [n]), uniformRef(k, n, 2 ** -23, 1).map((u) => f(Math.tan(f(f(Math.PI) * f(u - 0.5))))), ulps(8));
  });

  it('rademacher and geometric', () => {
    check(random.rademacher(random.key(7), [n]), uniformRef(k, n, 0, 1).map((u) => (u < 0.5 ? 1 : -1)), ulps(0));
    const p = 0.3;
    const want = uniformRef(k, n, 0, 1).map((u) => Math.floor(f(f(Math.log(u)) / f(Math.log1p(-f(p))))) + 1);
    check(random.geometric(random.key(7), p, [n]), want, ulps(0));
  });

  it('categorical: argmax of gumbel + logits along the axis, with a leading sample axis', () => {
    const logits = [Math.log(0.1), Math.log(0.6), Math.log(0.3)].map(f);
    const g = gumbelRef(k, 5 * 3, PART);
    const want = Array.from({ length: 5 }, (_, i) => {
      const row = logits.map((l, j) => f(g[i * 3 + j] + l));
      return row.indexOf(Math.max(...row));
    });
    check(random.categorical(random.key(7), np.array(logits, { dtype: 'float32' }), { shape: [5] }), want, ulps(0));
    // axis 0 of [3, 2] logits: one draw per column
    const g2 = gumbelRef(k, 6, PART);
    const cols = [0, 1].map((c) => {
      const col = [0, 1, 2].map((r) => f(g2[r * 2 + c] + logits[r]));
      return col.indexOf(Math.max(...col));
    });
    const l2 = np.stack([np.array(logits, { dtype: 'float32' }), np.array(logits, { dtype: 'float32' })], { axis: 1 });
    check(random.categorical(random.key(7), l2, { axis: 0 }), cols, ulps(0));
  });

  it('lognormal and truncatedNormal', () => {
    const z = normalRef(k, n);
    check(random.lognormal(random.key(7), 0.5, [n]), z.map((v) => Math.exp(f(v) * 0.5)), rel(1e-5));
    const t = random.truncatedNormal(random.key(7), -0.5, 1.5, [4096]);
    const [[vals]] = both(t);
    expect(Math.min(...vals)).toBeGreaterThan(-0.5);
    expect(Math.max(...vals)).toBeLessThan(1.5);
  });

  it('legacy layout too (jax_threefry_partitionable false)', () => {
    config.update('jax_threefry_partitionable', false);
    try {
      const words = bitsRef(k, 8, false).map((w) => Math.max(f(-1 + 2 ** -24), f(f(uniformFromWord(w) * f(1 - f(-1 + 2 ** -24))) + f(-1 + 2 ** -24))));
      check(random.laplace(random.key(7), [8]), words.map((u) => f(Math.sign(u) * f(Math.log1p(-Math.abs(u))))));
    } finally {
      config.reset();
    }
  });
});

/** JAX's _gamma_one with its real while loops (float64 arithmetic). */
function gammaOneRef(key: number[], alpha: number, logSpace: boolean): number {
  let [state, subkey] = splitRef(key, 2, PART);
  const boost = alpha >= 1;
  const a = boost ? alpha : alpha + 1;
  const d = a - 1 / 3;
  const c = 1 / 3 / Math.sqrt(d);
  let [X, V, U] = [0, 1, 2];
  const again = () => U >= 1 - 0.0331 * X * X && Math.log(U) >= X * 0.5 + d * (1 - V + Math.log(V));
  while (again()) {
    const [next, xKey, uKey] = splitRef(state, 3, PART);
    state = next;
    let [kk, x, v] = [xKey, 0, -1];
    while (v <= 0) {
      const [k2, sub] = splitRef(kk, 2, PART);
      kk = k2;
      x = normalRef(sub, 1)[0];
      v = 1 + x * c;
    }
    [X, V, U] = [x * x, v * v * v, uniformRef(uKey, 1, 0, 1)[0]];
  }
  const u = uniformRef(subkey, 1, 0, 1)[0];
  if (logSpace) {
    const ls = Math.log1p(-u);
    return Math.log(d) + Math.log(V) + (boost || ls === 0 ? 0 : ls / alpha);
  }
  return d * V * (boost ? 1 : (1 - u) ** (1 / alpha));
}

/** JAX's _poisson_knuth and _poisson_rejection (while loops over the whole array), float64. */
function poissonRef(key: number[], lam: number[]): number[] {
  const size = lam.length;
  const knuthLam = lam.map((l) => (l < 10 ? l : 0));
  let k = lam.map(() => 0);
  let logProd = lam.map(() => 0);
  let rng = key;
  while (logProd.some((p, i) => p > -knuthLam[i])) {
    const [next, sub] = splitRef(rng, 2, PART);
    rng = next;
    const u = uniformRef(sub, size, 0, 1);
    k = k.map((v, i) => (logProd[i] > -knuthLam[i] ? v + 1 : v));
    logProd = logProd.map((p, i) => p + Math.log(u[i]));
  }
  const rl = lam.map((l) => (l < 10 ? 1e5 : l));
  let out = lam.map(() => -1);
  let accepted = lam.map(() => false);
  rng = key;
  while (accepted.some((x) => !x)) {
    const [next, k0, k1] = splitRef(rng, 3, PART);
    rng = next;
    const us = uniformRef(k0, size, 0, 1);
    const vs = uniformRef(k1, size, 0, 1);
    rl.forEach((l, i) => {
      const b = 0.931 + 2.53 * Math.sqrt(l);
      const a = -0.059 + 0.02483 * b;
      const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
      const vR = 0.9277 - 3.6224 / (b - 2);
      const u = us[i] - 0.5;
      const v = vs[i];
      const us2 = 0.5 - Math.abs(u);
      const kk = Math.floor(((2 * a) / us2 + b) * u + l + 0.43);
      const s = Math.log((v * invAlpha) / (a / (us2 * us2) + b));
      const t = -l + kk * Math.log(l) - lgammaRef(kk + 1);
      const accept = (us2 >= 0.07 && v <= vR) || (!(kk < 0 || (us2 < 0.013 && v > us2)) && s <= t);
      if (accept) out[i] = kk;
      accepted[i] ||= accept;
    });
  }
  return lam.map((l, i) => (l === 0 ? 0 : l < 10 ? k[i] - 1 : out[i]));
}

/** log Gamma(x) for x >= 1, float64 (Stirling's series after shifting x past 10). */
function lgammaRef(x: number): number {
  if (x < 1) return Infinity;
  let shift = 0;
  while (x < 10) shift -= Math.log(x++);
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}

describe('samplers that loop in JAX: the unrolled rounds pick JAX\'s sample', () => {
  it('gamma and loggamma: one key per element, Marsaglia-Tsang with JAX\'s splits', () => {
    const alphas = [0.05, 0.3, 0.9, 1, 1.5, 3, 10, 60];
    const reps = 6;
    const a = alphas.flatMap((x) => Array(reps).fill(f(x)));
    const keys = splitRef(keyOf(11), a.length, PART);
    check(random.gamma(random.key(11), np.array(a, { dtype: 'float32' })), a.map((x, i) => gammaOneRef(keys[i], x, false)), rel(2e-5));
    check(random.loggamma(random.key(11), np.array(a, { dtype: 'float32' })), a.map((x, i) => gammaOneRef(keys[i], x, true)), rel(2e-5, 2e-5));
  });

  it('poisson: Knuth below 10, rejection rounds above, lam = 0 gives 0', () => {
    const lam = [0, 0.1, 1, 4, 9.5, 10, 25, 300, 5000].flatMap((l) => [l, l, l]).map(f);
    check(random.poisson(random.key(5), np.array(lam, { dtype: 'float32' })), poissonRef(keyOf(5), lam), ulps(0));
  });

  it('vmap over keys equals a loop', async () => {
    const keys = random.split(random.key(3), 4);
    const batched = await vmap((kk: LaxArray) => random.gamma(kk, 2.5, [3]))(keys).data();
    const looped = await np.stack([0, 1, 2, 3].map((i) => random.gamma(keys.slice(i), 2.5, [3]))).data();
    expect(Array.from(batched)).toEqual(Array.from(looped));
  });
});

const N = 2 ** 16;
/** Fewer samples for the samplers that unroll loops (gamma's rounds per element, poisson's 48 + 16 whole-array rounds): seconds per 2^16 on the 2-core CI machine. */
const N_LOOPED = 2 ** 14;
async function moments(x: LaxArray): Promise<{ mean: number; variance: number; values: Float64Array }> {
  const v = Float64Array.from(await x.data(), Number);
  const mean = v.reduce((s, y) => s + y, 0) / v.length;
  const variance = v.reduce((s, y) => s + (y - mean) ** 2, 0) / (v.length - 1);
  return { mean, variance, values: v };
}
/** |sample mean - mu| within 6 standard errors, sample variance within 6 of its standard errors (kurtosis given). */
async function expectMoments(x: LaxArray, mu: number, sigma2: number, kurtosis = 3): Promise<Float64Array> {
  const { mean, variance, values } = await moments(x);
  const n = values.length;
  expect(Math.abs(mean - mu), `mean ${mean} vs ${mu}`).toBeLessThan(6 * Math.sqrt(sigma2 / n));
  expect(Math.abs(variance - sigma2), `variance ${variance} vs ${sigma2}`).toBeLessThan(6 * sigma2 * Math.sqrt((kurtosis - 1) / n));
  return values;
}

describe(`moments of ${N} samples (${N_LOOPED} for the looping samplers)`, () => {
  const key = random.key(2026);
  it('continuous: laplace, logistic, lognormal, truncatedNormal, cauchy (quartiles)', async () => {
    await expectMoments(random.laplace(key, [N]), 0, 2, 6);
    await expectMoments(random.logistic(key, [N]), 0, Math.PI ** 2 / 3, 4.2);
    const s = 0.5;
    await expectMoments(random.lognormal(key, s, [N]), Math.exp(s * s / 2), (Math.exp(s * s) - 1) * Math.exp(s * s), 9);
    // standard normal on (-1, 2): mean (phi(a) - phi(b)) / Z
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const Z = 0.8185946141203637; // Phi(2) - Phi(-1)
    const m = (phi(-1) - phi(2)) / Z;
    const v = 1 + (-1 * phi(-1) - 2 * phi(2)) / Z - m * m;
    await expectMoments(random.truncatedNormal(key, -1, 2, [N]), m, v, 3);
    const c = Array.from(await random.cauchy(key, [N]).data()).sort((p, q) => p - q);
    const se = 6 * Math.sqrt(0.25 * 0.75 / N) * Math.PI * 2; // quantile's standard error: sqrt(p(1-p)/n) / density
    expect(Math.abs(c[N / 4] + 1)).toBeLessThan(se);
    expect(Math.abs(c[(3 * N) / 4] - 1)).toBeLessThan(se);
  });

  it('discrete: rademacher, geometric, poisson (small and large rates), categorical frequencies', async () => {
    const r = await expectMoments(random.rademacher(key, [N]), 0, 1, 1.0001);
    expect(r.every((v) => v === 1 || v === -1)).toBe(true);
    const p = 0.3;
    const g = await expectMoments(random.geometric(key, p, [N]), 1 / p, (1 - p) / p ** 2, 9 + p * p / (1 - p));
    expect(g.every((v) => Number.isInteger(v) && v >= 1)).toBe(true);
    for (const lam of [0.7, 4, 30, 1000]) await expectMoments(random.poisson(key, lam, [N_LOOPED]), lam, lam, 3 + 1 / lam);
    const probs = [0.1, 0.6, 0.3];
    const draws = Array.from(await random.categorical(key, np.log(np.array(probs, { dtype: 'float32' })), { shape: [N] }).data());
    probs.forEach((q, i) => expect(Math.abs(draws.filter((d) => d === i).length / N - q)).toBeLessThan(6 * Math.sqrt(q * (1 - q) / N)));
  });

  it('gamma family: gamma, beta, dirichlet, chisquare, t', async () => {
    for (const a of [0.3, 1, 5]) await expectMoments(random.gamma(key, a, [N_LOOPED]), a, a, 3 + 6 / a);
    const [a, b] = [2, 3];
    await expectMoments(random.beta(key, a, b, [N_LOOPED]), a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)), 3);
    const alpha = [1, 2, 5];
    const d = await random.dirichlet(key, np.array(alpha, { dtype: 'float32' }), [N_LOOPED / 4]).data();
    const total = alpha.reduce((p, q) => p + q, 0);
    alpha.forEach((al, i) => {
      const col = Array.from({ length: N_LOOPED / 4 }, (_, j) => d[j * 3 + i]);
      const mean = col.reduce((p, q) => p + q, 0) / col.length;
      const v = (al / total) * (1 - al / total) / (total + 1);
      expect(Math.abs(mean - al / total)).toBeLessThan(6 * Math.sqrt(v / col.length));
    });
    for (let j = 0; j < N_LOOPED / 4; j++) expect(Math.abs(d[j * 3] + d[j * 3 + 1] + d[j * 3 + 2] - 1)).toBeLessThan(1e-6);
    await expectMoments(random.chisquare(key, 3, [N_LOOPED]), 3, 6, 7);
    // t with 10 degrees of freedom: variance 10 / 8, kurtosis 3 + 6 / (10 - 4)
    await expectMoments(random.t(key, 10, [N_LOOPED]), 0, 10 / 8, 4);
  });

  it('multivariateNormal: sample covariance (every method); orthogonal: Q^T Q = I, E[q_ij^2] = 1/n', async () => {
    const cov = [[2, 0.6, 0], [0.6, 1, -0.3], [0, -0.3, 0.5]];
    for (const method of ['cholesky', 'svd', 'eigh'] as const) {
      const x = await random.multivariateNormal(key, np.array([1, -1, 0], { dtype: 'float32' }), np.array(cov, { dtype: 'float32' }), [N / 4], { method }).data();
      const n = N / 4;
      const mean = [0, 1, 2].map((i) => Array.from({ length: n }, (_, j) => x[j * 3 + i]).reduce((p, q) => p + q, 0) / n);
      [1, -1, 0].forEach((m, i) => expect(Math.abs(mean[i] - m)).toBeLessThan(6 * Math.sqrt(cov[i][i] / n)));
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += (x[r * 3 + i] - mean[i]) * (x[r * 3 + j] - mean[j]);
          const se = Math.sqrt((cov[i][i] * cov[j][j] + cov[i][j] ** 2) / n);
          expect(Math.abs(s / (n - 1) - cov[i][j]), `${method} cov[${i}][${j}]`).toBeLessThan(6 * se);
        }
      }
    }
    const q = random.orthogonal(key, 4, [512]);
    const qtq = await np.matmul(np.swapaxes(q, -1, -2), q).data();
    for (let b = 0; b < 512; b++) for (let t = 0; t < 16; t++) expect(Math.abs(qtq[b * 16 + t] - (Math.floor(t / 4) === t % 4 ? 1 : 0))).toBeLessThan(1e-5);
    const q00 = await moments(q.slice(null, 0, 0));
    expect(Math.abs(q00.mean)).toBeLessThan(6 * Math.sqrt(0.25 / 512));
    expect(Math.abs(q00.values.reduce((s, v) => s + v * v, 0) / 512 - 0.25)).toBeLessThan(0.05);
    expect(random.orthogonal(key, 2, [], { m: 5 }).shape).toEqual([2, 5]);
  });
});
