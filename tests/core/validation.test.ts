// Bad input at the public boundary (issue 17): each defect class the fuzzer found, now an
// error at the call naming the function, the argument and the value (src/operators/validate.ts),
// and the fixed "silently wrong" results checked by value.

import { describe, expect, it } from 'vitest';
import { init, lax, np, random, realize } from '../../src/index.js';

const x = np.array([[1, 2, 3], [4, 5, 6]]);

describe('hangs and runaway allocations are refused at the call', () => {
  it('negative or fractional repeats and reps', () => {
    expect(() => np.tile(x, [-1])).toThrow('tile: negative dimensions are not allowed, got reps (-1,)');
    expect(() => np.tile(x, 1.5)).toThrow('tile: Shapes must be 1D sequences of concrete values of integer type');
    expect(() => np.repeat(x, -1)).toThrow('repeat: repeats must be non-negative, got -1');
    expect(() => np.repeat(x, 1.5)).toThrow('repeat: repeats must be an integer, got number 1.5');
    expect(() => np.repeat(x, 2 ** 31)).toThrow("repeat: an array of shape (12884901888,) would have 12884901888 elements, more than laxflow's limit of 2147483647");
  });

  it('shapes: negative, fractional, NaN, strings, too large', () => {
    expect(() => np.broadcastTo(1, [-4])).toThrow('broadcastTo: negative dimensions are not allowed, got shape (-4,)');
    expect(() => np.broadcastTo(1, ['2' as never])).toThrow('broadcastTo: Shapes must be 1D sequences of concrete values of integer type, got array ["2"]');
    expect(() => np.broadcastTo(1, 3 as never)).toThrow('broadcastTo: shape must be an array of non-negative integers, got number 3');
    expect(() => np.zeros([2.5])).toThrow('zeros: Shapes must be 1D sequences');
    expect(() => np.full([NaN], 1)).toThrow('full: Shapes must be 1D sequences');
    expect(() => np.ones([1e6, 1e6])).toThrow('ones: an array of shape (1000000, 1000000) would have 1000000000000 elements');
    expect(() => np.eye(-1)).toThrow('eye: negative dimensions are not allowed');
    expect(() => lax.iota('int32', -3)).toThrow('lax.iota: negative dimensions are not allowed');
    expect(() => random.uniform(random.key(0), [-1])).toThrow('uniform: negative dimensions are not allowed');
  });

  it('linspace num, arange NaN and Infinity', () => {
    expect(() => np.linspace(0, 1, 1.5)).toThrow('linspace: num must be an integer, got number 1.5');
    expect(() => np.linspace(0, 1, -1)).toThrow('linspace: Number of samples, -1, must be non-negative.');
    expect(() => np.arange(NaN)).toThrow('arange: stop must be finite, got NaN');
    expect(() => np.arange(0, Infinity)).toThrow('arange: stop must be finite, got Infinity');
    expect(() => np.arange(0, 10, NaN)).toThrow('arange: step must be finite, got NaN');
    expect(() => np.arange('5' as never)).toThrow('arange: stop must be a number, got string "5"');
    expect(() => np.arange(0, 2 ** 32)).toThrow('arange: an array of shape (4294967296,)');
  });

  it('expandDims with repeated axes; np.array of a DataView or a BigInt64Array', () => {
    expect(() => np.expandDims(x, [0, 0])).toThrow('expandDims: repeated axis in axis (0, 0)');
    expect(() => np.expandDims(x, [0, -4])).toThrow('expandDims: repeated axis');
    expect(() => np.array(new DataView(new ArrayBuffer(8)) as never)).toThrow('array: unsupported array type DataView at position 0');
    expect(() => np.array(new BigInt64Array(2) as never)).toThrow('array: unsupported array type BigInt64Array');
    expect(np.array(new Int16Array([1, -2]) as never).dtype).toBe('int32');
  });
});

