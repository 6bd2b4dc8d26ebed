// Tuning and scoring the detector honestly: settings are chosen on one half of each mote's
// series (in time) and scored on the other half, both ways round.
//
// The grid search runs `detect`, a plain float64 loop of the detector's definition (the
// header of src/operators/rx/mahalanobis.ts), over every setting of a grid; the chosen
// settings then run in the laxflow stream, and the figures printed come from the stream's
// alarms. A setting's tuning score is its F1 on the tuning half averaged with the F1 of its
// neighbours on the grid (one step along each axis), so a setting that is good only by luck
// (the tuning half holds one event) does not win; ties go to the first in grid order.

import type { Reading } from './data.js';

export interface Setting {
  /** Seconds. */
  halflife: number;
  on: number;
  off: number;
  minVar: number;
}

export const GRID = {
  halflife: [10, 15, 25, 50, 100, 250, 1000],
  on: [3, 3.5, 4, 4.5, 5, 6, 7, 8, 10, 12],
  off: [1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8],
  minVar: [0.01, 0.03, 0.1, 0.3, 1],
} as const;
export const MIN_PERIODS = 20;

/** One mote's series as columns, for the grid search. */
export interface Series {
  h: Float64Array;
  temp: Float64Array;
  t: Float64Array;
  label: Uint8Array;
}
export const seriesOf = (rs: readonly Reading[]): Series => ({
  h: Float64Array.from(rs, (r) => r.humidity),
  temp: Float64Array.from(rs, (r) => r.temperature),
  t: Float64Array.from(rs, (r) => r.t),
  label: Uint8Array.from(rs, (r) => r.label),
});

/**
 * The weight each reading gets in the detector's moving statistics at `halflife` seconds,
 * -expm1(dt ln(1/2) / halflife) with dt the time since the last reading with both values
 * (the same for every setting of one halflife: the grid search computes it once).
 */
export function weights(x: Series, halflife: number): Float64Array {
  const rate = Math.log(0.5) / (halflife * 1000);
  const w = new Float64Array(x.h.length);
  let last = 0;
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(x.h[i]) || !Number.isFinite(x.temp[i])) continue;
    w[i] = -Math.expm1((x.t[i] - last) * rate);
    last = x.t[i];
  }
  return w;
}

/** The detector's definition in float64 over one mote's series (time order): 1 where the alarm is on. */
export function detect(x: Series, s: Setting, out = new Uint8Array(x.h.length), ws = weights(x, s.halflife)): Uint8Array {
  let m0 = NaN, m1 = NaN, c00 = 0, c01 = 0, c11 = 0, alarm = false, learned = 0;
  for (let i = 0; i < x.h.length; i++) {
    const x0 = x.h[i], x1 = x.temp[i];
    if (!Number.isFinite(x0) || !Number.isFinite(x1)) {
      out[i] = alarm ? 1 : 0;
      continue;
    }
    const d0 = x0 - m0, d1 = x1 - m1;
    const a00 = c00 + s.minVar, a11 = c11 + s.minVar;
    const ready = learned >= MIN_PERIODS;
    const score = ready ? Math.sqrt((a11 * d0 * d0 - 2 * c01 * d0 * d1 + a00 * d1 * d1) / (a00 * a11 - c01 * c01)) : NaN;
    alarm = ready && (alarm ? score > s.off : score > s.on);
    out[i] = alarm ? 1 : 0;
    if (!ready || !(score > s.off)) {
      if (learned === 0) {
        m0 = x0;
        m1 = x1;
      } else {
        const w = ws[i];
        m0 += w * d0;
        m1 += w * d1;
        c00 = (1 - w) * (c00 + w * d0 * d0);
        c01 = (1 - w) * (c01 + w * d0 * d1);
        c11 = (1 - w) * (c11 + w * d1 * d1);
      }
      learned++;
    }
  }
  return out;
}

export type Half = 'first' | 'second';

/** Per mote: the time that splits its series in half (a reading at the midpoint is in the first half). */
export function midpoints(byMote: ReadonlyMap<number, readonly Reading[]>): Map<number, number> {
  return new Map([...byMote].map(([m, rs]) => [m, (rs[0].t + rs[rs.length - 1].t) / 2]));
}
const inHalf = (t: number, mid: number, h: Half) => (h === 'first' ? t <= mid : t > mid);

export interface Figures {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Labelled events (runs of labelled readings of a mote) that start in the half. */
  events: { mote: number; from: number; to: number; readings: number; delayReadings: number | null; delaySeconds: number | null }[];
  /** Alarm episodes that start in the half and touch no labelled reading. */
  falseAlarms: number;
  hours: number;
  falseAlarmsPerHour: number;
}

