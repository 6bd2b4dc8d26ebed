// The WebGPU backend end to end: seed programs and every kernel kind against the oracle,
// kernel counts of the schedules it runs (the seed's moving average, the fused chain and
// vmap euclidean distance are one pass each), one submit per realize, a WGSL snapshot,
// random programs (fast-check), pooling and cache bounds, device loss and device limits.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Node } from '../../src/graph/node.js';
import { lax, np, vmap, type LaxArray } from '../../src/index.js';
import { renderKernel } from '../../src/gpu/render_kernel.js';
import { execute, lowerInfo } from '../../src/gpu/runtime.js';
import { cpuBackend } from '../../src/cpu/backend.js';
import { heapResident } from '../../src/cpu/pool.js';
import { setBackend } from '../../src/scheduler/realize.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { agreeOn, expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const nodes = (...xs: LaxArray[]): Node[] => xs.map((x) => x.node);

const agree = (xs: LaxArray[], ulps = 0, abs = 0) => agreeOn(gpu.backend(), xs, ulps, abs);

const seedMovingAverage = (data: LaxArray) => {
  type State = [LaxArray | number, LaxArray | number];
  const step = ([prevAvg]: State, nextValue: LaxArray): [State, LaxArray] => {
    const newAvg = np.divide(np.add(np.multiply(prevAvg, 2), nextValue), 3);
    return [[newAvg, nextValue], newAvg];
  };
  return lax.scan(step, [0.0, 0.0] as State, data)[1];
};
const euclid = (x: LaxArray, y: LaxArray) => np.sqrt(np.sum(x.sub(y).pow(2)));
const fusedChain = (x: LaxArray) => np.sqrt(x.mul(x).add(1).mul(0.5));

describe('WebGPU backend: one pass per seed program', () => {
  it('moving average (lax.scan): one kernel, one dispatch, one submit; NumPy output', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const ys = seedMovingAverage(np.array([10.0, 12.0, 14.0, 16.0, 18.0], { dtype: 'float32' }));
    const [got] = await gpu.backend().run(nodes(ys));
    expect(gpu.backend().last).toEqual({ kernels: 1, dispatches: 1, submits: 1, ranOn: 'webgpu' });
    // Values from the seed tutorial (JAX prints [ 3.3333335  6.222223   8.8148155 11.209877  13.473251 ]).
    expectClose(got, Float32Array.of(3.3333335, 6.222223, 8.8148155, 11.209877, 13.473251), 0, 0, 'moving average');
  });

  it('fused chain sqrt((x*x + 1) * 0.5): one kernel', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = np.array(Float32Array.from({ length: 10000 }, (_, i) => (i - 5000) / 7));
    await agree([fusedChain(x)], 4);
    expect(gpu.backend().last).toMatchObject({ kernels: 1, dispatches: 1, submits: 1 });
  });

  it('vmap euclidean distance: one kernel (reduction with fused sqrt epilogue)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const p1 = np.array([[1, 2], [3, 4], [5, 6]]);
    const p2 = np.array([[6, 5], [4, 3], [2, 1]]);
    const d = vmap(euclid, { inAxes: [0, 0] })(p1, p2);
    const [got] = await gpu.backend().run(nodes(d));
    expect(gpu.backend().last).toMatchObject({ kernels: 1, dispatches: 1 });
    expectClose(got, Float32Array.of(5.8309517, 1.4142135, 5.8309517), 4, 0, 'euclid'); // seed tutorial's JAX output
  });

  it('WGSL of the fused chain (snapshot)', () => {
    const x = np.array(new Float32Array(16));
    const s = schedule(nodes(fusedChain(x)));
    expect(s.kernels).toHaveLength(1);
    expect(renderKernel(s.kernels[0])[0].code).toMatchSnapshot();
  });
});

