// Float32 results that depend on whether JAX compiles the code (XLA) or dispatches it
// op by op. We follow JAX in both places and say so here.
import { describe, expect, it } from 'vitest';
import { jit, lax, np, type LaxArray } from '../../src/index.js';

describe('division by a constant', () => {
  it('is exact in eager code: jnp.float32(10) / 3 -> 3.3333333', async () => {
    expect(await np.divide(np.array([10], { dtype: 'float32' }), 3).format()).toBe('[3.3333333]');
  });

  it('is multiplication by the reciprocal inside lax.scan, as XLA rewrites it (the seed prints 3.3333335)', async () => {
    // lax.scan(lambda c, x: ((c * 2 + x) / 3,) * 2, 0.0, jnp.array([10.], jnp.float32))[1] -> [3.3333335]
    const [, ys] = lax.scan((c: LaxArray | number, x: LaxArray) => {
      const y = np.divide(np.add(np.multiply(c, 2), x), 3);
      return [y, y];
    }, 0.0, np.array([10], { dtype: 'float32' }));
    expect(await ys.format()).toBe('[3.3333335]');
  });

  it('is multiplication by the reciprocal inside jit', async () => {
    // jax.jit(lambda x: x / 3)(jnp.float32([10.])) -> [3.3333335]
    const f = jit((x: LaxArray) => np.divide(x, 3));
    expect(await f(np.array([10], { dtype: 'float32' })).format()).toBe('[3.3333335]');
  });

  it('jnp.mean (jitted in JAX) multiplies by 1/n', async () => {
    // jnp.mean(jnp.float32([10., 0., 0.])) -> 3.3333335
    expect(await np.mean(np.array([10, 0, 0], { dtype: 'float32' })).format()).toBe('3.3333335');
  });
});
