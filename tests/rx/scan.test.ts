// rx.scan: chunking invariance against lax.scan (fast-check), output mirroring, errors.

import fc from 'fast-check';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { lax, np, type LaxArray } from '../../src/index.js';
import { emaStep, fanout, mahalanobisStep, resample, rollingStep, scan, stepOperator, timeRollingStep, type Step } from '../../src/rx.js';
import { heapLiveBytes, heapResident } from '../../src/cpu/pool.js';
import { collect, expectSame } from './helpers.js';
import { CopyPool } from '../../src/operators/rx/emission.js';

// A body with a pytree carry and output, float and int leaves, and a nonlinearity.
const body = (c: { s: LaxArray; n: LaxArray }, x: LaxArray): [{ s: LaxArray; n: LaxArray }, [LaxArray, LaxArray]] => {
  const s = np.tanh(c.s.mul(0.9).add(x));
  const n = c.n.add(np.greater(x, 0).astype('int32'));
  return [{ s, n }, [s.mul(x), n]];
};
const init = () => ({ s: np.zeros([2]), n: np.zeros([2], { dtype: 'int32' }) });

/** A step output's leaves, keys in sorted order: its laxflow Arrays, or its numbers (booleans as 0 and 1). */
const arrayLeaves = (y: unknown): LaxArray[] => (y instanceof Object && 'data' in (y as object) ? [y as LaxArray] : Object.keys(y as object).sort().flatMap((k) => arrayLeaves((y as Record<string, unknown>)[k])));
const valueLeaves = (y: unknown): number[] => (typeof y === 'number' || typeof y === 'boolean' ? [Number(y)] : Object.keys(y as object).sort().flatMap((k) => valueLeaves((y as Record<string, unknown>)[k])));

/** Split `rows` (each 2 floats) into emissions of the given sizes, as steps or chunks of various kinds. */
function emissions(rows: number[][], sizes: number[], kinds: number[]): unknown[] {
  const out: unknown[] = [];
  let at = 0;
  sizes.forEach((k, i) => {
    const part = rows.slice(at, at + k);
    at += k;
    if (!part.length) return;
    const kind = kinds[i % kinds.length];
    if (kind === 0 && part.length === 1) out.push(part[0]);
    else if (kind === 1) out.push(Float32Array.from(part.flat()));
    else if (kind === 2) out.push(np.array(part, { dtype: 'float32' }));
    else out.push(part);
  });
  return out;
}

async function flatOutputs(outs: unknown[]): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  for (const [y, n] of outs as [unknown, unknown][]) {
    const vals = async (v: unknown) => (v instanceof Object && 'data' in (v as object) ? Array.from(await (v as LaxArray).data()) : ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : [v].flat(2) as number[]);
    a.push(...(await vals(y)));
    b.push(...(await vals(n)));
  }
  return [a, b];
}

