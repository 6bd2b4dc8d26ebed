// Heap-resident buffers (src/cpu/pool.ts): what comes back to the shared wasm heap,
// what never does, and that no kernel (JS or wasm) depends on the contents of a recycled
// block. Here every float32/int32/uint32 buffer lives in the heap (minBytes 0), so the wasm
// kernels run wherever they qualify, and each block handed out without zeroing is poisoned
// (all bytes 0xff: NaN, -1, 2^32-1), so a kernel that read an output element before writing
// it would fail against the oracle.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, init, lax, np, random, vmap } from '../../src/index.js';
import { evaluate } from '../../src/cpu/oracle.js';
import type { LaxArray } from '../../src/operators/array.js';
import type { TypedArray } from '../../src/graph/dtype.js';
import { realizeBatch } from '../../src/scheduler/realize.js';
import { configurePool, give, heapLiveBytes, heapResident, poolStats, take } from '../../src/cpu/pool.js';
import { wasmStats } from '../../src/cpu/wasm/kernels.js';
import { close, collectGarbage, sameBits } from '../cpu/helpers.js';

const collect = collectGarbage;

let saved: ReturnType<typeof configurePool>;
beforeAll(async () => {
  await init({ backend: 'cpu' });
  saved = configurePool({ minBytes: 0, poison: true });
});
afterAll(() => void configurePool(saved));

describe('heap-resident buffers', () => {
  it('a given block is handed out again: zeroed when asked, poisoned (stale) otherwise', () => {
    const a = take('float32', 1000);
    expect(heapResident(a)).toBe(true);
    a.fill(3);
    give(a);
    const b = take('float32', 1000, false);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(Number.isNaN(b[0])).toBe(true); // poisoned, not the old 3s
    give(b);
    const c = take('float32', 1000);
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(c.every((v) => v === 0)).toBe(true);
    expect(take('float32', 1000).byteOffset).not.toBe(a.byteOffset); // in use: not handed out twice
  });

  it('ignores buffers outside the heap, and a block given twice', () => {
    const before = heapLiveBytes();
    give(new Float32Array(500));
    expect(heapLiveBytes()).toBe(before);
    const a = take('int32', 77);
    give(a);
    give(a);
    expect(heapLiveBytes()).toBe(before);
    const b = take('int32', 77);
    const c = take('int32', 77);
    expect(b.byteOffset).not.toBe(c.byteOffset);
  });

  it('takes back the block of a dead realized array and of a dead constant', async () => {
    await collect();
    const before = heapLiveBytes();
    let x: LaxArray | undefined = np.array(Float32Array.from({ length: 4096 }, (_, i) => i)).mul(2);
    expect((await x.data())[4095]).toBe(8190);
    expect(heapResident(x.node.buf!)).toBe(true);
    expect(heapLiveBytes()).toBeGreaterThanOrEqual(before + 2 * 4096 * 4); // the constant and the result
    x = undefined;
    await collect(() => heapLiveBytes() === before);
    expect(heapLiveBytes()).toBe(before);
  });

  it('a loop of awaited reads gives dead arrays\' blocks back (reads yield a turn when the heap is crowded)', async () => {
    // `await a.data()` on the synchronous CPU backend never returns to the event loop by
    // itself, and the blocks of dead arrays come back only through finalizers
    await collect();
    const x = new Float32Array(1 << 20).fill(1.5); // 4 MiB
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      const a = np.array(x);
      await np.sum(a.mul(i)).data();
      peak = Math.max(peak, heapLiveBytes());
    }
    expect(peak).toBeLessThan(600 << 20); // 200 live 4 MiB blocks would be 800 MiB
  });

  it('an in-place patch moves the block to the new node: the dead donor does not give it back', async () => {
    const chain = async () => {
      const base = np.arange(2048).astype('float32');
      await base.data();
      const storage = base.node.buf!;
      return { z: base.at(0).set(-1), storage, donor: base.node };
    };
    const { z, storage, donor } = await chain();
    // the base handle is dead (its finalizer may come a few turns after the collection)
    await collect(() => donor.handles === 0); // the patch may take its storage
    expect(donor.handles).toBe(0);
    const out = await z.data();
    expect(Array.from(out.slice(0, 3))).toEqual([-1, 1, 2]);
    expect(z.node.buf).toBe(storage); // updated in place
    await collect();
    const other = take('float32', 2048, false); // must not be z's block
    expect(other.byteOffset).not.toBe(storage.byteOffset);
    expect(Array.from((await z.data()).slice(0, 3))).toEqual([-1, 1, 2]);
  });

  it('reading a constant runs no kernel: its data is its value', async () => {
    const a = np.array(Float32Array.from({ length: 5000 }, (_, i) => i / 7));
    const before = wasmStats.calls;
    const got = await a.data();
    expect(a.node.buf).toBe((a.node as unknown as { params: { data: Float32Array } }).params.data);
    expect(got).not.toBe(a.node.buf); // data() still hands out a copy
    expect(got[4999]).toBe(Math.fround(4999 / 7));
    expect(wasmStats.calls).toBe(before);
  });

  it('a constant handed out of the engine keeps its heap data (the copy goes out)', async () => {
    const a = np.array(Float32Array.from({ length: 3000 }, (_, i) => i));
    await a.data(); // realized: its value is its data
    const data = a.node.buf!;
    const [kept] = realizeBatch([a.node]) as Float32Array[];
    expect(heapResident(kept)).toBe(false);
    expect(a.node.buf).toBe(data);
    for (let k = 0; k < 4; k++) await np.arange(3000).astype('float32').mul(-1).data(); // heap churn
    expect((await a.data())[2999]).toBe(2999);
    expect(kept[2999]).toBe(2999);
  });

  it('a buffer handed out of the engine (stream carries) is an ordinary copy', async () => {
    await collect();
    const before = heapLiveBytes();
    const x = np.arange(3000).astype('float32').mul(3);
    const [kept] = realizeBatch([x.node]) as Float32Array[];
    expect(heapResident(kept)).toBe(false);
    expect(x.node.buf).toBe(kept);
    expect(heapLiveBytes()).toBe(before);
    await np.arange(3000).astype('float32').add(7).data();
    expect(kept[2999]).toBe(8997);
  });

  it('kept values (a stream carry) are written into views of one ordinary allocation; lent ones stay in the heap', () => {
    const a = np.arange(3000).astype('float32').mul(2);
    const b = np.arange(5).astype('int32').add(1);
    const c = np.arange(4000).astype('float32').add(1); // lent: a heap block, given back by the caller
    const base = np.array(Float32Array.from({ length: 2000 }, (_, i) => i)); // a leaf: its own data
    const [ka, kb, kbase, lent] = realizeBatch([a.node, b.node, base.node, c.node], 3) as TypedArray[];
    expect([ka, kb].every((v) => !heapResident(v))).toBe(true);
    expect(ka.buffer).toBe(kb.buffer); // one allocation
    expect(ka.byteOffset % 16 + kb.byteOffset % 16).toBe(0);
    expect([ka[2999], Array.from(kb)]).toEqual([5998, [1, 2, 3, 4, 5]]);
    expect(kbase[1999]).toBe(1999);
    expect(heapResident(lent)).toBe(true);
    expect(lent[3999]).toBe(4000);
  });
});

