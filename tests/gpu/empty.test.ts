// Programs over empty arrays on WebGPU (issue 16) agree with the oracle: a kernel over a
// size-0 dimension compiles (its divisors are never spelled as 0), a kernel whose outputs
// are all empty has no dispatch and no shader, and the results are empty arrays of the
// right shape. Reductions over an empty axis give their identity, as the oracle and JAX.

import { describe, expect, it } from 'vitest';

import { lax, np, type LaxArray } from '../../src/index.js';
import { currentBackend, setBackend } from '../../src/scheduler/realize.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();

/** `xs` on WebGPU equal the oracle exactly (NaN == NaN), output by output, with the shapes asked for. */
async function agree(xs: LaxArray[], shapes: number[][]): Promise<void> {
  const outs = xs.map((x) => x.node);
  expect(outs.map((n) => n.shape)).toEqual(shapes);
  const got = await gpu.backend().run(outs);
  expect(gpu.backend().last?.ranOn).toBe('webgpu');
  const want = oracle(outs);
  got.forEach((g, i) => {
    expect(g.constructor).toBe(want[i].constructor);
    expectClose(g, want[i], 0, 0, `output ${i} (${outs[i]})`);
  });
}

describe('WebGPU: kernels over a size-0 dimension', () => {
  it('elementwise over an empty array: an empty result, nothing dispatched', async (ctx) => {
    if (!gpu.need(ctx)) return;
    await agree([np.add(np.zeros([2, 0]), 1)], [[2, 0]]);
    expect(gpu.backend().last?.dispatches).toBe(0);
    await agree([np.zeros([3, 0]).reshape([0, 3]).mul(2).add(np.arange(3)), np.ones([0], { dtype: 'int32' }).add(1)], [[0, 3], [0]]);
  });

  it('reductions over an empty axis give their identity; over a kept empty axis an empty result', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const f = np.zeros([2, 0]).add(1);
    const i = np.zeros([0, 3], { dtype: 'int32' }).add(1);
    const b = np.greater(np.zeros([2, 0]).add(1), 0);
    await agree(
      [np.sum(f, { axis: 1 }), np.prod(f, { axis: 1 }), np.sum(i, { axis: 0 }), np.prod(i, { axis: 0 }), np.sum(b, { axis: 1 }), np.any(b, { axis: 1 }), np.all(b, { axis: 1 }), np.sum(f)],
      [[2], [2], [3], [3], [2], [2], [2], []],
    );
    expect(await gpu.backend().run([np.prod(f, { axis: 1 }).node])).toEqual([Float32Array.of(1, 1)]);
    await agree([np.max(i, { axis: 1 }), np.sum(np.zeros([0, 2000]), { axis: 1 }), np.argmax(np.zeros([0, 4]), { axis: 1 })], [[0], [0], [0]]);
  });

  it('cumulative, dot and concatenate with empty operands', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const a = np.zeros([2, 0]).add(1);
    await agree([np.cumsum(a, { axis: 1 }), np.cummax(np.zeros([0, 3]).add(1), { axis: 0 })], [[2, 0], [0, 3]]);
    await agree([np.matmul(a, np.zeros([0, 3]).add(2)), np.matmul(np.zeros([0, 2]).add(1), np.ones([2, 3]))], [[2, 3], [0, 3]]);
    await agree([np.concatenate([np.zeros([0, 3]).add(5), np.arange(6).reshape([2, 3])]), np.concatenate([a, a], { axis: 0 })], [[2, 3], [4, 0]]);
  });

  it('through the public API: empty arrays of the right shape, next to non-empty outputs', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const before = currentBackend();
    setBackend(gpu.backend());
    try {
      const e = np.add(np.zeros([2, 0]), 1);
      expect(e.shape).toEqual([2, 0]);
      expect(await e.tolist()).toEqual([[], []]);
      expect(await np.sum(e, { axis: 1 }).tolist()).toEqual([0, 0]);
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
    } finally {
      setBackend(before);
    }
  });
});

describe('WebGPU: lax.scan over 0 steps', () => {
  // jax.lax.scan(f, init, xs) with xs.shape[0] == 0 returns (init, empty ys), reversed or not.
  for (const reverse of [false, true]) {
    it(`reverse: ${reverse}: the final carry is the initial carry, ys are empty`, async (ctx) => {
      if (!gpu.need(ctx)) return;
      const init = np.array([0.5, 1.5, 2.5, 3.5], { dtype: 'float32' }).mul(1);
      const body = (c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => [c.add(x), c.mul(x)];
      const [c, ys] = lax.scan(body, init, np.zeros([0, 4]).add(1), { reverse });
      await agree([c, ys], [[4], [0, 4]]);
      expect(await gpu.backend().run([c.node])).toEqual([Float32Array.of(0.5, 1.5, 2.5, 3.5)]);
      const [c2, ys2] = lax.scan((k: LaxArray): [LaxArray, LaxArray] => [k.mul(2), k.add(1)], np.array(1.5), null, { reverse, length: 0 });
      await agree([c2, ys2], [[], [0]]);
    });
  }
});

describe('WebGPU: mean, var and std over an empty axis', () => {
  // jnp.mean(jnp.zeros((2, 0)), axis=1) is [nan nan] (0 / 0), as NumPy's; so are var and std.
  it('are NaN, as the oracle and the CPU backend', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = np.zeros([2, 0]).add(1);
    const y = np.zeros([0, 3], { dtype: 'int32' }).add(1);
    const outs = [np.mean(x, { axis: 1 }), np.var(x, { axis: 1 }), np.std(x, { axis: 1 }), np.mean(y, { axis: 0 }), np.var(y, { axis: 0, ddof: 1 }), np.mean(x), np.std(y)];
    await agree(outs, [[2], [2], [2], [3], [3], [], []]);
    for (const got of await gpu.backend().run(outs.map((o) => o.node))) expect(Array.from(got).every(Number.isNaN)).toBe(true);
  });
});
