// Rolling statistics over a window of event time (pandas' `rolling('30s')`), as one scan step.
//
// pandas (pandas/_libs/window/indexers.pyx, calculate_variable_window_bounds): the window of
// row i holds the earlier rows j (and row i itself when closed on the right) whose time is
//   t_j >  t_i - window   closed 'right' (default) and 'neither'
//   t_j >= t_i - window   closed 'left' and 'both'
// 'left' and 'neither' leave row i out but keep earlier rows with the same time (the bounds
// are row positions). min_periods defaults to 1; NaN (and +-inf) values are skipped.
//
// The carry holds the last `capacity` records (value and time) in a ring; each step masks the
// ring's slots by time and sums the window's values and squares in one pass over them
// (unrolled: elementwise work, so the fused scan runs it in one loop on every backend),
// shifted by the previous window's mean, so rounding scales with the window's spread and its
// drift in one step, not with the values' magnitude (1e5 + [4, 7, 13, 16] has variance 30).
// pandas' guard for constant windows is kept (equal values: their own mean, variance 0).
// So a step costs O(capacity), the same for every record, and the state is bounded: a window
// that would need more than `capacity` records fails the stream with an error naming the
// record (checks.ts); raise `capacity` then.
// Times are int32 milliseconds since the stream's time base (StepFn), so window lengths are
// limited to 2^30 ms (12.4 days).

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import { streamCheck } from './checks.js';
import { fmtDuration, isDuration, parseDuration } from './duration.js';
import { rollingStep, type RollingOptions, type RollingStat } from './rolling.js';
import type { Step } from './step.js';

/** The time of an empty ring slot. */
const EMPTY = -2147483648;
/** The default number of records a time window can hold, per key (and per sensor row). */
export const DEFAULT_CAPACITY = 64;

export interface TimeRollingOptions {
  /** The window as a duration: '30s', '5min', ... */
  window: string;
  /** Default 1 (pandas' default for offset windows). */
  minPeriods?: number;
  /** Delta degrees of freedom for var/std/zscore; default 1. */
  ddof?: number;
  /** pandas' `closed`; default 'right'. */
  closed?: 'right' | 'left' | 'both' | 'neither';
  /** zscore only: NaN where the window's std is below it; default 0. */
  minStd?: number;
  /** Most records one window holds (per key); default 64. The step costs O(capacity). */
  capacity?: number;
}

export interface TimeWindowCarry {
  vals: LaxArray;
  times: LaxArray;
  pos: LaxArray;
  /** The time of the record the ring dropped last (EMPTY before any). */
  lost: LaxArray;
  /** The newest non-NaN value (NaN before any), and how many equal non-NaN values end with it. */
  prev: LaxArray;
  same: LaxArray;
  /** The shift of the sums: the previous window's mean (NaN before any). */
  k: LaxArray;
}

function checkTimeRolling(o: TimeRollingOptions, what: string) {
  const windowMs = parseDuration(o.window, `${what}: window`);
  if (!(Number.isInteger(windowMs) && windowMs > 0 && windowMs < 2 ** 30)) throw new RangeError(`${what}: window must be a whole number of milliseconds > 0 and under 2^30 ms (12.4 days), got ${JSON.stringify(o.window)}`);
  const minPeriods = o.minPeriods ?? 1;
  if (!Number.isInteger(minPeriods) || minPeriods < 0) throw new RangeError(`${what}: min_periods must be an integer >= 0, got ${minPeriods}`);
  const ddof = o.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) throw new RangeError(`${what}: ddof must be a non-negative integer, got ${ddof}`);
  const closed = o.closed ?? 'right';
  if (!['right', 'left', 'both', 'neither'].includes(closed)) throw new RangeError(`${what}: closed must be 'right', 'left', 'both' or 'neither', got ${JSON.stringify(closed)}`);
  const minStd = o.minStd ?? 0;
  if (!(minStd >= 0 && Number.isFinite(minStd))) throw new RangeError(`${what}: minStd must be a finite number >= 0, got ${minStd}`);
  const capacity = o.capacity ?? DEFAULT_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`${what}: capacity must be an integer 1 or greater, got ${capacity}`);
  return { windowMs, minPeriods, ddof, closed, minStd, capacity };
}

