// Event time ahead of a record stream's scan: records are put back in time order within
// `maxLateness`, and records behind the watermark are late (Flink's bounded out-of-orderness).
//
//   latest     the largest event time seen (among records that were not late)
//   watermark  latest - maxLateness: no record older than it is expected any more
//   a record with t < watermark is late: it goes to `late`, or fails the stream
//   the others wait, ordered by (t, arrival), until t <= watermark; then they are released
//   in that order to the scan (with maxLateness 0 every record in order is released at once)
//   (per stream by default; with `watermark: 'key'` each key keeps its own latest and watermark)
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
  /**
   * 'stream' (default): one watermark for the stream, across keys (Flink's); 'key': each key
   * its own, so a key whose clock runs behind the others is not late (keyed records).
   */
  watermark?: 'stream' | 'key';
}

/** A record with its event time, and the input emission it came in (outputs are grouped by it). */
export interface Timed {
  record: unknown;
  t: number;
  chunk: boolean;
  src: number;
  /** The record's value as host data (not part of the state: computed again after a restore). */
  row?: TypedArray | number;
}

export interface ClockState {
  /** Per key id ('' for the stream's): the largest event time seen and the watermark (null: none yet). */
  marks: [string, number | null, number | null][];
  /** Records waiting to be released, in release order. */
  waiting: Timed[];
}

export function checkEventTime(o: EventTimeOptions, what: string): { maxLateness: number; idleTimeout: number | undefined } {
  const maxLateness = o.maxLateness === undefined ? 0 : timeOption(o.maxLateness, `${what}: maxLateness`, false);
  const idleTimeout = o.idleTimeout === undefined ? undefined : timeOption(o.idleTimeout, `${what}: idleTimeout`, true);
  if (o.time !== undefined && typeof o.time !== 'function') throw new TypeError(`${what}: time must be a function (record) => time, got ${typeof o.time}`);
  if (o.watermark !== undefined && o.watermark !== 'stream' && o.watermark !== 'key') throw new RangeError(`${what}: watermark must be 'stream' or 'key', got ${JSON.stringify(o.watermark)}`);
  return { maxLateness, idleTimeout };
}

/** The reorder buffer and watermark of one stream. */
/** The latest time seen and the watermark of a stream, or of one key. */
interface Marks {
  latest: number;
  watermark: number;
}

export class EventClock {
  /** The stream's marks, or (per key) each key's, by key id. */
  private readonly marks = new Map<string, Marks>();
  private waiting: Timed[] = [];

  constructor(
    private readonly what: string,
    private readonly maxLateness: number,
    private readonly late: LateSink | undefined,
    private readonly timeOf: (record: unknown) => unknown,
    /** Per key: the key id of a record; absent: one watermark for the stream. */
    private readonly keyOf?: (record: unknown) => string,
  ) {}

  private marksOf(record: unknown): Marks {
    const id = this.keyOf ? this.keyOf(record) : '';
    let m = this.marks.get(id);
    if (!m) this.marks.set(id, (m = { latest: -Infinity, watermark: -Infinity }));
    return m;
  }

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
    const m = this.marksOf(record);
    if (t < m.watermark) {
      const err = new LateRecordError(record, t, m.watermark, this.what);
      if (!this.late) throw err;
      if (typeof this.late === 'function') this.late(record, err);
      else this.late.next({ record, error: err });
      return false;
    }
    // insertion from the end: records mostly arrive in order
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1].t > t) i--;
    this.waiting.splice(i, 0, entry);
    if (t > m.latest) {
      m.latest = t;
      m.watermark = Math.max(m.watermark, t - this.maxLateness);
    }
    return true;
  }

  /** Moves every watermark on: to the end of time (the stream's end), or by `idleMs` past its latest time (idleness). */
  advance(idleMs: number): void {
    for (const m of this.marks.values()) {
      if (idleMs === Infinity) m.watermark = Infinity;
      else if (Number.isFinite(m.latest)) m.watermark = Math.max(m.watermark, m.latest + idleMs);
    }
  }

  /** The watermark of the stream, or of a record's key (per key). */
  watermarkOf(record?: unknown): number {
    return (this.keyOf ? this.marks.get(this.keyOf(record)) : this.marks.get(''))?.watermark ?? -Infinity;
  }

  /** The waiting records whose time their watermark has reached, in time order (ties: arrival). */
  release(): Timed[] {
    if (!this.keyOf) {
      const wm = this.watermarkOf();
      let n = 0;
      while (n < this.waiting.length && this.waiting[n].t <= wm) n++;
      return n ? this.waiting.splice(0, n) : [];
    }
    const out: Timed[] = [];
    this.waiting = this.waiting.filter((w) => (w.t <= this.marksOf(w.record).watermark ? (out.push(w), false) : true));
    return out;
  }

  get pending(): number {
    return this.waiting.length;
  }

  state(): ClockState {
    const fin = (v: number) => (Number.isFinite(v) ? v : null);
    return {
      marks: [...this.marks].map(([id, m]) => [id, fin(m.latest), fin(m.watermark)]),
      waiting: this.waiting.map(({ record, t, chunk, src }) => ({ record, t, chunk, src })),
    };
  }

  restore(s: ClockState): void {
    this.marks.clear();
    for (const [id, latest, watermark] of s.marks) this.marks.set(id, { latest: latest ?? -Infinity, watermark: watermark ?? -Infinity });
    this.waiting = s.waiting.map((w) => ({ ...w }));
  }
}
