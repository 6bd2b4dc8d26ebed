// Rolling statistics over a window of event time (pandas' `rolling('30s')`), as one scan step.
//
// pandas (pandas/_libs/window/indexers.pyx, calculate_variable_window_bounds): the window of
// row i holds the earlier rows j (and row i itself when closed on the right) whose time is
//   t_j >  t_i - window   closed 'right' (default) and 'neither'
//   t_j >= t_i - window   closed 'left' and 'both'
// 'left' and 'neither' leave row i out but keep earlier rows with the same time (the bounds
// are row positions). min_periods defaults to 1; NaN (and +-inf) values are skipped.
//
// The carry holds, for each of the last `capacity + 1` records, its time and the prefix sums
// through it: the count of non-NaN values and the sums of x - k and (x - k)^2, k being the
// first value, in double-float (double_float.ts: about 48 bits). Times are in order, so a
// window is the newest records: it is found by counting the ring's records inside it (scalar
// work per key and step), and its count and sums are the differences of the prefix sums of
// its newest record and of the record before it. So a value costs O(1) (the count O(capacity)
// per key, not per value); the variance m2 = Q - S^2 / n is taken from the double-float sums
// (S^2 / n as m * (S + e), m the float32 mean and e = S - m * n in exact products: `centered`),
// so it keeps float32 accuracy while (distance of the data from k)^2 * records per key stays below about
// 2^24 times the window's variance. pandas' guard for constant windows is kept (equal values:
// their own mean, variance 0). The state is bounded: a window that would need more than
// `capacity` records fails the stream with an error naming the record (checks.ts).
// Times are int32 milliseconds since the stream's time base (StepFn), so window lengths are
// limited to 2^30 ms (12.4 days).

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import { streamCheck } from './checks.js';
import { ddOps } from './double_float.js';
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
  /** The times of the last `capacity + 1` records (EMPTY: none), slot `pos` next. */
  times: LaxArray;
  pos: LaxArray;
  /** Per slot, the prefix sums through that record: non-NaN count, sum and sum of squares of x - k (double-float). */
  cn: LaxArray;
  cs: DDCarry;
  cq: DDCarry;
  /** The prefix sums through the newest record. */
  n: LaxArray;
  s: DDCarry;
  q: DDCarry;
  /** The shift: the first non-NaN value (NaN before). */
  k: LaxArray;
  /** The newest non-NaN value (NaN before any), and how many equal non-NaN values end with it. */
  prev: LaxArray;
  same: LaxArray;
}

