// Streams on event time: the properties of the contract (docs/api.md, "Event time") on
// random streams, marble tests for the watermark's timing, and the errors. Values against
// pandas are in event_time.pandas.test.ts.

import fc from 'fast-check';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ema, LateRecordError, MalformedRecordError, movingAverage, resample, rollingVar, zscore, type KeyedRecord, type Snapshot } from '../../src/rx.js';
import { collect, expectSame } from './helpers.js';

const BASE = Date.UTC(2026, 11, 5, 6, 0, 0);

interface Rec {
  key?: string;
  t: number;
  value: number;
  id: number;
}

/** Records sorted by time: gaps 0 (repeated times) to 20 s, some NaN, keys from `keys`. */
const sortedRecords = (keys: number, distinct = false) =>
  fc
    .array(fc.record({ gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })), v: fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constant(NaN)), k: fc.nat(keys - 1) }), { minLength: 1, maxLength: 60 })
    .map((rows) => {
      let t = BASE;
      return rows.map(({ gap, v, k }, id): Rec => {
        t += distinct ? Math.max(gap, 1) : gap;
        return keys > 1 ? { key: `s${k}`, t, value: Math.fround(v), id } : { t, value: Math.fround(v), id };
      });
    });

/** Emissions: records alone or in array chunks, split at the given cut points. */
function chunked(recs: Rec[], cuts: number[], chunks: boolean): unknown[] {
  const at = [...new Set(cuts.map((c) => c % (recs.length + 1)))].sort((a, b) => a - b);
  const out: unknown[] = [];
  let from = 0;
  for (const c of [...at, recs.length]) {
    if (c <= from) continue;
    if (chunks) out.push(recs.slice(from, c));
    else out.push(...recs.slice(from, c));
    from = c;
  }
  return out;
}

const flat = (outs: unknown[]): any[] => outs.flatMap((o) => (Array.isArray(o) ? o : [o]));
const values = (outs: unknown[]): number[] => flat(outs).map((o) => o.value);

const operators: [string, (o?: { maxLateness?: number }) => any][] = [
  ['movingAverage 30s', (o = {}) => movingAverage({ window: '30s', ...o })],
  ['rollingVar 10s ddof 0', (o = {}) => rollingVar({ window: '10s', ddof: 0, ...o })],
  ["zscore 30s closed 'left'", (o = {}) => zscore({ window: '30s', closed: 'left', ...o })],
  ['ema halflife 10s', (o = {}) => ema({ halflife: '10s', ...o })],
];

describe('time windows, any chunking', () => {
  it.each(operators)('%s: outputs and their order do not depend on the chunking', async (_name, make) => {
    await fc.assert(
      fc.asyncProperty(sortedRecords(3), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (recs, cuts, chunks) => {
        const whole = await collect([recs], make());
        const split = await collect(chunked(recs, cuts, chunks), make());
        expect(flat(split).map((o) => o.id)).toEqual(recs.map((r) => r.id));
        expectSame(values(split), values(whole));
      }),
      { numRuns: 15 },
    );
  });

  it('a key alone in a keyed stream gets what the same records get unkeyed', async () => {
    await fc.assert(
      fc.asyncProperty(sortedRecords(3), async (recs) => {
        const keyed = await collect([recs], zscore({ window: '30s' }));
        for (const k of new Set(recs.map((r) => r.key))) {
          const own = recs.filter((r) => r.key === k).map(({ key: _k, ...r }) => r);
          const alone = await collect([own], zscore({ window: '30s' }));
          expectSame(values(alone), flat(keyed).filter((o) => o.key === k).map((o) => o.value));
        }
      }),
      { numRuns: 10 },
    );
  });

  it('output records keep t, key and their other fields; t may be a Date or an ISO string', async () => {
    const recs = [0, 1000, 40_000].map((dt, i) => ({ key: 'a', t: BASE + dt, value: i + 1, note: `n${i}` }));
    const asDates = recs.map((r) => ({ ...r, t: new Date(r.t) }));
    const asIso = recs.map((r) => ({ ...r, t: new Date(r.t).toISOString() }));
    const out = await collect(recs, movingAverage({ window: '30s' }));
    expect(out).toEqual([
      { key: 'a', t: BASE, value: 1, note: 'n0' },
      { key: 'a', t: BASE + 1000, value: 1.5, note: 'n1' },
      { key: 'a', t: BASE + 40_000, value: 3, note: 'n2' },
    ]);
    expect(values(await collect(asDates, movingAverage({ window: '30s' })))).toEqual([1, 1.5, 3]);
    expect(values(await collect(asIso, movingAverage({ window: '30s' })))).toEqual([1, 1.5, 3]);
    const custom = await collect(recs.map(({ t, ...r }) => ({ ...r, at: t })), movingAverage({ window: '30s', time: (r) => r.at }));
    expect(values(custom)).toEqual([1, 1.5, 3]);
  });
});

