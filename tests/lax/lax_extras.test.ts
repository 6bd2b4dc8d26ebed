// jax.lax additions (src/operators/lax_extras.ts) against references written here as plain JS
// loops, on the CPU backend and the oracle: dynamic slices and updates with clamped starts
// (fast-check over shapes and starts, out-of-range starts included), traced starts under jit
// and vmap, sliceInDim, map, sort with several operands and keys, sortKeyVal, topK's ties,
// rsqrt (within 2 float32 ulps: a rounded sqrt, then a rounded division) and reducePrecision
// (bit-exact with a float64 model of XLA's rounding: nearest-even mantissa, no subnormals).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jit, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';
import { mismatch, ulps } from '../oracle/compare.js';
import { sizeOf, stridesOf, unravel } from '../oracle/host.js';

const RUNS = { numRuns: 30 };

/** Both backends' values of x, checked equal to `want` (bit for bit unless a tolerance is given). */
function check(x: LaxArray, shape: number[], want: number[], tol = ulps(0)): void {
  expect(x.shape).toEqual(shape);
  const [[cpu], [oracle]] = both(x);
  expect(mismatch(Array.from(cpu, Number), want, tol), 'cpu').toBeUndefined();
  expect(mismatch(Array.from(oracle, Number), want, tol), 'oracle').toBeUndefined();
}

const iota = (shape: number[]) => Array.from({ length: sizeOf(shape) }, (_, i) => i + 1);
const arbWindow = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d }))), fc.tuple(...shape.map((d) => fc.integer({ min: -3, max: d + 3 })))));

/** The clamped window's values: operand[clamp(s) + i] over i < sizes. */
function windowRef(shape: number[], data: number[], starts: number[], sizes: number[]): number[] {
  const st = stridesOf(shape);
  const s = starts.map((v, d) => Math.min(Math.max(v, 0), shape[d] - sizes[d]));
  return Array.from({ length: sizeOf(sizes) }, (_, i) => data[unravel(i, sizes).reduce((o, v, d) => o + (v + s[d]) * st[d], 0)]);
}

