// Float to int conversion on WebGPU saturates as XLA's (and the oracle's): toward zero,
// clamped to the type's range, NaN to 0. WGSL's own conversion leaves out-of-range values
// to the implementation, so the lowering clamps first (wgsl_ops.ts f2i/f2u).

import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import { oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();

describe('float to int casts on WebGPU', () => {
  it('saturate at the range, NaN to 0, exactly as the oracle', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = np.array([3e9, 1e20, -3e9, -1e20, NaN, -2.7, 2.7, Infinity, -Infinity, -2147483648, 2147483520, -0.5, 5e9, 4294967040], { dtype: 'float32' }).mul(1);
    const outs = [x.astype('int32').node, x.astype('uint32').node];
    const got = (await gpu.backend().run(outs)).map((a) => Array.from(a));
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
    expect(got).toEqual(oracle(outs).map((a) => Array.from(a)));
    expect(got[0].slice(0, 9)).toEqual([2147483647, 2147483647, -2147483648, -2147483648, 0, -2, 2, 2147483647, -2147483648]);
    expect(got[1].slice(11)).toEqual([0, 4294967295, 4294967040]);
  });
});
