// The event-time stream operators against pandas: offset windows ('30s'), ewm with times and
// resample, on readings at irregular and repeated times with NaNs, unkeyed and per key, in
// several chunkings and with t as epoch ms, ISO-8601 strings and Dates.
// Golden values: pandas 1.5.3 (Debian python3-pandas 1.5.3+dfsg-2), written to
// event_time_ref.json by `/usr/bin/python3 tests/rx/event_time_ref.py`; each is keyed by the
// pandas call that produced it, on s = pd.Series(value, index=pd.to_datetime(t, unit='ms'))
// (all records, or one key's records in order). null = NaN.
//
// Tolerance: the engine computes in float32, pandas in float64, so results agree to a relative
// 1e-5 and an absolute 1e-5 * scale, scale being the data's magnitude (max |value|): scale for
// statistics in the data's units, scale^2 for variances, scale / std of the window for z-scores.

import { readFileSync } from 'node:fs';
import type { OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ema, movingAverage, resample, rollingVar, zscore } from '../../src/rx.js';
import { collect, expectClose } from './helpers.js';

type Num = number | null | 'Infinity' | '-Infinity';
const STATS = ['mean', 'min', 'max', 'count', 'sum', 'first', 'last', 'var', 'std'] as const;
type Window = { key?: string; t: number } & Record<(typeof STATS)[number], Num>;
const ref = JSON.parse(readFileSync(new URL('./event_time_ref.json', import.meta.url), 'utf8')) as {
  pandas: string;
  input: { t: number[]; value: (number | null)[]; key: string[] };
  unkeyed: Record<string, Num[]>;
  by_key: Record<string, Record<string, Num[]>>;
  resample_unkeyed: Record<string, Window[]>;
  resample_by_key: Record<string, Record<string, Window[]>>;
};
const num = (x: Num): number => (x === null ? NaN : Number(x));
const { input } = ref;
const n = input.t.length;
const scale = Math.max(...input.value.map((v) => Math.abs(v ?? 0)));
const RTOL = 1e-5;
const ATOL = 1e-5 * scale;

type Rec = { key?: string; t: number | string | Date; value: number; seq: number };
/** The input records; `seq` is an extra field that outputs must keep. */
const records = (keyed: boolean, time: (ms: number) => Rec['t'] = (ms) => ms): Rec[] =>
  input.t.map((ms, seq) => ({ ...(keyed ? { key: input.key[seq] } : {}), t: time(ms), value: input.value[seq] ?? NaN, seq }));

const chunkings: [string, (rs: Rec[]) => (Rec | Rec[])[]][] = [
  ['one record per emission', (rs) => rs],
  ['all records in one array', (rs) => [rs]],
  ['chunks of 7 records', (rs) => Array.from({ length: Math.ceil(rs.length / 7) }, (_, i) => rs.slice(7 * i, 7 * i + 7))],
];

/** Runs `op` over the chunks and flattens the output emissions. With `sameShape` (one output
 *  per input record), an array emission in gives an array emission of the same length out. */
async function run<O>(chunks: (Rec | Rec[])[], op: OperatorFunction<any, any>, sameShape: boolean): Promise<O[]> {
  const outs = await collect(chunks, op);
  if (sameShape) expect(outs.map((o) => (Array.isArray(o) ? o.length : 'record'))).toEqual(chunks.map((c) => (Array.isArray(c) ? c.length : 'record')));
  return outs.flat() as O[];
}

/** The golden of `call` in record order: the unkeyed series, or each key's series scattered back. */
function expected(call: string, keyed: boolean): number[] {
  if (!keyed) return ref.unkeyed[call].map(num);
  const seen: Record<string, number> = {};
  return input.key.map((k) => num(ref.by_key[k][call][(seen[k] = (seen[k] ?? -1) + 1)]));
}

/** Absolute tolerance per record: var in scale^2, z-scores in scale / (the window's std). */
function atol(call: string, keyed: boolean): number[] {
  if (call.includes('.var(')) return Array(n).fill(ATOL * scale);
  if (!call.startsWith('(s - r.mean())')) return Array(n).fill(ATOL);
  const std = call.includes("closed='left'") ? expected("s.rolling('30s', closed='left').var()", keyed).map(Math.sqrt) : expected("s.rolling('30s').std()", keyed);
  return std.map((sd) => ATOL / sd);
}

