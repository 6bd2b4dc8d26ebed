// Compiled programs (scheduler/program.ts): a trace scheduled once and run on buffers. A run
// equals the jit call of the same function (CPU backend, bit for bit) and the oracle's
// replay of it (a backend without `runProgram`); a donated param updated by `.at` is updated
// in place (its argument is its output), also while the same program gathers from it first.

import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jit, lax, np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { traceProgram } from '../../src/operators/jit.js';
import { runProgram } from '../../src/scheduler/program.js';
import { currentBackend, giveBuffers, setBackend } from '../../src/scheduler/realize.js';
import { oracleBackend } from '../../src/cpu/oracle_backend.js';
import type { TypedArray } from '../../src/graph/dtype.js';

/** A keyed stream's batch: rows gathered, an EMA scanned over the rounds, rows scattered back. */
const batch = (table: LaxArray, idx: LaxArray, xs: LaxArray) => {
  const rows = np.take(table, idx, { axis: 0, mode: 'clip' });
  const [final, ys] = lax.scan((c: LaxArray, x: LaxArray) => {
    const next = c.mul(0.75).add(x.mul(0.25));
    return [next, next.mul(2)];
  }, rows, xs);
  return [table.at(idx).set(final), ys];
};

const sync = (v: TypedArray[] | Promise<TypedArray[]>): TypedArray[] => {
  if (v instanceof Promise) throw new Error('expected a synchronous run');
  return v;
};

describe('compiled programs', () => {
  const saved = currentBackend();
  afterEach(() => setBackend(saved));

  it('a run equals the jit call on random tables, rows and inputs, and a donated table is updated in place', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 64, maxLength: 64 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (capacity, rounds, rowsN, values, seed) => {
          const M = Math.min(rowsN, capacity);
          const idx = Int32Array.from({ length: M }, (_, i) => (seed + i * 7) % capacity);
          if (new Set(idx).size !== M) return; // rows of a batch are distinct keys
          const tableData = Float32Array.from({ length: capacity }, (_, i) => values[i % 64]);
          const xsData = Float32Array.from({ length: rounds * M }, (_, i) => values[(i * 3 + 1) % 64]);
          const [jitTable, jitYs] = jit(batch)(np.array(tableData.slice()), np.array(idx), np.array(xsData).reshape([rounds, M])) as LaxArray[];
          const want = [await jitTable.data(), await jitYs.data()];
          const { program } = traceProgram(
            (t, i, x) => batch(t, i, x),
            [
              { shape: [capacity], dtype: 'float32' },
              { shape: [M], dtype: 'int32' },
              { shape: [rounds, M], dtype: 'float32' },
            ],
            [true],
          );
          const arg = tableData.slice();
          const [table, ys] = sync(runProgram(program, [arg, idx, xsData], 1));
          expect(table).toBe(arg); // the donated table is the output: updated in place
          expect(Array.from(table)).toEqual(Array.from(want[0]));
          expect(Array.from(ys)).toEqual(Array.from(want[1]));
          giveBuffers([ys]);
          // a second run of the same program on new data
          const [table2] = sync(runProgram(program, [table, idx, xsData], 1));
          expect(table2).toBe(arg);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a backend without runProgram replays the trace: the oracle gives the same values', async () => {
    const tableData = Float32Array.from({ length: 6 }, (_, i) => i * 1.5 - 2);
    const idx = Int32Array.from([4, 1]);
    const xs = Float32Array.from([1, -2, 3.25, 0.5, 8, -7]);
    const avals = [
      { shape: [6], dtype: 'float32' as const },
      { shape: [2], dtype: 'int32' as const },
      { shape: [3, 2], dtype: 'float32' as const },
    ];
    const cpu = sync(runProgram(traceProgram((t, i, x) => batch(t, i, x), avals, [true]).program, [tableData.slice(), idx, xs], 1)).map((b) => Array.from(b));
    setBackend(oracleBackend);
    const oracle = (await runProgram(traceProgram((t, i, x) => batch(t, i, x), avals, [true]).program, [tableData.slice(), idx, xs], 1)).map((b) => Array.from(b));
    expect(cpu).toEqual(oracle);
    expect(cpu[0]).not.toEqual(Array.from(tableData)); // rows 4 and 1 moved
  });

  it('the program is scheduled once: later runs find no schedule and build no graph', () => {
    const { program } = traceProgram((t, i, x) => batch(t, i, x), [
      { shape: [4], dtype: 'float32' },
      { shape: [1], dtype: 'int32' },
      { shape: [2, 1], dtype: 'float32' },
    ]);
    sync(runProgram(program, [new Float32Array(4), Int32Array.from([2]), Float32Array.from([1, 1])], 0));
    const s = program.schedule;
    expect(s).toBeDefined();
    const [t, ys] = sync(runProgram(program, [new Float32Array(4), Int32Array.from([2]), Float32Array.from([4, 8])], 0));
    expect(program.schedule).toBe(s);
    expect(Array.from(t)).toEqual([0, 0, 2.75, 0]); // row 2: 0 -> 1 -> 0.75 + 2 = 2.75
    expect(Array.from(ys)).toEqual([2, 5.5]);
  });
});
