// `resample({ every, stats })`: pandas' `resample(every, origin='epoch').agg(stats)` as a
// stream operator: tumbling windows [start, start + every), starts at multiples of `every`
// since the epoch, per key.
//
// Each key's open window is data of the scan's carry (running count, Welford mean and M2
// shifted by the window's first value, min, max, first, last); a record of a later window
// closes the open one (the step outputs its statistics) and starts its own. Windows that no
// record closes are closed when the watermark passes their end (`flush`, over the whole key
// table at once) or when the source completes. Windows without records are never emitted.
// pandas' definitions per window: count of non-NaN values; sum (0 when none); mean, min,
// max, first, last (non-NaN; NaN when none); var and std with ddof (NaN below ddof + 1 values).

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import { parseDuration } from './duration.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';
import type { Step, WindowedStep } from './step.js';
import type { KeyedRecord } from './records.js';
import type { OperatorFunction } from 'rxjs';

export const resampleStats = ['mean', 'min', 'max', 'count', 'sum', 'first', 'last', 'var', 'std'] as const;
export type ResampleStat = (typeof resampleStats)[number];

export interface ResampleOptions<S extends ResampleStat = ResampleStat> {
  /** The window length: a duration ('1min') or milliseconds. */
  every: string | number;
  /** Default ['mean']. */
  stats?: readonly S[];
  /** For var and std; default 1. */
  ddof?: number;
}

/** The time of a key without an open window. */
const EMPTY = -2147483648;

export interface ResampleCarry {
  start: LaxArray;
  n: LaxArray;
  k: LaxArray;
  mean: LaxArray;
  m2: LaxArray;
  min: LaxArray;
  max: LaxArray;
  first: LaxArray;
  last: LaxArray;
}

/** One closed window: `[closed, start, ...stats in the order asked]`. */
export type WindowOut = LaxArray[];

export function resampleStep(o: ResampleOptions): WindowedStep<ResampleCarry> {
  const every = typeof o.every === 'number' ? o.every : parseDuration(o.every, 'resample: every');
  if (!(Number.isInteger(every) && every > 0 && every < 2 ** 30)) throw new RangeError(`resample: every must be a whole number of milliseconds > 0 and under 2^30 ms (12.4 days), got ${JSON.stringify(o.every)}`);
  const stats = [...(o.stats ?? ['mean'])];
  if (!stats.length) throw new RangeError('resample: stats must name at least one of ' + resampleStats.join(', '));
  for (const s of stats) if (!resampleStats.includes(s)) throw new RangeError(`resample: unknown stat ${JSON.stringify(s)}; expected one of ${resampleStats.join(', ')}`);
  const ddof = o.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) throw new RangeError(`resample: ddof must be a non-negative integer, got ${ddof}`);

  const init = (xShape: readonly number[]): ResampleCarry => ({
    start: np.full([], EMPTY, { dtype: 'int32' }),
    n: np.zeros([...xShape]),
    k: np.zeros([...xShape]),
    mean: np.zeros([...xShape]),
    m2: np.zeros([...xShape]),
    min: np.full([...xShape], Infinity),
    max: np.full([...xShape], -Infinity),
    first: np.full([...xShape], NaN),
    last: np.full([...xShape], NaN),
  });
  /** The open window's statistics. */
  const output = (c: ResampleCarry, closed: LaxArray): WindowOut => {
    const some = np.greater(c.n, 0);
    const variance = np.where(np.greater(c.n, ddof), c.m2.div(c.n.sub(ddof)), NaN);
    const all: Record<ResampleStat, () => LaxArray> = {
      mean: () => np.where(some, c.k.add(c.mean), NaN),
      min: () => np.where(some, c.min, NaN),
      max: () => np.where(some, c.max, NaN),
      count: () => c.n,
      sum: () => np.where(some, c.k.add(c.mean).mul(c.n), 0),
      first: () => c.first,
      last: () => c.last,
      var: () => variance,
      std: () => np.sqrt(variance),
    };
    return [closed, c.start, ...stats.map((s) => all[s]())];
  };
  /** The carry with `x` added (a fresh window from `fresh`, where it is true). */
  const add = (c: ResampleCarry, x: LaxArray, start: LaxArray, fresh: LaxArray): ResampleCarry => {
    const obs = np.logicalNot(np.isnan(x));
    const pick = (a: LaxArray | number, b: LaxArray) => np.where(fresh, a, b);
    const n0 = pick(0, c.n);
    const k = np.where(np.logicalAnd(obs, np.equal(n0, 0)), x, pick(0, c.k));
    const mean0 = pick(0, c.mean);
    const m20 = pick(0, c.m2);
    const n = n0.add(obs.astype('float32'));
    const d = x.sub(k).sub(mean0);
    const mean = np.where(obs, mean0.add(d.div(n)), mean0);
    const m2 = np.where(obs, m20.add(d.mul(x.sub(k).sub(mean))), m20);
    return {
      start,
      n,
      k,
      mean,
      m2,
      min: np.where(obs, np.minimum(pick(Infinity, c.min), x), pick(Infinity, c.min)),
      max: np.where(obs, np.maximum(pick(-Infinity, c.max), x), pick(-Infinity, c.max)),
      first: np.where(np.logicalAnd(obs, np.isnan(pick(NaN, c.first))), x, pick(NaN, c.first)),
      last: np.where(obs, x, pick(NaN, c.last)),
    };
  };
  return {
    name: 'resample',
    time: true,
    timeQuantum: every,
    windows: { every, stats },
    options: { every: o.every, stats, ddof },
    key: `resample(${every} ms, ${JSON.stringify(stats)}, ${ddof})`,
    init,
    f: (c, value, t) => {
      if (!t) throw new TypeError('resample: needs event times');
      const x = value.dtype === 'float32' ? np.where(np.isfinite(value), value, NaN) : value; // +-inf is missing
      // the time base is a multiple of `every` (timeQuantum), so starts relative to it align to the epoch
      const start = t.sub(np.remainder(t, every));
      const fresh = np.notEqual(start, c.start);
      const closed = np.logicalAnd(fresh, np.notEqual(c.start, EMPTY));
      return [add(c, x, start, fresh), output(c, closed)];
    },
    flush: (c, watermark) => {
      const closed = np.logicalAnd(np.notEqual(c.start, EMPTY), np.lessEqual(c.start, watermark.sub(every)));
      const empty = init(c.n.shape);
      const keep = (a: LaxArray, b: LaxArray) => np.where(closed.reshape([...closed.shape, ...new Array(a.ndim - closed.ndim).fill(1)]), a, b);
      const next = Object.fromEntries(Object.entries(c).map(([name, v]) => [name, keep(empty[name as keyof ResampleCarry], v)])) as unknown as ResampleCarry;
      return [next, output(c, closed)];
    },
  };
}

/** The output record of one window: the key (when the input records have one), the window's start, its statistics. */
export interface WindowRecord<S extends string> {
  key?: string | number;
  t: number;
  value: { [K in S]: number };
}

/** An operator from records (or chunks of them) to window records, with the stream operators' state. */
export type WindowOperator<S extends string> = OperatorFunction<KeyedRecord | readonly KeyedRecord[], WindowRecord<S>> & Pick<StreamOperator, 'snapshot' | 'position'>;

/** pandas' `resample(every, origin='epoch').agg(stats)` over a record stream (per key), on event time. */
export function resample<const S extends ResampleStat = 'mean'>(opts: ResampleOptions<S> & StreamOptions): WindowOperator<S> {
  return stepOperator(resampleStep(opts) as Step, opts) as unknown as WindowOperator<S>;
}