describe('time windows on long streams', () => {
  it('keep float32 accuracy far from the first value (prefix sums in double-float)', async () => {
    // 2 * 10^5 readings 1 s apart: the first is 0, the rest 10^3 + N(0, 1) (so 10^3 sd from
    // the shift), with a jump of 10^4 in the middle; float64 two-pass reference per window
    const N = 200_000;
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const xs = Float32Array.from({ length: N }, (_, i) => (i === 0 ? 0 : 1000 + (rand() + rand() + rand()) + (i >= N / 2 && i < N / 2 + 5 ? 1e4 : 0)));
    const recs = Array.from(xs, (value, i) => ({ t: BASE + i * 1000, value }));
    const out = values(await collect([recs], rollingVar({ window: '30s', ddof: 0 })));
    let worst = 0;
    for (let i = 1000; i < N; i += 97) {
      const w = Array.from(xs.subarray(Math.max(0, i - 29), i + 1));
      const m = w.reduce((a, b) => a + b, 0) / w.length;
      const v = w.reduce((a, b) => a + (b - m) ** 2, 0) / w.length;
      worst = Math.max(worst, Math.abs(out[i] - v) / v);
    }
    expect(worst).toBeLessThan(3e-4); // measured 1.3e-4: the prefix sums' error grows with records x (distance from the first value)^2
  }, 60_000);
});

describe('watermarks', () => {
  /** Arrival order: each record delayed by up to `lateness` ms (so never behind the watermark). */
  const shuffledWithin = (recs: Rec[], delays: number[], lateness: number) =>
    recs.map((r, i) => ({ r, at: r.t + ((delays[i] ?? 0) % (lateness + 1)) })).sort((a, b) => a.at - b.at || a.r.id - b.r.id).map((x) => x.r);

  it.each(operators)('%s: any shuffle within maxLateness gives the outputs of the sorted stream', async (_name, make) => {
    await fc.assert(
      fc.asyncProperty(sortedRecords(2, true), fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), fc.array(fc.nat(), { maxLength: 4 }), async (recs, delays, cuts) => {
        const sorted = await collect([recs], make());
        const arrivals = shuffledWithin(recs, delays, 15_000);
        const out = await collect(chunked(arrivals, cuts, false), make({ maxLateness: 15_000 }));
        expect(flat(out).map((o) => o.id)).toEqual(recs.map((r) => r.id));
        expectSame(values(out), values(sorted));
      }),
      { numRuns: 12 },
    );
  });

  it('records behind the watermark go to `late`, nothing else is lost, the rest is the sorted stream', async () => {
    await fc.assert(
      fc.asyncProperty(sortedRecords(2, true), fc.array(fc.nat({ max: 40_000 }), { minLength: 60, maxLength: 60 }), async (recs, delays) => {
        const arrivals = shuffledWithin(recs, delays, 40_000);
        const late: { record: Rec; error: LateRecordError }[] = [];
        const out = flat(await collect(arrivals, movingAverage({ window: '30s', maxLateness: '5s', late: (record, error) => late.push({ record: record as Rec, error }) })));
        expect(out.length + late.length).toBe(recs.length);
        for (const l of late) expect(l.error.t).toBeLessThan(l.error.watermark);
        const kept = new Set(out.map((o) => o.id));
        const onTime = recs.filter((r) => kept.has(r.id));
        expect(out.map((o) => o.id)).toEqual(onTime.map((r) => r.id));
        expectSame(out.map((o) => o.value), values(await collect([onTime], movingAverage({ window: '30s' }))));
      }),
      { numRuns: 15 },
    );
  });

  it('a late record fails the stream with an error naming it when there is no `late`', async () => {
    const recs = [{ t: BASE + 10_000, value: 1 }, { t: BASE, value: 2 }];
    await expect(collect(recs, movingAverage({ window: '30s' }))).rejects.toThrow(/rx\.movingAverage: late record at t=2026-12-05T06:00:00\.000Z, behind the watermark 2026-12-05T06:00:10\.000Z by 10s: \{"t":1796450400000,"value":2\}/);
    await expect(collect(recs, movingAverage({ window: '30s' }))).rejects.toBeInstanceOf(LateRecordError);
  });

  it('snapshot -> restore -> continue equals an uninterrupted run (records waiting for the watermark included)', async () => {
    await fc.assert(
      fc.asyncProperty(sortedRecords(3, true), fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), fc.nat(), async (recs, delays, cut) => {
        const arrivals = shuffledWithin(recs, delays, 10_000);
        const make = (state?: Snapshot) => zscore({ window: '30s', maxLateness: '10s', maxBatch: 4, ...(state ? { state } : {}) });
        const whole = values(await collect(arrivals, make()));
        const snaps: { snapshot: Snapshot; outputs: number }[] = [];
        const outs: any[] = [];
        await new Promise<void>((done, fail) => {
          const src = new Subject<unknown>();
          const op = zscore({ window: '30s', maxLateness: '10s', maxBatch: 4, onCheckpoint: (_p, snap) => snaps.push({ snapshot: snap(), outputs: outs.length }) });
          src.pipe(op).subscribe({ next: (o) => outs.push(o), error: fail, complete: done });
          arrivals.forEach((r) => src.next(r));
          src.complete();
        });
        expect(values(outs)).toEqual(whole);
        const { snapshot, outputs } = snaps[cut % snaps.length];
        const position = (snapshot as { position: number }).position;
        const resumed = values(await collect(arrivals.slice(position), make(JSON.parse(JSON.stringify(snapshot)))));
        expectSame([...whole.slice(0, outputs), ...resumed], whole);
      }),
      { numRuns: 15 },
    );
  });
});

