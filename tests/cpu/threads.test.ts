// wasm kernels run in parts on worker threads (src/cpu/wasm/threads.ts): the parts of a
// call compute exactly what the whole call computes, whatever thread takes which part.
// This file asks for 3 threads (2 workers) whatever the machine has, so it tests the
// protocol with more than one worker on a 2-core machine too. Every program is read both
// ways a result can be produced: `realize` (the output is a heap block, computed in parts)
// and `data()` (elementwise programs write the array handed out: heavy kernels in parts
// into a heap block, then copied; light ones in pieces copied out as soon as they are done).

import { beforeAll, describe, expect, it } from 'vitest';

process.env.LAXFLOW_CPU_THREADS = '3'; // read when the shared heap is first made (below)

import { init, np, random, realize } from '../../src/index.js';
import { sharedHeap } from '../../src/cpu/wasm/memory.js';
import { threadCount } from '../../src/cpu/wasm/thread_count.js';
import { configureThreads, PARALLEL_MIN, threadsReady, threadStats } from '../../src/cpu/wasm/threads.js';
import { wasmStats } from '../../src/cpu/wasm/kernels.js';
import type { LaxArray } from '../../src/operators/array.js';
import fc from 'fast-check';
import { both, sameBits } from './helpers.js';

const N = PARALLEL_MIN * 4 + 5; // parts, and a tail that is not a multiple of 8

const input = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 3 + (i % 7) - 3);

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

type Values = Float32Array | Int32Array | Uint32Array;
const reads = {
  realize: async (a: LaxArray) => (await realize(a))[0] as Values,
  data: async (a: LaxArray) => (await a.data()) as Values,
};

/**
 * The values of `make()`, read each way, run in parts (with the parts workers ran and the
 * runs in parts) and on the calling thread alone; all must have the same bits.
 */
async function inPartsAndWhole(make: () => LaxArray): Promise<{ parts: Values; whole: Values; workerParts: number; runs: number }> {
  let out: { parts: Values; whole: Values; workerParts: number; runs: number } | undefined;
  for (const read of [reads.realize, reads.data]) {
    const [w0, r0, c0] = [threadStats.workerParts, threadStats.runs, wasmStats.calls];
    const parts = await read(make());
    const [workerParts, runs] = [threadStats.workerParts - w0, threadStats.runs - r0];
    expect(wasmStats.calls).toBeGreaterThan(c0);
    configureThreads(false);
    try {
      const whole = await read(make());
      expect(sameBits(parts, whole)).toBeNull();
      if (out) expect(sameBits(parts, out.parts)).toBeNull();
      out = { parts, whole, workerParts: workerParts + (out?.workerParts ?? 0), runs: Math.min(runs, out?.runs ?? runs) };
    } finally {
      configureThreads(true);
    }
  }
  return out!;
}

