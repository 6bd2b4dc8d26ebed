// Programs whose arrays together exceed one storage binding (issue 16: a 1000-sensor x 10^4-step
// Kalman filter, 160 MB, against a 128 MiB maxStorageBufferBindingSize) run on WebGPU with each
// array bound separately (src/gpu/runtime.ts, split_bindings.ts); only an array over the limit
// by itself is refused, with an error naming its size and the limit. The limit is lowered with
// the backend's maxBindingBytes option: lavapipe's own is too large to reach in a test.

import { describe, expect, it } from 'vitest';

import { WebGpuBackend } from '../../src/gpu/backend.js';
import { splitBindings } from '../../src/gpu/split_bindings.js';
import { lax, np, type LaxArray } from '../../src/index.js';
import { currentBackend, setBackend } from '../../src/scheduler/realize.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const LIMIT = 4096;
let small: WebGpuBackend | null = null;
const backend = () => (small ??= new WebGpuBackend({ maxBindingBytes: LIMIT }));

const f32 = (n: number, seed: number) => np.array(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 10 + 50));

/**
 * `xs` on the small-binding backend, bound separately, equal the oracle, and bit for bit the
 * same program in one arena (the same WGSL but for its bindings).
 */
async function agreeSplit(xs: LaxArray[], ulps = 0, abs = 0, on: WebGpuBackend = backend()): Promise<void> {
  const outs = xs.map((x) => x.node);
  const got = await on.run(outs);
  expect(on.last).toMatchObject({ ranOn: 'webgpu', split: true });
  const want = oracle(outs);
  got.forEach((g, i) => expectClose(g, want[i], ulps, abs, `output ${i} (${outs[i]})`));
  expect(got).toEqual(await gpu.backend().run(outs));
  expect(gpu.backend().last?.split).toBeUndefined();
}

describe('WebGPU: programs larger than one storage binding', () => {
  it('the shader rewrite: a binding per buffer, slots of one buffer share it', () => {
    const code = [
      '@group(0) @binding(0) var<storage, read_write> mem: array<u32>;',
      '@group(0) @binding(1) var<storage, read> offs: array<u32>;',
      'fn main() {',
      '  mem[offs[2] + i] = mem[offs[0] + u32(c0)] + mem[offs[1] + 3u];',
      '  mem[offs[3]] = min(4u, arrayLength(&mem));',
      '}',
    ].join('\n');
    const split = splitBindings(code, [0, 1, 0, 3], (slot) => slot !== 1);
    expect(split.slots).toEqual([0, 3]);
    expect(split).toMatchObject({ usesArena: true, usesMeta: true });
    expect(split.code).toContain('mem0[i] = mem0[u32(c0)] + mem[offs[1] + 3u];');
    expect(split.code).toContain('mem3[0] = min(4u, (arrayLength(&offs) | 0x40000000u));');
    expect(split.code).toContain('@group(0) @binding(5) var<storage, read_write> mem3: array<u32>;');
    const all = splitBindings(code, [0, 1, 0, 3], () => true);
    expect(all).toMatchObject({ slots: [0, 1, 3], usesArena: false });
  });

  it('elementwise, reductions, cumulative, dot, concatenate, gather and .at: == oracle, bound separately', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const a = f32(1000, 1);
    const b = f32(1000, 2);
    await agreeSplit([np.sqrt(a.mul(a).add(b).mul(0.5))], 4);
    const m = a.reshape([40, 25]);
    await agreeSplit([np.sum(m, { axis: 0 }), np.max(m, { axis: 1 }), np.argmax(m, { axis: 1 }), np.cumsum(m, { axis: 0 })], 64, 1e-3);
    await agreeSplit([np.matmul(m.slice(np.slice(0, 25)), b.reshape([25, 40]).slice(null, np.slice(0, 20)))], 64, 1e-2);
    await agreeSplit([np.concatenate([a.slice(np.slice(0, 500)), b.slice(np.slice(0, 500))]), np.take(a, np.array([3, 999, 0, 500], { dtype: 'int32' })), a.at(np.array([1, 5, 1], { dtype: 'int32' })).add(b.slice(np.slice(0, 3)))]);
  });

  it('a Kalman filter per sensor (lax.scan) whose xs and ys together exceed the binding', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const sensors = 16;
    const steps = 64; // xs and ys are 4096 bytes each, the limit
    type State = [LaxArray, LaxArray];
    const step = ([x, p]: State, z: LaxArray): [State, LaxArray] => {
      const pp = p.add(0.01);
      const k = pp.div(pp.add(0.5));
      const xn = x.add(k.mul(z.sub(x)));
      return [[xn, pp.mul(np.subtract(1, k))], xn];
    };
    const zs = f32(steps * sensors, 3).reshape([steps, sensors]);
    const [[x, p], ys] = lax.scan(step, [np.zeros([sensors]), np.ones([sensors])], zs);
    await agreeSplit([ys, x, p], 64, 1e-3);
  });

  it('a scan over a carried ring buffer (memory carries, lane flags in scratch)', async (ctx) => {
    if (!gpu.need(ctx)) return;
    type Carry = { buf: LaxArray; pos: LaxArray };
    const W = 6;
    const body = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray[]] => {
      const next = buf.at(pos).set(x);
      return [{ buf: next, pos: np.remainder(pos.add(1), W) }, [np.mean(next, { axis: 0 }), np.max(next, { axis: 0 })]];
    };
    const xs = f32(12 * 64, 4).reshape([12, 64]);
    const [c, ys] = lax.scan(body, { buf: np.zeros([W, 64]), pos: np.array(0, { dtype: 'int32' }) }, xs);
    await agreeSplit([...(ys as LaxArray[]), c.buf, c.pos], 64, 1e-3);
  });

  it('parallel scans (a long cumsum, a long affine lax.scan): scratch and opaque loop bounds, bound separately', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const big = new WebGpuBackend({ maxBindingBytes: 40_000 });
    const x = f32(8192, 7); // 32768 bytes: the input and the output do not fit one binding together
    const ema = (c: LaxArray, v: LaxArray): [LaxArray, LaxArray] => {
      const n = c.mul(0.9).add(v.mul(0.1));
      return [n, n];
    };
    // A parallel scan adds in another order than the oracle: loose against it, exact against the arena run.
    await agreeSplit([np.cumsum(x), lax.scan(ema, np.zeros([]), x)[1]], 4096, 1e-2, big);
  });

  it('through the public API', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const before = currentBackend();
    setBackend(backend());
    try {
      const a = f32(1000, 5);
      const got = await a.add(1).data();
      expect(backend().last?.split).toBe(true);
      expect(Array.from(got)).toEqual(Array.from(oracle([a.add(1).node])[0]));
    } finally {
      setBackend(before);
    }
  });

  it('refuses only an array over the limit by itself, naming its size and the limit', async (ctx) => {
    if (!gpu.need(ctx)) return;
    await expect(backend().run([f32(1025, 6).add(1).node])).rejects.toThrow(/an array of 4100 bytes .*maxStorageBufferBindingSize 4096/);
  });
});
