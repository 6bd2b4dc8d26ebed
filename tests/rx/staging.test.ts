// Staging (src/operators/rx/staging.ts): an unkeyed stream copies each typed-array row once,
// into the segment its batch then reads in place.

import { lastValueFrom, Subject, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';
import { emaStep, stepOperator } from '../../src/rx.js';
import { configurePool, heapLiveBytes, inHeap } from '../../src/cpu/pool.js';
import { Staging } from '../../src/operators/rx/staging.js';

let saved: ReturnType<typeof configurePool>;
// every buffer from the backend a heap block, so segments are heap memory as large ones are
beforeAll(() => void (saved = configurePool({ minBytes: 0 })));
afterAll(() => void configurePool(saved));

const row = (...v: number[]) => Float32Array.from(v);

describe('Staging', () => {
  it('copies rows in order into one segment, which a batch of them reads in place, padding zeroed', () => {
    const st = new Staging('float32', 2, 8);
    const given = row(1, 2);
    const a = st.copy(given);
    given[0] = 99; // the caller fills its array again: the stream's copy keeps the row
    const b = st.copy(row(3, 4));
    const c = st.copy(row(5, 6));
    expect([...a]).toEqual([1, 2]);
    const batch = st.inPlace([a, b, c], 4)!;
    expect(batch).not.toBeNull();
    expect([...batch.steps]).toEqual([1, 2, 3, 4, 5, 6, 0, 0]);
    expect(inHeap(batch.steps)).toBe(true);
    expect(batch.steps.buffer).toBe(a.buffer);
    batch.done();
    // the segment again from its start: padding past the new row is zeroed, not the old rows
    const d = st.copy(row(7, 8));
    expect(d.byteOffset).toBe(a.byteOffset);
    expect([...st.inPlace([d], 3)!.steps]).toEqual([7, 8, 0, 0, 0, 0]);
    st.stop();
  });

  it('refuses copies out of order, apart, or without room for the padding; a merged batch reads them instead', () => {
    const st = new Staging('float32', 1, 4);
    const [a, b, c] = [st.copy(row(1)), st.copy(row(2)), st.copy(row(3))];
    expect(st.inPlace([b, a], 2)).toBeNull();
    expect(st.inPlace([a, c], 2)).toBeNull();
    expect(st.inPlace([b, c], 4)).toBeNull(); // steps 1..4 of a 4-step segment
    const other = Float32Array.of(7); // not a copy this staging made
    expect(st.inPlace([other], 1)).toBeNull();
    for (const x of [a, b, c]) st.read(x);
    st.stop();
  });

  it('fills a segment again from its start once every row was read and no batch reads it', () => {
    const st = new Staging('float32', 1, 2);
    const [a, b] = [st.copy(row(1)), st.copy(row(2))];
    const run = st.inPlace([a, b], 2)!;
    // a batch still reads the segment: the next row goes to a new one
    const c = st.copy(row(3));
    expect(c.buffer === a.buffer && c.byteOffset === a.byteOffset).toBe(false);
    run.done();
    st.read(c);
    const d = st.copy(row(4));
    const again = st.copy(row(5));
    // the second segment, idle, is filled again from its start
    expect(d.byteOffset).toBe(c.byteOffset);
    expect([...st.inPlace([d, again], 2)!.steps]).toEqual([4, 5]);
    st.stop();
  });

  it('keeps a segment no longer filled until the batch reading its last rows is done', () => {
    const st = new Staging('float32', 16, 2);
    const a = st.copy(new Float32Array(16).fill(1));
    const b = st.copy(new Float32Array(32).fill(2)); // does not fit after a: a new segment, a's retires
    const run = st.inPlace([a], 1)!;
    const live = heapLiveBytes();
    expect([...run.steps]).toEqual(Array(16).fill(1));
    run.done(); // only now does a's segment go back
    expect(heapLiveBytes()).toBeLessThan(live);
    st.read(b);
    st.stop();
  });

  it('copies an emission larger than a segment, or of another type, into an array of its own', () => {
    const st = new Staging('float32', 1, 2);
    const big = st.copy(row(1, 2, 3));
    expect(inHeap(big)).toBe(false);
    expect([...big]).toEqual([1, 2, 3]);
    expect(st.inPlace([big], 3)).toBeNull();
    st.read(big);
    st.stop();
  });

  it('gives its segments back when the stream stops, also with rows no batch read', () => {
    const before = heapLiveBytes();
    const st = new Staging('float32', 64, 16);
    for (let i = 0; i < 40; i++) st.copy(new Float32Array(64).fill(i));
    expect(heapLiveBytes()).toBeGreaterThan(before);
    st.stop();
    expect(heapLiveBytes()).toBe(before);
  });
});

describe('an unkeyed stream with staging', () => {
  it('equals lax.scan when batches read rows in place, merged, and across segments, and gives its segments back', async () => {
    const T = 23;
    const rows = Array.from({ length: T }, (_, t) => Float32Array.from({ length: 3 }, (_, s) => Math.sin(t * 0.7 + s) * 5 + s));
    const step = emaStep({ span: 4 });
    const [, ref] = lax.scan((c, x) => step.f(c as never, x) as never, step.init([3]) as never, np.array(rows.map((r) => [...r]), { dtype: 'float32' }));
    const want = await (ref as unknown as { tolist(): Promise<number[][]> }).tolist();
    // one array filled again for each row; some rows as chunks of two; maxBatch 5 (segments of 5 steps)
    const run = async () => {
      const subject = new Subject<unknown>();
      const out = lastValueFrom(subject.pipe(stepOperator(step, { xShape: [3], maxBatch: 5, maxDelay: 1 }), toArray()));
      const reused = new Float32Array(3);
      for (let t = 0; t < T; t++) {
        if (t % 7 === 3 && t + 1 < T) {
          subject.next(Float32Array.from([...rows[t], ...rows[t + 1]]));
          t++;
        } else {
          reused.set(rows[t]);
          subject.next(reused);
        }
        if (t % 4 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      subject.complete();
      return (await out).flatMap((y) => {
        const v = [...(y as Float32Array)];
        return v.length === 3 ? [v] : [v.slice(0, 3), v.slice(3)];
      });
    };
    await run(); // (the first stream of a step also fills the caches streams share)
    const before = heapLiveBytes();
    expect(await run()).toEqual(want.map((r) => r.map(Math.fround)));
    expect(heapLiveBytes()).toBe(before);
  });
});
