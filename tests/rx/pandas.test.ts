// The statistics operators against pandas (reference values in pandas_ref.ts, produced
// by tests/rx/pandas_ref.py), NaN handling included, in several chunkings.

import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import { ema, movingAverage, rollingVar, zscore } from '../../src/rx.js';
import { pandasRef } from './pandas_ref.js';
import { collect, expectClose } from './helpers.js';

const x = pandasRef.x.map((v) => v ?? NaN);
const chunkings: [string, (xs: number[]) => unknown[]][] = [
  ['one number per step', (xs) => xs],
  ['one Float32Array', (xs) => [Float32Array.from(xs)]],
  ['chunks of 3 (JS arrays)', (xs) => Array.from({ length: Math.ceil(xs.length / 3) }, (_, i) => xs.slice(3 * i, 3 * i + 3))],
];
const flat = (outs: unknown[]): number[] => outs.flatMap((o) => (typeof o === 'number' ? [o] : Array.from(o as ArrayLike<number>)));

describe.each(chunkings)('pandas reference values, %s', (_name, chunk) => {
  const cases: [string, () => any][] = [
    ['ewm(span=3).mean()', () => ema({ span: 3 })],
    ['ewm(span=3, adjust=False).mean()', () => ema({ span: 3, adjust: false })],
    ['ewm(alpha=0.3, min_periods=3).mean()', () => ema({ alpha: 0.3, minPeriods: 3 })],
    ['ewm(halflife=2, adjust=False).mean()', () => ema({ halflife: 2, adjust: false })],
    ['rolling(3).mean()', () => movingAverage({ window: 3 })],
    ['rolling(4, min_periods=2).mean()', () => movingAverage({ window: 4, minPeriods: 2 })],
    ['rolling(3).var()', () => rollingVar({ window: 3 })],
    ['rolling(4, min_periods=2).var(ddof=0)', () => rollingVar({ window: 4, minPeriods: 2, ddof: 0 })],
    ['zscore(window=4, min_periods=2)', () => zscore({ window: 4, minPeriods: 2 })],
  ];
  it.each(cases)('%s', async (call, make) => {
    const out = flat(await collect(chunk(x), make()));
    expectClose(out, pandasRef[call], 1e-5, 1e-5);
  });
});

// closed='left' (the window before each value): pandas 1.5.3 (Debian python3-pandas
// 1.5.3+dfsg-2) on pd.Series(x), zscore(...) being (x - r.mean()) / r.std(ddof) with
// r = x.rolling(window, min_periods, closed='left').
const closedLeft: Record<string, (number | null)[]> = {
  "rolling(4, min_periods=2, closed='left').mean()": [null, null, null, 1.5, 1.5, 2.3333333333333335, 4.666666666666667, 6.666666666666667, 7.0, 8.0, 8.0, 5.5, 0.25, 3.5, 2.75, 2.6666666666666665, 5.5, 4.25, 337.4166666666667, 251.3125],
  "rolling(3, closed='left').var()": [null, null, null, null, null, null, null, 5.333333333333333, 0.0, null, null, null, null, 39.25, 42.583333333333336, null, null, null, 329262.5208333333, 333627.2708333333],
  "rolling(4, min_periods=0, closed='left').var(ddof=0)": [null, null, 0.0, 0.25, 0.25, 1.5555555555555554, 6.222222222222221, 3.555555555555554, 2.999999999999999, 0.0, 0.0, 6.249999999999998, 7.562499999999998, 26.166666666666668, 21.3125, 28.38888888888889, 15.16666666666667, 7.041666666666669, 219508.34722222222, 186873.04296875],
  "zscore(window=4, min_periods=2, closed='left')": [null, null, null, null, 3.5355339059327373, 3.7097041340118704, 1.0910894511799618, 0.5773502691896257, null, null, -Infinity, -2.2627416997969525, 2.507014951479578, -0.4788521306805733, null, 0.5108094442387969, 0.15724272550828772, 306.38461538461536, -0.6002235205491097, -0.4994607403440193],
  "zscore(window=3, closed='left')": [null, null, null, null, null, null, null, 0.5773502691896256, null, null, null, null, null, -0.4788521306805733, null, null, null, null, -0.6002235205491097, -0.5732004828872421],
};

describe.each(chunkings)("pandas closed='left', %s", (_name, chunk) => {
  const cases: [string, () => any][] = [
    ["rolling(4, min_periods=2, closed='left').mean()", () => movingAverage({ window: 4, minPeriods: 2, closed: 'left' })],
    ["rolling(3, closed='left').var()", () => rollingVar({ window: 3, closed: 'left' })],
    ["rolling(4, min_periods=0, closed='left').var(ddof=0)", () => rollingVar({ window: 4, minPeriods: 0, ddof: 0, closed: 'left' })],
    ["zscore(window=4, min_periods=2, closed='left')", () => zscore({ window: 4, minPeriods: 2, closed: 'left' })],
    ["zscore(window=3, closed='left')", () => zscore({ window: 3, closed: 'left' })],
  ];
  it.each(cases)('%s', async (call, make) => {
    const out = flat(await collect(chunk(x), make()));
    expectClose(out, closedLeft[call], 1e-5, 1e-5);
  });
});