describe('wasm kernels on heap-resident buffers', () => {
  it.each([true, false])('threefry (bits, uniform, split; partitionable=%s) is bit-exact with the oracle', async (partitionable) => {
    config.update('jax_threefry_partitionable', partitionable);
    try {
      const key = random.key(1234);
      const programs = [random.bits(key, [4099]), random.uniform(key, [4099], { minval: -2, maxval: 3 }), random.split(key, 2051), random.randint(key, [4099], 0, 1000)];
      const before = wasmStats.calls;
      for (const p of programs) {
        const want = evaluate([p.node])[0];
        expect(sameBits(await p.data(), want)).toBeNull();
      }
      // bits, uniform and randint (its remainder runs lane by lane) always run as wasm, one
      // kernel each (randint splits its key once, as JAX does); split only in the legacy
      // layout (the partitionable one reads its counters through index maps wasm kernels do
      // not take)
      expect(wasmStats.calls - before).toBe(partitionable ? 3 : 4);
    } finally {
      config.reset();
    }
  });

  it('iota, scalar constants (weak and strong), bool selects, casts and reductions equal the oracle', async () => {
    const n = 4099; // not a multiple of 8: the 4-lane and scalar tails run too
    const x = np.array(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3));
    const m = np.array(Int32Array.from({ length: n }, (_, i) => (i * 7919) % 1000 - 500));
    const rows = np.array(Float32Array.from({ length: 2 * 3 * 700 }, (_, i) => Math.cos(i))).reshape([2, 700, 3]);
    const t = 0.37; // a changing JS number: a call-time constant
    const programs: [LaxArray, boolean][] = [
      [np.sqrt(x.mul(x).add(1).mul(0.5)), true],
      [lax.iota('int32', n).mul(3).add(m), true],
      [lax.iota('uint32', n).add(np.array(7, { dtype: 'uint32' })), true],
      [lax.broadcastedIota('int32', [n - 3, 3], 1).add(m.slice(np.slice(3, null)).reshape([-1, 1])), true], // not a flat index: JS
      [np.where(np.greater(x, 0), x, x.mul(t)), true],
      [np.maximum(m, 0).astype('float32').sub(x), true],
      [np.max(rows, { axis: 1 }), true], // not the last axis: JS
      [np.max(rows.reshape([2, -1]), { axis: 1 }), true], // long rows, exact
      [np.sum(rows.mul(rows), { axis: 2 }), true], // rows of 3: sequential, bit-exact
      [np.sum(x.mul(x)), false], // one long row, float64 lanes (output outside the heap: scratch)
      [np.sum(rows.reshape([2, -1]), { axis: 1 }), false],
      [vmap((p: LaxArray) => np.sqrt(np.sum(p.mul(p))))(rows.reshape([-1, 3])), true],
      [np.min(m.reshape([-1, 1]).add(m.slice(np.slice(0, 1)).reshape([1, 1])), { axis: 1 }), true],
    ];
    const before = wasmStats.calls;
    for (const [p, exact] of programs) {
      const want = evaluate([p.node])[0];
      const got = await p.data();
      expect(exact ? sameBits(got, want) : close(got, want), `${p.node.prim} ${p.shape}`).toBeNull();
    }
    expect(wasmStats.calls - before).toBe(programs.length - 2);
  });
});

