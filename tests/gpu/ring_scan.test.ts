// Scans whose carry holds a ring buffer (the rolling window of the stream operators) on
// WebGPU: the ring stays in device memory and each lane updates its own column in place
// (src/gpu/render_scan.ts, lane_layout.ts). Results against the oracle; a body whose
// indices leave their lane at run time is recomputed on the CPU, and says so.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

import { cpuBackend } from '../../src/cpu/backend.js';
import { node, type Node } from '../../src/graph/node.js';
import { renderKernel } from '../../src/gpu/render_kernel.js';
import { lax, np, vmap, type LaxArray } from '../../src/index.js';
import { wrap } from '../../src/operators/nodes.js';
import { rollingStep, stepOperator, zscore } from '../../src/rx.js';
import { setBackend } from '../../src/scheduler/realize.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { collect } from '../rx/helpers.js';
import { agreeOn, expectClose, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const nodes = (...xs: LaxArray[]): Node[] => xs.map((x) => x.node);

const agree = (xs: LaxArray[], ulps = 0, abs = 0) => agreeOn(gpu.backend(), xs, ulps, abs);

/** The schedule's scan kernel renders to one WGSL dispatch. */
function oneScanDispatch(...xs: LaxArray[]): void {
  const scans = schedule(nodes(...xs)).kernels.filter((k) => k.kind === 'scan');
  expect(scans).toHaveLength(1);
  expect(renderKernel(scans[0])).toHaveLength(1);
}

const signal = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (i % 11 === seed % 11 ? NaN : Math.sin(i * 0.37 + seed) * 10 + 50));