describe('zscore minStd', () => {
  it('is NaN where the window is (nearly) flat, the plain z-score elsewhere', async () => {
    // readings quantized to 0.01: a flat stretch, a 0.01 step, then real movement
    const xs = [20, 20, 20, 20, 20.01, 20, 20, 25, 21, 19, 24];
    const plain = Array.from((await collect([Float32Array.from(xs)], zscore({ window: 4, closed: 'left' })))[0] as Float32Array);
    const floored = Array.from((await collect([Float32Array.from(xs)], zscore({ window: 4, closed: 'left', minStd: 0.1 })))[0] as Float32Array);
    expect(plain[4]).toBe(Infinity); // pandas: (20.01 - 20) / 0
    expect(Math.abs(plain[7])).toBeGreaterThan(100); // 25 after a window of std 0.005
    for (let i = 0; i < xs.length; i++) expect([i, floored[i]]).toEqual([i, i < 8 ? NaN : plain[i]]);
    expect(() => zscore({ window: 3, minStd: -1 })).toThrow('minStd must be a finite number >= 0, got -1');
    expect(() => zscore({ window: 3, closed: 'both' as never })).toThrow("closed must be 'right' or 'left'");
  });
});

describe('infinite readings are missing values, as in pandas', () => {
  // pandas 1.5.3 (Debian python3-pandas 1.5.3+dfsg-2) on s = pd.Series(xs): window and ewm
  // statistics treat +-inf as NaN; a z-score's numerator is s itself.
  const xs = [1, 2, 4, Infinity, 3, 5, -Infinity, 2];
  const refs: [string, () => any, (number | null)[]][] = [
    ['s.ewm(span=3).mean()', () => ema({ span: 3 }), [1.0, 1.6666666666666667, 3.0, 3.0, 3.0, 4.163636363636364, 4.163636363636364, 2.650273224043716]],
    ['s.rolling(3, min_periods=2).mean()', () => movingAverage({ window: 3, minPeriods: 2 }), [null, 1.5, 2.3333333333333335, 3.0, 3.5, 4.0, 4.0, 3.5]],
    ['s.rolling(3, min_periods=2).var()', () => rollingVar({ window: 3, minPeriods: 2 }), [null, 0.5, 2.333333333333333, 1.9999999999999991, 0.4999999999999991, 1.9999999999999991, 1.9999999999999991, 4.499999999999999]],
    ['zscore(window=3, min_periods=2)', () => zscore({ window: 3, minPeriods: 2 }), [null, 0.7071067811865475, 1.0910894511799618, Infinity, -0.7071067811865481, 0.7071067811865477, -Infinity, -0.7071067811865476]],
    ["zscore(window=3, min_periods=2, closed='left')", () => zscore({ window: 3, minPeriods: 2, closed: 'left' }), [null, null, 3.5355339059327373, Infinity, 0.0, 2.1213203435596446, -Infinity, -1.4142135623730954]],
  ];
  it.each(refs)('%s', async (_call, make, ref) => {
    expectClose(flat(await collect(xs, make())), ref, 1e-5, 1e-5);
  });
});

describe('numerics and validation', () => {
  it('rolling variance is stable in float32: 1e5 + [4, 7, 13, 16] has variance 30', async () => {
    // np.var(1e5 + np.array([4, 7, 13, 16]), ddof=1) == 30.0
    const [out] = await collect([Float32Array.from([4, 7, 13, 16], (v) => 1e5 + v)], rollingVar({ window: 4 }));
    expect((out as Float32Array)[3]).toBeCloseTo(30, 3);
    // The naive float32 formula E[x^2] - E[x]^2 loses it entirely:
    const v = np.array([4, 7, 13, 16].map((d) => 1e5 + d), { dtype: 'float32' });
    const naive = await np.mean(v.mul(v)).sub(np.mean(v).mul(np.mean(v))).item();
    expect(Math.abs((naive as number) * (4 / 3) - 30)).toBeGreaterThan(10);
  });

  it('a constant window has variance exactly 0 and z-score NaN, as pandas', async () => {
    const outs = await collect([Float32Array.of(0.1, 0.1, 0.1)], rollingVar({ window: 3 }));
    expect(Array.from(outs[0] as Float32Array)).toEqual([NaN, NaN, 0]);
    const z = await collect([Float32Array.of(0.1, 0.1, 0.1)], zscore({ window: 3 }));
    expect(Array.from(z[0] as Float32Array)).toEqual([NaN, NaN, NaN]);
  });

  it('rejects bad options with pandas messages', () => {
    expect(() => ema({ span: 3, alpha: 0.5 })).toThrow('comass, span, halflife, and alpha are mutually exclusive');
    expect(() => ema({})).toThrow('Must pass one of comass, span, halflife, or alpha');
    expect(() => ema({ alpha: 0 })).toThrow('alpha must satisfy: 0 < alpha <= 1');
    expect(() => ema({ span: 0.5 })).toThrow('span must satisfy: span >= 1');
    expect(() => ema({ halflife: 0 })).toThrow('halflife must satisfy: halflife > 0');
    expect(() => movingAverage({ window: 3, minPeriods: 5 })).toThrow('min_periods 5 must be <= window 3');
  });
});
