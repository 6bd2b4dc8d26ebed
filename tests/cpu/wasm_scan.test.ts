// Fused scans as wasm SIMD (src/cpu/wasm/scan.ts): random scan bodies over arrays (lane
// counts that are and are not multiples of 4, ring buffers updated in place with `.at`,
// gathers, int32 counters, bool masks, reversed scans, vmapped and keyed steps) must give,
// bit for bit, what the JS fused scan and the oracle give, and must really have run as wasm.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { configureLaneRanges, configureWasmScan, MIN_RANGE_LANES, rangeLanes, ThreadChoice, wasmScanStats } from '../../src/cpu/wasm/scan.js';
import { threadCount } from '../../src/cpu/wasm/thread_count.js';
import { sharedHeap } from '../../src/cpu/wasm/memory.js';
import { threadsReady, threadStats } from '../../src/cpu/wasm/threads.js';
import { cpuBackend } from '../../src/cpu/backend.js';
import { lax, np, vmap } from '../../src/index.js';
import { maskedStep } from '../../src/operators/rx/carry.js';
import { emaStep, fanout, rollingStep, stepOperator, timeRollingStep } from '../../src/rx.js';
import { collect } from '../rx/helpers.js';
import type { LaxArray } from '../../src/operators/array.js';
import type { TypedArray } from '../../src/graph/dtype.js';
import { both, sameBits } from './helpers.js';

afterAll(() => void (configureWasmScan(true), configureLaneRanges(true)));

interface Carry {
  a: LaxArray;
  b: LaxArray;
  cnt: LaxArray;
  pos: LaxArray;
  buf: LaxArray;
}

type Op = (p: LaxArray, q: LaxArray) => LaxArray;
const ops: Op[] = [
  (p, q) => p.add(q),
  (p, q) => p.sub(q),
  (p, q) => p.mul(q),
  (p, q) => p.div(q),
  (p, q) => np.maximum(p, q),
  (p, q) => np.minimum(p, q),
  (p, q) => np.where(np.greater(p, q), p, q.mul(0.5)),
  (p) => np.sqrt(np.abs(p)),
  (p) => p.mul(0.25).add(1.5),
  (p) => np.floor(p),
  (p) => p.neg(),
  (p, q) => np.where(np.isnan(p), q, p),
  (p, q) => np.where(np.logicalAnd(np.greaterEqual(p, 0), np.less(q, 3)), p.sub(q), q),
];

/** A random step over a window-`w` ring: `prog` picks ops and operands from a growing pool of values. */
function stepOf(w: number, prog: readonly [number, number, number][], outs: readonly number[]) {
  return (c: Carry, x: LaxArray): [Carry, LaxArray[]] => {
    const leaving = np.take(c.buf, c.pos, { axis: 0, mode: 'clip' });
    // gathers that clamp: rows past the end and before the start, and per-lane indices
    const past = np.take(c.buf, c.pos.add(w - 2), { axis: 0, mode: 'clip' });
    const before = np.take(c.buf, c.pos.sub(1), { axis: 0, mode: 'clip' });
    const perLane = np.take(x, c.cnt.sub(2), { mode: 'clip' });
    const filled = np.take(c.b, c.cnt.sub(1)); // JAX's default mode: NaN outside
    const pool: LaxArray[] = [x, c.a, c.b, c.cnt.astype('float32'), leaving, past, before, perLane, filled];
    for (const [op, i, j] of prog) pool.push(ops[op % ops.length](pool[i % pool.length], pool[j % pool.length]));
    const pick = (k: number) => pool[outs[k] % pool.length];
    const wraps = np.equal(c.pos, w - 1);
    const next: Carry = {
      a: pick(0),
      b: np.where(wraps, pick(1), c.b.add(1)),
      cnt: c.cnt.add(np.greater(pick(2), x).astype('int32')),
      pos: np.where(wraps, 0, c.pos.add(1)),
      buf: outs[3] % 2 === 0 ? c.buf.at(c.pos).set(pick(3)) : c.buf.at(c.pos).add(pick(3)),
    };
    return [next, [pick(4), leaving]];
  };
}

const values = (t: number, n: number, seed: number) =>
  Float32Array.from({ length: t * n }, (_, i) => (((i + 1) * 2654435761 + seed) % 2003) / 100 - 10);