describe("watermark: 'key'", () => {
  it('a key whose clock runs behind the others is late per stream, on time per key; per key, outputs are the sorted stream of each key', async () => {
    // key b's readings carry times 60 s behind key a's
    const recs = Array.from({ length: 40 }, (_, i) => ({ key: i % 2 ? 'b' : 'a', t: BASE + i * 1000 - (i % 2 ? 60_000 : 0), value: Math.sin(i) }));
    const late: unknown[] = [];
    const perStream = flat(await collect(recs, movingAverage({ window: '10s', maxLateness: '5s', late: (r) => late.push(r) })));
    expect(late.length).toBe(20);
    expect(perStream.every((o) => o.key === 'a')).toBe(true);
    const perKey = flat(await collect(recs, movingAverage({ window: '10s', maxLateness: '5s', watermark: 'key' })));
    expect(perKey.length).toBe(40);
    for (const k of ['a', 'b']) {
      const own = recs.filter((r) => r.key === k);
      expectSame(perKey.filter((o) => o.key === k).map((o) => o.value), values(await collect([own], movingAverage({ window: '10s' }))));
    }
  });

  it('resample closes each key\'s windows by its own watermark, and the snapshot keeps every key\'s marks', async () => {
    const recs = [
      { key: 'a', t: BASE + 1000, value: 1 },
      { key: 'b', t: BASE - 120_000, value: 5 },
      { key: 'a', t: BASE + 70_000, value: 2 },
      { key: 'b', t: BASE - 50_000, value: 6 },
    ];
    const op = resample({ every: '1min', watermark: 'key' });
    const src = new Subject<KeyedRecord>();
    const got: any[] = [];
    src.pipe(op).subscribe((w) => got.push(w));
    for (const r of recs) {
      src.next(r);
      await new Promise((res) => setTimeout(res, 0));
    }
    // a's first window closed by a's record at +70 s; b's by b's at -50 s (each key's watermark)
    expect(got.map((w) => [w.key, w.t - BASE])).toEqual([['a', 0], ['b', -120_000]]);
    const marks = (op.snapshot() as any).clock.marks.map((m: [string, number, number]) => m[0]).sort();
    expect(marks).toEqual(['sa', 'sb']);
    src.complete();
    expect(got.map((w) => [w.key, w.t - BASE])).toEqual([['a', 0], ['b', -120_000], ['a', 60_000], ['b', -60_000]]);
  });
});