/** Scores alarms (per mote, aligned with `byMote`'s readings) on one half of each mote's series. */
export function figures(byMote: ReadonlyMap<number, readonly Reading[]>, alarms: ReadonlyMap<number, readonly boolean[]>, half: Half): Figures {
  const mids = midpoints(byMote);
  let tp = 0, fp = 0, fn = 0, falseAlarms = 0, ms = 0;
  const events: Figures['events'] = [];
  for (const [mote, rs] of byMote) {
    const a = alarms.get(mote)!;
    const mid = mids.get(mote)!;
    const ts = rs.filter((r) => inHalf(r.t, mid, half)).map((r) => r.t);
    ms += ts.length ? ts[ts.length - 1] - ts[0] : 0;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      const here = inHalf(r.t, mid, half);
      if (here) {
        if (a[i] && r.label) tp++;
        else if (a[i]) fp++;
        else if (r.label) fn++;
      }
      if (r.label && (i === 0 || !rs[i - 1].label) && here) {
        let j = i;
        while (j + 1 < rs.length && rs[j + 1].label) j++;
        let k = i;
        while (k <= j && !a[k]) k++;
        events.push({ mote, from: r.reading, to: rs[j].reading, readings: j - i + 1, delayReadings: k <= j ? k - i : null, delaySeconds: k <= j ? (rs[k].t - r.t) / 1000 : null });
      }
      if (a[i] && (i === 0 || !a[i - 1]) && here) {
        let j = i;
        let touches = false;
        for (; j < rs.length && a[j]; j++) if (rs[j].label) touches = true;
        if (!touches) falseAlarms++;
      }
    }
  }
  const precision = tp / Math.max(tp + fp, 1);
  const recall = tp / Math.max(tp + fn, 1);
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const hours = ms / byMote.size / 3.6e6;
  return { tp, fp, fn, precision, recall, f1, events, falseAlarms, hours, falseAlarmsPerHour: falseAlarms / hours };
}

export interface Tuned {
  setting: Setting;
  /** F1 on the tuning half, and the neighbourhood average it was chosen by. */
  f1: number;
  smoothed: number;
  settings: number;
}

/** The grid search, both ways round: per half, the setting with the best neighbourhood-averaged F1 on it. */
export function tune(byMote: ReadonlyMap<number, readonly Reading[]>): Record<Half, Tuned> {
  const mids = midpoints(byMote);
  const series = [...byMote].map(([m, rs]) => {
    const x = seriesOf(rs);
    return { x, split: rs.filter((r) => r.t <= mids.get(m)!).length, out: new Uint8Array(rs.length), ws: new Map<number, Float64Array>(GRID.halflife.map((h) => [h, weights(x, h)])) };
  });
  const axes = Object.keys(GRID) as (keyof Setting)[];
  const f1: Record<Half, Map<string, number>> = { first: new Map(), second: new Map() };
  const order: number[][] = [];
  const at = (ix: number[]): Setting => Object.fromEntries(axes.map((k, i) => [k, GRID[k][ix[i]]])) as unknown as Setting;
  const score = (c: number[]) => {
    const [tp, fp, fn] = c;
    const p = tp / Math.max(tp + fp, 1), r = tp / Math.max(tp + fn, 1);
    return p + r > 0 ? (2 * p * r) / (p + r) : 0;
  };
  const visit = (i: number, ix: number[]) => {
    if (i === axes.length) {
      const s = at(ix);
      if (s.off >= s.on) return;
      order.push(ix);
      const c = { first: [0, 0, 0], second: [0, 0, 0] };
      for (const { x, split, out, ws } of series) {
        detect(x, s, out, ws.get(s.halflife));
        for (let j = 0; j < out.length; j++) {
          const k = c[j < split ? 'first' : 'second'];
          if (out[j]) k[x.label[j] ? 0 : 1]++;
          else if (x.label[j]) k[2]++;
        }
      }
      f1.first.set(ix.join(), score(c.first));
      f1.second.set(ix.join(), score(c.second));
      return;
    }
    for (let j = 0; j < GRID[axes[i]].length; j++) visit(i + 1, [...ix, j]);
  };
  visit(0, []);
  const pick = (f: Map<string, number>): Tuned => {
    let best: { ix: number[]; smoothed: number } | undefined;
    for (const ix of order) {
      let sum = f.get(ix.join())!, n = 1;
      for (let a = 0; a < axes.length; a++)
        for (const step of [-1, 1]) {
          const v = f.get(ix.map((j, b) => (b === a ? j + step : j)).join());
          if (v !== undefined) (sum += v), n++;
        }
      if (!best || sum / n > best.smoothed) best = { ix, smoothed: sum / n };
    }
    return { setting: at(best!.ix), f1: f.get(best!.ix.join())!, smoothed: best!.smoothed, settings: order.length };
  };
  return { first: pick(f1.first), second: pick(f1.second) };
}
