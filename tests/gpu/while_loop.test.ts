// lax.whileLoop on WebGPU against the oracle. The loop is a host loop (scheduler/realize.ts
// runLoops): each iteration runs the step [cond(body(c)), ...body(c)] as one program on the
// device and reads its predicate back; the oracle evaluates the `while` node by its rule.

import { describe, expect, it } from 'vitest';
import { jit, jvp, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { agreeOn, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const i32 = (v: number) => np.array(v, { dtype: 'int32' });

describe('lax.whileLoop on WebGPU', () => {
  it('a data-dependent loop, vmap with lanes stopping at different iterations, and a nested loop', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const grow = (x: LaxArray) => lax.whileLoop(([, c]: LaxArray[]) => np.less(np.sum(np.abs(c)), 100), ([i, c]: LaxArray[]) => [i.add(1), c.mul(1.5).add(np.sign(c))], [i32(0), x]);
    const [n, x] = grow(np.array([0.5, -1, 2], { dtype: 'float32' }));
    // 64 lanes, trip counts from 0 to ~12
    const starts = np.linspace(-40, 40, 64 * 2).reshape([64, 2]);
    const [ns, xs] = vmap(grow)(starts);
    const nested = lax.whileLoop(
      ([i]: LaxArray[]) => np.less(i, 4),
      ([i, acc]: LaxArray[]) => [i.add(1), acc.add(lax.whileLoop((p: LaxArray) => np.less(p, i.mul(3)), (p: LaxArray) => p.add(2), i32(0)))],
      [i32(0), i32(0)],
    )[1];
    // every run (each loop's inputs, first test and steps, and the final graph) on the device
    const backend = gpu.backend();
    const ranOn: string[] = [];
    const run = backend.run.bind(backend);
    backend.run = async (outs) => {
      const v = await run(outs);
      ranOn.push(backend.last!.ranOn);
      return v;
    };
    try {
      await agreeOn(backend, [n, x, ns, xs, nested], 4, 1e-6);
    } finally {
      delete (backend as { run?: unknown }).run;
    }
    expect(ranOn.length).toBeGreaterThan(20);
    expect(new Set(ranOn)).toEqual(new Set(['webgpu']));
  }, 240_000);

  it('under jit (traced once), foriLoop with traced bounds, and jvp', async (ctx) => {
    if (!gpu.need(ctx)) return;
    let traces = 0;
    const f = jit((lo: LaxArray, hi: LaxArray, v: LaxArray) => (traces++, lax.foriLoop(lo, hi, (i: LaxArray, c: LaxArray) => c.mul(0.5).add(i.astype('float32')), v)));
    const a = f(i32(0), i32(5), np.linspace(0, 1, 1000));
    const b = f(i32(3), i32(9), np.linspace(-1, 0, 1000));
    expect(traces).toBe(1);
    const [y, t] = jvp(
      (w: LaxArray) => lax.whileLoop(([k]: LaxArray[]) => np.less(k, 5), ([k, c]: LaxArray[]) => [k.add(1), np.sin(c).mul(w)], [i32(0), w])[1],
      [np.linspace(0.1, 2, 300)],
      [np.ones([300], { dtype: 'float32' })],
    ) as [LaxArray, LaxArray];
    await agreeOn(gpu.backend(), [a, b, y, t], 8, 1e-5);
  }, 240_000);
});
