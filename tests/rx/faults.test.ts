// Stream faults are contained at the record or option that caused them (issue 17, the
// stream part): readings of the wrong type are malformed records, damaged snapshots are
// refused naming what is wrong, a keyed stream's checkpoints restore from a snapshot taken
// before its first record, and one oversized emission says so.

import { Subject } from 'rxjs';
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
});