describe('dynamic slicing', () => {
  it('dynamicSlice clamps each start to [0, dim - size]', () => {
    fc.assert(
      fc.property(arbWindow, ([shape, sizes, starts]) => {
        const data = iota(shape);
        const x = np.array(data).reshape(shape);
        check(lax.dynamicSlice(x, starts, sizes), sizes, windowRef(shape, data, starts, sizes));
      }),
      RUNS,
    );
  });

  it('dynamicUpdateSlice writes the window at the clamped starts', () => {
    fc.assert(
      fc.property(arbWindow, ([shape, sizes, starts]) => {
        const data = iota(shape);
        const upd = Array.from({ length: sizeOf(sizes) }, (_, i) => -(i + 1));
        const want = [...data];
        const st = stridesOf(shape);
        const s = starts.map((v, d) => Math.min(Math.max(v, 0), shape[d] - sizes[d]));
        upd.forEach((v, i) => (want[unravel(i, sizes).reduce((o, c, d) => o + (c + s[d]) * st[d], 0)] = v));
        const x = np.array(data).reshape(shape);
        check(lax.dynamicUpdateSlice(x, np.array(upd, { dtype: 'int32' }).reshape(sizes), starts), shape, want);
      }),
      RUNS,
    );
  });

  it('traced starts: under jit and vmap, one trace for every start', async () => {
    const x = np.arange(20, undefined, 1, { dtype: 'float32' }).reshape([4, 5]);
    const f = jit((a: LaxArray, i: LaxArray) => lax.dynamicSlice(a, [i, np.array(1)], [2, 3]));
    expect(await f(x, np.array(1)).tolist()).toEqual([[6, 7, 8], [11, 12, 13]]);
    expect(await f(x, np.array(7)).tolist()).toEqual([[11, 12, 13], [16, 17, 18]]); // clamped to 2
    const rows = vmap((i: LaxArray) => lax.dynamicSliceInDim(x, i, 2, 0))(np.array([0, 3, -1]));
    expect(await rows.tolist()).toEqual([[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]], [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]], [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]]);
    const put = vmap((i: LaxArray) => lax.dynamicUpdateSliceInDim(np.zeros([5]), np.ones([2]), i, 0))(np.array([0, 4]));
    expect(await put.tolist()).toEqual([[1, 1, 0, 0, 0], [0, 0, 0, 1, 1]]);
  });

  it('sliceInDim: null ends, negative indices and strides along one axis', async () => {
    const x = np.arange(24).reshape([2, 3, 4]);
    expect(await lax.sliceInDim(x, 1, null, 2, 2).tolist()).toEqual(await x.slice(null, null, np.slice(1, null, 2)).tolist());
    expect(await lax.sliceInDim(x, -2, 3, 1, 1).tolist()).toEqual(await x.slice(null, np.slice(1, 3)).tolist());
    expect(() => lax.sliceInDim(x, 3, 1, 1, 1)).toThrow(/lax.slice_in_dim: start_index 3 and limit_index 1/);
  });

  it('errors in lax words', () => {
    const x = np.zeros([3, 4]);
    expect(() => lax.dynamicSlice(x, [0], [1, 1])).toThrow('lax.dynamic_slice: Length of slice indices must match number of operand dimensions (1 vs 2)');
    expect(() => lax.dynamicSlice(x, [0, 0], [4, 1])).toThrow('lax.dynamic_slice: slice_sizes must be less than or equal to operand shape, got slice_sizes (4, 1) for operand shape (3, 4)');
    expect(() => lax.dynamicSlice(x, [0, 0.5], [1, 1])).toThrow('lax.dynamic_slice: index arguments must be integers, got float32');
    expect(() => lax.dynamicUpdateSlice(x, np.zeros([4, 1]), [0, 0])).toThrow('lax.dynamic_update_slice: update shape must be smaller than operand shape, got update shape (4, 1) for operand shape (3, 4)');
  });
});

describe('map, sort, topK', () => {
  it('map equals stacking f over the leading axis, for pytrees', async () => {
    const xs = np.arange(12, undefined, 1, { dtype: 'float32' }).reshape([3, 4]);
    const f = ({ a, b }: { a: LaxArray; b: LaxArray }) => np.add(np.sum(np.multiply(a, a)), b);
    const got = lax.map(f, { a: xs, b: np.array([1, 2, 3], { dtype: 'float32' }) });
    expect(await got.tolist()).toEqual([0 + 1 + 4 + 9 + 1, 16 + 25 + 36 + 49 + 2, 64 + 81 + 100 + 121 + 3]);
    expect(await got.tolist()).toEqual(await vmap(f)({ a: xs, b: np.array([1, 2, 3], { dtype: 'float32' }) }).tolist());
  });

  it('sort with several operands permutes them all by the keys, stably', async () => {
    const k1 = np.array([2, 1, 2, 1, 0]);
    const k2 = np.array([5, 9, 3, 9, 7]);
    const v = np.array([10, 11, 12, 13, 14]);
    const [a, b, c] = lax.sort([k1, k2, v], { numKeys: 2 }) as LaxArray[];
    expect([await a.tolist(), await b.tolist(), await c.tolist()]).toEqual([[0, 1, 1, 2, 2], [7, 9, 9, 3, 5], [14, 11, 13, 12, 10]]);
    const [d, e] = lax.sort([k1, v]) as LaxArray[];
    expect([await d.tolist(), await e.tolist()]).toEqual([[0, 1, 1, 2, 2], [14, 11, 13, 10, 12]]);
    expect(await (lax.sort(np.array([[3, 1], [0, 2]]), { dimension: 0 }) as LaxArray).tolist()).toEqual([[0, 1], [3, 2]]);
    const [sk, sv] = lax.sortKeyVal(np.array([3, NaN, 1], { dtype: 'float32' }), np.array([0, 1, 2]));
    expect([await sk.tolist(), await sv.tolist()]).toEqual([[1, 3, NaN], [2, 0, 1]]);
  });

  it('topK: descending, the lower index first among ties', async () => {
    const [v, i] = lax.topK(np.array([[1, 5, 3, 5], [2, 2, 2, 9]], { dtype: 'float32' }), 3);
    expect(await v.tolist()).toEqual([[5, 5, 3], [9, 2, 2]]);
    expect(await i.tolist()).toEqual([[1, 3, 2], [3, 0, 1]]);
  });
});

