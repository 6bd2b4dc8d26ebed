// Rolling-window statistics as one scan step, in O(1) per value and step: the carry holds
// the window (a ring buffer of the last `window` inputs, NaN for missing values and for
// slots not yet filled) and running Welford statistics, so the step runs on any backend,
// per key with vmap, and never re-reduces the window.
//
// The update is pandas' (pandas/_libs/window/aggregations.pyx, roll_var): per step, remove
// the value leaving the window, then add the new one, each a Welford update skipping NaN
//   add:    n += 1; d = x - mean; mean += d / n; m2 += d * (x - mean)
//   remove: n -= 1; d = x - mean; mean -= d / n; m2 -= d * (x - mean)   (n == 0 resets)
// (+-inf counts as missing, as pandas converts it to NaN before its window loops)
// with pandas' guard against float artifacts: it counts consecutive equal values, and
//   mean = the last value      when the last n values are all equal
//   var  = 0                   when n == 1 or the last n values are all equal
//   mean = NaN unless n >= max(min_periods, 1)
//   var  = NaN unless n >= max(min_periods, 1) and n > ddof; negative rounding clamps to 0
//   std  = sqrt(var); zscore = (x - mean) / std
// min_periods defaults to the window, as pandas' `rolling(window)`.
//
// float32: pandas works in float64. Here two things keep the online update accurate:
// - Values enter shifted by a per-lane reference `k` (the window's mean at the last block
//   boundary, or the first value after an empty window), so rounding scales with the
//   spread of the data, not its magnitude: 1e5 + [4, 7, 13, 16] has variance 30 (the
//   textbook E[x^2] - E[x]^2 gives 0 in float32).
// - A second, add-only accumulator (`block`) sums the inputs since the last boundary; when
//   the ring position wraps, the window is exactly that block and replaces the running
//   statistics, so removal errors never outlive `window` steps.
// - Windows of at most SMALL_WINDOW values skip the online update for their outputs: two
//   passes over the ring every step, shifted by the newest value (O(window), exact to float32).
// Measured against float64 two-pass statistics (tests/rx/rolling.test.ts): relative error
// of the variance about 1e-4 at worst on smooth signals, where the two-pass float32 form
// gets 1e-6; the price of O(1) per step. The step is a pure function of the carry, so the
// output does not depend on how a stream is chunked.

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import type { Step } from './step.js';

export interface RollingOptions {
  window: number;
  /** Default `window`. */
  minPeriods?: number;
  /** Delta degrees of freedom for var/std/zscore; default 1. */
  ddof?: number;
  /**
   * pandas' `closed`: 'right' (default) windows end at the current value; 'left' windows
   * are the `window` values before it (the current value excluded, so a z-score compares a
   * value with the statistics of the values before it).
   */
  closed?: 'right' | 'left';
  /**
   * zscore only: where the window's std is below `minStd`, the z-score is NaN (no z-score
   * from a (nearly) flat window, as pandas gives NaN for an exactly constant one); default 0.
   */
  minStd?: number;
}

export type RollingStat = 'mean' | 'var' | 'std' | 'zscore';

export function checkRolling(o: RollingOptions, what: string): { window: number; minPeriods: number; ddof: number; closed: 'right' | 'left'; minStd: number } {
  const { window } = o;
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`${what}: window must be an integer 1 or greater, got ${window}`);
  const minPeriods = o.minPeriods ?? window;
  if (!Number.isInteger(minPeriods) || minPeriods < 0) throw new RangeError(`${what}: min_periods must be an integer >= 0, got ${minPeriods}`);
  if (minPeriods > window) throw new RangeError(`${what}: min_periods ${minPeriods} must be <= window ${window}`);
  const ddof = o.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) throw new RangeError(`${what}: ddof must be a non-negative integer, got ${ddof}`);
  const closed = o.closed ?? 'right';
  if (closed !== 'right' && closed !== 'left') throw new RangeError(`${what}: closed must be 'right' or 'left', got ${JSON.stringify(closed)} (pandas' 'both' and 'neither' are not supported)`);
  const minStd = o.minStd ?? 0;
  if (!(minStd >= 0 && Number.isFinite(minStd))) throw new RangeError(`${what}: minStd must be a finite number >= 0, got ${minStd}`);
  return { window, minPeriods, ddof, closed, minStd };
}