/** Rolling statistics over a time window; `stats` a name gives that array, a list an object. */
export function timeRollingStep<const S extends RollingStat | readonly RollingStat[]>(o: TimeRollingOptions, stats: S, name = 'rolling'): Step<TimeWindowCarry, S extends RollingStat ? LaxArray : Record<S extends readonly RollingStat[] ? S[number] : never, LaxArray>> {
  const { windowMs, minPeriods, ddof, closed, minStd, capacity } = checkTimeRolling(o, name);
  const minObs = Math.max(minPeriods, 1);
  const wanted = (typeof stats === 'string' ? [stats] : stats) as RollingStat[];
  const rightClosed = closed === 'right' || closed === 'both';
  const leftClosed = closed === 'left' || closed === 'both';
  const message = `the ${fmtDuration(windowMs)} window holds more than capacity=${capacity} records (give a larger \`capacity\`)`;
  return {
    name,
    time: true,
    options: { window: o.window, minPeriods, ddof, closed, capacity, ...(wanted.includes('zscore') ? { minStd } : {}) },
    init: (xShape) => ({
      vals: np.full([capacity, ...xShape], NaN),
      times: np.full([capacity], EMPTY, { dtype: 'int32' }),
      pos: np.zeros([], { dtype: 'int32' }),
      lost: np.full([], EMPTY, { dtype: 'int32' }),
      prev: np.full([...xShape], NaN),
      same: np.zeros([...xShape], { dtype: 'int32' }),
      k: np.full([...xShape], NaN),
    }),
    f: ({ vals, times, pos, lost, prev, same, k }, value, t) => {
      if (!t) throw new TypeError(`${name}: a time window needs event times`);
      const x = value.dtype === 'float32' ? np.where(np.isfinite(value), value, NaN) : value; // +-inf is missing, as in pandas
      const obsX = np.logicalNot(np.isnan(x));
      const cut = t.sub(windowMs);
      const inWindow = (tj: LaxArray) => np.logicalAnd(np.notEqual(tj, EMPTY), leftClosed ? np.greaterEqual(tj, cut) : np.greater(tj, cut));
      const oldT = np.take(times, pos, { axis: 0, mode: 'clip' });
      // the record a window would need but the ring no longer holds
      streamCheck(inWindow(rightClosed ? oldT : lost), message);
      const nextSame = np.where(obsX, np.where(np.equal(x, prev), same.add(1), 1), same);
      const newest = rightClosed ? np.where(obsX, x, prev) : prev;
      const sameW = rightClosed ? nextSame : same;
      // One pass over the ring's slots, unrolled (elementwise work that the fused scan runs
      // in one loop, read before the ring's in-place update): count, sum and sum of squares of
      // the values in the window, shifted by the previous window's mean. Slot `pos` holds the
      // record this step drops; the current record counts on its own when the window is
      // closed on the right.
      const shift = np.where(np.isnan(k), newest, k);
      const dx = np.where(obsX, x.sub(shift), 0);
      let n: LaxArray = rightClosed ? obsX.astype('float32') : np.zeros(x.shape);
      let sum: LaxArray = rightClosed ? dx : np.zeros(x.shape);
      let sq: LaxArray = rightClosed ? dx.mul(dx) : np.zeros(x.shape);
      for (let r = 0; r < capacity; r++) {
        const member = rightClosed ? np.logicalAnd(np.notEqual(pos, r), inWindow(times.slice(r))) : inWindow(times.slice(r));
        const vr = vals.slice(r);
        const obs = np.logicalAnd(member, np.logicalNot(np.isnan(vr)));
        const d = np.where(obs, vr.sub(shift), 0);
        n = n.add(obs.astype('float32'));
        sum = sum.add(d);
        sq = sq.add(d.mul(d));
      }
      const meanK = sum.div(n);
      const m2 = np.maximum(sq.sub(sum.mul(meanK)), 0);
      // pandas' guard: a window whose values are all equal has that value as its mean and variance 0
      const constant = np.greaterEqual(sameW.astype('float32'), n);
      const mean = np.where(constant, newest, shift.add(meanK));
      const enough = np.greaterEqual(n, minObs);
      const meanOut = np.where(enough, mean, NaN);
      const varOk = np.logicalAnd(enough, np.greater(n, ddof));
      const zero = np.logicalOr(np.equal(n, 1), constant);
      const variance = np.where(varOk, np.where(zero, 0, m2.div(n.sub(ddof))), NaN);
      const all: Record<RollingStat, () => LaxArray> = {
        mean: () => meanOut,
        var: () => variance,
        std: () => np.sqrt(variance),
        zscore: () => {
          const std = np.sqrt(variance);
          const dev = np.where(constant, value.sub(newest), value.sub(shift).sub(meanK));
          const z = np.where(enough, dev, NaN).div(std);
          return minStd > 0 ? np.where(np.less(std, minStd), NaN, z) : z;
        },
      };
      const y = typeof stats === 'string' ? all[stats as RollingStat]() : Object.fromEntries(wanted.map((s) => [s, all[s]()]));
      const carry: TimeWindowCarry = {
        vals: vals.at(pos).set(x),
        times: times.at(pos).set(t),
        pos: np.where(np.equal(pos, capacity - 1), 0, pos.add(1)),
        lost: oldT,
        prev: np.where(obsX, x, prev),
        same: nextSame,
        k: np.where(np.greater(n, 0), mean, k),
      };
      return [carry, y as never];
    },
  };
}

/** A count window (`window: 32`) or a time window (`window: '30s'`), as pandas' `rolling`. */
export type WindowOptions = RollingOptions | TimeRollingOptions;

/** The rolling step for a count or a time window. */
export function windowStep<const S extends RollingStat | readonly RollingStat[]>(o: WindowOptions, stats: S, name: string): Step<any, S extends RollingStat ? LaxArray : Record<S extends readonly RollingStat[] ? S[number] : never, LaxArray>> {
  if (isDuration(o.window)) return timeRollingStep(o as TimeRollingOptions, stats, name);
  if ('capacity' in o && o.capacity !== undefined) throw new RangeError(`${name}: capacity is an option of time windows (a window given as a duration such as '30s')`);
  return rollingStep(o as RollingOptions, stats, name);
}