// Random programs with every kernel kind, realized one after another with collections in
// between, so outputs and intermediates land in recycled, poisoned buffers.
type Op = (a: LaxArray, b: LaxArray, k: number) => LaxArray;
const ops: Op[] = [
  (a, b) => a.add(b),
  (a, b) => a.mul(b).sub(1),
  (a) => np.sqrt(np.abs(a)),
  (a, _b, k) => np.sum(a, { axis: k % 2, keepdims: true }).add(a),
  (a, _b, k) => np.max(a, { axis: k % 2 }).reshape([-1, 1]).add(a.slice(0).reshape([1, -1]).sum()),
  (a, _b, k) => np.argmax(a, { axis: k % 2, keepdims: true }).astype('float32').add(a),
  (a, _b, k) => np.cumsum(a, { axis: k % 2 }),
  (a, b, k) => a.at(k % a.shape[0]).add(b.slice(0)),
  (a, b) => np.concatenate([a, b]).slice(np.slice(1, null)).sub(b.slice(0)),
  (a, b) => np.matmul(a, b.T).slice(np.slice(0, 1)).sum().add(a),
  (a, b) => vmap((r: LaxArray, s: LaxArray) => np.sqrt(np.sum(r.sub(s).mul(r.sub(s)))))(a, b).reshape([-1, 1]).add(a),
  (a) => lax.scan((c: LaxArray, x: LaxArray) => [c.mul(0.5).add(x), c.add(x)] as [LaxArray, LaxArray], np.zeros([a.shape[1]]), a)[1],
  (a) => np.greater(a, 0).astype('float32').mul(a),
];

describe('recycled buffers give the oracle results', () => {
  it('random programs over [m, n] float32', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.tuple(fc.nat(ops.length - 1), fc.nat(3), fc.nat(7)), { minLength: 1, maxLength: 6 }),
        fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: 84, maxLength: 84 }),
        async (m, n, prog, data) => {
          const vals = [np.array(Float32Array.from(data.slice(0, m * n))).reshape([m, n]), np.array(Float32Array.from(data.slice(42, 42 + m * n))).reshape([m, n])];
          for (const [op, pick, k] of prog) {
            const v = ops[op](vals[pick % vals.length], vals[(pick + 1) % vals.length], k);
            const want = evaluate([v.node])[0];
            const got = await v.data(); // realized: later steps read it as a leaf
            if (close(got, want) !== null) return false;
            vals.push(v.shape.length === 2 && v.shape[0] === m && v.shape[1] === n ? v : vals[0]);
          }
          await collect();
          return true;
        },
      ),
      { numRuns: 60 },
    );
    expect(poolStats.hits).toBeGreaterThan(0);
  });
});