/** Welford statistics of the non-NaN values seen (shifted by the reference `k`). */
export interface Welford {
  n: LaxArray;
  mean: LaxArray;
  m2: LaxArray;
}

export interface RollingCarry {
  /** The last `window` inputs, slot `pos` holding the oldest. */
  buf: LaxArray;
  /** int32 scalar: the ring slot the next input goes to. */
  pos: LaxArray;
  /** The reference the statistics are relative to. */
  k: LaxArray;
  /** The window's statistics. */
  run: Welford;
  /** The inputs since the last wrap of `pos` (add only). */
  block: Welford;
  /** Consecutive equal non-NaN values ending at the newest, and the newest non-NaN value. */
  same: LaxArray;
  prev: LaxArray;
}

const zeros = (shape: readonly number[]): Welford => ({ n: np.zeros([...shape]), mean: np.zeros([...shape]), m2: np.zeros([...shape]) });

/** Welford's update adding `x` (sign 1) or removing it (sign -1); NaN leaves `s` as it is. */
function update(s: Welford, x: LaxArray, sign: 1 | -1): Welford {
  const ok = np.logicalNot(np.isnan(x));
  const n = s.n.add(sign);
  const d = x.sub(s.mean);
  const mean = sign > 0 ? s.mean.add(d.div(n)) : s.mean.sub(d.div(n));
  const dm2 = d.mul(x.sub(mean));
  const m2 = sign > 0 ? s.m2.add(dm2) : s.m2.sub(dm2);
  const some = np.greater(n, 0);
  return {
    n: np.where(ok, n, s.n),
    mean: np.where(ok, sign > 0 ? mean : np.where(some, mean, 0), s.mean),
    m2: np.where(ok, sign > 0 ? m2 : np.where(some, m2, 0), s.m2),
  };
}

/** Windows up to this length take their statistics from the ring every step (exact two-pass). */
export const SMALL_WINDOW = 8;

/**
 * Mean (relative to `k`) and sum of squared deviations of the `n` non-NaN values in the
 * ring's `window` rows, with row `pos` replaced by `x` when given (the window ending at x,
 * read from the ring before its update, so the ring is still updated in place).
 */
function windowStats(ring: LaxArray, window: number, k: LaxArray, n: LaxArray, newest: { pos: LaxArray; x: LaxArray } | null): { meanK: LaxArray; m2: LaxArray } {
  const row = (r: number) => (newest ? np.where(np.equal(newest.pos, r), newest.x, ring.slice(r)) : ring.slice(r));
  const rows = Array.from({ length: window }, (_, r) => row(r).sub(k));
  const seen = rows.map((v) => np.logicalNot(np.isnan(v)));
  const meanK = rows.reduce((acc, v, r) => acc.add(np.where(seen[r], v, 0)), np.zeros(k.shape)).div(n);
  const m2 = rows.reduce((acc, v, r) => acc.add(np.where(seen[r], np.square(v.sub(meanK)), 0)), np.zeros(k.shape));
  return { meanK, m2 };
}

