// The tiled WGSL product (src/gpu/render_dot.ts): float32 dots of 16 or more rows, columns
// and contraction stage 16 x 16 tiles in workgroup memory. Against the oracle on random
// shapes (ragged edges, batch axes, a transposed operand), and the WGSL it renders.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTiledDot } from '../../src/gpu/render_dot.js';
import { renderKernel } from '../../src/gpu/render_kernel.js';
import { lax, np } from '../../src/index.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { agreeOn, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const vals = (n: number, seed: number) => np.array(Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 0.61 + seed) * (i % 7 === 0 ? -0 : 1)));

describe('WebGPU backend: tiled matmul', () => {
  // (on for any adapter here: device.ts leaves it off on software ones, where it is slower)
  let was = false;
  beforeAll(() => void (was = configureTiledDot(true)));
  afterAll(() => void configureTiledDot(was));

  it('a [40, 33] x [33, 50] product renders the tiled kernel; a [3, 33] x [33, 50] one does not', () => {
    const dotCode = (m: number) => {
      const k = schedule([np.matmul(vals(m * 33, 1).reshape([m, 33]), vals(33 * 50, 2).reshape([33, 50])).node]).kernels.find((kk) => kk.kind === 'dot')!;
      return renderKernel(k)[0].code;
    };
    expect(dotCode(40)).toContain('var<workgroup> ta');
    expect(dotCode(3)).not.toContain('var<workgroup> ta');
  });

  it('random shapes, batch axes and transposed operands equal the oracle (2 ulps)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const arb = fc.record({
      b: fc.integer({ min: 0, max: 3 }),
      m: fc.integer({ min: 16, max: 70 }),
      n: fc.integer({ min: 16, max: 70 }),
      k: fc.integer({ min: 16, max: 90 }),
      transposed: fc.boolean(),
      seed: fc.integer({ min: 0, max: 100 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ b, m, n, k, transposed, seed }) => {
        const batch = b === 0 ? [] : [b];
        const x = vals((b || 1) * m * k, seed).reshape([...batch, m, k]);
        // W [n, k] contracted on its last axis (vmap(x => W @ x)'s form), or [k, n]
        const y = transposed
          ? lax.dotGeneral(x, vals(n * k, seed + 1).reshape([n, k]), [[[batch.length + 1], [1]], [[], []]])
          : np.matmul(x, vals(k * n, seed + 1).reshape([k, n]));
        await agreeOn(gpu.backend(), [y], 2, 1e-6);
        expect(gpu.backend().last?.ranOn).toBe('webgpu');
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
