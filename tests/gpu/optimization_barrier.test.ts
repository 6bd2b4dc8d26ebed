// lax.optimization_barrier on WebGPU: a shader compiler may rewrite (a + b) - a to b (lavapipe's
// does), which loses the rounding of a + b that double-float arithmetic measures (the time
// windows' prefix sums, src/operators/rx/double_float.ts). Through the barrier (a product with
// a 1 the compiler cannot see), (a + b) - a is computed as written: the oracle's value.

import { describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';
import { oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();

describe('lax.optimizationBarrier on WebGPU', () => {
  it('(a + b) - a through the barrier is the rounded sum minus a, bit for bit the oracle\'s', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const a = np.array([1, 1e8, -3, 16777216, 0.1, 1], { dtype: 'float32' }).mul(1);
    const b = np.array([1e-8, 1, 2e-8, 1, 0.2, 1e-30], { dtype: 'float32' }).mul(1);
    const d = lax.optimizationBarrier(a.add(b)).sub(a);
    const outs = [d.node];
    const [got] = (await gpu.backend().run(outs)).map((v) => Array.from(v));
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
    expect(got).toEqual(Array.from(oracle(outs)[0]));
    // the sums that round: 1 + 1e-8 is 1, 1e8 + 1 is 1e8, 2^24 + 1 is 2^24 (so not b)
    expect([got[0], got[1], got[3], got[5]]).toEqual([0, 0, 0, 0]);
  });
});