describe('rsqrt and reducePrecision', () => {
  it('rsqrt within 2 ulps of 1 / sqrt(x); float32 only', () => {
    const xs = [0, 1e-30, 0.25, 1, 2, 3, 1e10, 3.4e38, Infinity, -1, NaN].map(Math.fround);
    check(lax.rsqrt(np.array(xs, { dtype: 'float32' })), [xs.length], xs.map((x) => Math.fround(1 / Math.sqrt(x))), ulps(2));
    expect(() => lax.rsqrt(np.array([4]))).toThrow('lax.rsqrt does not accept dtype int32. Accepted dtypes are subtypes of floating.');
  });

  /**
   * A float64 model of XLA's reduce_precision for finite float32 x: round to m mantissa bits
   * (ties to even), then overflow to inf and flush below the smallest normal. With 8 exponent
   * bits XLA leaves the exponent alone, so a float32 subnormal stays one, rounded at the same
   * bit (its ulp is 2^(-126 - m), like bfloat16's subnormals), and is not flushed.
   */
  function reduceRef(x: number, e: number, m: number): number {
    if (!Number.isFinite(x) || x === 0) return x;
    const bias = 2 ** (e - 1) - 1;
    const ex = Math.floor(Math.log2(Math.abs(x)));
    const exp = Math.max(-126, 2 ** ex > Math.abs(x) ? ex - 1 : 2 ** (ex + 1) <= Math.abs(x) ? ex + 1 : ex);
    const ulp = 2 ** (exp - m);
    const q = x / ulp;
    const fl = Math.floor(q);
    const r = (q - fl > 0.5 || (q - fl === 0.5 && fl % 2 !== 0) ? fl + 1 : fl) * ulp;
    if (Math.abs(r) >= 2 ** (bias + 1)) return r > 0 ? Infinity : -Infinity;
    if (e < 8 && Math.abs(r) < 2 ** (1 - bias)) return x > 0 ? 0 : -0;
    return r;
  }

  it('reducePrecision to bfloat16 (8, 7), float16 (5, 10) and e4m3-like (4, 3): bit-exact with the model', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 40 }), fc.constantFrom([8, 7], [5, 10], [4, 3], [8, 0], [3, 22]), (xs, [e, m]) => {
        const got = lax.reducePrecision(np.array(xs, { dtype: 'float32' }), e, m);
        check(got, [xs.length], xs.map((x) => reduceRef(x, e, m)));
      }),
      { numRuns: 60, examples: [[[-4.591914937745993e-41, 0], [8, 7]], [[2 ** -134, 3 * 2 ** -134, 2 ** -149], [8, 7]]] },
    );
    // Float32 subnormals under bfloat16 (8, 7): the bits 0x80008001 round up to 0x80010000 (2^-133),
    // an exact half (2^-134) to even (0), 3 * 2^-134 to 2^-132; they are not flushed.
    check(lax.reducePrecision(np.array([-4.591914937745993e-41, 2 ** -134, 3 * 2 ** -134], { dtype: 'float32' }), 8, 7), [3], [-(2 ** -133), 0, 2 ** -132]);
    check(lax.reducePrecision(np.array([NaN, Infinity, -Infinity, 65520, 65519, 6e-5, 6.2e-5], { dtype: 'float32' }), 5, 10), [7], [NaN, Infinity, -Infinity, Infinity, 65504, 0, Math.fround(6.198883056640625e-5)]);
  });
});