describe('WebGPU backend: kernel kinds == oracle', () => {
  const f = (n: number, scale = 1) => np.array(Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898) * scale)));

  it('reductions: tree (long extent), looped (per row), prod/max/min, argmax with NaN', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const big = f(100_000, 10);
    const m = f(12 * 300).reshape([12, 300]);
    // A tree reduction sums in another order than the oracle: |error| <= n * eps * sum|x|.
    const got = await gpu.backend().run(nodes(np.sum(big)));
    const want = oracle(nodes(np.sum(big)));
    const sumAbs = oracle(nodes(np.sum(np.abs(big))))[0][0];
    expect(Math.abs(got[0][0] - want[0][0])).toBeLessThanOrEqual(sumAbs * 100_000 * 2 ** -24);
    await agree([np.sum(m, { axis: 1 }), np.max(m, { axis: 0 }), np.min(m, { axis: 1 }), np.prod(m.mul(0.1).add(1), { axis: 1 })], 0);
    const withNan = np.array([[1, NaN, 3], [4, 2, 4], [-1, -5, -5]], { dtype: 'float32' });
    await agree([np.argmax(withNan, { axis: 1 }), np.argmin(withNan, { axis: 1 }), np.argmax(m, { axis: 1 })]);
  });

  it('cumulative, dot, concat, gather, transpose/slice/rev views', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const a = f(6 * 7).reshape([6, 7]);
    const b = f(7 * 5, 2).reshape([7, 5]);
    await agree([np.cumsum(a, { axis: 1 }), np.cumsum(a, { axis: 0 }), np.cumprod(a.mul(0.1).add(1), { axis: 1 })], 0);
    await agree([np.matmul(a, b)], 2, 1e-6);
    await agree([np.concatenate([a, a.mul(2)], { axis: 0 }), a.T, np.flip(a, 1), a.slice(np.slice(1, 5, 2))]);
    await agree([np.take(f(50), np.array([0, 49, 3, 100, -7]))]);
    await agree([np.cumsum(np.array([1, 2, 3, 4, 5]))]);
  });

  it('.at chains: set/add with repeated and out-of-bounds indices, in place when dead', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = np.arange(10, undefined, undefined, { dtype: 'float32' });
    const y = x.at(np.array([0, 2, 2, 20])).add(1).at(3).set(-7).at(np.slice(5, 8)).multiply(2);
    await agree([y]);
    const s = schedule(nodes(y));
    expect(s.kernels).toHaveLength(1);
  });

  it('vmap of scan: independent lanes in one dispatch', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const sensors = f(50 * 128).reshape([50, 128]); // time x sensors
    const ema = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => {
      const n = c.mul(0.9).add(x.mul(0.1));
      return [n, n];
    };
    const [last, ys] = lax.scan(ema, np.zeros([128]), sensors);
    await agree([last, ys], 0);
    // The scan is one kernel and one dispatch for 50 steps x 128 lanes (its inputs may
    // take their own copy kernels, as the scheduler materializes every scan input).
    const scans = schedule(nodes(ys)).kernels.filter((k) => k.kind === 'scan');
    expect(scans).toHaveLength(1);
    expect(renderKernel(scans[0])).toHaveLength(1);
    expect(gpu.backend().last!.dispatches).toBe(gpu.backend().last!.kernels);
    const perRow = vmap((row: LaxArray) => lax.scan((c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [c.add(x), c.mul(x)], np.array(0, { dtype: 'float32' }), row)[1]);
    await agree([perRow(f(16 * 9).reshape([16, 9]))], 0);
  });

  it('a body reading one element of a lane-wise carry (c[0]) as a scalar gets that element, not each lane its own', async (ctx) => {
    if (!gpu.need(ctx)) return;
    // s' = c[0] is a one-element kernel over the 4-lane carry c: a lane's register holds its
    // own element, so this read must not come from registers (it runs on the CPU).
    type Carry = [LaxArray, LaxArray];
    const body = ([c, s]: Carry, x: LaxArray): [Carry, LaxArray] => [[c.add(s).add(x), c.slice(0)], s];
    const [[c], ys] = lax.scan(body, [f(4), np.array(0.5)], f(3 * 4).reshape([3, 4]));
    await agree([c, ys], 0);
  });

  it('a scan whose body is not lane-wise runs on the CPU backend, saying so', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const body = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => {
      const n = c.add(np.sum(c)).mul(x);
      return [n, n];
    };
    const [, ys] = lax.scan(body, np.ones([4]), f(5).mul(0.1));
    await agree([ys], 0);
    expect(gpu.backend().last?.ranOn).toBe('cpu');
  });
});