describe('timing in virtual time', () => {
  const marbles = () => new TestScheduler((a, b) => expect(a).toEqual(b));
  const r = (s: number, value: number) => ({ t: BASE + s * 1000, value });

  it('holds records until the watermark passes them; idleTimeout releases them on wall-clock time', () => {
    marbles().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-----------', { a: r(0, 1), b: r(2, 2), c: r(4, 3) });
      const op = movingAverage({ window: '30s', maxLateness: '3s', idleTimeout: 5 });
      // a is released by c (watermark 1 s); b and c after 5 ms without input (frame 9)
      expectObservable(src.pipe(op)).toBe('----x----(yz)---', { x: { ...r(0, 1), value: 1 }, y: { ...r(2, 2), value: 1.5 }, z: { ...r(4, 3), value: 2 } });
    });
  });

  it('the completion releases everything', () => {
    marbles().run(({ cold, expectObservable }) => {
      const src = cold('a-b-|', { a: r(0, 1), b: r(2, 2) });
      expectObservable(src.pipe(movingAverage({ window: '30s', maxLateness: '1min' }))).toBe('----(xy|)', { x: { ...r(0, 1), value: 1 }, y: { ...r(2, 2), value: 1.5 } });
    });
  });

  it('resample emits a window when a later window starts or the watermark passes its end', () => {
    marbles().run(({ cold, expectObservable }) => {
      const rk = (key: string, s: number, value: number) => ({ key, t: BASE + s * 1000, value });
      const src = cold('a-b-c----d----|', { a: rk('x', 1, 1), b: rk('y', 2, 5), c: rk('x', 61, 3), d: rk('x', 125, 4) });
      const w = (key: string, s: number, mean: number) => ({ key, t: BASE + s * 1000, value: { mean } });
      // c starts x's second minute: x's first closes with it, and the watermark (61 s) closes y's
      expectObservable(src.pipe(resample({ every: '1min' }))).toBe('----(uv)-w----(z|)', { u: w('x', 0, 1), v: w('y', 0, 5), w: w('x', 60, 3), z: w('x', 120, 4) });
    });
  });
});

describe('errors', () => {
  it('a duration window on plain values asks for records with times', async () => {
    await expect(collect([1, 2], movingAverage({ window: '30s' }))).rejects.toThrow(/rx\.movingAverage: a window or halflife given as a duration is on event time: the input must be records with an event time \(\{ key\?, value, t \}\), got 1/);
  });

  it('a record without a usable time is malformed (to deadLetter when given)', async () => {
    await expect(collect([{ value: 1 }], movingAverage({ window: '30s' }))).rejects.toThrow(/malformed record \{"value":1\}: event time t must be epoch milliseconds, a Date or an ISO-8601 string; it has none/);
    const dead: unknown[] = [];
    const out = await collect([{ value: 1, t: 'yesterday' }, { value: 2, t: BASE }], movingAverage({ window: '30s', deadLetter: (r, e) => dead.push([r, e instanceof MalformedRecordError]) }));
    expect(dead).toEqual([[{ value: 1, t: 'yesterday' }, true]]);
    expect(values(out)).toEqual([2]);
  });

  it('bad durations and options name the option', () => {
    expect(() => movingAverage({ window: '30 parsecs' })).toThrow(/movingAverage: window: invalid duration "30 parsecs": expected a number and a unit \(ms, s, min, h, d\)/);
    expect(() => movingAverage({ window: '30s', maxLateness: -1 })).toThrow(/maxLateness must be a duration >= 0/);
    expect(() => movingAverage({ window: '30s', capacity: 0 })).toThrow(/capacity must be an integer 1 or greater, got 0/);
    expect(() => movingAverage({ window: 30, capacity: 8 } as never)).toThrow(/capacity is an option of time windows/);
    expect(() => ema({ halflife: '10s', adjust: false })).toThrow(/times is not supported with adjust=False/);
    expect(() => ema({ halflife: '10s', span: 3 })).toThrow(/None of com, span, or alpha can be specified if times is provided/);
    expect(() => resample({ every: '1min', stats: ['median' as never] })).toThrow(/resample: unknown stat "median"/);
  });

  it('a window that needs more than `capacity` records fails the stream naming the record', async () => {
    const recs = [0, 1, 2, 3].map((s) => ({ key: 'k', t: BASE + s * 1000, value: s }));
    await expect(collect(recs, rollingVar({ window: '30s', capacity: 3 }))).rejects.toThrow(/rx\.rollingVar: the 30s window holds more than capacity=3 records \(give a larger `capacity`\), at record \{"key":"k","t":1796450403000,"value":3\}/);
    expect(values(await collect(recs, rollingVar({ window: '3s', capacity: 3 })))).toEqual([NaN, 0.5, 1, 1]);
  });
});