interface DDCarry {
  hi: LaxArray;
  lo: LaxArray;
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
  const slots = capacity + 1;
  return {
    name,
    time: true,
    options: { window: o.window, minPeriods, ddof, closed, capacity, ...(wanted.includes('zscore') ? { minStd } : {}) },
    key: `rolling(${windowMs} ms, ${minPeriods}, ${ddof}, ${closed}, ${minStd}, ${capacity}, ${JSON.stringify(stats)})`,
    init: (xShape) => {
      const ring = () => np.zeros([slots, ...xShape]);
      const lane = () => np.zeros([...xShape]);
      return {
        times: np.full([slots], EMPTY, { dtype: 'int32' }),
        pos: np.zeros([], { dtype: 'int32' }),
        cn: np.zeros([slots, ...xShape], { dtype: 'int32' }),
        cs: { hi: ring(), lo: ring() },
        cq: { hi: ring(), lo: ring() },
        n: np.zeros([...xShape], { dtype: 'int32' }),
        s: { hi: lane(), lo: lane() },
        q: { hi: lane(), lo: lane() },
        k: np.full([...xShape], NaN),
        prev: np.full([...xShape], NaN),
        same: np.zeros([...xShape], { dtype: 'int32' }),
      };
    },
    f: (c, value, t) => {
      if (!t) throw new TypeError(`${name}: a time window needs event times`);
      const { times, pos, prev, same } = c;
      const x = value.dtype === 'float32' ? np.where(np.isfinite(value), value, NaN) : value; // +-inf is missing, as in pandas
      const obsX = np.logicalNot(np.isnan(x));
      const dd = ddOps(); // double-float arithmetic (double_float.ts)
      // prefix sums through this record, relative to k (the first value: 0 before it)
      const k = np.where(np.logicalAnd(np.isnan(c.k), obsX), x, c.k);
      const d = np.where(obsX, x.sub(k), 0);
      const n1 = c.n.add(obsX.astype('int32'));
      const s1 = dd.addF(c.s, d);
      const q1 = dd.add(c.q, dd.twoSquare(d));
      // The window is the newest `records` records (times are in order): the record itself
      // when the window is closed on the right, and the ring's records inside it (one pass
      // over the slots' times: scalar work per key and step). Its sums are the prefix sums through its newest record less those
      // through the record before it, which the ring still holds (one slot more than `capacity`).
      const cut = t.sub(windowMs);
      const inWindow = (tj: LaxArray) => np.logicalAnd(np.notEqual(tj, EMPTY), leftClosed ? np.greaterEqual(tj, cut) : np.greater(tj, cut));
      let records: LaxArray = rightClosed ? np.ones([], { dtype: 'int32' }) : np.zeros([], { dtype: 'int32' });
      for (let r = 0; r < slots; r++) {
        const counts = rightClosed ? np.logicalAnd(np.notEqual(pos, r), inWindow(times.slice(r))) : inWindow(times.slice(r));
        records = records.add(counts.astype('int32'));
      }
      const back = pos.sub(rightClosed ? records : records.add(1));
      const base = np.where(np.less(back, 0), back.add(slots), back); // (no integer division in wasm SIMD)
      const at = (ring: LaxArray) => np.take(ring, base, { axis: 0, mode: 'clip' });
      const end = rightClosed ? { n: n1, s: s1, q: q1 } : { n: c.n, s: c.s, q: c.q };
      const n = end.n.sub(at(c.cn)).astype('float32');
      const sum = dd.sub(end.s, { hi: at(c.cs.hi), lo: at(c.cs.lo) });
      const sq = dd.sub(end.q, { hi: at(c.cq.hi), lo: at(c.cq.lo) });
      const meanK = dd.value(sum).div(n);
      const m2 = np.maximum(dd.centered(sq, sum, meanK, n, slots < 4096), 0);
      streamCheck(np.greater(records, capacity), message);
      // pandas' guard: a window whose values are all equal has that value as its mean and variance 0
      const nextSame = np.where(obsX, np.where(np.equal(x, prev), same.add(1), 1), same);
      const newest = rightClosed ? np.where(obsX, x, prev) : prev;
      const constant = np.greaterEqual((rightClosed ? nextSame : same).astype('float32'), n);
      const mean = np.where(constant, newest, k.add(meanK));
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
          const dev = np.where(constant, value.sub(newest), value.sub(k).sub(meanK));
          const z = np.where(enough, dev, NaN).div(std);
          return minStd > 0 ? np.where(np.less(std, minStd), NaN, z) : z;
        },
      };
      const y = typeof stats === 'string' ? all[stats as RollingStat]() : Object.fromEntries(wanted.map((s) => [s, all[s]()]));
      const put = (ring: LaxArray, v: LaxArray) => ring.at(pos).set(v);
      const carry: TimeWindowCarry = {
        times: put(times, t),
        pos: np.where(np.equal(pos, slots - 1), 0, pos.add(1)),
        cn: put(c.cn, n1),
        cs: { hi: put(c.cs.hi, s1.hi), lo: put(c.cs.lo, s1.lo) },
        cq: { hi: put(c.cq.hi, q1.hi), lo: put(c.cq.lo, q1.lo) },
        n: n1,
        s: s1,
        q: q1,
        k,
        prev: np.where(obsX, x, prev),
        same: nextSame,
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
