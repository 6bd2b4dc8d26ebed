// The rolling step's float32 accuracy against float64 two-pass window statistics, over long
// streams (src/operators/rx/rolling.ts explains the shifted Welford update and the block
// accumulator that keeps removal errors from building up).

import { describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';
import { rollingStep } from '../../src/rx.js';

const W = 32;

/** float64 window statistics over the non-NaN values, pandas' rules (min_periods = W, ddof = 1). */
function reference(x: Float32Array, t: number): { mean: number; variance: number } {
  const vals: number[] = [];
  for (let k = Math.max(0, t - W + 1); k <= t; k++) if (!Number.isNaN(x[k])) vals.push(x[k]);
  if (vals.length < W) return { mean: NaN, variance: NaN };
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return { mean, variance: vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (vals.length - 1) };
}

function signal(kind: string, n: number): Float32Array {
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let walk = 0;
  return Float32Array.from({ length: n }, (_, t) => {
    walk += rand() - 0.5;
    if (kind === 'walk + 1e4') return 1e4 + walk;
    if (kind === 'sine + noise') return Math.sin(t / 25) * 10 + rand() + 63;
    return rand() < 0.05 ? NaN : 1e3 + Math.sin(t / 7) + rand(); // 'with NaNs'
  });
}

async function worst(x: Float32Array, from = 0, closed: 'right' | 'left' = 'right'): Promise<{ mean: number; variance: number }> {
  const step = rollingStep({ window: W, minPeriods: 0, closed }, ['mean', 'var']);
  const lag = closed === 'left' ? 1 : 0; // 'left': the window before x[t], ending at t - 1
  const [, ys] = lax.scan(step.f, step.init([]), np.array(x));
  const mean = (await ys.mean.data()) as Float32Array;
  const variance = (await ys.var.data()) as Float32Array;
  const err = { mean: 0, variance: 0 };
  for (let t = Math.max(from, W - 1 + lag); t < x.length; t++) {
    const r = reference(x, t - lag);
    if (Number.isNaN(r.variance)) continue;
    err.mean = Math.max(err.mean, Math.abs(mean[t] - r.mean) / Math.abs(r.mean));
    err.variance = Math.max(err.variance, Math.abs(variance[t] - r.variance) / r.variance);
  }
  return err;
}

describe('rolling statistics in float32', () => {
  it.each(['walk + 1e4', 'sine + noise', 'with NaNs'])('%s: mean within 1e-6 and variance within 5e-4 (relative) over 5000 steps', async (kind) => {
    const err = await worst(signal(kind, 5000));
    expect(err.mean).toBeLessThan(1e-6);
    expect(err.variance).toBeLessThan(5e-4);
  });

  it.each(['walk + 1e4', 'with NaNs'])("closed: 'left', %s: the same accuracy for the window before each value", async (kind) => {
    const err = await worst(signal(kind, 5000), 0, 'left');
    expect(err.mean).toBeLessThan(1e-6);
    expect(err.variance).toBeLessThan(5e-4);
  });

  it('errors do not grow with the length of the stream', async () => {
    const x = signal('walk + 1e4', 40000);
    const early = await worst(x.subarray(0, 2000));
    const late = await worst(x, 38000);
    expect(late.variance).toBeLessThan(Math.max(4 * early.variance, 5e-4));
  });
});

describe('small windows (exact two-pass statistics from the ring)', () => {
  const run = async (x: number[], o: { window: number; ddof?: number; closed?: 'right' | 'left' }, stat: 'var' | 'zscore') => {
    const step = rollingStep({ minPeriods: 1, ...o }, [stat]);
    const [, ys] = lax.scan(step.f, step.init([]), np.array(x, { dtype: 'float32' }));
    return Array.from((await ys[stat].data()) as Float32Array);
  };

  it("matches pandas where the online update cancelled (issue examples; pandas 1.5.3)", async () => {
    // pandas 1.5.3: pd.Series(float32 values as float64).rolling(2).var()
    const v = await run([-3.0445962, -1.4032019, 2.3376858, -1.1701751, -2.6653159, 3.3182316, 3.3010278], { window: 2 }, 'var');
    const want = [NaN, 1.3470875543516243, 6.997120620633844, 6.152544043266772, 1.1177229923653442, 17.901420037886993, 0.00014798550193972915];
    v.slice(1).forEach((got, i) => expect(Math.abs(got - want[i + 1]) / want[i + 1]).toBeLessThan(1e-5));
    // pandas 1.5.3: r = x.rolling(2); (x - r.mean()) / r.std(ddof=0) is [nan, 1, -1, -1, 1]
    const z = await run([-2.446543, 2.5897481, 0.22953974, -2.5222826, -2.5204532], { window: 2, ddof: 0 }, 'zscore');
    expect(z.slice(1).map((q) => Math.round(q * 1e5) / 1e5)).toEqual([1, -1, -1, 1]);
  });

  it.each([2, 3, 5, 8])('window %i: variance within 1e-5 of float64 two-pass statistics over a long jumpy stream', async (w) => {
    let state = 99;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // jumps between levels, then runs of near-equal values: the online removal's worst case
    const x = Array.from({ length: 3000 }, (_, t) => Math.fround((t % 37 < 5 ? 1e3 * rand() : 3.3) + rand() * 1e-2));
    const got = await run(x, { window: w }, 'var');
    let worstErr = 0;
    for (let t = w - 1; t < x.length; t++) {
      const vals = x.slice(t - w + 1, t + 1);
      const mean = vals.reduce((a, b) => a + b, 0) / w;
      const ref = vals.reduce((a, q) => a + (q - mean) ** 2, 0) / (w - 1);
      if (ref > 0) worstErr = Math.max(worstErr, Math.abs(got[t] - ref) / ref);
    }
    expect(worstErr).toBeLessThan(1e-5);
  });
});
