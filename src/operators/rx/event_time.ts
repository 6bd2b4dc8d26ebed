// Event time ahead of a record stream's scan: records are put back in time order within
// `maxLateness`, and records behind the watermark are late (Flink's bounded out-of-orderness).
//
//   latest     the largest event time seen (among records that were not late)
//   watermark  latest - maxLateness: no record older than it is expected any more
//   a record with t < watermark is late: it goes to `late`, or fails the stream
//   the others wait, ordered by (t, arrival), until t <= watermark; then they are released
//   in that order to the scan (with maxLateness 0 every record in order is released at once)
//   idleTimeout: after that much wall-clock time without input the watermark moves on to
//   latest + the idle time (event time is taken to run with the wall clock while the
//   source is silent), releasing what waits; the source's completion releases everything.
// The state (latest, watermark, the waiting records) is part of the stream's snapshot.

import type { TypedArray } from '../../graph/dtype.js';
import { MalformedRecordError } from './records.js';
import { epochMs, fmtDuration, fmtTime, timeOption } from './duration.js';

export class LateRecordError extends RangeError {
  constructor(
    readonly record: unknown,
    readonly t: number,
    readonly watermark: number,
    what: string,
  ) {
    super(`${what}: late record at t=${fmtTime(t)}, behind the watermark ${fmtTime(watermark)} by ${fmtDuration(watermark - t)}: ${JSON.stringify(record)?.slice(0, 200)} (raise maxLateness, or give \`late\` to divert late records)`);
    this.name = 'LateRecordError';
  }
}

/** Where late records go instead of failing the stream: a callback or any observer. */
export type LateSink = ((record: unknown, error: LateRecordError) => void) | { next(v: { record: unknown; error: LateRecordError }): void };

export interface EventTimeOptions {
  /** How far out of order records may arrive: a duration ('5s') or milliseconds; default 0. */
  maxLateness?: string | number;
  /** Where records behind the watermark go; default: they fail the stream with a LateRecordError. */
  late?: LateSink;
  /** Wall-clock time without input after which the watermark advances: a duration or milliseconds. */
  idleTimeout?: string | number;
  /** The event time of a record (epoch ms, Date or ISO-8601 string); default `record.t`. */
  time?: (record: any) => unknown;
}

/** A record with its event time, and the input emission it came in (outputs are grouped by it). */
export interface Timed {
  record: unknown;
  t: number;
  chunk: boolean;
  src: number;
  /** The record's value as host data (not part of the state: computed again after a restore). */
  row?: TypedArray;
}

export interface ClockState {
  /** Largest event time seen; -Infinity before any (JSON: null). */
  latest: number | null;
  watermark: number | null;
  /** Records waiting to be released, in release order. */
  waiting: Timed[];
}

export function checkEventTime(o: EventTimeOptions, what: string): { maxLateness: number; idleTimeout: number | undefined } {
  const maxLateness = o.maxLateness === undefined ? 0 : timeOption(o.maxLateness, `${what}: maxLateness`, false);
  const idleTimeout = o.idleTimeout === undefined ? undefined : timeOption(o.idleTimeout, `${what}: idleTimeout`, true);
  if (o.time !== undefined && typeof o.time !== 'function') throw new TypeError(`${what}: time must be a function (record) => time, got ${typeof o.time}`);
  return { maxLateness, idleTimeout };
}

/** The reorder buffer and watermark of one stream. */
export class EventClock {
  private latest = -Infinity;
  private watermark = -Infinity;
  private waiting: Timed[] = [];

  constructor(
    private readonly what: string,
    private readonly maxLateness: number,
    private readonly late: LateSink | undefined,
    private readonly timeOf: (record: unknown) => unknown,
  ) {}

  /** The event time of a record (epoch ms), or a MalformedRecordError. */
  timeOfRecord(r: unknown): number {
    const raw = this.timeOf(r);
    const t = epochMs(raw);
    if (Number.isNaN(t)) {
      const got = raw === undefined ? 'it has none' : `got ${JSON.stringify(raw)}`;
      throw new MalformedRecordError(r, `event time t must be epoch milliseconds, a Date or an ISO-8601 string; ${got}`, this.what);
    }
    return t;
  }

  /**
   * Takes one record with its time: false when it is late (sent to `late`; without `late`
   * this throws). Releasing happens in `release`.
   */
  offer(entry: Timed): boolean {
    const { record, t } = entry;
    if (t < this.watermark) {
      const err = new LateRecordError(record, t, this.watermark, this.what);
      if (!this.late) throw err;
      if (typeof this.late === 'function') this.late(record, err);
      else this.late.next({ record, error: err });
      return false;
    }
    // insertion from the end: records mostly arrive in order
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1].t > t) i--;
    this.waiting.splice(i, 0, entry);
    if (t > this.latest) {
      this.latest = t;
      this.watermark = Math.max(this.watermark, t - this.maxLateness);
    }
    return true;
  }

  /** Moves the watermark to at least `to` (idleness, or the end of the stream: Infinity). */
  advance(to: number): void {
    this.watermark = Math.max(this.watermark, to);
  }

  get latestTime(): number {
    return this.latest;
  }

  get currentWatermark(): number {
    return this.watermark;
  }

  /** The waiting records whose time the watermark has reached, in time order. */
  release(): Timed[] {
    let n = 0;
    while (n < this.waiting.length && this.waiting[n].t <= this.watermark) n++;
    return n ? this.waiting.splice(0, n) : [];
  }

  get pending(): number {
    return this.waiting.length;
  }

  state(): ClockState {
    const fin = (v: number) => (Number.isFinite(v) ? v : null);
    return { latest: fin(this.latest), watermark: fin(this.watermark), waiting: this.waiting.map(({ record, t, chunk, src }) => ({ record, t, chunk, src })) };
  }

  restore(s: ClockState): void {
    this.latest = s.latest ?? -Infinity;
    this.watermark = s.watermark ?? -Infinity;
    this.waiting = s.waiting.map((w) => ({ ...w }));
  }
}
