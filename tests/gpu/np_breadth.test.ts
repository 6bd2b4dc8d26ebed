// jax.numpy breadth (issue 21) on WebGPU: the composite functions (a bitonic sort network of
// gathers and selects, scatters to ranks, dot_general, strided views) run as WebGPU kernels
// and agree with the oracle. Small shapes: lavapipe compiles every new shader cold.

import { describe, expect, it } from 'vitest';
import { np, random } from '../../src/index.js';
import { agreeOn, useGpu } from './gpu_harness.js';

const gpu = useGpu();

describe('jax.numpy breadth on WebGPU', () => {
  it('sort (NaN, -0, ties), median and searchsorted agree with the oracle', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = np.array([[3, NaN, -1, 2, 2, -0, 7], [5, 1, 1, -4, 0, 9, 9]], { dtype: 'float32' });
    await agreeOn(gpu.backend(), [np.sort(x), np.median(x, { axis: 1 }), np.searchsorted(np.array([0, 1, 2, 5]), np.array([1.5, -3, 9]))]);
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
  });

  it('pad, roll, einsum, tril, diagonal, convolve, takeAlongAxis agree with the oracle', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const m = random.normal(random.key(21), [4, 5]);
    const v = np.array([1, -2, 0.5], { dtype: 'float32' });
    await agreeOn(
      gpu.backend(),
      [np.pad(m, [[1, 2], [3, 0]], { mode: 'reflect' }), np.roll(m, 3), np.einsum('ij,kj->ik', m, m), np.tril(m, 1), np.diagonal(m, { offset: 1 }), np.convolve(np.ravel(m), v, { mode: 'same' }), np.takeAlongAxis(m, np.argsort(m, { axis: 1 }), { axis: 1 })],
      4,
      1e-5,
    );
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
  });
});