/** Rolling statistics of the input; `stats` a name gives that array, a list gives an object. */
export function rollingStep<const S extends RollingStat | readonly RollingStat[]>(o: RollingOptions, stats: S, name = 'rolling'): Step<RollingCarry, S extends RollingStat ? LaxArray : Record<S extends readonly RollingStat[] ? S[number] : never, LaxArray>> {
  const { window, minPeriods, ddof, closed, minStd } = checkRolling(o, name);
  const minObs = Math.max(minPeriods, 1);
  const wanted = (typeof stats === 'string' ? [stats] : stats) as RollingStat[];
  return {
    name,
    options: { window, minPeriods, ddof, closed, ...(wanted.includes('zscore') ? { minStd } : {}) },
    key: `rolling(${window}, ${minPeriods}, ${ddof}, ${closed}, ${minStd}, ${JSON.stringify(stats)})`,
    init: (xShape) => ({
      buf: np.full([window, ...xShape], NaN),
      pos: np.zeros([], { dtype: 'int32' }),
      k: np.zeros([...xShape]),
      run: zeros(xShape),
      block: zeros(xShape),
      same: np.zeros([...xShape], { dtype: 'int32' }),
      prev: np.full([...xShape], NaN),
    }),
    f: ({ buf, pos, k, run, block, same, prev }, value) => {
      // pandas treats +-inf as missing in window statistics (BaseWindow._prep_values); the
      // z-score's numerator is the value itself (an infinite value has an infinite z-score).
      const x = value.dtype === 'float32' ? np.where(np.isfinite(value), value, NaN) : value;
      // The ring: read the leaving value, write the new one in its slot (a scan of this
      // step updates the carried buffer in place: O(1) per value, not O(window)).
      const leaving = np.take(buf, pos, { axis: 0, mode: 'clip' });
      const nextBuf = buf.at(pos).set(x);
      const wraps = np.equal(pos, window - 1);
      const nextPos = np.where(wraps, 0, pos.add(1));
      // pandas' remove, then add, relative to k (which an empty window lets start afresh at x:
      // the block is empty too, being part of the window).
      const removed = update(run, leaving.sub(k), -1);
      const obs = np.logicalNot(np.isnan(x));
      const k1 = np.where(np.logicalAnd(obs, np.equal(removed.n, 0)), x, k);
      const xk = x.sub(k1);
      const added = update(removed, xk, 1);
      const blockAdded = update(block, xk, 1);
      // At the wrap the block is the window: its statistics replace the running ones and the
      // reference moves to the window's mean.
      const pick = (a: LaxArray, b: LaxArray) => np.where(wraps, a, b);
      const k2 = pick(k1.add(blockAdded.mean), k1);
      const nextRun = { n: pick(blockAdded.n, added.n), mean: pick(blockAdded.mean.sub(k2.sub(k1)), added.mean), m2: pick(blockAdded.m2, added.m2) };
      const nextBlock = { n: np.where(wraps, 0, blockAdded.n), mean: np.where(wraps, 0, blockAdded.mean), m2: np.where(wraps, 0, blockAdded.m2) };
      const nextSame = np.where(obs, np.where(np.equal(x, prev), same.add(1), 1), same);
      const nextPrev = np.where(obs, x, prev);
      // pandas calc_mean / calc_var over the window ending at x (closed 'right': this step's
      // statistics, before the move of k, which changes only their representation) or the
      // window before x (closed 'left': the statistics the step started from).
      const w =
        closed === 'right'
          ? { n: nextRun.n, m2: nextRun.m2, meanK: pick(blockAdded.mean, added.mean), k: k1, same: nextSame, prev: nextPrev }
          : { n: run.n, m2: run.m2, meanK: run.mean, k, same, prev };
      const { n } = w;
      // A small window's statistics are computed afresh from the ring every step (two passes
      // over at most SMALL_WINDOW values, shifted by k): the online removal cancels in float32
      // when a window's variance is tiny next to the values that just left it (window 2 off
      // pandas by 1.3%); a larger window keeps the O(1) update, restarted exactly every
      // `window` steps.
      // (shifted by the newest non-NaN value, which is in the window whenever it is not empty,
      // so deviations of close values are exact)
      const { ref, m2, meanK } = window <= SMALL_WINDOW ? { ref: w.prev, ...windowStats(buf, window, w.prev, n, closed === 'right' ? { pos, x } : null) } : { ref: w.k, ...w };
      const constant = np.greaterEqual(w.same.astype('float32'), n);
      const enough = np.greaterEqual(n, minObs);
      const meanOut = np.where(enough, np.where(constant, w.prev, ref.add(meanK)), NaN);
      const varOk = np.logicalAnd(enough, np.greater(n, ddof));
      const zero = np.logicalOr(np.equal(n, 1), constant);
      const variance = np.where(varOk, np.where(zero, 0, np.maximum(m2.div(n.sub(ddof)), 0)), NaN);
      const dev = np.where(constant, value.sub(w.prev), value.sub(ref).sub(meanK));
      const zscore = () => {
        const std = np.sqrt(variance);
        const z = np.where(enough, dev, NaN).div(std);
        return minStd > 0 ? np.where(np.less(std, minStd), NaN, z) : z;
      };
      const all: Record<RollingStat, () => LaxArray> = {
        mean: () => meanOut,
        var: () => variance,
        std: () => np.sqrt(variance),
        zscore,
      };
      const y = typeof stats === 'string' ? all[stats as RollingStat]() : Object.fromEntries(wanted.map((s) => [s, all[s]()]));
      return [{ buf: nextBuf, pos: nextPos, k: k2, run: nextRun, block: nextBlock, same: nextSame, prev: nextPrev }, y as never];
    },
  };
}