describe('rx.scan', () => {
  it('outputs, concatenated, equal lax.scan over the concatenated input, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.float({ min: -4, max: 4, noNaN: true }), fc.float({ min: -4, max: 4, noNaN: true })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 16 }),
        async (rows, sizes, kinds, maxBatch) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          if (total < rows.length) sizes = [...sizes, rows.length - total];
          const outs = await collect(emissions(rows, sizes, kinds), scan(body, init(), { xShape: [2], maxBatch }));
          const [, [ys, ns]] = lax.scan(body, init(), np.array(rows, { dtype: 'float32' }));
          const [a, b] = await flatOutputs(outs);
          expectSame(a, await ys.data());
          expectSame(b, await ns.data());
        },
      ),
      { numRuns: 40 },
    );
  });

  it('streams of built-in steps with equal options share programs; any option that differs gives its own (each output equals lax.scan of its step)', async () => {
    const series = Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? NaN : Math.sin(i * 0.7) * 5 + i * 0.1));
    const times = series.map((_, i) => Date.UTC(2026, 11, 5) + i * 700 + ((i * 37) % 300));
    const variants: [string, () => Step][] = [
      ['ema span 3', () => emaStep({ span: 3 })],
      ['ema span 4', () => emaStep({ span: 4 })],
      ['ema span 3, adjust false', () => emaStep({ span: 3, adjust: false })],
      ['rolling 5 var', () => rollingStep({ window: 5 }, 'var')],
      ['rolling 5 [var]', () => rollingStep({ window: 5 }, ['var'])],
      ['rolling 5 var ddof 0', () => rollingStep({ window: 5, ddof: 0 }, 'var')],
      ['rolling 5 var left', () => rollingStep({ window: 5, closed: 'left' }, 'var')],
      ['rolling 5 zscore minStd', () => rollingStep({ window: 5, minStd: 0.5 }, 'zscore')],
      ['fanout', () => fanout({ a: emaStep({ span: 3 }), b: rollingStep({ window: 5 }, 'var') })],
      ['fanout, other names', () => fanout({ b: emaStep({ span: 3 }), a: rollingStep({ window: 5 }, 'var') })],
      ['time 3s', () => timeRollingStep({ window: '3s' }, 'var')],
      ['time 3s capacity 8', () => timeRollingStep({ window: '3s', capacity: 8 }, 'var')],
      ['time 4s', () => timeRollingStep({ window: '4s' }, 'var')],
    ];
    // twice over, so that every variant runs after every other one has made its programs
    for (const round of [0, 1]) {
      for (const [what, make] of variants) {
        const step = make();
        const timed = step.time === true;
        const input: unknown[] = timed ? series.map((value, i) => ({ t: times[i], value })) : series;
        const outs = (await collect(input, stepOperator(step, { maxBatch: 7 }))) as unknown[];
        const got = outs.flatMap((o) => valueLeaves(timed ? (o as { value: unknown }).value : o));
        const t0 = times[0];
        const [, ys] = timed
          ? lax.scan((c: unknown, [x, t]: LaxArray[]) => step.f(c, x, t), step.init([]), [np.array(series, { dtype: 'float32' }), np.array(times.map((t) => t - t0), { dtype: 'int32' })])
          : lax.scan(step.f, step.init([]), np.array(series, { dtype: 'float32' }));
        const flat = await Promise.all(arrayLeaves(ys).map(async (v) => Array.from(await v.data())));
        const want = series.flatMap((_, i) => flat.map((v) => v[i]));
        expect(got.length, `${what} (round ${round})`).toBe(want.length);
        expectSame(got, want);
      }
    }
  });

  it('the detector and resample share programs by their options too (each mahalanobis equals lax.scan of its step; resample windows start at multiples of their own length)', async () => {
    const pairs = Array.from({ length: 60 }, (_, i) => [Math.sin(i * 0.3) * 2 + (i % 11 === 7 ? 1 + (i % 5) : 0), Math.cos(i * 0.2) + i * 0.01]);
    for (const round of [0, 1]) {
      for (const on of [3, 8]) {
        const step = mahalanobisStep({ halflife: 8, on, off: 1, minPeriods: 5, freeze: false });
        const got = ((await collect(pairs, stepOperator(step, { xShape: [2], maxBatch: 9 }))) as unknown[]).flatMap(valueLeaves);
        const [, ys] = lax.scan(step.f, step.init([2]), np.array(pairs, { dtype: 'float32' }));
        const leaves = await Promise.all(arrayLeaves(ys).map(async (a) => Array.from(await a.data(), Number)));
        expectSame(got, pairs.flatMap((_, i) => leaves.map((v) => v[i])));
        expect(got.length, `on ${on} (round ${round})`).toBe(pairs.length * leaves.length);
      }
    }
    const recs = Array.from({ length: 50 }, (_, i) => ({ t: Date.UTC(2026, 11, 5) + i * 700, value: Math.sin(i) }));
    const starts = async (every: string) => ((await collect(recs, resample({ every, stats: ['mean', 'count'] }))) as { t: number }[]).map((w) => w.t);
    const [a1, b, a2] = [await starts('2s'), await starts('3s'), await starts('2s')];
    expect(a2).toEqual(a1);
    expect(a1.every((t) => t % 2000 === 0)).toBe(true);
    expect(b.every((t) => t % 3000 === 0)).toBe(true);
    expect(b.some((t) => t % 2000 !== 0)).toBe(true);
  });

  it('mirrors the input: numbers, typed arrays, JS arrays and laxflow Arrays', async () => {
    const cumsum = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [c.add(x), c.add(x)];
    const outs = await collect([1, Float32Array.of(2, 3), [4, 5], np.array([6]), 7], scan(cumsum, 0));
    expect(outs[0]).toBe(1);
    expect(outs[1]).toEqual(Float32Array.of(3, 6));
    expect(outs[2]).toEqual([10, 15]);
    expect(await (outs[3] as LaxArray).tolist()).toEqual([21]);
    expect(outs[4]).toBe(28);
  });

  it('a typed array is read when it is emitted: a source that fills one array again for each reading gives the readings it emitted (steps, chunks, records)', async () => {
    // pandas 1.5.3: pd.Series([1, 2, 3, 4.]).ewm(span=3).mean() = [1, 1.666667, 2.428571, 3.266667]
    const expected = [1, 5 / 3, 17 / 7, 49 / 15];
    const reused = new Float32Array(4);
    const steps = Array.from({ length: 4 }, (_, i) => () => reused.fill(i + 1));
    const sub = new Subject<Float32Array>();
    const rows = lastValueFrom(sub.pipe(stepOperator(emaStep({ span: 3 }), { xShape: [4] }), toArray()));
    for (const fill of steps) sub.next(fill());
    sub.complete();
    expect((await rows).map((y) => (y as Float32Array)[3])).toEqual(expected.map(Math.fround));
    const chunk = new Float32Array(8);
    const subChunks = new Subject<Float32Array>();
    const chunks = lastValueFrom(subChunks.pipe(stepOperator(emaStep({ span: 3 }), { xShape: [4] }), toArray()));
    for (const k of [0, 2]) subChunks.next(chunk.fill(k + 1, 0, 4).fill(k + 2, 4));
    subChunks.complete();
    expect((await chunks).flatMap((y) => [(y as Float32Array)[0], (y as Float32Array)[4]])).toEqual(expected.map(Math.fround));
    const subRecords = new Subject<{ key: string; value: Float32Array }>();
    const records = lastValueFrom(subRecords.pipe(stepOperator(emaStep({ span: 3 }), { xShape: [4] }), toArray()));
    for (const fill of steps) subRecords.next({ key: 'a', value: fill() });
    subRecords.complete();
    expect((await records).map((r) => (r as { value: Float32Array }).value[0])).toEqual(expected.map(Math.fround));
  });

  it("the copies of emitted arrays are used again once read, never two at once, never the caller's", () => {
    const pool = new CopyPool();
    const a = pool.copy(Float32Array.of(1, 2));
    const b = pool.copy(Float32Array.of(3, 4));
    pool.give(a);
    pool.give(a); // a second give is ignored
    pool.give(Float32Array.of(9, 9)); // not one of its copies: ignored
    const c = pool.copy(Float32Array.of(5, 6));
    const d = pool.copy(Float32Array.of(7, 8));
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    expect([...b, ...c, ...d]).toEqual([3, 4, 5, 6, 7, 8]);
    expect(pool.copy(Int32Array.of(1, 2))).toBeInstanceOf(Int32Array); // by type and length
  });

  it('large batch outputs are read from the heap where they are computed, then given back', async () => {
    // rows of 8192 floats in chunks of 48 steps: each batch's ys (1.5 MiB per leaf) live in
    // the wasm heap; the records get their own copies and the blocks go back at once
    const W = 8192;
    const rows = Array.from({ length: 200 }, (_, t) => Float32Array.from({ length: W }, (_, i) => Math.sin(t * 0.3 + i)));
    const chunks: Float32Array[] = [];
    for (let t = 0; t < rows.length; t += 48) {
      const part = rows.slice(t, t + 48);
      const flat = new Float32Array(part.length * W);
      part.forEach((r, k) => flat.set(r, k * W));
      chunks.push(flat);
    }
    const step = (c: LaxArray, x: LaxArray): [LaxArray, [LaxArray, LaxArray]] => {
      const n = c.mul(0.5).add(x);
      return [n, [n.mul(n), np.greater(n, 0)]];
    };
    const live = heapLiveBytes();
    const outs = (await collect(chunks, scan(step, np.zeros([W]), { xShape: [W], maxBatch: 48 }))) as unknown as [Float32Array, Uint8Array][];
    expect(heapLiveBytes() - live).toBeLessThan(1 << 20); // the batches' blocks are back (no GC needed)
    expect(outs.some(([a]) => heapResident(a))).toBe(false);
    const all = new Float32Array(rows.length * W);
    rows.forEach((r, k) => all.set(r, k * W));
    const [, [sq, pos]] = lax.scan(step, np.zeros([W]), np.array(all).reshape([rows.length, W]));
    const got = new Float32Array(rows.length * W);
    const gotPos = new Uint8Array(rows.length * W);
    let at = 0;
    for (const [a, b] of outs) got.set(a, at), gotPos.set(b, at), (at += a.length);
    const [want, wantPos] = [await sq.data(), await pos.data()];
    expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    expect(gotPos.every((v, i) => v === wantPos[i])).toBe(true);
  });

  it('sends errors thrown by f and malformed emissions to the error channel', async () => {
    const bad = () => {
      throw new Error('boom in f');
    };
    await expect(collect([1, 2], scan(bad as never, 0))).rejects.toThrow('boom in f');
    await expect(collect([[1, 2], [1, 2, 3]], scan((c: LaxArray, x: LaxArray) => [c, x], np.zeros([2]), { xShape: [2] }))).rejects.toThrow(
      'rx.scan: an emission must have shape (2,) (one step) or (k, 2) (a chunk of k steps), got shape (3,)',
    );
    await expect(collect(['x'], scan((c: LaxArray, x: LaxArray) => [c, x], 0))).rejects.toThrow('rx.scan: expected a number, an array, a typed array or a laxflow Array, got "x"');
  });
});
