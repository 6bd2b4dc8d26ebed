// JAX fidelity defects a new user hit in the first hour (issue "What a user hits in the first
// hour"): each case is what JAX does, with the JAX source or the NumPy call that says so.

import { describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';

const list = async (a: { data(): Promise<ArrayLike<number>> }) => Array.from(await a.data());

describe('JS numbers outside int32 (JAX converts a Python scalar to the result dtype: dtypes._scalar_type_to_dtype)', () => {
  it('next to a float32 array a large JS number is a weak float32, never wrapped through int32', async () => {
    // NumPy 2.4.6: np.float32(1.5) - np.float32(1e20) == -1e20; np.float32(1.5) * np.float32(2**32) == 6442450944
    expect(await list(np.subtract(np.array([1.5], { dtype: 'float32' }), 1e20))).toEqual([Math.fround(-1e20)]);
    expect(await list(np.array([1.5], { dtype: 'float32' }).mul(2 ** 32))).toEqual([6442450944]);
    expect(await list(np.where(np.array([true, false]), 2 ** 40, np.array([0.5, 0.5])))).toEqual([2 ** 40, 0.5]);
    expect(np.array([1.5], { dtype: 'float32' }).mul(2 ** 32).dtype).toBe('float32');
  });

  it('next to an integer array an integer outside its range is an OverflowError', () => {
    // JAX: OverflowError: Python int 1099511627776 too large to convert to int32
    expect(() => np.add(np.array([1, 2]), 2 ** 40)).toThrow(/OverflowError: Python int 1099511627776 too large to convert to int32/);
    expect(() => np.add(np.array([1], { dtype: 'uint32' }), -1)).toThrow(/Python int -1 too large to convert to uint32/);
    expect(() => np.full([2], 2 ** 31)).toThrow(/Python int 2147483648 too large to convert to int32/);
  });

  it('integers in range keep their dtype (uint32 up to 2**32 - 1)', async () => {
    const u = np.array([1], { dtype: 'uint32' }).add(2 ** 32 - 2);
    expect(u.dtype).toBe('uint32');
    expect(await list(u)).toEqual([2 ** 32 - 1]);
    expect(np.array([1, 2]).add(2 ** 31 - 2).dtype).toBe('int32');
  });

  it('np.array of integers beyond int32 is float32 (JS cannot say 1e20 is a float)', async () => {
    const a = np.array([1e20, 1]);
    expect(a.dtype).toBe('float32');
    expect(await list(a)).toEqual([Math.fround(1e20), 1]);
    expect(np.array([-(2 ** 31), 2 ** 31 - 1]).dtype).toBe('int32'); // int32's whole range, both ends
    expect(np.array([2 ** 31]).dtype).toBe('float32');
  });
});

describe('np.take', () => {
  const a = () => np.array([10, 20, 30, 40]);
  it("mode 'clip' clamps the index as given: -1 is 0 (NumPy 2.4.6 and JAX: [10 10 40])", async () => {
    expect(await list(np.take(a(), np.array([-1, -3, 5]), { mode: 'clip' }))).toEqual([10, 10, 40]);
    // np.take([10, 20, 30, 40], [-1, -3, 5], mode='wrap') == [40, 20, 20] (NumPy 2.4.6)
    expect(await list(np.take(a(), np.array([-1, -3, 5]), { mode: 'wrap' }))).toEqual([40, 20, 20]);
  });

  it('a non-empty take from an empty axis is an error, an empty one is fine (jax/_src/numpy/lax_numpy.py)', async () => {
    expect(() => np.take(np.zeros([0]), np.array([0]))).toThrow('Cannot do a non-empty jnp.take() from an empty axis.');
    expect(np.take(np.zeros([0]), np.zeros([0], { dtype: 'int32' })).shape).toEqual([0]);
  });

  it('an unknown mode is an error naming it', () => {
    expect(() => np.take(a(), np.array([0]), { mode: 'bogus' as never })).toThrow(/take: invalid mode "bogus"/);
  });
});

describe('np.power', () => {
  it('an integer base to a negative integer exponent is an error (lax.integer_pow dtype rule)', async () => {
    expect(() => np.power(np.array([5, 2, -1]), -2)).toThrow('Integers cannot be raised to negative powers, got integer_pow(int32[3], -2)');
    expect(await list(np.power(np.array([2], { dtype: 'float32' }), -2))).toEqual([0.25]);
    expect(await list(np.power(np.array([5, 2, -1]), 2))).toEqual([25, 4, 1]);
  });
});

describe('np.arange with float32 steps follows NumPy\'s fill (JAX computes a concrete arange with NumPy)', () => {
  it('matches np.arange(..., dtype=np.float32) element for element', async () => {
    // NumPy 2.4.6: np.arange(3.6, 1.2, -0.1, dtype=np.float32).tolist()
    const want = [
      3.5999999046325684, 3.5, 3.4000000953674316, 3.3000001907348633, 3.200000286102295, 3.1000003814697266, 3.000000476837158, 2.90000057220459, 2.8000006675720215,
      2.700000762939453, 2.6000008583068848, 2.5000009536743164, 2.400001049041748, 2.3000011444091797, 2.2000012397766113, 2.100001335144043, 2.0000014305114746,
      1.9000015258789062, 1.800001621246338, 1.7000017166137695, 1.6000018119812012, 1.5000019073486328, 1.4000020027160645, 1.300002098083496, 1.2000021934509277,
    ];
    expect(await list(np.arange(3.6, 1.2, -0.1))).toEqual(want);
    // NumPy 2.4.6: np.arange(-5, 5, 0.3, dtype=np.float32)[:12].tolist()
    const want2 = [-5.0, -4.699999809265137, -4.399999618530273, -4.09999942779541, -3.799999237060547, -3.4999990463256836, -3.1999988555908203, -2.899998664855957, -2.5999984741210938, -2.2999982833862305, -1.9999980926513672, -1.699997901916504];
    expect((await list(np.arange(-5, 5, 0.3))).slice(0, 12)).toEqual(want2);
    expect(await list(np.arange(5))).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('lax.scan with an int32 initial carry made from 0.0', () => {
  it('says why np.array(0.0) is int32 and how to fix it', () => {
    const body = (c: ReturnType<typeof np.array>, x: ReturnType<typeof np.array>): [ReturnType<typeof np.array>, ReturnType<typeof np.array>] => {
      const n = c.add(x.mul(0.5));
      return [n, n];
    };
    const xs = np.arange(4).astype('float32');
    expect(() => lax.scan(body, np.array(0.0), xs)).toThrow(/carry\[0\] is int32\(\) on input and float32\(\) on output.*JS cannot tell 0.0 from 0.*\{ dtype: 'float32' \}/);
    expect(() => lax.scan(body, np.array(0, { dtype: 'float32' }), xs)).not.toThrow();
    expect(() => lax.scan(body as never, 0, xs)).not.toThrow();
  });
});

describe('iteration over the first axis (a JAX array is iterable)', () => {
  it('destructures and loops over lazy slices; a 0-d array is not iterable', async () => {
    const a = np.arange(6).reshape([3, 2]);
    const rows: number[][] = [];
    for (const row of a) rows.push(await list(row));
    expect(rows).toEqual([[0, 1], [2, 3], [4, 5]]);
    const [first, second] = a;
    expect(first.shape).toEqual([2]);
    expect(await list(second)).toEqual([2, 3]);
    expect(() => [...np.array(3)]).toThrow('iteration over a 0-d array');
  });

  it('const [k1, k2] = random.split(key) gives the keys JAX gives', async () => {
    const { random } = await import('../../src/index.js');
    const keys = random.split(random.key(0));
    const [k1, k2] = keys;
    expect([await list(k1), await list(k2)]).toEqual([await list(keys.slice(0)), await list(keys.slice(1))]);
    expect(k1.shape).toEqual([2]);
  });
});

describe('float to int conversion saturates, as XLA converts (JAX: jnp.array([3e9, 1e20]).astype(jnp.int32) is [2147483647 2147483647])', () => {
  const cases = async () => ({
    i32: await list(np.array([3e9, 1e20, -3e9, -1e20, NaN, -2.7, 2.7, Infinity, -Infinity], { dtype: 'float32' }).astype('int32')),
    u32: await list(np.array([-3, 5e9, -0.5, 3.9, NaN, Infinity, -Infinity], { dtype: 'float32' }).astype('uint32')),
    at: await list(np.zeros([2], { dtype: 'int32' }).at(0).set(np.array(1e20, { dtype: 'float32' }))),
  });
  const want = {
    i32: [2147483647, 2147483647, -2147483648, -2147483648, 0, -2, 2, 2147483647, -2147483648],
    u32: [0, 4294967295, 0, 3, 0, 4294967295, 0],
    at: [2147483647, 0],
  };

  it('on the CPU backend (generated JS; wasm leaves float-to-int casts to it)', async () => {
    expect(await cases()).toEqual(want);
  });

  it('on the oracle', async () => {
    const { init } = await import('../../src/index.js');
    await init({ backend: 'oracle' });
    try {
      expect(await cases()).toEqual(want);
    } finally {
      await init({ backend: 'cpu' });
    }
  });
});
