// Float remainder and floor division on WebGPU (issue 16) equal the oracle bit for bit:
// the `rem` primitive is C's fmod, exact (JS `%`, XLA's rem), where WGSL's f32 `%` is
// x - y * trunc(x / y): NaN for an infinite y, off by the rounding of x / y when the quotient
// is large, +0 for -4 % 2. np.remainder and np.floorDivide build on it (JAX's _float_divmod).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { TypedArray } from '../../src/graph/dtype.js';
import { node, type Node } from '../../src/graph/node.js';
import { np } from '../../src/index.js';
import { constant, wrap } from '../../src/operators/nodes.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const f32 = (xs: number[]) => np.array(xs, { dtype: 'float32' }).mul(1);

/** Equal to the oracle within `ulps` (subnormals: WGSL may flush them), zeros with the oracle's sign. */
async function agree(outs: Node[], ulps: number[] = []): Promise<TypedArray[]> {
  const got = await gpu.backend().run(outs);
  expect(gpu.backend().last?.ranOn).toBe('webgpu');
  const want = oracle(outs);
  got.forEach((g, i) => {
    expectClose(g, want[i], ulps[i] ?? 0, 0, `output ${i} (${outs[i]})`);
    want[i].forEach((w, j) => {
      if (w === 0 && !Object.is(g[j], w)) expect.fail(`output ${i} (${outs[i]})[${j}]: got ${Object.is(g[j], -0) ? '-0' : g[j]}, oracle ${Object.is(w, -0) ? '-0' : w}`);
    });
  });
  return got;
}

const edges = [0, -0, 1, -1, 2, -2, 3, -4, 0.5, -2.5, 7, 5.5, 1e-30, -3e-38, 6.3834219, -6.3834219, 65536, 3e9, -1e20, 3.4028235e38, -3.4028235e38, Infinity, -Infinity, NaN];
const pairs = edges.flatMap((a) => edges.map((b) => [a, b]));
const xs = () => f32(pairs.map((p) => p[0]));
const ys = () => f32(pairs.map((p) => p[1]));

describe('WebGPU float remainder and floor division', () => {
  it('the examples of issue 16: infinite divisors, a large quotient, the sign of zero', async (ctx) => {
    if (!gpu.need(ctx)) return;
    // jnp.remainder(5., jnp.inf) == 5.0; jnp.remainder(jnp.float32(3.4028235e38), jnp.float32(-6.3834219)) == -1.5247250;
    // jnp.remainder(-4., 2.) == -0.0; jnp.floor_divide(5., -jnp.inf) == -1.0
    const x = f32([5, 3.4028235e38, -4, 5, -5, 5]);
    const y = f32([Infinity, -6.3834219, 2, -Infinity, Infinity, 3]);
    const [r, q] = await agree([np.remainder(x, y).node, np.floorDivide(x, y).node]);
    expect(Array.from(r)).toEqual([5, Math.fround(-1.524725), -0, -Infinity, Infinity, 2]);
    expect(Object.is(r[2], -0)).toBe(true);
    expect([q[0], q[2], q[3], q[4], q[5]]).toEqual([0, -2, -1, -1, 1]);
  });

  it('rem, remainder and floorDivide over every pair of edge values', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = xs();
    const y = ys();
    await agree([node('rem', [x.node, y.node], {}), np.remainder(x, y).node, np.floorDivide(x, y).node]);
  });

  it('rem, remainder and floorDivide on random floats of any magnitude (fast-check)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const N = 256;
    const normal = (v: number) => v === 0 || !Number.isFinite(v) || Math.abs(v) >= 2 ** -126;
    const anyFloat = fc.float({ noDefaultInfinity: false }).filter(normal);
    const near = fc.float({ min: -1000, max: 1000, noNaN: true }).filter(normal);
    const col = fc.array(fc.oneof(anyFloat, near), { minLength: N, maxLength: N });
    await fc.assert(
      fc.asyncProperty(col, col, async (a, b) => {
        const x = wrap(constant(Float32Array.from(a), [N], 'float32'));
        const y = wrap(constant(Float32Array.from(b), [N], 'float32'));
        // Division is within 2.5 ulp in WGSL (ops.test.ts), so floor division's quotient is too.
        await agree([node('rem', [x.node, y.node], {}), np.remainder(x, y).node, np.floorDivide(x, y).node], [0, 0, 2.5]);
      }),
      { numRuns: 20 },
    );
  });
});
