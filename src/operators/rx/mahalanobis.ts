// `mahalanobis`: an anomaly detector for pairs of readings (humidity and temperature, say).
// Each reading x = (x0, x1) is judged against an exponentially weighted baseline, the mean m
// and covariance C of the readings it has learned from, by its Mahalanobis distance
//   score = sqrt((x - m)' (C + minVar I)^-1 (x - m))      (closed-form 2x2 inverse)
// with hysteresis: the alarm turns on when score > on and stays on while score > off. With
// `freeze` (the default) the baseline learns only from readings with score <= off, so an
// excursion (and the alarm it raises) does not drag the baseline along and the alarm lasts
// until the readings are back near the old normal. The reference loop, per key:
//   1. skip a reading with a missing component (NaN, +-inf): score NaN, nothing changes
//   2. score as above (NaN for the first reading); ready = learned >= minPeriods
//   3. alarm = ready and (alarm ? score > off : score > on)
//   4. if not ready or not freeze or not (score > off):  (learn the reading)
//        w = 1 - 0.5 ** (dt / halflife)   (dt = 1 step, or the time since the previous valid reading)
//        first reading: m = x, C = 0; else d = x - m, m += w d, C = (1 - w) (C + w d d')
//        learned += 1
//   5. output { score (NaN until ready), alarm, mean: [m0, m1], std: sqrt(diag C) as a pair }
//      (m and C as they were when the reading was judged)
// A carry of a few numbers per key, so it runs vmapped over keys in the dense keyed engine.
// A level shift that never comes back keeps the alarm on (the baseline stays frozen); give
// `freeze: false` for a baseline that follows everything.

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import { isDuration, parseDuration } from './duration.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';
import type { Step } from './step.js';

export interface MahalanobisOptions {
  /** The baseline's memory: a number of readings, or a duration ('10min') on event time. */
  halflife: number | string;
  /** The alarm turns on above this distance. */
  on: number;
  /** And stays on while the distance is above this (default `on`); at most `on`. */
  off?: number;
  /** Added to the baseline's variances before inverting (the noise floor, in squared units); default 0. */
  minVar?: number;
  /** Readings learned before scores and alarms are given; default 20. */
  minPeriods?: number;
  /** Learn only from readings with score <= off (default true). */
  freeze?: boolean;
}

export interface MahalanobisCarry {
  /** The baseline: the means and variances of the two components and their covariance, each [...]. */
  m0: LaxArray;
  m1: LaxArray;
  v0: LaxArray;
  v1: LaxArray;
  c01: LaxArray;
  alarm: LaxArray;
  learned: LaxArray;
  /** The previous valid reading's time (on event time). */
  last: LaxArray;
}

export interface MahalanobisOutput<A = LaxArray> {
  score: A;
  alarm: A;
  /** The baseline the reading was judged against: its means and standard deviations, one per component. */
  mean: [A, A];
  std: [A, A];
}

/** The detector's option checks and derived constants, shared with the reference loop in the tests. */
export function mahalanobisParams(o: MahalanobisOptions) {
  const name = 'mahalanobis';
  const onEventTime = isDuration(o.halflife);
  const halflife = onEventTime ? parseDuration(o.halflife as string, `${name}: halflife`) : (o.halflife as number);
  if (!(typeof halflife === 'number' && halflife > 0)) throw new RangeError(`${name}: halflife must be > 0, got ${String(o.halflife)}`);
  if (!(typeof o.on === 'number' && o.on >= 0)) throw new RangeError(`${name}: on must be a number >= 0, got ${String(o.on)}`);
  const off = o.off ?? o.on;
  if (!(typeof off === 'number' && off >= 0 && off <= o.on)) throw new RangeError(`${name}: off must be a number in [0, on], got ${String(o.off)} with on ${o.on}`);
  const minVar = o.minVar ?? 0;
  if (!(typeof minVar === 'number' && minVar >= 0)) throw new RangeError(`${name}: minVar must be a number >= 0, got ${String(o.minVar)}`);
  const minPeriods = o.minPeriods ?? 20;
  if (!(Number.isInteger(minPeriods) && minPeriods >= 1)) throw new RangeError(`${name}: minPeriods must be an integer >= 1, got ${String(o.minPeriods)}`);
  const freeze = o.freeze ?? true;
  return { onEventTime, halflife, on: o.on, off, minVar, minPeriods, freeze };
}

