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