describe('WebGPU backend: scans over a carried ring buffer', () => {
  // WGSL's division is not correctly rounded (2.5 ulp), and the running variance subtracts
  // nearby values: tolerances are 64 ulps or 1e-3 absolute (lavapipe divides exactly, and
  // gives the oracle's bits).
  it('rolling mean and var per sensor (the ring [W, sensors]): one dispatch, on the GPU, == oracle', async (ctx) => {
    if (!gpu.need(ctx)) return;
    for (const sensors of [1, 3, 64, 100]) {
      const step = rollingStep({ window: 8, minPeriods: 2 }, ['mean', 'var']);
      const T = 40;
      const xs = np.array(signal(T * sensors, sensors)).reshape(sensors === 1 ? [T] : [T, sensors]);
      const [c, ys] = lax.scan(step.f, step.init(sensors === 1 ? [] : [sensors]), xs);
      const { mean, var: variance } = ys as Record<string, LaxArray>;
      oneScanDispatch(mean, variance, c.buf);
      await agree([mean, variance, c.buf, c.pos], 64, 1e-3);
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
    }
  });

  it('vmap over keys of a scalar rolling step (the ring [keys, W])', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const step = rollingStep({ window: 4, minPeriods: 1 }, 'mean');
    // the ring is stored lane-major during the scan (its lanes are W words apart in [keys, W])
    // and copied back: the final ring is checked too
    const perKey = vmap((row: LaxArray) => {
      const [c, ys] = lax.scan(step.f, step.init([]), row);
      return [c.buf, ys] as LaxArray[];
    });
    const [ring, ys] = perKey(np.array(signal(5 * 30, 2)).reshape([5, 30])) as LaxArray[];
    oneScanDispatch(ys, ring);
    await agree([ys, ring], 64, 1e-3);
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
  });

  it('random ring bodies: any window, lanes, start position (in or out of range), set or add, clip or fill reads, a reduction of the updated ring', async (ctx) => {
    if (!gpu.need(ctx)) return;
    await fc.assert(
      fc.asyncProperty(
        // Few shapes (each is a new shader, and lavapipe takes ~0.5 s to compile one); the
        // start position and the stride are data.
        fc.constantFrom(1, 5),
        fc.constantFrom(1, 4, 6),
        fc.constantFrom(0, 9),
        fc.integer({ min: -12, max: 12 }),
        fc.integer({ min: -2, max: 3 }),
        fc.constantFrom('set', 'add'),
        fc.constantFrom('clip', 'fill'),
        fc.constantFrom('none', 'sum', 'max'),
        async (W, S, T, pos0, stride, mode, readMode, reduce) => {
          type Carry = { buf: LaxArray; pos: LaxArray };
          const body = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray] => {
            const leaving = np.take(buf, pos, { axis: 0, mode: readMode as 'clip' | 'fill' });
            const at = buf.at(pos);
            const next = mode === 'set' ? at.set(x.mul(2)) : at.add(x);
            // A reduction of the updated ring per lane (over its window axis), or none.
            const y = reduce === 'none' ? leaving.add(x) : leaving.add(reduce === 'sum' ? np.sum(next, { axis: 0 }) : np.max(next, { axis: 0 }));
            return [{ buf: next, pos: np.remainder(pos.add(stride), W + 1) }, y];
          };
          const init = { buf: np.array(signal(W * S, W)).reshape([W, S]), pos: np.array(pos0, { dtype: 'int32' }) };
          const xs = np.array(signal(T * S, S + 1)).reshape([T, S]);
          const [c, ys] = lax.scan(body, init, xs);
          await agree([ys, c.buf, c.pos]);
          expect(gpu.backend().last?.ranOn).toBe('webgpu');
        },
      ),
      { numRuns: 30 },
    );
  }, 180_000);

  it('a naive rolling window (the updated ring reduced per lane every step: mean, var, max) runs on the GPU', async (ctx) => {
    if (!gpu.need(ctx)) return;
    type Carry = { buf: LaxArray; pos: LaxArray };
    const W = 6;
    const body = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray[]] => {
      const next = buf.at(pos).set(x);
      return [{ buf: next, pos: np.remainder(pos.add(1), W) }, [np.mean(next, { axis: 0 }), np.var(next, { axis: 0 }), np.max(next, { axis: 0 })]];
    };
    for (const sensors of [1, 5, 64]) {
      const lanes = sensors === 1 ? [] : [sensors];
      const xs = np.array(signal(20 * sensors, sensors).map((v) => (Number.isNaN(v) ? 0 : v))).reshape([20, ...lanes]);
      const [c, ys] = lax.scan(body, { buf: np.zeros([W, ...lanes]), pos: np.array(0, { dtype: 'int32' }) }, xs);
      oneScanDispatch(...(ys as LaxArray[]));
      await agree([...(ys as LaxArray[]), c.buf], 64, 1e-3);
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
    }
    // Per key under vmap: the ring [keys, W].
    const perKey = vmap((row: LaxArray) => lax.scan((cr: Carry, x: LaxArray): [Carry, LaxArray] => {
      const [next, ys] = body(cr, x);
      return [next, ys[0]];
    }, { buf: np.zeros([W]), pos: np.array(0, { dtype: 'int32' }) }, row)[1]);
    const means = perKey(np.array(signal(4 * 15, 9).map((v) => (Number.isNaN(v) ? 0 : v))).reshape([4, 15]));
    await agree([means], 64, 1e-3);
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
  });

  it('a reduction across lanes of a ring (over the sensors axis) runs on the CPU backend', async (ctx) => {
    if (!gpu.need(ctx)) return;
    type Carry = { buf: LaxArray; pos: LaxArray };
    const body = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray] => {
      const next = buf.at(pos).set(x);
      return [{ buf: next, pos: np.remainder(pos.add(1), 3) }, x.sub(np.mean(next, { axis: 1 }).slice(0))];
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const [, ys] = lax.scan(body, { buf: np.zeros([3, 4]), pos: np.array(0, { dtype: 'int32' }) }, np.array(signal(6 * 4, 5).map((v) => (Number.isNaN(v) ? 1 : v))).reshape([6, 4]));
      await agree([ys], 64, 1e-3);
      expect(gpu.backend().last?.ranOn).toBe('cpu');
    } finally {
      warn.mockRestore();
    }
  });

  it('random ring bodies under vmap (a ring [keys, W, S] per key: stored lane-major in scratch)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    // Keys with one value each, one key with S values, several keys with several values each
    // (the per-key position is then held by each of its key's lanes).
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom([1, 2], [3, 1], [4, 1], [3, 2], [2, 3]),
        fc.constantFrom(1, 4),
        fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 4, maxLength: 4 }),
        fc.constantFrom('set', 'add'),
        fc.constantFrom('none', 'sum'),
        async ([K, S], W, pos0, mode, reduce) => {
          type Carry = { buf: LaxArray; pos: LaxArray };
          const body = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray] => {
            const leaving = np.take(buf, pos, { axis: 0, mode: 'clip' });
            const next = mode === 'set' ? buf.at(pos).set(x.mul(2)) : buf.at(pos).add(x);
            const y = reduce === 'none' ? leaving.add(x) : leaving.add(np.sum(next, { axis: 0 }));
            return [{ buf: next, pos: np.remainder(pos.add(1), W + 1) }, y];
          };
          const perKey = vmap((b: LaxArray, p: LaxArray, xs: LaxArray) => {
            const [c, ys] = lax.scan(body, { buf: b, pos: p }, xs);
            return [c.buf, c.pos, ys] as LaxArray[];
          });
          const bufs = np.array(signal(K * W * S, W + K)).reshape([K, W, S]);
          const pos = np.array(pos0.slice(0, K), { dtype: 'int32' });
          const xs = np.array(signal(K * 7 * S, S)).reshape([K, 7, S]);
          await agree(perKey(bufs, pos, xs) as LaxArray[]);
          expect(gpu.backend().last?.ranOn).toBe('webgpu');
        },
      ),
      { numRuns: 16 },
    );
  }, 120_000);

  it('a body whose index leaves its lane at run time is recomputed on the CPU, saying so', async (ctx) => {
    if (!gpu.need(ctx)) return;
    // Lane l gathers buf.flat[k + l] (a flat gather, as lax.gather can): the coefficients fit
    // the [W, S] layout, but k = 1 reads the next lane's column. (jnp's own indexing is per
    // axis, so it cannot leave a lane of such a ring.)
    const S = 4;
    const W = 3;
    type Carry = { buf: LaxArray; k: LaxArray };
    const body = ({ buf, k }: Carry, x: LaxArray): [Carry, LaxArray] => {
      const read = wrap(node('gather', [buf.node, lax.iota('int32', S).add(k).node], {}));
      return [{ buf: buf.at(0).set(x), k: k.add(0) }, read.add(x)];
    };
    const run = (k: number) => lax.scan(body, { buf: np.zeros([W, S]), k: np.array(k, { dtype: 'int32' }) }, np.array(signal(5 * S, 3)).reshape([5, S]));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const [inLane, ys0] = run(0);
      await agree([inLane.buf, ys0]);
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
      const [escaped, ys1] = run(1);
      await agree([escaped.buf, ys1]);
      expect(gpu.backend().last?.ranOn).toBe('cpu');
      expect(warn.mock.calls.flat().join('\n')).toMatch(/outside its lane/);
    } finally {
      warn.mockRestore();
    }
  });

  it('stream operators on the WebGPU backend emit what they emit on the CPU (zscore per sensor; keyed rolling stats of numbers and of vectors)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const S = 6;
    // Chunks of 7 steps of S sensors (a typed array of 7 * S values is a chunk, emission.ts).
    const batches = Array.from({ length: 5 }, (_, b) => signal(7 * S, b));
    const records = Array.from({ length: 40 }, (_, i) => ({ key: ['a', 'b', 'c'][i % 3], value: i % 9 === 4 ? null : Math.cos(i) * 5, t: i }));
    const keyedStep = rollingStep({ window: 3, minPeriods: 1 }, ['mean', 'var']);
    // keyed records with vector values: each key's state spans several lanes
    const vectors = Array.from({ length: 30 }, (_, i) => ({ key: ['a', 'b', 'c'][i % 3], value: [Math.cos(i), i % 7 === 3 ? null : Math.sin(i) * 3], t: i }));
    const run = async () => ({
      z: (await collect(batches, zscore({ window: 4, minPeriods: 2, xShape: [S] }))) as Float32Array[],
      keyed: (await collect([records.slice(0, 17), records.slice(17)], stepOperator(keyedStep, { maxBatch: 8 }))).flat() as { value: { mean: number; var: number } }[],
      keyedVectors: (await collect([vectors.slice(0, 11), vectors.slice(11)], stepOperator(keyedStep, { xShape: [2], maxBatch: 8 }))).flat() as { value: { mean: number[]; var: number[] } }[],
    });
    const want = await run();
    setBackend(gpu.backend());
    try {
      const got = await run();
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
      expect(got.z).toHaveLength(batches.length);
      got.z.forEach((z, i) => expectClose(z, want.z[i], 64, 1e-3, `zscore chunk ${i}`));
      const field = (rs: typeof want.keyed, f: 'mean' | 'var') => Float32Array.from(rs, (r) => r.value[f]);
      expect(got.keyed).toHaveLength(records.length);
      expectClose(field(got.keyed, 'mean'), field(want.keyed, 'mean'), 64, 1e-3, 'keyed mean');
      expectClose(field(got.keyed, 'var'), field(want.keyed, 'var'), 64, 1e-3, 'keyed var');
      const flat = (rs: typeof want.keyedVectors, f: 'mean' | 'var') => Float32Array.from(rs.flatMap((r) => Array.from(r.value[f])));
      expect(got.keyedVectors).toHaveLength(vectors.length);
      expectClose(flat(got.keyedVectors, 'mean'), flat(want.keyedVectors, 'mean'), 64, 1e-3, 'keyed vector mean');
      expectClose(flat(got.keyedVectors, 'var'), flat(want.keyedVectors, 'var'), 64, 1e-3, 'keyed vector var');
    } finally {
      setBackend(cpuBackend);
    }
  });
});
