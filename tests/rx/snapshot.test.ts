// Snapshots: snapshot -> JSON -> restore -> continue equals an uninterrupted run, for
// unkeyed and keyed streams; immer patches bring a snapshot forward incrementally.

import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { applyCheckpoint, ema, fanout, emaStep, rollingStep, stepOperator, zscore, type Json } from '../../src/rx.js';
import { collect, expectSame } from './helpers.js';

const series = Array.from({ length: 50 }, (_, i) => (i % 7 === 3 ? NaN : Math.sin(i) * 10 + i));
const step = () => fanout({ ema: emaStep({ halflife: 3 }), z: rollingStep({ window: 5 }, 'zscore') });

describe('snapshot and restore', () => {
  it('unkeyed: a restarted pipeline resumes with identical output', async () => {
    const whole = (await collect(series, stepOperator(step()))) as any[];
    const first = stepOperator(step(), { maxBatch: 4 });
    const a = (await collect(series.slice(0, 23), first)) as any[];
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    expect(saved.position).toBe(23);
    const second = stepOperator(step(), { state: saved, maxBatch: 7 });
    const b = (await collect(series.slice(23), second)) as any[];
    expectSame([...a, ...b].map((o) => o.ema), whole.map((o) => o.ema));
    expectSame([...a, ...b].map((o) => o.z), whole.map((o) => o.z));
    expect(second.position).toBe(50);
  });

  it('keyed: key table, window buffers and position survive the round trip', async () => {
    const records = series.map((v, i) => ({ key: `m${i % 3}`, value: Number.isNaN(v) ? null : v }));
    const whole = (await collect(records, stepOperator(step()))) as any[];
    const first = stepOperator(step());
    const a = (await collect(records.slice(0, 31), first)) as any[];
    const second = stepOperator(step(), { state: JSON.parse(JSON.stringify(first.snapshot())) });
    const b = (await collect(records.slice(31), second)) as any[];
    expect([...a, ...b].map((o) => [o.key, o.value.ema, o.value.z])).toEqual(whole.map((o) => [o.key, o.value.ema, o.value.z]));
  });

  it('immer patches applied to the starting snapshot give the latest snapshot', async () => {
    const patches: Json[] = [];
    const op = stepOperator(step(), { keyed: true, maxBatch: 5, onCheckpoint: (p) => patches.push(JSON.parse(JSON.stringify(p))) });
    const start = op.snapshot();
    await collect(series.map((v, i) => ({ key: i % 4, value: Number.isNaN(v) ? null : v })), op);
    expect(patches.length).toBe(10);
    expect(applyCheckpoint(start, ...patches)).toEqual(op.snapshot());
  });

  it('refuses a snapshot of another operator', () => {
    const saved = ema({ span: 3 }).snapshot();
    expect(() => stepOperator(step(), { state: saved }).snapshot()).toThrow('cannot restore snapshot for fanout(ema, z): it was taken from ema');
  });

  it('refuses a snapshot whose carry has another layout (a release with another rolling state)', () => {
    const saved = JSON.parse(JSON.stringify(stepOperator(rollingStep({ window: 32 }, 'var')).snapshot()));
    expect(saved.carry.length).toBe(11);
    saved.carry.push(saved.carry[saved.carry.length - 1]);
    expect(() => stepOperator(rollingStep({ window: 32 }, 'var'), { state: saved }).snapshot()).toThrow('cannot restore snapshot for rolling: 12 carry leaves, expected 11');
  });

  it('a checkpoint fires after its batch is delivered, and resuming from any checkpoint continues exactly', async () => {
    for (const keyed of [false, true]) {
      const input: unknown[] = keyed ? series.map((v, i) => ({ key: `m${i % 3}`, value: Number.isNaN(v) ? null : v })) : series;
      const value = (o: any) => (keyed ? o.value : o);
      const whole = ((await collect(input, stepOperator(step()))) as any[]).map(value);
      const seen: any[] = [];
      const checkpoints: { delivered: number; snapshot: Json }[] = [];
      const op = stepOperator(step(), { maxBatch: 6, onCheckpoint: (_p, snap) => checkpoints.push({ delivered: seen.length, snapshot: JSON.parse(JSON.stringify(snap())) }) });
      const src = new Subject<unknown>();
      const done = new Promise<void>((resolve, reject) => src.pipe(op).subscribe({ next: (o) => seen.push(value(o)), error: reject, complete: resolve }));
      for (const x of input) src.next(x);
      src.complete();
      await done;
      expect(checkpoints.length).toBeGreaterThan(5);
      for (const { delivered, snapshot } of checkpoints) {
        // every output of the steps the snapshot covers was delivered before the callback
        const position = (snapshot as { position: number }).position;
        expect(delivered).toBe(position);
        // resume protocol: restore, skip `position` input records
        const rest = ((await collect(input.slice(position), stepOperator(step(), { state: snapshot, maxBatch: 5 }))) as any[]).map(value);
        expect([...seen.slice(0, position), ...rest]).toEqual(whole);
      }
    }
  });

  it('position counts dead-lettered records, so skipping `position` input records resumes exactly', async () => {
    const input: unknown[] = series.map((v, i) => (i % 9 === 4 ? { key: `m${i % 3}`, value: 'bad' } : { key: `m${i % 3}`, value: Number.isNaN(v) ? null : v }));
    input.push([{ key: 'm1', value: 'bad' }], { nokey: 1 });
    const opts = { deadLetter: () => {} };
    const whole = (await collect(input, stepOperator(step(), opts))) as any[];
    const checkpoints: Json[] = [];
    const seen = (await collect(input, stepOperator(step(), { ...opts, maxBatch: 4, onCheckpoint: (_p, snap) => checkpoints.push(snap()) }))) as any[];
    expect(seen).toEqual(whole);
    expect((checkpoints.at(-1) as { position: number }).position).toBe(input.length);
    for (const snapshot of checkpoints) {
      const position = (snapshot as { position: number }).position;
      const before = (await collect(input.slice(0, position), stepOperator(step(), opts))) as any[];
      const rest = (await collect(input.slice(position), stepOperator(step(), { ...opts, state: snapshot }))) as any[];
      expect([...before, ...rest]).toEqual(whole);
    }
  });

  describe('refuses a snapshot taken with other options, naming the option', () => {
    const after = async (make: (state?: Json) => any, input: unknown[]) => {
      const op = make();
      await collect(input, op);
      return JSON.parse(JSON.stringify(op.snapshot())) as Json;
    };
    const restoreError = async (make: (state?: Json) => any, input: unknown[], saved: Json) => {
      try {
        await collect(input, make(saved));
      } catch (e) {
        return (e as Error).message;
      }
      return 'restored';
    };
    it.each([
      ['ema span', (state?: Json) => ema({ span: 20, state }), (state?: Json) => ema({ span: 10, state }), 'it was taken with span 20, this operator has span 10'],
      ['ema span vs alpha', (state?: Json) => ema({ span: 20, state }), (state?: Json) => ema({ alpha: 0.1, state }), 'it was taken with span 20, this operator has alpha 0.1'],
      ['ema adjust', (state?: Json) => ema({ span: 3, state }), (state?: Json) => ema({ span: 3, adjust: false, state }), 'it was taken with adjust true, this operator has adjust false'],
      ['zscore window', (state?: Json) => zscore({ window: 60, state }), (state?: Json) => zscore({ window: 30, state }), 'it was taken with window 60, minPeriods 60, this operator has window 30, minPeriods 30'],
      ['zscore ddof', (state?: Json) => zscore({ window: 5, state }), (state?: Json) => zscore({ window: 5, ddof: 0, state }), 'it was taken with ddof 1, this operator has ddof 0'],
      ['fanout member', (state?: Json) => stepOperator(step(), { state }), (state?: Json) => stepOperator(fanout({ ema: emaStep({ halflife: 4 }), z: rollingStep({ window: 5 }, 'zscore') }), { state }), 'it was taken with ema.halflife 3, this operator has ema.halflife 4'],
      ['xShape', (state?: Json) => ema({ span: 3, xShape: [4], state }), (state?: Json) => ema({ span: 3, xShape: [2], state }), 'it was taken with xShape [4], this operator has xShape [2]'],
    ])('%s', async (_name, make, other, message) => {
      const input = _name === 'xShape' ? [[1, 2, 3, 4]] : series.slice(0, 8);
      const saved = await after(make, input);
      expect(await restoreError(other, input, saved)).toContain(message);
      expect(await restoreError(make, input, saved)).toBe('restored');
    });
    it('keyed vs unkeyed', async () => {
      const saved = await after((state?: Json) => ema({ span: 3, state }), [{ key: 'a', value: 1 }]);
      expect(await restoreError((state?: Json) => ema({ span: 3, keyed: false, state }), [1], saved)).toContain('it was taken keyed ({ key, value } records), this operator is unkeyed (option keyed)');
    });
    it('a snapshot from before the check (no options) restores where the shapes match', async () => {
      const saved = (await after((state?: Json) => ema({ span: 20, state }), [1, 2])) as Record<string, Json>;
      delete saved.options;
      expect(await restoreError((state?: Json) => ema({ span: 20, state }), [3], saved)).toBe('restored');
    });
  });

  it('keyed checkpoint patches are proportional to the keys a batch touched (200 sensors)', async () => {
    const patches: Json[] = [];
    const op = stepOperator(fanout({ ema: emaStep({ span: 10 }), roll: rollingStep({ window: 30 }, ['mean', 'var', 'zscore']) }), {
      keyed: true,
      maxBatch: 200,
      onCheckpoint: (p) => patches.push(JSON.parse(JSON.stringify(p))),
    });
    const start = op.snapshot();
    const records = Array.from({ length: 1000 }, (_, i) => ({ key: `s${i % 200}`, value: Math.sin(i) }));
    for (let k = 0; k < 5; k++) records.push({ key: `s${k}`, value: 1 }); // a last batch touching 5 of the 200
    await collect(records, op);
    const size = (j: Json) => JSON.stringify(j).length;
    const full = size(op.snapshot());
    expect(patches.length).toBe(6);
    expect(size(patches[5])).toBeLessThan(full / 10); // was 59.9 kB of 61.3 kB before rows patches
    expect(size(patches[4])).toBeGreaterThan(full / 2); // a batch touching every key changes (almost) everything
    expect(applyCheckpoint(start, ...patches)).toEqual(op.snapshot());
  });

  it('checkpointEvery: { batches } checkpoints every n batches, and at the end', async () => {
    const positions: number[] = [];
    const patches: Json[] = [];
    const op = stepOperator(step(), {
      keyed: true,
      maxBatch: 5,
      checkpointEvery: { batches: 3 },
      onCheckpoint: (p, snap) => (patches.push(JSON.parse(JSON.stringify(p))), positions.push((snap() as { position: number }).position)),
    });
    const start = op.snapshot();
    await collect(series.map((v, i) => ({ key: i % 4, value: Number.isNaN(v) ? null : v })), op); // 10 batches
    expect(positions).toEqual([15, 30, 45, 50]);
    expect(applyCheckpoint(start, ...patches)).toEqual(op.snapshot());
    expect(() => stepOperator(step(), { checkpointEvery: { batches: 0 } })).toThrow('checkpointEvery.batches must be a positive integer, got 0');
  });

  it('checkpointEvery: { ms } checkpoints at most every ms (virtual time)', () => {
    const times: [number, number][] = [];
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ cold, expectObservable }) => {
      const src = cold('-a-b-c-d-e-f-g-|', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 });
      const op = stepOperator(step(), { checkpointEvery: { ms: 4 }, onCheckpoint: (_p, snap) => times.push([ts.now(), (snap() as { position: number }).position]) });
      expectObservable(src.pipe(op, (o) => o)).toBe('-a-b-c-d-e-f-g-|', Object.fromEntries([..."abcdefg"].map((k) => [k, expect.anything()])));
    });
    // batches at 1, 3, 5, ...: the first checkpoint at the first batch >= 4 ms after the start
    expect(times).toEqual([[5, 3], [9, 5], [13, 7]]);
  });
});
