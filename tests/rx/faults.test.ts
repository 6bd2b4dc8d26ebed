// Stream faults are contained at the record or option that caused them (issue 17, the
// stream part): readings of the wrong type are malformed records, damaged snapshots are
// refused naming what is wrong, a keyed stream's checkpoints restore from a snapshot taken
// before its first record, and one oversized emission says so.

import { config, from, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { applyCheckpoint, ema, MalformedRecordError, movingAverage, type Json, type Snapshot } from '../../src/rx.js';
import { collect } from './helpers.js';

describe('stream faults', () => {
  it('a boolean, bigint, symbol or string reading is a malformed record naming its type (dead-lettered, state untouched)', async () => {
    const bad = [true, 12n, Symbol('x'), 'abc', [1, false], { v: 1 }];
    const dead: string[] = [];
    const out = await collect([{ key: 'a', value: 1 }, ...bad.map((value) => ({ key: 'a', value })), { key: 'a', value: 3 }], ema({ span: 3, deadLetter: (_r, e) => dead.push(e.message) }));
    expect(out.map((o) => (o as { value: number }).value)).toEqual([1, Math.fround(7 / 3)]); // the bad records changed nothing: ewm(span=3) of [1, 3]
    expect(dead).toEqual([
      expect.stringMatching(/rx\.ema: malformed record .*: value must be a number \(null for missing\) or an array of shape \(\), got a boolean \(true\)$/),
      expect.stringMatching(/got a bigint \(12n\)$/),
      expect.stringMatching(/got a symbol \(Symbol\(x\)\)$/),
      expect.stringMatching(/got a string \("abc"\)$/),
      expect.stringMatching(/got a boolean \(false\) in \[1,false\]$/),
      expect.stringMatching(/got an object \(\{"v":1\}\)$/),
    ]);
    await expect(collect([{ key: 'a', value: true }], ema({ span: 3 }))).rejects.toBeInstanceOf(MalformedRecordError);
  });

  it('a row of values to an operator of scalars is a malformed record that says which xShape the row needs', async () => {
    await expect(collect([{ key: 'a', value: new Float32Array(8) }], ema({ span: 3 }))).rejects.toThrow(
      /rx\.ema: malformed record .*: value must have 1 elements \(shape \(\)\), got 8 \(for rows of 8 values, give the operator xShape: \[8\]\)$/,
    );
    await expect(collect([{ key: 'a', value: new Float32Array(8) }], ema({ span: 3, xShape: [4] }))).rejects.toThrow(/value must have 4 elements \(shape \(4,\)\), got 8$/);
  });

  it('a snapshot whose carry data was damaged is refused, naming the leaf', async () => {
    const op = ema({ span: 3 });
    await collect([{ key: 'a', value: 1 }, { key: 'b', value: 2 }], op);
    const snap = JSON.parse(JSON.stringify(op.snapshot()));
    const bytes = snap.carry[0].data.base64;
    snap.carry[0].data.base64 = bytes.slice(0, 8); // 6 bytes
    expect(() => ema({ span: 3, state: snap })).toThrow(/snapshot: damaged data: 6 bytes is not a whole number of int32 elements \(4 bytes each\)/);
    snap.carry[0].data.base64 = Buffer.from(new Int32Array(3).buffer).toString('base64');
    await expect(collect([{ key: 'a', value: 1 }], ema({ span: 3, state: snap }))).rejects.toThrow(/cannot restore snapshot for ema: carry leaf 0 of shape \[64\] holds 3 elements, expected 64 \(a damaged snapshot\)/);
  });

  it("a keyed stream's checkpoints apply to a snapshot taken before its first record", async () => {
    const patches: Json[] = [];
    const op = movingAverage({ window: 2, onCheckpoint: (p) => patches.push(p) });
    const before: Snapshot = op.snapshot();
    const src = new Subject<unknown>();
    const done = new Promise<void>((resolve) => src.pipe(op).subscribe({ complete: resolve }));
    src.next({ key: 'a', value: 1 });
    await Promise.resolve();
    src.next([{ key: 'b', value: 2 }, { key: 'a', value: 3 }]);
    src.complete();
    await done;
    expect(applyCheckpoint(before, ...patches)).toEqual(op.snapshot());
    const resumed = await collect([{ key: 'a', value: 5 }], movingAverage({ window: 2, state: applyCheckpoint(before, ...patches) }));
    expect((resumed[0] as { value: number }).value).toBe(4);
  });

  it('one emission larger than maxQueue fails with what happened', async () => {
    await expect(collect([new Float32Array(100)], ema({ span: 3, maxQueue: 10, maxBatch: 10 }))).rejects.toThrow(/rx\.ema: one emission of 100 steps is more than maxQueue=10 steps: split it, or raise maxQueue/);
  });

  it('maxQueueBytes bounds the bytes of waiting steps, not only their count', async () => {
    // 100 steps of 4096 floats are 1.6 MiB: under maxQueue's 2^20 steps, over 1 MiB of bytes
    await expect(collect([new Float32Array(100 * 4096)], ema({ span: 3, xShape: [4096], maxQueueBytes: 2 ** 20 }))).rejects.toThrow(
      /rx\.ema: one emission of 100 steps \(1\.6 MiB\) is more than maxQueueBytes=1048576 bytes: split it, or raise maxQueueBytes/,
    );
    // steps that arrive while nothing computes add up: 3 emissions of 40 steps (0.6 MiB each)
    const src = new Subject<Float32Array>();
    const failed = new Promise<Error>((resolve) => src.pipe(ema({ span: 3, xShape: [4096], maxQueueBytes: 2 ** 20, maxBatch: 1000, maxDelay: 50 })).subscribe({ error: resolve }));
    for (let i = 0; i < 3; i++) src.next(new Float32Array(40 * 4096));
    expect((await failed).message).toMatch(/rx\.ema: input queue overflow: 80 steps waiting \(1\.3 MiB\) exceeds maxQueueBytes=1048576 bytes/);
    // within the bound, the same input runs
    const out = await collect([new Float32Array(100 * 4096)], ema({ span: 3, xShape: [4096], maxQueueBytes: 2 ** 21 }));
    expect(out).toHaveLength(1);
    expect(() => ema({ span: 3, maxQueueBytes: 0 })).toThrow(/rx\.ema: maxQueueBytes must be positive, got 0/);
  });

  it("an exception thrown by the subscriber's next is RxJS's to report (config.onUnhandledError), and the stream goes on", async () => {
    const reported: unknown[] = [];
    const prev = config.onUnhandledError;
    config.onUnhandledError = (e) => reported.push(e);
    try {
      for (const input of [[1, 2, 3, 4], [{ key: 'a', value: 1 }, { key: 'b', value: 2 }, { key: 'a', value: 3 }, { key: 'a', value: 4 }]]) {
        const got: unknown[] = [];
        const boom = new Error('boom in next');
        await new Promise<void>((resolve, reject) =>
          from(input as unknown[])
            .pipe(ema({ span: 3 }))
            .subscribe({
              next: (v) => {
                got.push(v);
                if (got.length === 2) throw boom;
              },
              error: reject,
              complete: resolve,
            }),
        );
        await new Promise((r) => setTimeout(r, 0)); // RxJS reports on a timeout
        expect(got).toHaveLength(4);
        expect(reported.splice(0)).toEqual([boom]);
      }
    } finally {
      config.onUnhandledError = prev;
    }
  });
});
