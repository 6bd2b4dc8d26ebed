// Shared set-up for GPU tests: one WebGPU backend for a test file, the oracle to compare
// against, and per-op ulp comparison. Without an adapter the tests skip with a printed
// reason, except when LAXFLOW_REQUIRE_GPU is set (CI), where they fail.

import { afterAll, beforeAll, expect, type TestContext } from 'vitest';

import { realizedLeaves } from '../../src/cpu/oracle_backend.js';
import { evaluate } from '../../src/cpu/oracle.js';
import type { TypedArray } from '../../src/graph/dtype.js';
import type { Node } from '../../src/graph/node.js';
import { WebGpuBackend } from '../../src/gpu/backend.js';
import { acquireGpu, gpuUnavailableReason, releaseGpu } from '../../src/gpu/device.js';

export const requireGpu = !!process.env.LAXFLOW_REQUIRE_GPU && process.env.LAXFLOW_REQUIRE_GPU !== '0';

export function useGpu(): { backend: () => WebGpuBackend; need: (ctx: TestContext) => boolean } {
  let backend: WebGpuBackend | null = null;
  let reason: string | null = null;
  beforeAll(async () => {
    const gpu = await acquireGpu();
    if (gpu) backend = new WebGpuBackend();
    else {
      reason = gpuUnavailableReason();
      if (!requireGpu) console.warn(`[laxflow gpu] no WebGPU adapter, skipping GPU tests: ${reason}`);
    }
  }, 60_000);
  afterAll(async () => {
    await releaseGpu();
  });
  return {
    backend: () => backend!,
    /** False (and the test skipped) without a GPU; fails instead when a GPU is required. */
    need(ctx) {
      if (backend) return true;
      if (requireGpu) expect.fail(`LAXFLOW_REQUIRE_GPU is set but no WebGPU adapter was found: ${reason}`);
      ctx.skip();
      return false;
    },
  };
}

export const oracle = (outputs: readonly Node[]): TypedArray[] => evaluate(outputs, realizedLeaves(outputs));

/** `xs` computed by `backend` agree with the oracle within `ulps` (or `abs`), output by output. */
export async function agreeOn(backend: WebGpuBackend, xs: readonly { node: Node }[], ulps = 0, abs = 0): Promise<void> {
  const outs = xs.map((x) => x.node);
  const got = await backend.run(outs);
  const want = oracle(outs);
  got.forEach((g, i) => expectClose(g, want[i], ulps, abs, `output ${i} (${outs[i]})`));
}

/** Distance in float32 ulps of the expected value (NaN == NaN, +0 == -0, inf exact). */
export function ulpDistance(got: number, want: number): number {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
  if (got === want) return 0;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Infinity;
  const ulp = Math.max(2 ** (Math.floor(Math.log2(Math.abs(want) || 2 ** -126)) - 23), 2 ** -149);
  return Math.abs(got - want) / ulp;
}

const SMALLEST_NORMAL = 2 ** -126;

/**
 * Element i agrees when it is within `ulps` float32 ulps of the oracle or within `abs`
 * absolutely (for results near zero after cancellation). Integers and bools are exact.
 */
export function expectClose(got: TypedArray, want: TypedArray, ulps = 0, abs = 0, what = ''): void {
  expect(got.length, what).toBe(want.length);
  const isFloat = want instanceof Float32Array;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!isFloat) {
      if (g !== w) expect.fail(`${what}[${i}]: got ${g}, oracle ${w}`);
      continue;
    }
    if (ulpDistance(g, w) <= ulps || Math.abs(g - w) <= abs) continue;
    // WGSL lets an implementation flush subnormal inputs and results of any float op to zero
    // (WGSL spec, "Floating Point Evaluation"): in the subnormal range only an absolute bound holds.
    if (Math.abs(w) < SMALLEST_NORMAL && Math.abs(g - w) <= SMALLEST_NORMAL) continue;
    expect.fail(`${what}[${i}]: got ${g}, oracle ${w} (${ulpDistance(g, w).toFixed(1)} ulps > ${ulps})`);
  }
}