/** The detector as a scan step over readings of shape `[..., 2]` (see the header). */
export function mahalanobisStep(o: MahalanobisOptions): Step<MahalanobisCarry, MahalanobisOutput> {
  const p = mahalanobisParams(o);
  const rate = Math.log(0.5) / p.halflife; // per step or per millisecond
  return {
    name: 'mahalanobis',
    ...(p.onEventTime ? { time: true } : {}),
    options: { halflife: o.halflife, on: p.on, off: p.off, minVar: p.minVar, minPeriods: p.minPeriods, freeze: p.freeze },
    key: `mahalanobis(${p.onEventTime ? `${p.halflife} ms` : p.halflife}, ${p.on}, ${p.off}, ${p.minVar}, ${p.minPeriods}, ${p.freeze})`,
    init: (xShape) => {
      if (xShape[xShape.length - 1] !== 2) throw new RangeError(`mahalanobis: readings are pairs: xShape must end in 2, got [${xShape.join(', ')}]`);
      const s = xShape.slice(0, -1);
      const nan = () => np.full(s, NaN);
      return { m0: nan(), m1: nan(), v0: np.zeros(s), v1: np.zeros(s), c01: np.zeros(s), alarm: np.zeros(s, { dtype: 'bool' }), learned: np.zeros(s, { dtype: 'int32' }), last: np.zeros(s, { dtype: 'int32' }) };
    },
    // Every carry leaf is [...] and read only at its own lane, and nothing is concatenated:
    // the body lowers to a WebGPU scan as well as to the CPU's.
    f: ({ m0, m1, v0, v1, c01, alarm, learned, last }, x, t) => {
      if (p.onEventTime && !t) throw new TypeError('mahalanobis: a halflife duration needs event times');
      const at = (i: number) => x.slice(...Array<null>(x.ndim - 1).fill(null), i);
      const [x0, x1] = [at(0), at(1)];
      const valid = np.logicalAnd(np.isfinite(x0), np.isfinite(x1));
      const d0 = x0.sub(m0);
      const d1 = x1.sub(m1);
      const a00 = v0.add(p.minVar);
      const a11 = v1.add(p.minVar);
      const det = a00.mul(a11).sub(c01.mul(c01));
      const q = a11.mul(d0).mul(d0).sub(c01.mul(d0).mul(d1).mul(2)).add(a00.mul(d1).mul(d1)).div(det);
      const ready = np.greaterEqual(learned, p.minPeriods);
      const score = np.where(np.logicalAnd(valid, ready), np.sqrt(q), NaN);
      const beyondOff = np.greater(score, p.off);
      const raised = np.logicalAnd(ready, np.where(alarm, beyondOff, np.greater(score, p.on)));
      const nextAlarm = np.where(valid, raised, alarm);
      const learn = p.freeze ? np.logicalAnd(valid, np.logicalOr(np.logicalNot(ready), np.logicalNot(beyondOff))) : valid;
      const first = np.equal(learned, 0);
      const dt = p.onEventTime ? t!.sub(last).astype('float32') : 1;
      const w = np.where(first, 1, np.negative(np.expm1(np.multiply(dt, rate))));
      // 0.5 ** (dt / halflife) itself, not 1 - w: after a gap of many halflives w rounds to
      // within an ulp of 1 in float32 and 1 - w would be off by up to 10% (a covariance
      // learned from one reading after a long silence)
      const keep = np.exp(np.multiply(dt, rate));
      const mean = (m: LaxArray, xi: LaxArray, di: LaxArray) => np.where(learn, np.where(first, xi, m.add(w.mul(di))), m);
      const moment = (c: LaxArray, da: LaxArray, db: LaxArray) => np.where(learn, np.where(first, 0, keep.mul(c.add(w.mul(da).mul(db)))), c);
      const carry: MahalanobisCarry = {
        m0: mean(m0, x0, d0),
        m1: mean(m1, x1, d1),
        v0: moment(v0, d0, d0),
        v1: moment(v1, d1, d1),
        c01: moment(c01, d0, d1),
        alarm: nextAlarm,
        learned: learned.add(learn.astype('int32')),
        last: p.onEventTime ? np.where(valid, t!, last) : last,
      };
      return [carry, { score, alarm: nextAlarm, mean: [m0, m1], std: [np.sqrt(v0), np.sqrt(v1)] }];
    },
  };
}

/**
 * Mahalanobis-distance alarms over pairs of readings (per key for `{ key, value: [a, b], t? }`
 * records): `value` becomes `{ score, alarm, mean: [a, b], std: [a, b] }`. `xShape` defaults to `[2]`.
 *
 * @example
 * readings$.pipe(mahalanobis({ halflife: '10min', on: 6, off: 4, minVar: 0.1 }))
 */
export function mahalanobis(opts: MahalanobisOptions & StreamOptions): StreamOperator<MahalanobisOutput> {
  return stepOperator(mahalanobisStep(opts), { xShape: [2], ...opts });
}
