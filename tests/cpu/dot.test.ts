// The CPU matrix product (cpu/dot.ts, cpu/wasm/matmul.ts) against the oracle, bit for bit:
// random dot_general shapes (batch axes, contracting axes anywhere, transposed operands,
// sizes on both sides of WASM_MIN and of the 4 x 8 register block), in every dtype.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lax, np, random, vmap } from '../../src/index.js';
import { WASM_MIN } from '../../src/cpu/dot.js';
import { both, sameBits } from './helpers.js';
import { cpuBackend } from '../../src/cpu/backend.js';
import type { TypedArray } from '../../src/graph/dtype.js';
import { sharedHeap } from '../../src/cpu/wasm/memory.js';
import { threadCount } from '../../src/cpu/wasm/thread_count.js';
import { configureThreads, threadStats, threadsReady } from '../../src/cpu/wasm/threads.js';

describe('CPU dot_general is bit-exact with the oracle', () => {
  it('float32 matmul of random sizes (JS loop and wasm SIMD kernel, padded edges)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 37 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 41 }), fc.integer({ min: 0, max: 1000 }), (m, k, n, seed) => {
        const a = random.normal(random.key(seed), [m, k]);
        const b = random.normal(random.key(seed + 1), [k, n]);
        const [[cpu], [oracle]] = both(np.matmul(a, b));
        expect(sameBits(cpu, oracle)).toBeNull();
      }),
      { numRuns: 40 },
    );
  });

  it('large products run the wasm kernel and stay exact, special values included', () => {
    const [m, k, n] = [36, 130, 70];
    expect(m * k * n).toBeGreaterThan(WASM_MIN);
    const a = random.normal(random.key(3), [m, k]).at(0, 0).set(Infinity).at(5, 7).set(NaN).at(9, np.slice()).set(-0);
    const b = random.normal(random.key(4), [k, n]).mul(1e20).at(3, 3).set(0);
    const [[cpu], [oracle]] = both(np.matmul(a, b), np.matmul(a.T.T, b.T.T));
    expect(sameBits(cpu, oracle)).toBeNull();
  });

  it('x @ W.T (both operands contracted on their last axis) packs W as stored: random sizes on the wasm kernel, partial panels and K % 4 tails, special values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 41 }), fc.integer({ min: 8, max: 43 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1000 }), (m, n, extra, seed) => {
        const k = Math.ceil(WASM_MIN / (m * n)) + extra;
        const x = random.normal(random.key(seed), [m, k]).at(0, 0).set(NaN);
        const W = random.normal(random.key(seed + 1), [n, k]).at(n - 1, k - 1).set(-Infinity).at(0, np.slice()).set(-0);
        const y = lax.dotGeneral(x, W, [[[1], [1]], [[], []]]);
        const yT = np.matmul(x, W.T);
        const v = vmap((row: typeof x) => np.matmul(W, row))(x); // vmap of W @ x: the same products
        const [cpu, oracle] = both(y, yT, v);
        cpu.forEach((c, i) => expect(sameBits(c, oracle[i]), `output ${i}`).toBeNull());
      }),
      { numRuns: 25 },
    );
  });

  it('narrow products (fewer than 8 columns) on the narrow wasm kernels: X @ w, r @ X and its [K, 1] transpose, batched, special values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1000 }), (n, nb, seed) => {
        // one column: many rows (a tail of M mod 4 rows), a short contraction; few columns: a long contraction
        const rows = Math.ceil(WASM_MIN / n) + (seed % 7);
        const X = random.normal(random.key(seed), [nb, rows, n]).at(0, 1, 0).set(-0).at(0, 2, 0).set(NaN);
        const w = random.normal(random.key(seed + 1), [nb, n]);
        const r = random.normal(random.key(seed + 2), [nb, rows]).at(0, 0).set(-0);
        const Xw = lax.dotGeneral(X, w, [[[2], [1]], [[0], [0]]]);
        const rX = lax.dotGeneral(r, X, [[[1], [1]], [[0], [0]]]);
        const rT = lax.dotGeneral(r.reshape([nb, rows, 1]), X, [[[1], [1]], [[0], [0]]]); // lhs [b, K, 1] contracting K: the gradient's transposed product
        expect(rows * n).toBeGreaterThanOrEqual(WASM_MIN);
        const [cpu, oracle] = both(Xw, rX, rT);
        cpu.forEach((c, i) => expect(sameBits(c, oracle[i]), `output ${i}`).toBeNull());
      }),
      { numRuns: 8 },
    );
  });

  it('a product split over the worker threads (2^26 multiply-adds, parts of 64 rows) equals the one-thread product', async () => {
    await threadsReady(sharedHeap());
    const a = random.normal(random.key(5), [256, 512]);
    const b = random.normal(random.key(6), [512, 512]);
    const runs = threadStats.runs;
    const [threaded] = cpuBackend.run([np.matmul(a, b).node]) as TypedArray[];
    if (threadCount() > 1) expect(threadStats.runs).toBeGreaterThan(runs);
    configureThreads(false);
    try {
      // the one-thread kernel is exact against the oracle (the tests above)
      const [single] = cpuBackend.run([np.matmul(a.mul(1), b).node]) as TypedArray[]; // another graph: nothing cached
      expect(sameBits(threaded, single)).toBeNull();
    } finally {
      configureThreads(true);
    }
  });

  it('batched and transposed dot_general layouts, every dtype', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 })),
        fc.constantFrom('float32', 'int32', 'uint32', 'bool'),
        fc.boolean(),
        fc.boolean(),
        ([bt, m, k, n], dtype, tl, tr) => {
          // lhs [k, b, m] or [b, m, k]; rhs [n, k, b] or [b, k, n]
          const base = (s: number[], seed: number) => random.randint(random.key(seed), s, -5, 6).astype(dtype);
          const lhs = tl ? base([k, bt, m], 1) : base([bt, m, k], 1);
          const rhs = tr ? base([n, k, bt], 2) : base([bt, k, n], 2);
          const y = lax.dotGeneral(lhs, rhs, [[[tl ? 0 : 2], [tr ? 1 : 1]], [[tl ? 1 : 0], [tr ? 2 : 0]]]);
          expect(y.shape).toEqual([bt, m, n]);
          const [[cpu], [oracle]] = both(y);
          expect(sameBits(cpu, oracle)).toBeNull();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('matmul with batch axes on one side', () => {
  it('x [..., m, k] @ W [k, n] is one 2-D product, equal to the per-batch products bit for bit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 9 }), (batch, m, k, n) => {
        const x = random.normal(random.key(7), [...batch, m, k]);
        const w = random.normal(random.key(8), [k, n]);
        const y = np.matmul(x, w);
        expect(y.shape).toEqual([...batch, m, n]);
        const b = batch.reduce((p, d) => p * d, 1);
        const rows = x.reshape([b, m, k]);
        const per = Array.from({ length: b }, (_, i) => np.matmul(rows.slice(i), w));
        const [[got, ...want], [oracle]] = both(y, ...per);
        expect(sameBits(got, oracle)).toBeNull();
        const flat = new Float32Array(want.reduce((p, v) => p + v.length, 0));
        let o = 0;
        for (const v of want) flat.set(v, o), (o += v.length);
        expect(sameBits(got, flat)).toBeNull();
      }),
      { numRuns: 30 },
    );
  });
});
