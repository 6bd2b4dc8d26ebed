// Micro-batching timing, made visible with marble tests (virtual time), and the
// behaviour under an async backend (coalescing while busy, bounded queue) in real time.

import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { LaxArray } from '../../src/index.js';
import { oracleBackend } from '../../src/cpu/oracle_backend.js';
import { currentBackend, setBackend } from '../../src/scheduler/realize.js';
import { scan, type BatchInfo } from '../../src/rx.js';

const cumsum = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [c.add(x), c.add(x)];
const marbles = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('batching in virtual time', () => {
  it('waits maxDelay after the first arrival, then emits the batch at once', () => {
    marbles().run(({ cold, expectObservable }) => {
      const src = cold('-a-b------c----|', { a: 1, b: 2, c: 3 });
      expectObservable(src.pipe(scan(cumsum, 0, { maxDelay: 3 }))).toBe('----(xy)-----z-|', { x: 1, y: 3, z: 6 });
    });
  });

  it('starts a batch as soon as maxBatch steps wait', () => {
    marbles().run(({ cold, expectObservable }) => {
      const src = cold('-abc----|', { a: 1, b: 2, c: 3 });
      expectObservable(src.pipe(scan(cumsum, 0, { maxDelay: 5, maxBatch: 2 }))).toBe('--(xy)--(z|)', { x: 1, y: 3, z: 6 });
    });
  });

  it('flushes what waits on completion, and never makes empty batches on idle time', () => {
    const batches: BatchInfo[] = [];
    marbles().run(({ cold, expectObservable }) => {
      const src = cold('-a--------------------b-|', { a: 1, b: 2 });
      expectObservable(src.pipe(scan(cumsum, 0, { maxDelay: 4, onBatch: (b) => batches.push(b) }))).toBe('-----x------------------(y|)', { x: 1, y: 3 });
    });
    expect(batches.map((b) => b.steps)).toEqual([1, 1]);
  });

  it('passes errors thrown in f to the error channel (f is traced on the first arrival)', () => {
    marbles().run(({ cold, expectObservable }) => {
      const src = cold('-a-|', { a: 1 });
      const bad = (): [LaxArray, LaxArray] => {
        throw new Error('bad step');
      };
      expectObservable(src.pipe(scan(bad, 0, { maxDelay: 1 }))).toBe('-#', undefined, new Error('bad step'));
    });
  });
});

describe('with an async backend', () => {
  let saved: ReturnType<typeof currentBackend> | undefined;
  afterEach(() => saved && setBackend(saved));
  const slowBackend = (ms: number) => {
    saved ??= currentBackend();
    setBackend({ name: 'slow', run: (outs) => new Promise((res) => setTimeout(() => res(oracleBackend.run(outs) as never), ms)) });
  };

  it('coalesces arrivals during a batch into the next batch, in order', async () => {
    slowBackend(30);
    const batches: number[] = [];
    const s = new Subject<number>();
    const out: number[] = [];
    const done = new Promise<void>((resolve, reject) =>
      s.pipe(scan(cumsum, 0, { onBatch: (b) => batches.push(b.steps) })).subscribe({ next: (v) => out.push(v as number), complete: resolve, error: reject }),
    );
    s.next(1);
    await new Promise((r) => setTimeout(r, 5)); // the first batch is computing now
    for (let i = 2; i <= 6; i++) s.next(i);
    s.complete();
    await done;
    expect(batches).toEqual([1, 5]);
    expect(out).toEqual([1, 3, 6, 10, 15, 21]);
  });

  it('fails with a clear overflow error when more than maxQueue steps wait', async () => {
    slowBackend(30);
    const s = new Subject<number>();
    const done = new Promise<void>((resolve, reject) => s.pipe(scan(cumsum, 0, { maxBatch: 2, maxQueue: 4 })).subscribe({ complete: resolve, error: reject }));
    const failed = expect(done).rejects.toThrow('rx.scan: input queue overflow: 5 steps waiting exceeds maxQueue=4');
    s.next(1);
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 5; i++) s.next(i);
    await failed;
  });
});