function runs(arrays: LaxArray[]): { wasm: TypedArray[]; js: TypedArray[]; oracle: TypedArray[]; wasmCalls: number } {
  const nodes = arrays.map((a) => a.node);
  configureWasmScan(true);
  const before = wasmScanStats.calls;
  const [wasm, oracle] = both(...arrays);
  const wasmCalls = wasmScanStats.calls - before;
  configureWasmScan(false);
  const js = cpuBackend.run(nodes) as TypedArray[];
  configureWasmScan(true);
  return { wasm, js, oracle, wasmCalls };
}

describe('fused scans as wasm SIMD', () => {
  it('random bodies over arrays equal the JS fused scan and the oracle bit for bit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 19 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.nat(40)), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(40), { minLength: 5, maxLength: 5 }),
        fc.nat(1000),
        (n, t, w, reverse, prog, outs, seed) => {
          const init: Carry = { a: np.zeros([n]), b: np.full([n], 2, { dtype: 'float32' }), cnt: np.zeros([n], { dtype: 'int32' }), pos: np.zeros([], { dtype: 'int32' }), buf: np.full([w, n], 0.5) };
          const xs = np.array(values(t, n, seed)).reshape([t, n]);
          const [c, ys] = lax.scan(stepOf(w, prog, outs), init, xs, { reverse });
          const r = runs([...ys, c.a, c.b, c.cnt, c.pos, c.buf]);
          expect(r.wasmCalls).toBe(1);
          r.wasm.forEach((v, k) => {
            expect(sameBits(v, r.oracle[k]), `output ${k} against the oracle`).toBeNull();
            expect(sameBits(v, r.js[k]), `output ${k} against the JS fused scan`).toBeNull();
          });
        },
      ),
      { numRuns: 120 },
    );
  });

  it('vmap of a ring-buffer scan (a [keys, lanes] domain) with a stream\'s padding mask (bool xs) and a per-key scale (a strided read)', () => {
    const w = 3;
    // as the stream runs a batch: padded steps masked, the ring still updated in place
    const masked = maskedStep(stepOf(w, [[0, 0, 1], [7, 5, 5], [3, 6, 4]], [5, 6, 7, 6, 7]));
    const scanOne = (x: LaxArray, valid: LaxArray, scale: LaxArray) => {
      const init: Carry = { a: np.zeros([6]), b: np.ones([6]), cnt: np.zeros([6], { dtype: 'int32' }), pos: np.zeros([], { dtype: 'int32' }), buf: np.zeros([w, 6]) };
      const step = (c: unknown, [xt, v]: [LaxArray, LaxArray]) => masked(c, [xt.mul(scale), v]);
      const [c, ys] = lax.scan(step as never, init, [x, valid]);
      return [(ys as LaxArray[])[0], (c as Carry).buf];
    };
    const xs = np.array(values(3 * 10 * 6, 1, 7)).reshape([3, 10, 6]);
    const valid = np.array(Uint8Array.from({ length: 10 }, (_, i) => (i % 4 === 3 ? 0 : 1))).astype('bool');
    const [ys, buf] = vmap(scanOne, { inAxes: [0, null, 0] })(xs, valid, np.array([0.5, -2, 3])) as LaxArray[];
    const r = runs([ys, buf]);
    expect(r.wasmCalls).toBe(1);
    r.wasm.forEach((v, k) => {
      expect(sameBits(v, r.oracle[k])).toBeNull();
      expect(sameBits(v, r.js[k])).toBeNull();
    });
  });

  it('keyed streams run their vmapped step as wasm (per-key padding masks: bool gathers, integer division), equal to the JS', async () => {
    const step = fanout({ ema: emaStep({ span: 4 }), roll: rollingStep({ window: 3, minPeriods: 1 }, ['mean', 'var']) });
    const records = Array.from({ length: 90 }, (_, i) => ({ key: `k${(i * 7) % 11}`, value: i % 13 === 5 ? null : Math.sin(i) * 50 }));
    const chunks = Array.from({ length: 9 }, (_, i) => records.slice(i * 10, (i + 1) * 10));
    const run = async (on: boolean) => {
      configureWasmScan(on);
      const before = wasmScanStats.calls;
      const outs = (await collect(chunks, stepOperator(step, { maxBatch: 16 }))).flat() as { value: { ema: number; roll: { mean: number; var: number } } }[];
      configureWasmScan(true);
      return { values: Float32Array.from(outs.flatMap((o) => [o.value.ema, o.value.roll.mean, o.value.roll.var])), calls: wasmScanStats.calls - before };
    };
    const [wasm, js] = [await run(true), await run(false)];
    expect(wasm.calls).toBeGreaterThan(0);
    expect(js.calls).toBe(0);
    expect(sameBits(wasm.values, js.values)).toBeNull();
  });

  it('selects on a per-step flag (the loop unswitched on it, and on a ring wrap) take each branch at the right steps; ring rows read and written whole or lane by lane', () => {
    type C = { a: LaxArray; b: LaxArray; pos: LaxArray; ring: LaxArray };
    for (const n of [6, 64]) {
      const step = (c: C, [x, flag]: [LaxArray, LaxArray]): [C, LaxArray[]] => {
        const wraps = np.equal(c.pos, 2);
        const old = np.take(c.ring, c.pos, { axis: 0, mode: 'clip' });
        const a = np.where(flag, c.a.add(x), c.a.mul(0.5));
        const b = np.where(flag, np.where(wraps, c.b.sub(old), c.b.add(x)), np.where(wraps, c.b, x));
        return [{ a, b, pos: np.where(wraps, 0, c.pos.add(1)), ring: c.ring.at(c.pos).add(np.where(flag, x, a)) }, [a.add(b), old]];
      };
      const xs = np.array(values(11, n, 5)).reshape([11, n]);
      const flags = np.array(Uint8Array.from({ length: 11 }, (_, i) => (i % 3 === 1 ? 0 : 1))).astype('bool');
      const init: C = { a: np.zeros([n]), b: np.ones([n]), pos: np.zeros([], { dtype: 'int32' }), ring: np.full([3, n], 0.25) };
      const [c, ys] = lax.scan(step, init, [xs, flags]);
      const r = runs([...ys, c.a, c.b, c.ring]);
      expect(r.wasmCalls).toBe(1);
      r.wasm.forEach((v, k) => expect(sameBits(v, r.oracle[k]), `output ${k}`).toBeNull());
    }
  });

  it('several rings updated at one position (a time window\'s prefix-sum rings) share a loop and equal the oracle and the JS', () => {
    for (const n of [3, 16, 70]) {
      type Rings = { pos: LaxArray; a: LaxArray; b: LaxArray; c: LaxArray };
      const W = 5;
      const step = (r: Rings, x: LaxArray): [Rings, LaxArray[]] => {
        const leaving = [np.take(r.a, r.pos, { axis: 0, mode: 'clip' }), np.take(r.b, r.pos, { axis: 0, mode: 'clip' })];
        const next = { pos: np.where(np.equal(r.pos, W - 1), 0, r.pos.add(1)), a: r.a.at(r.pos).set(x), b: r.b.at(r.pos).add(x.mul(x)), c: r.c.at(r.pos).set(leaving[0].add(leaving[1])) };
        return [next, [leaving[0], leaving[1].sub(x)]];
      };
      const init: Rings = { pos: np.zeros([], { dtype: 'int32' }), a: np.zeros([W, n]), b: np.ones([W, n]), c: np.zeros([W, n]) };
      const [c, [y0, y1]] = lax.scan(step, init, np.array(values(17, n, n)).reshape([17, n]));
      const r = runs([c.a, c.b, c.c, c.pos, y0, y1]);
      expect(r.wasmCalls).toBe(1);
      r.wasm.forEach((v, k) => {
        expect(sameBits(v, r.oracle[k]), `output ${k} (n ${n}) against the oracle`).toBeNull();
        expect(sameBits(v, r.js[k]), `output ${k} (n ${n}) against the JS fused scan`).toBeNull();
      });
    }
  });

  it('small const inputs (a filter\'s F and H) are compiled in per value: products with their 1s are no operations, other values (0 and -0, NaN) keep theirs, each set of values gets its own code, and past 8 sets one form takes any values', () => {
    const run = (F: number[]) => {
      const Fm = np.array(Float32Array.from(F)).reshape([2, 2]);
      const step = (x: LaxArray, z: LaxArray): [LaxArray, LaxArray] => {
        const xp = vmap((v: LaxArray) => np.matmul(Fm, v))(x); // [S, 2]: F @ x per lane
        const next = xp.add(z.reshape([-1, 1]).mul(np.array(Float32Array.of(0.5, -0.25))));
        return [next, next.slice(null, 0).mul(Fm.slice(1, 1))];
      };
      const S = 24;
      const x0 = np.array(Float32Array.from({ length: 2 * S }, (_, i) => (i % 5 === 0 ? -0 : i % 7 === 3 ? Infinity : (i % 9) - 4))).reshape([S, 2]);
      const [c, ys] = lax.scan(step, x0, np.array(values(6, S, 3)).reshape([6, S]));
      return runs([c, ys]);
    };
    // the same structure with different values: each run must equal the oracle (a form
    // compiled for other values, or one that took -0 for 0, would not)
    // (and past 8 value sets, a sweep over F's corner, the form compiled for any values)
    const sweep = Array.from({ length: 7 }, (_, i) => [1, 0.1, 0, 1 + i / 8]);
    for (const F of [[1, 0.1, 0, 1], [2, 1, 1, 0], [2, 1, 1, -0], [NaN, 1, 1, 1], [1, 0.1, 0, 1], ...sweep, [2, 1, 1, 0]]) {
      const r = run(F);
      expect(r.wasmCalls).toBe(1);
      r.wasm.forEach((v, k) => expect(sameBits(v, r.oracle[k]), `F = ${F}, output ${k}`).toBeNull());
    }
  });

  it('bodies it does not take run the JS fused scan (a float remainder)', () => {
    const step = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray[]] => [np.remainder(c.add(x), 3.5), [c, np.isnan(x)]];
    const [c, [y, nan]] = lax.scan(step, np.zeros([5]), np.array(values(7, 5, 3)).reshape([7, 5]));
    const r = runs([c, y, nan]);
    expect(r.wasmCalls).toBe(0);
    r.wasm.forEach((v, k) => expect(sameBits(v, r.oracle[k])).toBeNull());
  });

  it('transcendentals (an EMA on event time: expm1 of the gap; exp, log, log1p, sin, cos, tan, tanh, pow, atan2) run as wasm through the imported Math functions, bit for bit', () => {
    for (const n of [1, 6, 64]) {
      const step = ([ema, acc]: LaxArray[], x: LaxArray): [LaxArray[], LaxArray[]] => {
        const w = np.negative(np.expm1(np.abs(x).mul(-0.3)));
        const next = ema.add(w.mul(x.sub(ema)));
        const mix = np.exp(x.mul(0.1)).add(np.log(np.abs(x).add(1))).add(np.log1p(np.abs(x))).add(np.sin(x)).add(np.cos(acc)).add(np.tan(x.mul(0.1))).add(np.tanh(x));
        return [[next, np.pow(np.abs(acc).add(0.5), 0.9).add(np.arctan2(x, acc.add(1)))], [mix, np.log(x)]];
      };
      const xs = np.array(values(19, n, n)).reshape([19, n]);
      const [[ema, acc], [mix, logs]] = lax.scan(step as never, [np.zeros([n]), np.ones([n])], xs) as unknown as [LaxArray[], LaxArray[]];
      const r = runs([ema, acc, mix, logs]);
      expect(r.wasmCalls).toBe(1);
      r.wasm.forEach((v, k) => {
        expect(sameBits(v, r.oracle[k]), `output ${k} (n ${n}) against the oracle`).toBeNull();
        expect(sameBits(v, r.js[k]), `output ${k} (n ${n}) against the JS fused scan`).toBeNull();
      });
    }
  });

  it('bool carries and bool outputs (an alarm with hysteresis) run as wasm lane masks, bytes outside', () => {
    for (const n of [1, 5, 8, 256, 300]) {
      // on above 5, off below 2: the alarm is carried; `rising` is a bool output per step
      const step = ([on, level]: LaxArray[], x: LaxArray): [LaxArray[], LaxArray[]] => {
        const next = np.where(on, np.greater(x, 2), np.greater(x, 5));
        return [[next, level.mul(0.5).add(x)], [np.logicalAnd(next, np.logicalNot(on)), next]];
      };
      const init = [np.array(Array.from({ length: n }, (_, i) => i % 3 === 0), { dtype: 'bool' }), np.zeros([n])];
      const [[on, level], [rising, alarm]] = lax.scan(step, init, np.array(values(23, n, n)).reshape([23, n]).mul(0.5));
      const r = runs([on, level, rising, alarm]);
      expect(r.wasmCalls).toBe(1);
      r.wasm.forEach((v, k) => {
        expect(sameBits(v, r.oracle[k]), `output ${k} (n ${n}) against the oracle`).toBeNull();
        expect(sameBits(v, r.js[k]), `output ${k} (n ${n}) against the JS fused scan`).toBeNull();
      });
    }
  });

  it('nor a body that reduces, or reads a ring after its in-place update (a naive rolling window)', () => {
    type Ring = { buf: LaxArray; pos: LaxArray };
    const reads = [(next: LaxArray) => np.max(next, { axis: 0 }), (next: LaxArray, pos: LaxArray) => np.take(next, pos.add(3), { axis: 0, mode: 'clip' }).mul(2)];
    for (const read of reads) {
      const step = ({ buf, pos }: Ring, x: LaxArray): [Ring, LaxArray] => {
        const next = buf.at(pos).set(x);
        return [{ buf: next, pos: np.remainder(pos.add(1), 4) }, read(next, pos)];
      };
      const [c, y] = lax.scan(step, { buf: np.zeros([4, 5]), pos: np.array(0, { dtype: 'int32' }) }, np.array(values(9, 5, 4)).reshape([9, 5]));
      const r = runs([c.buf, y]);
      expect(r.wasmCalls).toBe(0);
      r.wasm.forEach((v, k) => expect(sameBits(v, r.oracle[k])).toBeNull()); // max, take: exact
    }
  });
});

