// jax.random on WebGPU: threefry is written once as graph operations (src/random/threefry.ts),
// so WGSL gets it from the same definition as the CPU backend. Bits, uniform, randint and
// split keys must be bit-identical on WebGPU and on the CPU backend (and the oracle); normal
// goes through erfinv's polynomial and is compared within its ulps.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { cpuBackend } from '../../src/cpu/backend.js';
import type { TypedArray } from '../../src/graph/dtype.js';
import { config, np, random, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();

async function onBoth(xs: LaxArray[]): Promise<{ gpu: TypedArray[]; cpu: TypedArray[] }> {
  const nodes = xs.map((x) => x.node);
  const g = await gpu.backend().run(nodes);
  expect(gpu.backend().last?.ranOn).toBe('webgpu');
  return { gpu: g, cpu: cpuBackend.run(nodes) as TypedArray[] };
}

const same = (a: TypedArray, b: TypedArray) => expect(Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(Array.from(b, (v) => (Number.isNaN(v) ? 'NaN' : v)));

// Threefry's kernels are large: lavapipe compiles them cold in tens of seconds on a busy machine.
vi.setConfig({ testTimeout: 240_000 });

describe.each([true, false])('jax.random on WebGPU (jax_threefry_partitionable = %s)', (partitionable) => {
  it('bits, uniform, randint and split are bit-identical to the CPU backend and the oracle', async (ctx) => {
    if (!gpu.need(ctx)) return;
    config.update('jax_threefry_partitionable', partitionable);
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 700 }), async (seed, n) => {
          const k = random.key(seed);
          const xs = [random.bits(k, [n]), random.uniform(k, [n], { minval: -2, maxval: 3 }), random.randint(k, [n], -5, 1000), random.split(k, 3)];
          const { gpu: g, cpu } = await onBoth(xs);
          const want = oracle(xs.map((x) => x.node));
          g.forEach((v, i) => (same(v, cpu[i]), same(v, want[i])));
        }),
        { numRuns: 8 },
      );
    } finally {
      config.update('jax_threefry_partitionable', true);
    }
  });
});

describe('jax.random on WebGPU', () => {
  it('normal agrees within erfinv and sqrt tolerances; vmap over keys equals a loop over keys', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const keys = random.split(random.key(7), 4);
    const z = random.normal(random.key(7), [1000]);
    const perKey = vmap((k: LaxArray) => random.uniform(k, [33]))(keys);
    const { gpu: g } = await onBoth([z, perKey]);
    const [wantZ, wantPer] = oracle([z.node, perKey.node]);
    expectClose(g[0], wantZ, 8, 1e-6, 'normal');
    same(g[1], wantPer);
    for (let i = 0; i < 4; i++) {
      const one = random.uniform(np.take(keys, i, { axis: 0 }), [33]);
      same(g[1].subarray(i * 33, (i + 1) * 33), (await one.data()) as TypedArray);
    }
  });
});