describe('silently wrong results', () => {
  it('.at with integers beyond int32 is out of bounds (dropped on update, clamped on read), never wrapped', async () => {
    const a = np.array([1, 2, 3]);
    expect(await a.at(2 ** 32 + 1).set(7).tolist()).toEqual([1, 2, 3]);
    expect(await a.at(-(2 ** 40)).add(7).tolist()).toEqual([1, 2, 3]);
    expect(await a.at(2 ** 32 + 1).get().item()).toBe(3);
    expect(await a.at(np.array([4294967295, 1], { dtype: 'uint32' })).set(7).tolist()).toEqual([1, 7, 3]);
    expect(() => a.at(1.5).set(0)).toThrow('at: Indexer must be an integer, a slice, null or an integer array, got number 1.5 at position 0');
    expect(() => a.at('1' as never).set(0)).toThrow('at: Indexer must be an integer');
  });

  it('lax.slice past the end, negative starts, zero strides', () => {
    expect(() => lax.slice(x, [0, 0], [2, 5])).toThrow('lax.slice: limit_indices must be less than or equal to operand shape, got limit_indices (2, 5) and shape (2, 3)');
    expect(() => lax.slice(x, [-1, 0], [2, 3])).toThrow('lax.slice: start_indices must be greater than or equal to zero');
    expect(() => lax.slice(x, [1, 0], [0, 3])).toThrow('lax.slice: limit_indices must be greater than or equal to start_indices');
    expect(() => lax.slice(x, [0, 0], [2, 3], [1, 0])).toThrow('lax.slice: strides must be positive');
    expect(() => lax.slice(x, [0], [2])).toThrow('lax.slice: start_indices must have length equal to the number of dimensions of the operand');
  });

  it('lax.rev: dimensions unique and in range', async () => {
    expect(() => lax.rev(np.array([1, 2]), [5])).toThrow('lax.rev: rev dimensions must all be less than operand ndim, got dimensions (5,) for operand ndim 1.');
    expect(() => lax.rev(x, [0, 0])).toThrow('lax.rev: rev dimensions must be unique, got (0, 0).');
    expect(() => lax.rev(x, [-1])).toThrow('lax.rev: rev dimensions must all be less than operand ndim');
    expect(await lax.rev(x, [1]).tolist()).toEqual([[3, 2, 1], [6, 5, 4]]);
  });

  it('np.take: integer indices and a known mode', async () => {
    const a = np.array([10, 20, 30]);
    expect(() => np.take(a, np.array([0.5]))).toThrow('take: indices must be an integer array, got dtype float32');
    expect(() => np.take(a, 0.5)).toThrow('take: indices must be an integer array');
    expect(() => np.take(a, [0], { mode: 'bogus' as never })).toThrow(`take: invalid mode "bogus"; expected 'fill', 'clip', 'wrap'`);
    expect(() => np.take(a, [0], { axis: 1 })).toThrow('take: axis 1 is out of bounds for array of dimension 1');
    expect(await np.take(a, np.array([4294967295], { dtype: 'uint32' }), { mode: 'clip' }).tolist()).toEqual([30]);
  });

  it("init: an unknown backend name is an error, not another backend", async () => {
    for (const b of ['CPU', 'gpu', '']) await expect(init({ backend: b as never })).rejects.toThrow(`init: invalid backend ${JSON.stringify(b)}; expected 'auto', 'cpu', 'webgpu', 'oracle'`);
    await expect(init({ backend: 'cpu', verbose: true } as never)).rejects.toThrow("init got an unexpected option 'verbose'");
    expect(await init({ backend: 'cpu' })).toBe('cpu');
  });
});

describe('internal engine errors become clear errors', () => {
  it('realize of a non-Array', async () => {
    await expect(realize(1 as never)).rejects.toThrow('realize: argument 0 must be an Array, got number 1');
    await expect(realize(x, null as never)).rejects.toThrow('realize: argument 1 must be an Array, got null');
  });

  it('unsupported dtypes name the function and the dtypes laxflow has', () => {
    const has = '(laxflow has float32, int32, uint32, bool)';
    expect(() => np.zeros([2], { dtype: 'float64' as never })).toThrow(`zeros: dtype float64 is not supported ${has}`);
    expect(() => np.array([1], { dtype: 'int64' as never })).toThrow(`array: dtype int64 is not supported ${has}`);
    expect(() => np.arange(3, undefined, 1, { dtype: 'float16' as never })).toThrow(`arange: dtype float16 is not supported ${has}`);
    expect(() => lax.convertElementType(x, 'float64' as never)).toThrow(`lax.convert_element_type: dtype float64 is not supported ${has}`);
    expect(() => np.full([2], NaN, { dtype: 'int32' })).toThrow('full: cannot convert float NaN to integer (dtype int32)');
  });

  it('options: not an object, or an unknown key', () => {
    expect(() => np.sum(x, 0 as never)).toThrow('sum: options must be an object like { axis, keepdims }, got number 0');
    expect(() => np.sum(x, { axes: 0 } as never)).toThrow("sum got an unexpected option 'axes' (it takes axis, keepdims)");
    expect(() => np.sum(x, { axis: 1.5 })).toThrow('sum: axis must be an integer, got number 1.5');
    expect(() => np.mean(x, { keepdims: 'yes' } as never)).toThrow('mean: keepdims must be true or false, got string "yes"');
    expect(() => np.var(x, { ddof: 0.5 })).toThrow('var: ddof must be an integer, got number 0.5');
    expect(() => np.cumsum(x, { axis: 2 })).toThrow('cumsum: axis 2 is out of bounds for array of dimension 2');
  });
});

describe('errors name the function the user called', () => {
  it('non-array operands', () => {
    expect(() => np.add(x, 'abc' as never)).toThrow('add requires ndarray or scalar arguments, got string "abc" at position 1.');
    expect(() => np.subtract(undefined as never, x)).toThrow('subtract requires ndarray or scalar arguments, got undefined at position 0.');
    expect(() => np.where(x, {} as never, 0)).toThrow('where requires ndarray or scalar arguments, got object at position 1.');
    expect(() => np.sqrt(Symbol('s') as never)).toThrow('sqrt requires ndarray or scalar arguments, got symbol Symbol(s) at position 0.');
    expect(() => np.sum(5n as never)).toThrow('sum requires ndarray or scalar arguments, got bigint 5n');
    expect(() => lax.add(x, 'a' as never)).toThrow('lax.add requires ndarray or scalar arguments');
    expect(() => np.concatenate([x, 'a' as never])).toThrow('concatenate requires ndarray or scalar arguments, got string "a" at position 1.');
  });

  it('nested data: ragged or with non-numbers, in the function that converted it', () => {
    expect(() => np.multiply(x, [[1, 2], [3]] as never)).toThrow('multiply: setting an array element with a sequence');
    expect(() => np.add(x, [1, 'a', 3] as never)).toThrow('add: array elements must be numbers or booleans, got string "a"');
    expect(() => np.add(np.array([1], { dtype: 'int32' }), 2 ** 40)).toThrow('add: OverflowError: Python int 1099511627776 too large to convert to int32');
  });
});
