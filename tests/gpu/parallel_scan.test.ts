// Parallel prefix scans on the WebGPU backend: long cumulative ops (3-phase reduce-then-scan)
// and long lax.scan loops whose carries are affine (c' = a*c + b, a parallel scan over
// (a, b) pairs), against the oracle's sequential float32 loops.
//
// Stated tolerances (the parallel association changes float32 rounding):
// - integer cumsum, cummax, cummin: exact (associative);
// - float32 cumsum and a `c + x` scan: |Δ| <= 2·ceil(log2 n)·eps·Σ|x|;
// - affine recurrences with |a| <= 1 (moving average, EMA): <= 64 float32 ulps of max|c|.
// Short programs (length < 4096) keep the serial kernels and stay bit-exact (backend.test.ts).

import { describe, expect, it } from 'vitest';

import type { Node } from '../../src/graph/node.js';
import { lax, np, type LaxArray } from '../../src/index.js';
import { AFFINE_MIN_LENGTH } from '../../src/gpu/render_affine_scan.js';
import { PARALLEL_MIN } from '../../src/gpu/render_cumulative.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const eps = 2 ** -23;
const wave = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898) * scale));

async function run(...xs: LaxArray[]) {
  const outs: Node[] = xs.map((x) => x.node);
  return { got: await gpu.backend().run(outs), want: oracle(outs) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const sumAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => m + Math.abs(x), 0);

describe('parallel cumulative ops', () => {
  const n = 1 << 16;
  it('float32 cumsum of 2^16: three dispatches, within the reassociation bound', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const data = wave(n, 3);
    const { got, want } = await run(np.cumsum(np.array(data)));
    expect(gpu.backend().last).toEqual({ kernels: 1, dispatches: 3, submits: 1, ranOn: 'webgpu' });
    expect(maxAbsDiff(got[0], want[0])).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) * eps * sumAbs(data));
  });

  it('int32 cumsum and a reversed cummax along axis 0 of a matrix are exact', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const ints = np.array(Int32Array.from(wave(3 * n), (x) => Math.round(x * 1000))).reshape([n, 3]);
    const { got, want } = await run(np.cumsum(ints, { axis: 0 }), np.cummax(ints, { axis: 0, reverse: true }));
    got.forEach((g, i) => expectClose(g, want[i], 0, 0, `output ${i}`));
    expect(gpu.backend().last!.dispatches).toBe(6);
  });

  it(`lines shorter than ${PARALLEL_MIN} stay serial and bit-exact`, async (ctx) => {
    if (!gpu.need(ctx)) return;
    const { got, want } = await run(np.cumsum(np.array(wave(PARALLEL_MIN - 1))));
    expect(gpu.backend().last!.dispatches).toBe(1);
    expectClose(got[0], want[0], 0, 0, 'serial cumsum');
  });
});

describe('affine scan recurrences', () => {
  type State = [LaxArray | number, LaxArray | number];
  const movingAverage = (data: LaxArray) =>
    lax.scan(([prev]: State, x: LaxArray): [State, LaxArray] => {
      const avg = np.divide(np.add(np.multiply(prev, 2), x), 3);
      return [[avg, x], avg];
    }, [0.0, 0.0] as State, data);

  it("the seed's moving average over 10^5 steps: one kernel, three dispatches, <= 64 ulps of max|c|", async (ctx) => {
    if (!gpu.need(ctx)) return;
    const [[last, lastX], ys] = movingAverage(np.array(wave(100_000, 10)));
    const { got, want } = await run(ys, last as LaxArray, lastX as LaxArray);
    expect(gpu.backend().last).toEqual({ kernels: 1, dispatches: 3, submits: 1, ranOn: 'webgpu' });
    const tol = 64 * eps * maxAbs(want[0]);
    expect(maxAbsDiff(got[0], want[0])).toBeLessThanOrEqual(tol);
    expect(maxAbsDiff(got[1], want[1])).toBeLessThanOrEqual(tol);
    expectClose(got[2], want[2], 0, 0, 'carry that is just x');
  });

  it('a reversed EMA over 8 lanes and a running sum', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const T = AFFINE_MIN_LENGTH + 1000;
    const ema = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => {
      const next = x.mul(0.25).add(np.subtract(1, 0.25).mul(c));
      return [next, next.mul(2)];
    };
    const [c, ys] = lax.scan(ema, np.ones([8]), np.array(wave(T * 8, 5)).reshape([T, 8]), { reverse: true });
    const { got, want } = await run(ys, c);
    expect(maxAbsDiff(got[0], want[0])).toBeLessThanOrEqual(64 * eps * maxAbs(want[0]));
    expect(maxAbsDiff(got[1], want[1])).toBeLessThanOrEqual(64 * eps * maxAbs(want[1]));
    const data = wave(T);
    const [total, sums] = lax.scan((s: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [s.add(x), s.add(x)], np.array(0, { dtype: 'float32' }), np.array(data));
    const r = await run(sums, total);
    expect(gpu.backend().last!.dispatches).toBe(3);
    expect(maxAbsDiff(r.got[0], r.want[0])).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(T)) * eps * sumAbs(data));
  });

  it('non-affine carries (c*c; max(c, x) + c/2 with two paths through c) keep the serial kernel, bit-exact', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const T = AFFINE_MIN_LENGTH + 10;
    const xs = np.array(wave(T, 0.01));
    const [, sq] = lax.scan((c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [c.mul(c).mul(0.5).add(x), c], np.array(0, { dtype: 'float32' }), xs);
    const [, twice] = lax.scan((c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [np.maximum(c, x).add(c.mul(0.5)), c], np.array(1, { dtype: 'float32' }), xs);
    const { got, want } = await run(sq, twice);
    expect(gpu.backend().last!.dispatches).toBe(2);
    got.forEach((g, i) => expectClose(g, want[i], 0, 0, `output ${i}`));
  });
});
