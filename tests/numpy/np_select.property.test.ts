// The static-size selections (nonzero, flatnonzero, argwhere, unique), topK, putAlongAxis,
// gcd/lcm, nextafter, frexp/ldexp and bitwiseCount on random inputs (fast-check), on the CPU
// backend and the oracle, against references written here; and under vmap, each slice as
// the function alone.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

const RUNS = { numRuns: 40 };
const values = (...xs: LaxArray[]) => both(...xs).map((vs) => vs.map((v) => Array.from(v)));
/** Both backends' values of `xs` equal `want` (NaN equals NaN). */
function same(xs: LaxArray[], want: number[][]): void {
  for (const got of values(...xs)) expect(got.map((g) => g.map((v) => (Number.isNaN(v) ? 'NaN' : v)))).toEqual(want.map((w) => w.map((v) => (Number.isNaN(v) ? 'NaN' : v))));
}
const f32 = Math.fround;

describe('selections with a static size', () => {
  it('flatnonzero and nonzero list the nonzero positions in order, padded or cut to size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 24 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 30 }), (v, cols0, size) => {
        const cols = v.length % cols0 === 0 ? cols0 : 1;
        const x = np.array(v, { dtype: 'int32' }).reshape([v.length / cols, cols]);
        const pos = v.map((e, i) => (e ? i : -1)).filter((i) => i >= 0);
        const pad = (a: number[], fill: number) => Array.from({ length: size }, (_, i) => (i < a.length ? a[i] : fill));
        same([np.flatnonzero(x, { size, fillValue: -7 })], [pad(pos, -7)]);
        same(np.nonzero(x, { size }), [pad(pos.map((p) => Math.floor(p / cols)), 0), pad(pos.map((p) => p % cols), 0)]);
        same([np.argwhere(x, { size })], [pad(pos, -1).flatMap((p) => (p < 0 ? [0, 0] : [Math.floor(p / cols), p % cols]))]);
      }),
      RUNS,
    );
  });

  it('unique is the sorted distinct values (one NaN), padded with the minimum', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constant(NaN)), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 12 }), (v, size) => {
        const nums = [...new Set(v.filter((x) => !Number.isNaN(x)))].sort((a, b) => a - b);
        const distinct = v.some(Number.isNaN) ? [...nums, NaN] : nums;
        const min = distinct[0];
        same([np.unique(np.array(v, { dtype: 'float32' }), { size })], [Array.from({ length: size }, (_, i) => (i < distinct.length ? distinct[i] : min))]);
      }),
      RUNS,
    );
  });

  it('topK: the k largest per row, largest first, equal values by index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.nat(), (rows, n, seed) => {
        const v = Array.from({ length: rows * n }, (_, i) => ((i * 7 + seed) % 5) - 2);
        const k = seed % (n + 1);
        const idx = Array.from({ length: rows }, (_, r) => Array.from({ length: n }, (_, j) => j).sort((a, b) => v[r * n + b] - v[r * n + a] || a - b).slice(0, k));
        const [vals, ids] = np.topK(np.array(v, { dtype: 'float32' }).reshape([rows, n]), k);
        same([vals, ids], [idx.flatMap((row, r) => row.map((j) => v[r * n + j])), idx.flat()]);
      }),
      RUNS,
    );
  });

  it('putAlongAxis writes each value at its index along the axis (the last write wins)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: -6, max: 5 }), { minLength: 1, maxLength: 12 }), (rows, n, flatIdx) => {
        const m = Math.max(1, Math.floor(flatIdx.length / rows));
        const idx = Array.from({ length: rows * m }, (_, i) => flatIdx[i % flatIdx.length]);
        const base = Array.from({ length: rows * n }, (_, i) => i);
        const want = base.slice();
        for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) {
          const t = idx[r * m + j] < 0 ? idx[r * m + j] + n : idx[r * m + j];
          if (t >= 0 && t < n) want[r * n + t] = 100 + r * m + j;
        }
        const vals = np.arange(rows * m).add(100).reshape([rows, m]);
        same([np.putAlongAxis(np.array(base, { dtype: 'int32' }).reshape([rows, n]), np.array(idx, { dtype: 'int32' }).reshape([rows, m]), vals, { axis: 1, inplace: false })], [want]);
      }),
      RUNS,
    );
  });
});

