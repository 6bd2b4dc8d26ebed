// Durations and event times.
//
// A window or halflife given as a string is a duration (pandas' offset strings, the common
// units): '250ms', '30s', '5min', '1h', '1d', also '1.5s' and combinations like '1min30s'.
// A number stays a count of steps (pandas' `rolling(3)` against `rolling('3s')`), except for
// options that only mean a time (`maxLateness`, `idleTimeout`, `every`), where it is
// milliseconds. An event time is epoch milliseconds: a number, a `Date`, or an ISO-8601
// string (as `Date.parse` reads it; a string without a zone is UTC when it is a date only,
// local time otherwise, as JavaScript's Date does: give the zone).

const unitMs: Record<string, number> = {
  ms: 1, l: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  min: 60_000, t: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

const part = /(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]+)/gy;

/** True when `v` is a duration string (a window or halflife in time rather than in steps). */
export const isDuration = (v: unknown): v is string => typeof v === 'string';

/** Milliseconds of a duration string; `what` names the option in the error. */
export function parseDuration(s: string, what: string): number {
  const text = s.trim();
  let ms = 0;
  let at = 0;
  part.lastIndex = 0;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    const unit = unitMs[m[2].toLowerCase()] ?? unitMs[m[2]];
    if (unit === undefined) break;
    ms += Number(m[1]) * unit;
    at = part.lastIndex;
    while (text[at] === ' ') at++;
    part.lastIndex = at;
  }
  if (!text || at !== text.length) {
    throw new RangeError(`${what}: invalid duration ${JSON.stringify(s)}: expected a number and a unit (ms, s, min, h, d), e.g. '250ms', '30s', '5min', '1h'`);
  }
  return ms;
}

/** A time option: a duration string, or milliseconds as a number; must be >= `min`. */
export function timeOption(v: string | number, what: string, positive: boolean): number {
  const ms = typeof v === 'number' ? v : parseDuration(v, what);
  if (!(Number.isFinite(ms) && (positive ? ms > 0 : ms >= 0))) {
    throw new RangeError(`${what} must be a duration ${positive ? '> 0' : '>= 0'} (a string like '30s' or milliseconds), got ${JSON.stringify(v)}`);
  }
  return ms;
}

/** Epoch milliseconds of an event time (number, Date or ISO-8601 string); NaN when it is none of them. */
export function epochMs(t: unknown): number {
  if (typeof t === 'number') return Number.isFinite(t) ? t : NaN;
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') return Date.parse(t);
  return NaN;
}

/** An event time for messages: ISO-8601 (UTC). */
export const fmtTime = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** A duration for messages, in its largest whole unit ('30s', '1500ms'). */
export function fmtDuration(ms: number): string {
  for (const [u, f] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) if (ms % f === 0 && ms >= f) return `${ms / f}${u}`;
  return `${ms}ms`;
}
