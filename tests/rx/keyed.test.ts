// Keyed streams: per-key state in dense arrays with vmap; each key's outputs equal an
// offline lax.scan over that key's records, however records interleave and batch.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';
import { emaStep, fanout, rollingStep, scan, stepOperator, MalformedRecordError } from '../../src/rx.js';
import { collect, expectSame } from './helpers.js';

const step = fanout({ ema: emaStep({ span: 4 }), roll: rollingStep({ window: 3, minPeriods: 1 }, ['mean', 'var']) });

async function offline(values: number[]): Promise<number[][]> {
  const [, y] = lax.scan(step.f, step.init([]), np.array(values, { dtype: 'float32' }));
  const { ema, roll } = y as any;
  return [Array.from(await ema.data()), Array.from(await roll.mean.data()), Array.from(await roll.var.data())];
}

describe('keyed streams', () => {
  it('a key whose window empties and refills (found by the property below: the in-place ring update ran after a buffer it read was reused)', async () => {
    const values = [0, NaN, 0, NaN, NaN, 0, 0];
    for (const maxBatch of [1, 100]) {
      const outs = (await collect([values.map((value) => ({ key: 'a', value }))], stepOperator(step, { maxBatch }))).flat() as any[];
      const [e, m, v] = await offline(values);
      expectSame(outs.map((o) => o.value.ema), e);
      expectSame(outs.map((o) => o.value.roll.mean), m);
      expectSame(outs.map((o) => o.value.roll.var), v);
    }
  });

  it('equal per-key offline scans, for any interleaving and batching (records of one key repeat within a batch)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 7, 'c'), fc.oneof(fc.float({ min: -100, max: 100, noNaN: true }), fc.constant(NaN))), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 8 }),
        async (pairs, maxBatch, chunk) => {
          const records = pairs.map(([key, value], i) => ({ key, value: Number.isNaN(value) ? null : value, t: i }));
          const chunks = Array.from({ length: Math.ceil(records.length / chunk) }, (_, i) => records.slice(i * chunk, (i + 1) * chunk));
          const outs = (await collect(chunks, stepOperator(step, { maxBatch }))).flat() as any[];
          expect(outs.map((o) => o.t)).toEqual(records.map((r) => r.t));
          for (const key of new Set(records.map((r) => r.key))) {
            const mine = outs.filter((o) => o.key === key);
            const [e, m, v] = await offline(records.filter((r) => r.key === key).map((r) => r.value ?? NaN));
            expectSame(mine.map((o) => o.value.ema), e);
            expectSame(mine.map((o) => o.value.roll.mean), m);
            expectSame(mine.map((o) => o.value.roll.var), v);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('handles 10^5 keys in dense tables (one subscription, a few schedules)', async () => {
    const n = 100_000;
    const batches: number[] = [];
    const op = scan((c: any, x: any): [any, any] => [c.add(x), c.add(x)], 0, { maxBatch: 50_000, onBatch: (b) => batches.push(b.steps) });
    const round = (r: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: i + r }));
    const outs = (await collect([round(0), round(1)], op)) as any[][];
    expect(outs[1][0].value).toBe(1);
    expect(outs[1][n - 1].value).toBe(2 * (n - 1) + 1);
    expect(batches).toEqual([n, n]); // a chunk larger than maxBatch runs whole
    expect((op.snapshot() as any).keys.length).toBe(n);
  });

  it('reports a malformed record by name, or sends it to the dead-letter output; state is untouched', async () => {
    const sum = (c: any, x: any): [any, any] => [c.add(x), c.add(x)];
    await expect(collect([{ key: 'a', value: 1 }, { key: 'a', value: 'oops' }], scan(sum, 0))).rejects.toThrow(
      'rx.scan: malformed record {"key":"a","value":"oops"}: value must be a number (null for missing) or an array of shape (), got a string ("oops")',
    );
    await expect(collect([{ key: 'a', value: 1 }, { key: {}, value: 2 }], scan(sum, 0))).rejects.toThrow(MalformedRecordError);
    const dead: unknown[] = [];
    const op = scan(sum, 0, { deadLetter: (r) => dead.push(r) });
    const outs = await collect([{ key: 'a', value: 1 }, [{ key: 'a', value: 2 }, { key: 'a' }, { key: 'b', value: [1, 2] }], { key: 'a', value: 3 }], op);
    expect(dead).toEqual([{ key: 'a' }, { key: 'b', value: [1, 2] }]);
    expect(outs).toEqual([{ key: 'a', value: 1 }, [{ key: 'a', value: 3 }], { key: 'a', value: 6 }]);
    expect((op.snapshot() as any).keys).toEqual(['a']);
  });
});