describe('fused scans in ranges of lanes', () => {
  /** wasm split in ranges of `block` lanes, wasm as one range, and the oracle, with the split and crossed counts. */
  function ranged(arrays: LaxArray[], block: number) {
    const nodes = arrays.map((a) => a.node);
    const before = { ...wasmScanStats };
    configureLaneRanges(true, block);
    const split = cpuBackend.run(nodes) as TypedArray[];
    const counts = { splits: wasmScanStats.split - before.split, crossed: wasmScanStats.crossed - before.crossed, calls: wasmScanStats.calls - before.calls };
    configureLaneRanges(false);
    const whole = cpuBackend.run(nodes) as TypedArray[];
    configureLaneRanges(true);
    return { split, whole, oracle: both(...arrays)[1], ...counts };
  }

  it('random bodies give the whole scan\'s and the oracle\'s bits; a gather into another lane (per-lane index into a carry) runs the call again whole', () => {
    let crossed = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(64, 128, 256, 70, 96, 200), // and lane counts that are not powers of two (nor multiples of 4)
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(40), fc.nat(40), fc.nat(40)), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(40), { minLength: 5, maxLength: 5 }),
        fc.nat(1000),
        (n, t, w, reverse, prog, outs, seed) => {
          const init: Carry = { a: np.zeros([n]), b: np.full([n], 2, { dtype: 'float32' }), cnt: np.zeros([n], { dtype: 'int32' }), pos: np.zeros([], { dtype: 'int32' }), buf: np.full([w, n], 0.5) };
          const xs = np.array(values(t, n, seed)).reshape([t, n]);
          const [c, ys] = lax.scan(stepOf(w, prog, outs), init, xs, { reverse });
          const r = ranged([...ys, c.a, c.b, c.cnt, c.pos, c.buf], 32);
          expect(r.calls).toBe(1);
          expect(r.splits + r.crossed).toBe(1);
          crossed += r.crossed;
          r.split.forEach((v, k) => {
            expect(sameBits(v, r.oracle[k]), `output ${k} against the oracle`).toBeNull();
            expect(sameBits(v, r.whole[k]), `output ${k} against the whole scan`).toBeNull();
          });
        },
      ),
      { numRuns: 60 },
    );
    expect(crossed).toBeGreaterThan(0); // `filled`, the carry b at lane cnt - 1, when the body keeps it
  });

  /** A stream's output values with its scan in ranges of 64 lanes (`on`) or whole, and the split, crossed and worker-part counts it added. */
  const inRanges = async (on: boolean, outputs: () => Promise<number[]>) => {
    configureLaneRanges(on, 64);
    const before = { ...wasmScanStats, parts: threadStats.workerParts };
    const values = new Float32Array(await outputs());
    configureLaneRanges(true);
    return { values, split: wasmScanStats.split - before.split, crossed: wasmScanStats.crossed - before.crossed, parts: threadStats.workerParts - before.parts };
  };

  it('the stream step (EMA, rolling var and z-score over a ring, NaNs) splits without crossing, on the worker threads when long enough', async () => {
    const lanes = 512;
    const step = fanout({ ema: emaStep({ span: 20 }), roll: rollingStep({ window: 16 }, ['var', 'zscore']) });
    const rows = Array.from({ length: 600 }, (_, t) => Float32Array.from({ length: lanes }, (_, i) => ((i * 7 + t * 13) % 17 === 0 ? NaN : 100 + Math.sin(i * 0.3 + t * 0.1) * 10 + ((i * t) % 5))));
    const workers = await threadsReady(sharedHeap());
    type Out = { ema: Float32Array; roll: { var: Float32Array; zscore: Float32Array } };
    const run = (on: boolean) => inRanges(on, async () => ((await collect(rows, stepOperator(step, { xShape: [lanes], maxBatch: 128 }))).flat() as Out[]).flatMap((o) => [...o.ema, ...o.roll.var, ...o.roll.zscore]));
    const [split, whole] = [await run(true), await run(false)];
    expect(split.values.length).toBe(600 * lanes * 3);
    expect(sameBits(split.values, whole.values)).toBeNull();
    expect(split.split).toBeGreaterThan(0);
    expect(split.crossed).toBe(0);
    expect(whole.split).toBe(0);
    // 128-step batches (128 x 512 lane-steps) go to the threads, where there are workers: a
    // worker not yet awake when the main thread has claimed every part of a batch (its first
    // needs the module instantiated there) takes parts of the next ones
    if (workers > 0) expect(split.parts).toBeGreaterThan(0);
  });

  it('a time window (its ring of record times is one array shared by every lane, which each range of lanes keeps its own copy of) splits without crossing and gives the whole scan\'s bits', async () => {
    const lanes = 256;
    const step = fanout({ ema: emaStep({ span: 20 }), roll: timeRollingStep({ window: '10s', capacity: 16 }, ['var', 'zscore']) });
    let t = Date.UTC(2026, 11, 5);
    const recs = Array.from({ length: 120 }, (_, i) => ({ t: (t += 250 + ((i * 7919) % 1501)), value: Float32Array.from({ length: lanes }, (_, k) => ((k * 7 + i * 13) % 17 === 0 ? NaN : 100 + Math.sin(k * 0.3 + i * 0.1) * 10 + ((k * i) % 5))) }));
    type Out = { value: { ema: Float32Array; roll: { var: Float32Array; zscore: Float32Array } } };
    const run = (on: boolean) => inRanges(on, async () => ((await collect([recs], stepOperator(step, { xShape: [lanes] }))).flat() as Out[]).flatMap((o) => [...o.value.ema, ...o.value.roll.var, ...o.value.roll.zscore]));
    const [split, whole] = [await run(true), await run(false)];
    expect(split.values.length).toBe(120 * lanes * 3);
    expect(sameBits(split.values, whole.values)).toBeNull();
    expect(split.split).toBeGreaterThan(0);
    expect(split.crossed).toBe(0);
    expect(whole.split).toBe(0);
  });

  it('a transcendental body on the worker threads (their instances import the Math functions too) equals the oracle', async () => {
    const workers = await threadsReady(sharedHeap());
    const lanes = 512;
    const before = threadStats.workerParts;
    configureLaneRanges(true, 64);
    try {
      const step = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => {
        const next = c.add(np.negative(np.expm1(np.abs(x).mul(-0.2))).mul(x.sub(c)));
        return [next, np.tanh(next)];
      };
      const [c, ys] = lax.scan(step, np.zeros([lanes]), np.array(values(128, lanes, 7)).reshape([128, lanes]));
      const [[cpuC, cpuY], [oracleC, oracleY]] = both(c, ys);
      expect(sameBits(cpuC, oracleC)).toBeNull();
      expect(sameBits(cpuY, oracleY)).toBeNull();
    } finally {
      configureLaneRanges(true);
    }
    if (workers > 0) expect(threadStats.workerParts - before).toBeGreaterThan(0);
  });

  it('ring rows at a per-step position (read and written as whole vectors when the row is inside the ring and, in ranges, in its own lanes, else lane by lane): positions out of range, negative, clipped, wrapped, filled, dropped, and rows that start mid-lane', () => {
    fc.assert(
      fc.property(fc.constantFrom(5, 64, 130, 256), fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: -7, max: 7 }), { minLength: 1, maxLength: 12 }), fc.nat(1000), (n, w, ps, seed) => {
        type C = { ring: LaxArray; flat: LaxArray };
        const step = (c: C, [x, p]: [LaxArray, LaxArray]): [C, LaxArray[]] => {
          const clip = np.take(c.ring, p, { axis: 0, mode: 'clip' });
          const wrap = np.take(c.ring, p, { axis: 0, mode: 'wrap' });
          const fill = np.take(c.ring, p, { axis: 0, mode: 'fill' }); // NaN outside
          // a row of the flattened ring starting at p (clamped so that it fits): mid-lane when p % n != 0
          const shifted = lax.dynamicSlice(c.flat, [p.add(n)], [n]);
          const offRow = np.take(c.flat, np.arange(n).add(p.mul(3).add(n + 1)), { mode: 'fill' }); // NaN past the end
          const ring = c.ring.at(p).set(x.add(clip)).at(p.add(1)).add(wrap);
          // and one written there (clamped too), mid-lane when p % n != 1
          const flat = lax.dynamicUpdateSlice(c.flat, x.mul(0.5), [p.add(1)]);
          return [{ ring, flat }, [clip, wrap, fill, shifted, offRow]];
        };
        const t = ps.length;
        const xs = np.array(values(t, n, seed)).reshape([t, n]);
        const init: C = { ring: np.array(values(w, n, seed + 1)).reshape([w, n]), flat: np.array(values(w + 3, n, seed + 2)).reshape([(w + 3) * n]) };
        const [c, ys] = lax.scan(step, init, [xs, np.array(Int32Array.from(ps))]);
        const outs = [...ys, c.ring, c.flat];
        const r = ranged(outs, 32);
        const whole = runs(outs);
        r.split.forEach((v, k) => {
          expect(sameBits(v, r.oracle[k]), `output ${k} in ranges against the oracle`).toBeNull();
          expect(sameBits(whole.wasm[k], r.oracle[k]), `output ${k} as one range against the oracle`).toBeNull();
        });
      }),
      { numRuns: 40 },
    );
  });

  it('a long scan runs its ranges on the threads or on one, whichever its calls after the warm-up measured faster (one only by a margin), trying the other way again now and then', () => {
    const ways = (threads: number, one: number, calls = 28) => {
      const c = new ThreadChoice();
      const out: string[] = [];
      for (let call = 0; call < calls; call++) {
        const t = c.threads();
        out.push(t ? 'T' : '1');
        c.record(t, t ? threads : one);
      }
      return out.join('');
    };
    // two warm-up calls on the threads, two trials each way, then the faster, the other way every 16th call
    expect(ways(1, 2)).toBe('TT' + 'T1T1' + 'TTTTTTTTTTTTTTT1' + 'TTTTTT');
    expect(ways(2, 1)).toBe('TT' + 'T1T1' + '111111111111111T' + '111111');
    // one thread must be faster by the margin (15%) to be chosen
    expect(ways(1, 0.9).slice(6, 10)).toBe('TTTT');
    // a trial slowed by another process does not decide for good: the best time of each way counts
    const c = new ThreadChoice();
    for (const [t, ns] of [[true, 9], [true, 9], [true, 30], [false, 5], [true, 30], [false, 5]] as const) c.record(t, ns);
    expect(c.threads()).toBe(false);
    c.record(true, 2); // the threads, retried, now measure 2
    expect(c.threads()).toBe(true);
  });

  it('ranges are multiples of 4 lanes: one per thread, fewer lanes where their buffers would not stay in cache', () => {
    expect(() => configureLaneRanges(true, 30)).toThrow(/multiple of 4/);
    expect(MIN_RANGE_LANES % 4).toBe(0);
    const threads = threadCount();
    for (const [L, bytes] of [[1000, 28], [4096, 180], [100_000, 180], [4096, 1e6], [70, 8]]) {
      const block = rangeLanes(L, bytes, threads);
      expect(block % 4, `${L} lanes`).toBe(0);
      expect(Math.ceil(L / block), `${L} lanes`).toBeGreaterThanOrEqual(Math.min(threads, Math.ceil(L / 4)));
      expect(block * bytes <= 384 * 1024 || block === MIN_RANGE_LANES || block === Math.ceil(L / threads / 4) * 4, `${L} lanes of ${bytes} bytes: ${block} per range`).toBe(true);
    }
    configureLaneRanges(true, 32);
    expect(rangeLanes(4096, 180, threads)).toBe(32);
    configureLaneRanges(true);
  });
});
