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
