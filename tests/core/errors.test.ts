// Bad input throws at the call (not when values are read), with JAX's words: the
// function, the shapes and the reason, as JAX's own errors print them.

import { describe, expect, it } from 'vitest';
import { jit, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';

const x = np.zeros([2, 3]);

describe('shape errors name the function and the shapes', () => {
  it('incompatible broadcasting (lax names: add, sub, mul, div, max)', () => {
    expect(() => np.add(np.zeros([3]), np.zeros([4]))).toThrow('add got incompatible shapes for broadcasting: (3,), (4,)');
    expect(() => np.subtract(np.zeros([2, 3]), np.zeros([2]))).toThrow('sub got incompatible shapes for broadcasting: (2, 3), (2,)');
    expect(() => np.multiply(np.zeros([3, 1]), np.zeros([2, 4]))).toThrow('mul got incompatible shapes for broadcasting: (3, 1), (2, 4)');
    expect(() => np.maximum(np.zeros([3]), np.zeros([0]))).toThrow('max got incompatible shapes for broadcasting: (3,), (0,)');
    expect(() => np.where(np.array([true, false]), np.zeros([3]), 0)).toThrow('incompatible shapes for broadcasting');
    expect(() => np.broadcastTo(x, [3, 3])).toThrow('Incompatible shapes for broadcasting: (2, 3) and requested shape (3, 3)');
  });

  it('bad axis (reductions, argmax, cumsum, expandDims, stack)', () => {
    expect(() => np.sum(x, { axis: 2 })).toThrow('axis 2 is out of bounds for array of dimension 2');
    expect(() => np.max(x, { axis: -3 })).toThrow('axis -3 is out of bounds for array of dimension 2');
    expect(() => np.argmax(x, { axis: 5 })).toThrow('axis 5 is out of bounds for array of dimension 2');
    expect(() => np.cumsum(x, { axis: 2 })).toThrow('axis 2 is out of bounds for array of dimension 2');
    expect(() => np.expandDims(x, 4)).toThrow('axis 4 is out of bounds for array of dimension 3');
    expect(() => np.stack([x, x], { axis: 3 })).toThrow('axis 3 is out of bounds for array of dimension 3');
    expect(() => np.sum(x, { axis: [0, 0] })).toThrow('repeated axis');
  });

  it('bad reshape, transpose, squeeze, concatenate, matmul', () => {
    expect(() => np.reshape(x, [4])).toThrow('cannot reshape array of shape (2, 3) (size 6) into shape (4,) (size 4)');
    expect(() => x.reshape([4, -1])).toThrow('cannot reshape array of shape (2, 3) (size 6) into shape (4, -1)');
    expect(() => x.reshape([-1, -1])).toThrow('can only specify one unknown dimension');
    expect(() => np.transpose(x, [0, 0])).toThrow("axes (0, 0) don't match array of dimension 2");
    expect(() => np.squeeze(x, 0)).toThrow('cannot select an axis to squeeze out which has size not equal to one, got shape=(2, 3) and dimensions=(0,)');
    expect(() => np.concatenate([x, np.zeros([2, 4])])).toThrow('(2, 3), (2, 4)');
    expect(() => np.concatenate([np.array(1)])).toThrow('Zero-dimensional arrays cannot be concatenated');
    expect(() => np.matmul(x, x)).toThrow('(2, 3) and (2, 3)');
    expect(() => np.max(np.zeros([0]))).toThrow('zero-size array to reduction operation max which has no identity');
  });

  it('dtype errors', () => {
    expect(() => np.bitwiseAnd(np.array([1.5]), np.array([1.5]))).toThrow('does not accept dtype float32');
    expect(() => np.leftShift(np.array([1.5]), 1)).toThrow('does not accept dtype float32');
    expect(() => np.array([[1, 2], [3]] as never)).toThrow('inhomogeneous shape');
    expect(() => np.zeros([2]).astype('float64' as never)).toThrow('astype: dtype float64 is not supported (laxflow has float32, int32, uint32, bool)');
  });
});

describe('indexing errors', () => {
  it('too many indices (basic and .at)', () => {
    expect(() => x.slice(0, 0, 0)).toThrow('Too many indices for array: 3 non-None/Ellipsis indices for dim 2.');
    expect(() => x.at(0, 0, 0).set(1)).toThrow('Too many indices');
    expect(() => x.at(0, 0, 0).get()).toThrow('Too many indices');
  });

  it('out-of-bounds static basic index', () => {
    expect(() => x.slice(5)).toThrow('index 5 is out of bounds for axis 0 with size 2');
    expect(() => x.slice(0, -4)).toThrow('index -4 is out of bounds for axis 1 with size 3');
    expect(() => x.slice(np.slice(0, 2, 0))).toThrow('slice step cannot be zero');
  });

  it('.at update that does not broadcast to the indexed shape', () => {
    expect(() => np.zeros([4]).at(np.slice(0, 2)).set(np.ones([3]))).toThrow('Incompatible shapes for broadcasting: (3,) and requested shape (2,)');
    expect(() => x.at(0).add(np.ones([2]))).toThrow('Incompatible shapes for broadcasting: (2,) and requested shape (3,)');
    expect(() => x.at(np.array([0, 1])).multiply(np.ones([3, 3]))).toThrow('requested shape (2, 3)');
  });

  it('.at index arrays must be integers and broadcast together', () => {
    expect(() => x.at(np.array([0.5])).set(1)).toThrow('Indexer must have integer or boolean type, got indexer with type float32 at position 0');
    expect(() => x.at(np.array([0, 1]), np.array([0, 1, 2])).get()).toThrow('shape mismatch: indexing arrays could not be broadcast together with shapes (2,) (3,)');
  });

  it('item() on an array of size > 1', async () => {
    await expect(x.item()).rejects.toThrow('item() can only be called on arrays of size 1, got shape (2, 3)');
    await expect(np.array([7]).item()).resolves.toBe(7);
  });
});

describe('vmap, scan and jit misuse', () => {
  const add = (a: LaxArray, b: LaxArray) => np.add(a, b);

  it('vmap: inconsistent sizes, bad in_axes, unmapped everything, rank too low, out_axes None', () => {
    expect(() => vmap(add)(np.zeros([3]), np.zeros([4]))).toThrow('vmap got inconsistent sizes for array axes to be mapped:\n  * axis 0 of argument 0 of shape (3,) has size 3\n  * axis 0 of argument 1 of shape (4,) has size 4');
    expect(() => vmap((a: LaxArray) => a, { inAxes: [0, 0] })(np.zeros([3]))).toThrow('but got len(in_axes)=2, len(args)=1');
    expect(() => vmap((a: LaxArray) => a, { inAxes: null })(np.zeros([3]))).toThrow('vmap must have at least one non-None value in in_axes');
    expect(() => vmap((a: LaxArray) => a)(np.array(1))).toThrow('vmap was requested to map its argument along axis 0, which implies that its rank should be at least 1, but is only 0 (its shape is ())');
    expect(() => vmap((a: LaxArray) => a, { outAxes: null })(np.zeros([3]))).toThrow('vmap has mapped output but out_axes is None');
    expect(() => vmap((t: { a: LaxArray }) => t.a, { inAxes: [{ b: 0 }] })({ a: np.zeros([3]) })).toThrow('vmap in_axes specification must be a tree prefix of the corresponding value');
    expect(() => vmap(5 as never)).toThrow('Expected a callable value, got 5');
  });

  it('vmap: a shape error inside f names the per-example shapes', () => {
    expect(() => vmap((a: LaxArray) => np.add(a, np.zeros([4])))(np.zeros([2, 3]))).toThrow('add got incompatible shapes for broadcasting: (3,), (4,)');
  });

  it("scan: carry shape, dtype or structure changes (message says 'carry'); inconsistent lengths", () => {
    const xs = np.zeros([3]);
    expect(() => lax.scan((c: LaxArray, v: LaxArray) => [np.stack([c, c]), v], np.zeros([2]), xs)).toThrow(/carry.*float32\(2,\) on input and float32\(2, 2\) on output/);
    expect(() => lax.scan((c: LaxArray, v: LaxArray) => [c.astype('int32'), v], np.zeros([2]), xs)).toThrow(/carry.*int32/);
    expect(() => lax.scan((c: LaxArray, v: LaxArray) => [[c, c] as never, v], np.zeros([2]), xs)).toThrow(/carry.*pytree structure/);
    expect(() => lax.scan((c: LaxArray, v: LaxArray[]) => [c, v[0]], 0, [xs, np.zeros([4])])).toThrow('scan got values with different leading axis sizes: 3, 4');
    expect(() => lax.scan((c: LaxArray, v: LaxArray) => [c, v], 0, xs, { length: 5 })).toThrow('`length` argument of 5');
    expect(() => lax.scan((c: LaxArray) => [c, c], 0, null)).toThrow('scan got no values to scan over and `length` not provided');
    expect(() => lax.scan((c: LaxArray) => c as never, 0, xs)).toThrow('scan body output must be a pair [carry, y]');
  });

  it('jit: not a function; shape errors surface at the call', () => {
    expect(() => jit(5 as never)).toThrow('Expected a callable value, got 5');
    const f = jit((a: LaxArray, b: LaxArray) => np.add(a, b));
    expect(() => f(np.zeros([3]), np.zeros([4]))).toThrow('add got incompatible shapes for broadcasting: (3,), (4,)');
  });
});
