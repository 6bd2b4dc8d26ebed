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

describe('power with a concrete integer exponent is lax.integer_pow', () => {
  // jnp.power(x, 2) with a Python int exponent lowers to lax.integer_pow: multiplications by
  // binary exponentiation, so x ** 2 == x * x exactly and x ** -2 == 1 / (x * x).
  const x = np.array([1.1, -3.7, 0.3, 1e-20, 7], { dtype: 'float32' });
  const xs = [1.1, -3.7, 0.3, 1e-20, 7].map(Math.fround);
  const f = Math.fround;
  it('x ** 2, x ** 3, x ** 5, x ** -2, x ** 0', async () => {
    expect(Array.from(await x.pow(2).data())).toEqual(xs.map((v) => f(v * v)));
    expect(Array.from(await x.pow(3).data())).toEqual(xs.map((v) => f(f(v * v) * v)));
    // 5 = 0b101: acc = x, then x2 = x * x, x4 = x2 * x2, acc = x * x4
    expect(Array.from(await x.pow(5).data())).toEqual(xs.map((v) => f(v * f(f(v * v) * f(v * v)))));
    expect(Array.from(await x.pow(-2).data())).toEqual(xs.map((v) => f(1 / f(v * v))));
    expect(Array.from(await x.pow(0).data())).toEqual([1, 1, 1, 1, 1]);
    // jnp.power(jnp.int32([3, -2]), 3) -> [27 -8]
    expect(await np.power(np.array([3, -2]), 3).tolist()).toEqual([27, -8]);
    expect(x.pow(2).dtype).toBe('float32');
  });
});
