// Rolling-window statistics as one scan step: the window buffer (the last `window`
// inputs, NaN for missing values and for slots not yet filled) lives in the carry, so
// the step runs on any backend and per key with vmap.
//
// Each step shifts the new input into the buffer and computes, over its non-NaN values,
// the count n, the mean, and the sum of squared deviations from that mean (two passes
// over the window: stable in float32 where the sum of squares is not, e.g. 1e5 + [4, 7,
// 13, 16] has variance 30 here and 0 by E[x^2] - E[x]^2). As pandas' rolling
// aggregations:
//   mean = NaN unless n >= max(min_periods, 1)
//   var  = NaN unless n >= min_periods and n > ddof; exactly 0 (and mean exactly the
//          value) when all values in the window are equal
//   std  = sqrt(var); zscore = (x - mean) / std
// min_periods defaults to the window, as pandas' `rolling(window)`.

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import type { Step } from './step.js';

export interface RollingOptions {
  window: number;
  /** Default `window`. */
  minPeriods?: number;
  /** Delta degrees of freedom for var/std/zscore; default 1. */
  ddof?: number;
}

export type RollingStat = 'mean' | 'var' | 'std' | 'zscore';

export function checkRolling(o: RollingOptions, what: string): { window: number; minPeriods: number; ddof: number } {
  const { window } = o;
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`${what}: window must be an integer 1 or greater, got ${window}`);
  const minPeriods = o.minPeriods ?? window;
  if (!Number.isInteger(minPeriods) || minPeriods < 0) throw new RangeError(`${what}: min_periods must be an integer >= 0, got ${minPeriods}`);
  if (minPeriods > window) throw new RangeError(`${what}: min_periods ${minPeriods} must be <= window ${window}`);
  const ddof = o.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) throw new RangeError(`${what}: ddof must be a non-negative integer, got ${ddof}`);
  return { window, minPeriods, ddof };
}

/** Rolling statistics of the input; `stats` a name gives that array, a list gives an object. */
export function rollingStep<S extends RollingStat | RollingStat[]>(o: RollingOptions, stats: S, name = 'rolling'): Step<{ buf: LaxArray }, S extends RollingStat ? LaxArray : Record<RollingStat, LaxArray>> {
  const { window, minPeriods, ddof } = checkRolling(o, name);
  const wanted = (typeof stats === 'string' ? [stats] : stats) as RollingStat[];
  return {
    name,
    init: (xShape) => ({ buf: np.full([window, ...xShape], NaN) }),
    f: ({ buf }, x) => {
      const newest = np.expandDims(x, 0);
      const next = window === 1 ? newest : np.concatenate([buf.slice(np.slice(1)), newest]);
      const valid = np.logicalNot(np.isnan(next));
      const n = np.sum(valid.astype('float32'), { axis: 0 });
      const lo = np.min(np.where(valid, next, Infinity), { axis: 0 });
      const hi = np.max(np.where(valid, next, -Infinity), { axis: 0 });
      const same = np.equal(lo, hi);
      const mean = np.where(same, hi, np.sum(np.where(valid, next, 0), { axis: 0 }).div(n));
      const dev = np.where(valid, next.sub(mean), 0);
      const m2 = np.sum(dev.mul(dev), { axis: 0 });
      const meanOut = np.where(np.greaterEqual(n, Math.max(minPeriods, 1)), mean, NaN);
      const varOk = np.logicalAnd(np.greaterEqual(n, minPeriods), np.greater(n, ddof));
      const variance = np.where(varOk, np.where(same, 0, m2.div(n.sub(ddof))), NaN);
      const all: Record<RollingStat, () => LaxArray> = {
        mean: () => meanOut,
        var: () => variance,
        std: () => np.sqrt(variance),
        zscore: () => x.sub(meanOut).div(np.sqrt(variance)),
      };
      const y = typeof stats === 'string' ? all[stats as RollingStat]() : Object.fromEntries(wanted.map((s) => [s, all[s]()]));
      return [{ buf: next }, y as never];
    },
  };
}
