// Gradients and control flow on the WebGPU backend against the oracle: the graphs grad, cond
// and foriLoop build are ordinary primitives (select, scatter, dot, scan), so WebGPU runs
// them as any other; the reverse scan of grad-through-scan is one loop on the device.

import { describe, it } from 'vitest';
import { grad, lax, np, valueAndGrad, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { agreeOn, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const f32 = (v: number[]) => np.array(v, { dtype: 'float32' });

describe('autodiff and control flow on WebGPU', () => {
  it('valueAndGrad of a least-squares loss, vmap(grad) and grad through .at', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const x = np.reshape(f32([1, 2, 3, 4, 5, 6, 7, 8]), [4, 2]);
    const y = f32([1, 0, -1, 2]);
    const loss = (w: LaxArray, b: LaxArray) => np.mean(np.square(np.matmul(x, w).add(b).sub(y)));
    const [v, [gw, gb]] = valueAndGrad(loss, { argnums: [0, 1] })(f32([0.5, -0.25]), np.array(0.1, { dtype: 'float32' }));
    const per = vmap(grad((r: LaxArray) => np.sum(np.sin(r).mul(r.at(0).get()))))(x);
    await agreeOn(gpu.backend(), [v, gw, gb, per], 4, 1e-6);
  }, 120_000);

  it('cond under vmap, foriLoop, and grad through a scan', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const c = vmap((e: LaxArray) => lax.cond(np.greater(e, 0), (a: LaxArray) => a.mul(2), (a: LaxArray) => np.exp(a), e))(f32([1, -1, 2, -0.5]));
    const loop = lax.foriLoop(0, 5, (i: LaxArray, acc: LaxArray) => acc.mul(0.5).add(i.astype('float32')), f32([1, 2]));
    const ema = (xs: LaxArray) => np.sum(np.square(lax.scan((cc: LaxArray, xi: LaxArray) => [cc.mul(0.9).add(xi.mul(0.1)), cc], np.array(0, { dtype: 'float32' }), xs)[1]));
    const g = grad(ema)(f32([1, 2, 3, 4, 5, 6]));
    // stopGradient is a cast to the same dtype: an identity on the device
    const stopped = grad((x: LaxArray) => np.sum(x.mul(lax.stopGradient(np.exp(x)))))(np.linspace(-1, 1, 1000));
    await agreeOn(gpu.backend(), [c, loop, g, stopped], 4, 1e-6);
  }, 120_000);
});