describe('wasm kernels on worker threads', () => {
  it('uses a shared heap and starts the workers asked for', async () => {
    expect(threadCount()).toBe(3);
    expect(sharedHeap().shared).toBe(true);
    expect(sharedHeap().memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(await threadsReady(sharedHeap())).toBe(2);
  });

  it('elementwise kernels: the same bits as one thread and as the oracle', async () => {
    const xs = input(N, 1);
    let workerParts = 0;
    for (let rep = 0; rep < 4; rep++) {
      const r = await inPartsAndWhole(() => {
        const x = np.array(xs);
        return np.sqrt(x.mul(x).add(1).mul(0.5)).sub(np.maximum(x, 0.25));
      });
      expect(r.runs).toBe(1);
      expect(sameBits(r.parts, r.whole)).toBeNull();
      workerParts += r.workerParts;
    }
    expect(workerParts).toBeGreaterThan(0); // the workers did take parts
    const x = np.array(xs);
    const [cpu, oracle] = both(x.mul(3).add(x.mul(x)));
    expect(sameBits(cpu[0], oracle[0])).toBeNull();
  });

  it('an iota counts from each part\'s first element (threefry counters): bit-exact', async () => {
    for (const seed of [0, 42, 2 ** 31 + 7]) {
      const r = await inPartsAndWhole(() => random.bits(random.key(seed), [N]));
      expect(r.runs).toBeGreaterThan(0);
      expect(sameBits(r.parts, r.whole)).toBeNull();
      const u = await inPartsAndWhole(() => random.uniform(random.key(seed), [N], { minval: -2, maxval: 5 }));
      expect(sameBits(u.parts, u.whole)).toBeNull();
    }
    const [cpu, oracle] = both(random.uniform(random.key(3), [N]));
    expect(sameBits(cpu[0], oracle[0])).toBeNull();
  });

  it('reductions split by rows: short rows, long rows and float64-lane sums', async () => {
    const rows = PARALLEL_MIN / 2 + 3;
    const pairs = input(rows * 2, 2);
    const short = await inPartsAndWhole(() => {
      const p = np.array(pairs).reshape([rows, 2]);
      return np.sqrt(np.sum(p.mul(p), { axis: 1 }));
    });
    expect(short.runs).toBe(1);
    expect(sameBits(short.parts, short.whole)).toBeNull();
    const long = input(96 * 4099, 3);
    for (const op of ['sum', 'max'] as const) {
      const r = await inPartsAndWhole(() => {
        const m = np.array(long).reshape([96, 4099]);
        return op === 'sum' ? np.sum(m.mul(2), { axis: 1 }) : np.max(m.add(1), { axis: 1 });
      });
      expect(r.runs).toBe(1);
      expect(sameBits(r.parts, r.whole)).toBeNull();
    }
  });

  it('data() of an elementwise program: a new ordinary array, the array staying a recipe', async () => {
    const xs = input(N, 5);
    const x = np.array(xs);
    const y = x.mul(x).sub(1);
    const a = (await y.data()) as Float32Array;
    expect(y.node.buf).toBeUndefined(); // computed straight into `a`, not kept
    expect(a.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const [oracle] = both(y)[1];
    expect(sameBits(a, oracle as Float32Array)).toBeNull();
    a.fill(7); // the caller's to change
    const b = (await y.data()) as Float32Array;
    expect(b).not.toBe(a);
    expect(sameBits(b, oracle as Float32Array)).toBeNull();
    // a realized array gives a copy of its value; a reduction or scan is realized as before
    await realize(y);
    expect(y.node.buf).toBeDefined();
    expect(sameBits((await y.data()) as Float32Array, oracle as Float32Array)).toBeNull();
    const s = np.sum(x.reshape([N, 1]), { axis: 1 });
    await s.data();
    expect(s.node.buf).toBeDefined();
  });

  it('random programs over large arrays: all threads equal one thread bit for bit, and the oracle where exact', async () => {
    // [rows, cols] float32 with rows * cols >= PARALLEL_MIN: every wasm kernel runs in parts or
    // pieces; data() takes the fresh path for single-pass programs, the realized one otherwise.
    // Each program also runs on a twin chain (new input arrays) on one thread, read the other
    // way: same bits. Sums are not bit-exact with the oracle's float32 fold (the CPU backend
    // sums in float64), so the oracle comparison holds while the chain has no sum.
    type Op = { f: (a: LaxArray, b: LaxArray) => LaxArray; exact: boolean };
    const ops: Op[] = [
      { f: (a, b) => a.add(b).mul(0.5), exact: true },
      { f: (a, b) => np.where(np.greater(a, b), a.sub(b), b.mul(b)), exact: true },
      { f: (a) => np.sqrt(np.abs(a)).add(1), exact: true },
      { f: (a, b) => np.maximum(a, b).mul(-2).add(np.minimum(a, 1)), exact: true },
      { f: (a) => np.cumsum(a, { axis: 1 }), exact: false },
      { f: (a, b) => np.sum(a.mul(b), { axis: 1, keepdims: true }).add(a), exact: false },
      { f: (a, b) => a.at(0).add(b.slice(0)), exact: true },
      { f: (a) => random.uniform(random.key(5), a.shape).mul(a), exact: true },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.tuple(fc.nat(ops.length - 1), fc.boolean()), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        async (extra, prog, seed) => {
          const cols = 256;
          const rows = PARALLEL_MIN / cols + extra;
          const leaves = () => [np.array(input(rows * cols, seed)).reshape([rows, cols]), np.array(input(rows * cols, seed + 1)).reshape([rows, cols])];
          let [a, b] = leaves();
          let [a1, b1] = leaves(); // the one-thread twin
          let exact = true;
          for (const [op, fresh] of prog) {
            const v = ops[op].f(a, b);
            const v1 = ops[op].f(a1, b1);
            exact &&= ops[op].exact;
            const want = exact ? both(v)[1][0] : null;
            const got = fresh ? await v.data() : (await realize(v))[0];
            configureThreads(false);
            let one;
            try {
              one = fresh ? (await realize(v1))[0] : await v1.data();
            } finally {
              configureThreads(true);
            }
            if (sameBits(got, one) !== null) return false;
            if (want && sameBits(got, want) !== null) return false;
            [a, a1] = [v, v1];
          }
          return true;
        },
      ),
      { numRuns: 10 },
    );
  });

  it('small calls stay on the calling thread', async () => {
    const r0 = threadStats.runs;
    const x = np.array(input(PARALLEL_MIN - 8, 4));
    await x.mul(2).add(1).data();
    expect(threadStats.runs).toBe(r0);
  });
});