type RollOut = Rec & { value: number };
const rollingCases: [string, () => OperatorFunction<any, any>][] = [
  ["s.rolling('30s').mean()", () => movingAverage({ window: '30s' })],
  ["s.rolling('30s', min_periods=3).mean()", () => movingAverage({ window: '30s', minPeriods: 3 })],
  ["s.rolling('30s').var()", () => rollingVar({ window: '30s' })],
  ["s.rolling('10s').var(ddof=0)", () => rollingVar({ window: '10s', ddof: 0 })],
  ["s.rolling('30s', closed='left').mean()", () => movingAverage({ window: '30s', closed: 'left' })],
  ["s.rolling('30s', closed='left').var()", () => rollingVar({ window: '30s', closed: 'left' })],
  ["(s - r.mean()) / r.std(ddof=1), r = s.rolling('30s')", () => zscore({ window: '30s' })],
  ["(s - r.mean()) / r.std(ddof=1), r = s.rolling('30s', closed='left')", () => zscore({ window: '30s', closed: 'left' })],
  ["s.ewm(halflife='10s', times=tt).mean()", () => ema({ halflife: '10s' })],
  ["s.ewm(halflife='10s', times=tt, min_periods=2).mean()", () => ema({ halflife: '10s', minPeriods: 2 })],
];
// pandas' closed='both' and 'neither': in their own cases, easy to drop if they are refused.
const closedBothNeither: typeof rollingCases = [
  ["s.rolling('30s', closed='both').mean()", () => movingAverage({ window: '30s', closed: 'both' })],
  ["s.rolling('30s', closed='neither').mean()", () => movingAverage({ window: '30s', closed: 'neither' })],
];

/** One output per input record, in order, keeping t, key and seq; the statistic in `value`. */
async function checkRolling(call: string, make: () => OperatorFunction<any, any>, keyed: boolean, chunk: (rs: Rec[]) => (Rec | Rec[])[], time?: (ms: number) => Rec['t']) {
  const ins = records(keyed, time);
  const outs = await run<RollOut>(chunk(ins), make(), true);
  expect(outs.map(({ value: _, ...rest }) => rest)).toEqual(ins.map(({ value: _, ...rest }) => rest));
  for (const o of outs) expect(typeof o.value).toBe('number');
  const want = expected(call, keyed);
  const tol = atol(call, keyed);
  for (let i = 0; i < n; i++) expectClose([outs[i].value], [want[i]], RTOL, tol[i]);
  return outs.map((o) => o.value);
}

describe.each([false, true])(`offset windows and ewm against pandas ${ref.pandas}, keyed %s`, (keyed) => {
  for (const cases of [rollingCases, closedBothNeither]) {
    it.each(cases)('%s, in every chunking, identically', async (call, make) => {
      const results = [];
      for (const [, chunk] of chunkings) results.push(await checkRolling(call, make, keyed, chunk));
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    });
  }
});

type WindowOut = { key?: string; t: number; value: Record<(typeof STATS)[number], number> };
const resampleCases: [string, string][] = [
  [`s.resample('1min', origin='epoch').agg(['mean', 'min', 'max', 'count', 'sum', 'first', 'last', 'var', 'std']) (windows with records)`, '1min'],
  [`s.resample('15s', origin='epoch').agg(['mean', 'min', 'max', 'count', 'sum', 'first', 'last', 'var', 'std']) (windows with records)`, '15s'],
];

/** All windows by the time the source completes (as records or arrays of them: the contract
 *  does not say which), per key in increasing t; compared sorted by (t, key). */
async function checkResample([call, every]: [string, string], keyed: boolean, chunk: (rs: Rec[]) => (Rec | Rec[])[], time?: (ms: number) => Rec['t']) {
  const outs = await run<WindowOut>(chunk(records(keyed, time)), resample({ every, stats: STATS }), false);
  for (const key of keyed ? Object.keys(ref.by_key) : [undefined]) {
    const ts = outs.filter((o) => o.key === key).map((o) => o.t);
    expect(ts, `windows of key ${key} in increasing t`).toEqual([...ts].sort((a, b) => a - b));
  }
  const want: Window[] = keyed ? Object.entries(ref.resample_by_key).flatMap(([key, calls]) => calls[call].map((w) => ({ key, ...w }))) : [...ref.resample_unkeyed[call]];
  const byTimeKey = (a: { t: number; key?: string }, b: { t: number; key?: string }) => a.t - b.t || String(a.key).localeCompare(String(b.key));
  const got = [...outs].sort(byTimeKey);
  want.sort(byTimeKey);
  expect(got.map((o) => [o.key, o.t])).toEqual(want.map((w) => [w.key, w.t]));
  for (const s of STATS) {
    const tol = s === 'var' ? ATOL * scale : ATOL;
    expectClose(got.map((o) => o.value[s]), want.map((w) => num(w[s])), s === 'count' ? 0 : RTOL, s === 'count' ? 0 : tol);
  }
  return got;
}

describe.each([false, true])(`resample against pandas ${ref.pandas}, keyed %s`, (keyed) => {
  it.each(resampleCases)('%s, in every chunking, identically', async (call, every) => {
    const results = [];
    for (const [, chunk] of chunkings) results.push(await checkResample([call, every], keyed, chunk));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe.each([
  ['ISO-8601 strings', (ms: number) => new Date(ms).toISOString()],
  ['Date objects', (ms: number) => new Date(ms)],
] as const)('t as %s gives the same outputs as epoch ms', (_name, time) => {
  it.each(rollingCases)('%s', async (call, make) => {
    for (const keyed of [false, true]) await checkRolling(call, make, keyed, chunkings[2][1], time);
  });
  it('resample', async () => {
    for (const keyed of [false, true]) await checkResample(resampleCases[0], keyed, chunkings[2][1], time);
  });
});