describe('WebGPU backend: random programs == oracle', () => {
  // Correctly rounded ops only: floor and where after an inexact op (tanh) would turn an
  // allowed ulp difference into a jump; transcendental tolerances are tested in ops.test.ts.
  const unary = [(a: LaxArray) => a.neg(), (a: LaxArray) => np.abs(a), (a: LaxArray) => a.mul(0.5), (a: LaxArray) => np.maximum(a, 0.5), (a: LaxArray) => np.floor(a)];
  const binary = [(a: LaxArray, b: LaxArray) => a.add(b), (a: LaxArray, b: LaxArray) => a.mul(b), (a: LaxArray, b: LaxArray) => a.sub(b), (a: LaxArray, b: LaxArray) => np.where(np.less(a, b), a, b)];
  // Shape-keeping steps on [4, 6]: views, a cumulative op, a reduction, an `.at` chain with a
  // repeated index, a vmap over rows and a scan over rows (3, 4 and 7 sum).
  const rowIdx = Int32Array.of(1, 3, 1);
  const shapeOps = [
    (a: LaxArray) => a,
    (a: LaxArray) => np.flip(a, 0),
    (a: LaxArray) => a.T.T,
    (a: LaxArray) => np.cumsum(a, { axis: 1 }),
    (a: LaxArray) => np.broadcastTo(np.sum(a, { axis: 0 }), [4, 6]),
    (a: LaxArray) => a.at(np.array(rowIdx)).add(1).at(0, 2).set(-1),
    (a: LaxArray) => vmap((r: LaxArray) => r.mul(0.5).add(np.max(r)))(a),
    (a: LaxArray) => lax.scan((c: LaxArray, r: LaxArray): [LaxArray, LaxArray] => [c.add(r), c.add(r).mul(0.5)], np.zeros([6]), a)[1],
  ];
  // Magnitude bounds of the same steps (see below).
  const magShapeOps = [
    ...[0, 1, 2, 3, 4].map((i) => shapeOps[i]),
    (a: LaxArray) => a.at(np.array(rowIdx)).add(1).at(0, 2).set(1),
    shapeOps[6],
    shapeOps[7],
  ];
  const sums = new Set([3, 4, 7]);
  it('chains of elementwise, view, reduction, cumulative, .at, vmap and scan steps', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const program = fc.array(fc.tuple(fc.nat(4), fc.nat(3), fc.nat(7), fc.nat(2)), { minLength: 1, maxLength: 6 });
    const data = fc.array(fc.float({ min: -4, max: 4, noNaN: true }).filter((x) => x === 0 || Math.abs(x) >= 2 ** -100), { minLength: 24, maxLength: 24 });
    // Sums (shape ops 3, 4 and 7) on the GPU may contract a product into the accumulation (an
    // FMA: seen on lavapipe). That is within the classic bound of a float32 sum, relative to
    // the magnitudes summed, not to the result (which may cancel): programs with a sum are
    // checked to |gpu - oracle| <= 2^-20 * mag, where mag is the same program run on |x0|
    // with every op replaced by one that bounds magnitudes. floor after a sum (a jump) is
    // left out. Programs without a sum must agree exactly.
    const summed = (steps: number[][]) => steps.some(([, , s]) => sums.has(s));
    const floorAfterSum = (steps: number[][]) => steps.some(([u], i) => u === 4 && steps.slice(0, i).some(([, , s]) => sums.has(s)));
    const magUnary = [(a: LaxArray) => a, (a: LaxArray) => a, (a: LaxArray) => a.mul(0.5), (a: LaxArray) => np.maximum(a, 0.5), (a: LaxArray) => a.add(1)];
    const magBinary = [(a: LaxArray, b: LaxArray) => a.add(b), (a: LaxArray, b: LaxArray) => a.mul(b), (a: LaxArray, b: LaxArray) => a.add(b), (a: LaxArray, b: LaxArray) => np.maximum(a, b)];
    await fc.assert(
      fc.asyncProperty(program, data, async (steps, values) => {
        fc.pre(!floorAfterSum(steps));
        const x0 = np.array(Float32Array.from(values)).reshape([4, 6]);
        let x = x0;
        for (const [u, b, s, pick] of steps) {
          x = shapeOps[s](binary[b](unary[u](x), pick ? x0 : x));
        }
        if (!summed(steps)) return agree([x], 0);
        const m0 = np.abs(x0);
        let m = m0;
        for (const [u, b, s, pick] of steps) m = magShapeOps[s](magBinary[b](magUnary[u](m), pick ? m0 : m));
        const [got] = await gpu.backend().run(nodes(x));
        const [want, mag] = oracle(nodes(x, m));
        for (let i = 0; i < want.length; i++) {
          if (Object.is(got[i], want[i])) continue;
          expect(Math.abs(got[i] - want[i]), `[${i}]: got ${got[i]}, oracle ${want[i]}, magnitude ${mag[i]}`).toBeLessThanOrEqual(2 ** -20 * mag[i]);
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('WebGPU backend: resources and reliability', () => {
  it('reuses pooled buffers and cached pipelines across realizes', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const run = async (i: number) => gpu.backend().run(nodes(fusedChain(np.array(Float32Array.of(i, i + 1, i + 2)))));
    await run(0);
    const c = gpu.backend().context_!;
    const created = c.pool.created;
    const compiled = c.pipelines.compiled;
    for (let i = 1; i < 20; i++) expectClose((await run(i))[0], oracle(nodes(fusedChain(np.array(Float32Array.of(i, i + 1, i + 2)))))[0], 4);
    expect(c.pool.created).toBe(created);
    expect(c.pipelines.compiled).toBe(compiled);
    expect(c.pipelines.size).toBeLessThanOrEqual(c.pipelines.capacity);
  });

  it('np.array keeps large data in ordinary memory while WebGPU is the backend (no heap copy to copy again for upload)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const big = new Float32Array(1 << 16).map((_, i) => i);
    const data = (x: LaxArray) => (x.node as Node<'const'>).params.data;
    expect(heapResident(data(np.array(big)))).toBe(true); // the CPU backend's heap
    setBackend(gpu.backend());
    try {
      const x = np.array(big);
      expect(heapResident(data(x))).toBe(false);
      expectClose((await x.add(1).data()) as Float32Array, big.map((v) => v + 1));
    } finally {
      setBackend(cpuBackend);
    }
  });

  it('refuses an array larger than maxStorageBufferBindingSize with a clear error (bindings.test.ts: larger programs)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const real = (await gpu.backend().context())!;
    const tiny = { ...real, gpu: { ...real.gpu, limits: { ...real.gpu.limits, maxStorageBufferBindingSize: 1024 } } };
    const s = schedule(nodes(fusedChain(np.array(new Float32Array(1000)))));
    await expect(execute(tiny, s, lowerInfo(s, s.kernels.map(renderKernel)))).rejects.toThrow(/an array of 4000 bytes .*maxStorageBufferBindingSize 1024/);
  });

  it('recomputes from the graph after the device is lost', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const b = gpu.backend();
    const x = np.array([1, 2, 3], { dtype: 'float32' });
    await b.run(nodes(x.add(1)));
    const before = b.devicesAcquired;
    b.context_!.gpu.device.destroy();
    const [got] = await b.run(nodes(x.mul(3)));
    expect(Array.from(got)).toEqual([3, 6, 9]);
    expect(b.devicesAcquired).toBe(before + 1);
  });
});