describe('integer and bit-level functions', () => {
  const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));
  it('gcd and lcm of int32 pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -100000, max: 100000 }), fc.integer({ min: -100000, max: 100000 })), { minLength: 1, maxLength: 16 }), (pairs) => {
        const [a, b] = [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
        const g = pairs.map(([x, y]) => gcd(x, y));
        const l = pairs.map(([x, y], i) => (g[i] === 0 ? 0 : Math.imul(Math.abs(x), Math.abs(y) / g[i])));
        same([np.gcd(np.array(a, { dtype: 'int32' }), np.array(b, { dtype: 'int32' })), np.lcm(np.array(a, { dtype: 'int32' }), np.array(b, { dtype: 'int32' }))], [g, l]);
      }),
      RUNS,
    );
  });

  it('nextafter steps one float32 ulp towards y; frexp and ldexp invert each other', () => {
    const buf = new Float32Array(1);
    const bits = new Int32Array(buf.buffer);
    const next = (x: number, y: number) => {
      if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
      if (x === y) return y;
      if (x === 0) return y > 0 ? 2 ** -149 : -(2 ** -149);
      buf[0] = x;
      bits[0] += (y > x) === (x > 0) ? 1 : -1;
      return buf[0];
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float(), fc.float()), { minLength: 1, maxLength: 16 }), (pairs) => {
        const [a, b] = [pairs.map((p) => f32(p[0])), pairs.map((p) => f32(p[1]))];
        same([np.nextafter(np.array(a, { dtype: 'float32' }), np.array(b, { dtype: 'float32' }))], [pairs.map((_, i) => next(a[i], b[i]))]);
        const finite = a.filter((x) => Number.isFinite(x));
        if (finite.length === 0) return;
        const [m, e] = np.frexp(np.array(finite, { dtype: 'float32' }));
        same([np.ldexp(m, e)], [finite]);
        for (const [mv] of values(m)) for (const v of mv) expect(v === 0 || (Math.abs(v) >= 0.5 && Math.abs(v) < 1)).toBe(true);
      }),
      RUNS,
    );
  });

  it('bitwiseCount counts the set bits of |x|', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { minLength: 1, maxLength: 16 }), (v) => {
        const pop = (x: number) => [...(Math.abs(x) >>> 0).toString(2)].filter((c) => c === '1').length;
        same([np.bitwiseCount(np.array(v, { dtype: 'int32' }))], [v.map((x) => (x === -2147483648 ? 1 : pop(x)))]);
      }),
      RUNS,
    );
  });
});

describe('piecewise', () => {
  it('takes the last true condition, the extra function where none holds (NumPy and JAX)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 16 }), fc.boolean(), (v, withDefault) => {
        const xs = v.map(f32);
        const x = np.array(xs, { dtype: 'float32' });
        const fs: (((a: LaxArray) => LaxArray) | number)[] = [(a) => np.multiply(a, -1), 10, ...(withDefault ? [0.5] : [])];
        const want = xs.map((e) => (e > 1 ? 10 : e < 0 ? f32(-e) : withDefault ? 0.5 : 0));
        same([np.piecewise(x, [np.less(x, 0), np.greater(x, 1)], fs)], [want]);
      }),
      RUNS,
    );
  });
});

describe('under vmap', () => {
  it('each slice of vmap(f) is f of the slice (sort, unique, topK, quantile, convolve, einsum)', () => {
    const x = np.array([[3, 1, 2, 2, NaN, 0], [5, -1, 5, 4, 4, 4], [0, 0, 0, 1, 1, 1]], { dtype: 'float32' });
    const fs: ((r: LaxArray) => LaxArray)[] = [
      (r) => np.sort(r),
      (r) => np.unique(r, { size: 4 }),
      (r) => np.topK(r, 2)[1],
      (r) => np.quantile(r, 0.3),
      (r) => np.convolve(r, np.array([1, -1, 2])),
      (r) => np.einsum('i,i->', r, r),
      (r) => np.pad(r, [1, 2], { mode: 'reflect' }),
      (r) => np.roll(r, 2),
    ];
    for (const f of fs) {
      const batched = vmap(f)(x);
      const rows = [0, 1, 2].map((i) => f(x.slice(i)));
      const [b, ...r] = values(batched, ...rows)[0];
      expect(b).toEqual(r.flat());
    }
  });
});
