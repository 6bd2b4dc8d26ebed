// jax.numpy breadth on random shapes and values (fast-check): each function's result on the
// CPU backend and on the naive oracle against a reference written here as plain loops over
// host arrays (tests/oracle/host.ts), with the tolerance stated per function. Shapes include
// size-0 axes where the function allows them; float values include NaN, +-0 and +-inf.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';
import { exact, mismatch, rel, ulps, type Tolerance } from '../oracle/compare.js';
import { arbHost, arbNonEmptyShape, arbShape, build, sizeOf, stridesOf, toLax, unravel, type Host } from '../oracle/host.js';

const RUNS = { numRuns: 40 };

/** Both backends' values of `x` against `expected` within `tol`. */
function check(x: LaxArray, expected: Host, tol: Tolerance): void {
  expect(x.shape).toEqual(expected.shape);
  const [[cpu], [oracle]] = both(x);
  const m = mismatch(Array.from(cpu), expected.data, tol) ?? mismatch(Array.from(oracle), expected.data, tol);
  expect(m).toBeUndefined();
}

const at = (h: Host, idx: readonly number[]) => h.data[idx.reduce((j, v, k) => j + v * stridesOf(h.shape)[k], 0)];
const f32 = Math.fround;

/** JAX's sort order: NaNs last, -0 equal to 0 (ties keep their order). */
const sortLess = (a: number, b: number) => (Number.isNaN(a) ? false : Number.isNaN(b) ? true : a < b);
const stableArgsort = (v: number[]) => v.map((_, i) => i).sort((i, j) => (sortLess(v[i], v[j]) ? -1 : sortLess(v[j], v[i]) ? 1 : i - j));
/** The lines of `h` along `axis`, with a function to write a line back. */
function lines(h: Host, axis: number): { line: number[]; pos: number[] }[] {
  const st = stridesOf(h.shape);
  const out: { line: number[]; pos: number[] }[] = [];
  for (let i = 0; i < h.data.length; i++) {
    if (unravel(i, h.shape)[axis] !== 0) continue;
    const pos = Array.from({ length: h.shape[axis] }, (_, k) => i + k * st[axis]);
    out.push({ line: pos.map((p) => h.data[p]), pos });
  }
  return out;
}

const arbAxisCase = (dtype: 'float32' | 'int32', maxRank = 3) =>
  arbNonEmptyShape(maxRank, 5).filter((s) => s.length > 0).chain((shape) => fc.tuple(arbHost(shape, dtype), fc.integer({ min: -shape.length, max: shape.length - 1 })));

describe('elementwise additions against Math (float32 inputs, float64 reference rounded)', () => {
  const cases: [string, (x: LaxArray) => LaxArray, (v: number) => number, [number, number], number][] = [
    ['arcsin', np.arcsin, Math.asin, [-1, 1], 4],
    ['arccos', np.arccos, Math.acos, [-1, 1], 4],
    ['arctan', np.arctan, Math.atan, [-1e6, 1e6], 4],
    ['sinh', np.sinh, Math.sinh, [-80, 80], 8],
    ['cosh', np.cosh, Math.cosh, [-80, 80], 8],
    ['arcsinh', np.arcsinh, Math.asinh, [-1e6, 1e6], 8],
    ['arccosh', np.arccosh, Math.acosh, [1, 1e6], 8],
    ['arctanh', np.arctanh, Math.atanh, [-0.999, 0.999], 8],
    ['log2', np.log2, Math.log2, [1e-6, 1e6], 4],
    ['log10', np.log10, Math.log10, [1e-6, 1e6], 4],
    ['exp2', np.exp2, (v) => 2 ** v, [-100, 100], 4],
    ['cbrt', np.cbrt, Math.cbrt, [-1e6, 1e6], 2],
    ['trunc', np.trunc, Math.trunc, [-1e3, 1e3], 0],
  ];
  for (const [name, f, ref, domain, ulp] of cases) {
    it(`${name} within ${ulp} ulps`, () => {
      fc.assert(
        fc.property(arbShape(2, 5).chain((s) => arbHost(s, 'float32', domain)), (h) => {
          // arcsin and friends are ill-conditioned where the derivative blows up: compare there in absolute terms
          const tol = name === 'arccos' || name === 'arcsin' || name === 'arctanh' || name === 'arccosh' ? rel(2e-6, 2e-6) : ulps(ulp);
          check(f(toLax(h)), build(h.shape, 'float32', (i) => ref(at(h, i))), tol);
        }),
        RUNS,
      );
    });
  }

  it('hypot, logaddexp, copysign, fmod on broadcast pairs', () => {
    fc.assert(
      fc.property(arbShape(2, 4).chain((s) => fc.tuple(arbHost(s, 'float32'), arbHost(s, 'float32'))), ([a, b]) => {
        const [x, y] = [toLax(a), toLax(b)];
        const pick = (h: Host) => (i: number[]) => at(h, i);
        const [A, B] = [pick(a), pick(b)];
        check(np.hypot(x, y), build(a.shape, 'float32', (i) => Math.hypot(A(i), B(i))), ulps(2));
        const lae = (u: number, v: number) => (Number.isNaN(u - v) ? u + v : Math.max(u, v) + Math.log1p(Math.exp(-Math.abs(u - v))));
        check(np.logaddexp(x, y), build(a.shape, 'float32', (i) => lae(A(i), B(i))), rel(2e-6, 1e-6));
        // the sign bit of y (JS's NaN is the positive quiet NaN)
        const sb = (v: number) => v < 0 || Object.is(v, -0);
        check(np.copysign(x, y), build(a.shape, 'float32', (i) => (sb(B(i)) ? -Math.abs(A(i)) : Math.abs(A(i)))), exact);
        check(np.fmod(x, y), build(a.shape, 'float32', (i) => A(i) % B(i)), exact);
      }),
      { numRuns: 30, examples: [[[{ shape: [3], dtype: 'float32', data: [1, 2, 3] }, { shape: [3], dtype: 'float32', data: [NaN, -0, 0] }]]] },
    );
  });
});

describe('sorting', () => {
  it('sort and argsort are a stable sort in JAX order (NaNs last, -0 ties 0) along any axis', () => {
    fc.assert(
      fc.property(arbAxisCase('float32'), ([h, axis]) => {
        const x = toLax(h);
        const ax = axis < 0 ? axis + h.shape.length : axis;
        const order: Host = { ...h, dtype: 'int32', data: h.data.slice() };
        const sorted: Host = { ...h, data: h.data.slice() };
        for (const { line, pos } of lines(h, ax)) {
          const o = stableArgsort(line);
          pos.forEach((p, k) => ((order.data[p] = o[k]), (sorted.data[p] = line[o[k]])));
        }
        check(np.argsort(x, { axis }), order, exact);
        check(np.sort(x, { axis }), sorted, exact);
      }),
      RUNS,
    );
  });

  it('descending argsort keeps equal values in index order (int32, many ties)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 40 }), (v) => {
        const o = v.map((_, i) => i).sort((i, j) => v[j] - v[i] || i - j);
        check(np.argsort(np.array(v, { dtype: 'int32' }), { descending: true }), { shape: [v.length], dtype: 'int32', data: o }, exact);
      }),
      RUNS,
    );
  });

  it('searchsorted (left and right) counts the sorted values below each query', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 12 }), fc.array(fc.float({ min: -6, max: 6, noNaN: true }), { maxLength: 8 }), (a, q) => {
        const s = a.slice().sort((x, y) => x - y).map(f32);
        const qs = q.map(f32);
        for (const side of ['left', 'right'] as const) {
          const want = qs.map((v) => s.filter((x) => (side === 'left' ? x < v : x <= v)).length);
          check(np.searchsorted(np.array(s, { dtype: 'float32' }), np.array(qs, { dtype: 'float32' }), { side }), { shape: [q.length], dtype: 'int32', data: want }, exact);
        }
      }),
      RUNS,
    );
  });

  it('quantile (linear) and median along an axis against the sorted-line formula', () => {
    fc.assert(
      fc.property(arbNonEmptyShape(3, 5).filter((s) => s.length > 0).chain((s) => fc.tuple(arbHost(s, 'float32', [-100, 100]), fc.integer({ min: 0, max: s.length - 1 }), fc.float({ min: 0, max: 1, noNaN: true }))), ([h, axis, q]) => {
        const qf = f32(q);
        const outShape = h.shape.filter((_, i) => i !== axis);
        const want: number[] = [];
        const med: number[] = [];
        const ql = (line: number[], qq: number) => {
          const s = line.slice().sort((a, b) => a - b);
          const pos = f32(qq * (s.length - 1));
          const lo = Math.floor(pos);
          const w = f32(pos - lo);
          return f32(f32(s[lo] * f32(1 - w)) + f32(s[Math.ceil(pos)] * w));
        };
        for (const { line } of lines(h, axis)) want.push(ql(line, qf)), med.push(ql(line, 0.5));
        check(np.quantile(toLax(h), qf, { axis }), { shape: outShape, dtype: 'float32', data: want }, rel(1e-6, 1e-5));
        check(np.median(toLax(h), { axis }), { shape: outShape, dtype: 'float32', data: med }, rel(1e-6, 1e-5));
      }),
      RUNS,
    );
  });

  it('sort under vmap equals sorting each slice', async () => {
    const x = np.array([[3, 1, 2], [0, -1, 5], [NaN, 1, -0]]);
    const v = vmap((r: LaxArray) => np.sort(r))(x);
    expect(await v.tolist()).toEqual(await np.sort(x, { axis: 1 }).tolist());
  });
});

describe('layout', () => {
  it('roll, flip-based rot90, moveaxis and swapaxes move elements where NumPy does', () => {
    fc.assert(
      fc.property(arbNonEmptyShape(3, 4).filter((s) => s.length >= 2).chain((s) => fc.tuple(arbHost(s, 'int32', [-50, 50]), fc.integer({ min: -7, max: 7 }), fc.integer({ min: 0, max: s.length - 1 }))), ([h, shift, axis]) => {
        const x = toLax(h);
        const n = h.shape[axis];
        check(np.roll(x, shift, { axis }), build(h.shape, 'int32', (i) => at(h, i.map((v, k) => (k === axis ? (((v - shift) % n) + n) % n : v)))), exact);
        const flatRolled = build([sizeOf(h.shape)], 'int32', ([i]) => h.data[(((i - shift) % h.data.length) + h.data.length) % h.data.length]);
        check(np.roll(x, shift), { ...flatRolled, shape: h.shape }, exact);
        const [r, c] = [h.shape[0], h.shape[1]];
        const rest = h.shape.slice(2);
        check(np.rot90(x), build([c, r, ...rest], 'int32', ([i, j, ...k]) => at(h, [j, c - 1 - i, ...k])), exact);
        check(np.swapaxes(x, 0, -1), build([...h.shape].reverse().map((d, k, all) => (k === 0 ? h.shape[h.shape.length - 1] : k === all.length - 1 ? h.shape[0] : h.shape[k])), 'int32', (i) => at(h, i.map((_, k) => i[k === 0 ? i.length - 1 : k === i.length - 1 ? 0 : k]))), exact);
        const moved = [...h.shape.filter((_, k) => k !== axis), n];
        check(np.moveaxis(x, axis, -1), build(moved, 'int32', (i) => at(h, [...i.slice(0, axis), i[i.length - 1], ...i.slice(axis, -1)])), exact);
      }),
      RUNS,
    );
  });

  it('pad in every mode against index arithmetic', () => {
    const src = (mode: string, j: number, n: number): number => {
      if (mode === 'edge') return Math.min(Math.max(j, 0), n - 1);
      if (mode === 'wrap') return ((j % n) + n) % n;
      if (mode === 'reflect') {
        if (n === 1) return 0;
        const m = ((j % (2 * n - 2)) + 2 * n - 2) % (2 * n - 2);
        return m < n ? m : 2 * n - 2 - m;
      }
      const m = ((j % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    };
    fc.assert(
      fc.property(
        arbNonEmptyShape(2, 4).chain((s) => fc.tuple(arbHost(s, 'int32', [-9, 9]), fc.array(fc.tuple(fc.nat(6), fc.nat(6)), { minLength: s.length, maxLength: s.length }), fc.constantFrom('constant', 'edge', 'wrap', 'reflect', 'symmetric'))),
        ([h, pw, mode]) => {
          const shape = h.shape.map((d, k) => d + pw[k][0] + pw[k][1]);
          const want = build(shape, 'int32', (i) => {
            const j = i.map((v, k) => v - pw[k][0]);
            if (mode === 'constant') return j.every((v, k) => v >= 0 && v < h.shape[k]) ? at(h, j) : 7;
            return at(h, j.map((v, k) => src(mode, v, h.shape[k])));
          });
          check(np.pad(toLax(h), pw as [number, number][], { mode: mode as 'constant', constantValues: 7 }), want, exact);
        },
      ),
      RUNS,
    );
  });

  it('arraySplit and the stacks reassemble the input', async () => {
    const x = np.arange(24).reshape([2, 3, 4]);
    for (const k of [1, 2, 3, 5]) expect(await np.concatenate(np.arraySplit(x, k, { axis: 2 }), { axis: 2 }).tolist()).toEqual(await x.tolist());
    expect((await Promise.all(np.arraySplit(np.arange(7), 3).map((p) => p.tolist())))).toEqual([[0, 1, 2], [3, 4], [5, 6]]);
    expect((await Promise.all(np.split(np.arange(6), [1, 4]).map((p) => p.tolist())))).toEqual([[0], [1, 2, 3], [4, 5]]);
    expect(() => np.split(np.arange(7), 3)).toThrow(/equal division/);
    expect(np.vstack([np.arange(3), np.arange(3)]).shape).toEqual([2, 3]);
    expect(np.hstack([np.arange(3), np.arange(2)]).shape).toEqual([5]);
    expect(np.dstack([np.arange(3), np.arange(3)]).shape).toEqual([1, 3, 2]);
    expect(await np.columnStack([np.arange(2), np.arange(2)]).tolist()).toEqual([[0, 0], [1, 1]]);
  });
});

describe('matrices and products', () => {
  it('tril, triu, diagonal and trace on random matrices and offsets', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: -5, max: 5 })).chain(([n, m, k]) => fc.tuple(arbHost([n, m], 'float32', [-9, 9]), fc.constant(k))), ([h, k]) => {
        const x = toLax(h);
        const [n, m] = h.shape;
        check(np.tril(x, k), build(h.shape, 'float32', ([i, j]) => (j <= i + k ? at(h, [i, j]) : 0)), exact);
        check(np.triu(x, k), build(h.shape, 'float32', ([i, j]) => (j >= i + k ? at(h, [i, j]) : 0)), exact);
        const d: number[] = [];
        for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) d.push(at(h, [i, i + k]));
        check(np.diagonal(x, { offset: k }), { shape: [d.length], dtype: 'float32', data: d }, exact);
        check(np.trace(x, { offset: k }), { shape: [], dtype: 'float32', data: [d.reduce((a, b) => f32(a + b), 0)] }, rel(1e-6, 1e-5));
      }),
      RUNS,
    );
  });

  it('einsum and tensordot against loops (batched matmul, contraction over two axes)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([b, i, j, k]) => fc.tuple(arbHost([b, i, j], 'float32', [-3, 3]), arbHost([b, j, k], 'float32', [-3, 3]))), ([A, B]) => {
        const [b, i, j] = A.shape;
        const k = B.shape[2];
        const want = build([b, i, k], 'float32', ([p, r, c]) => {
          let s = 0;
          for (let t = 0; t < j; t++) s += at(A, [p, r, t]) * at(B, [p, t, c]);
          return s;
        });
        check(np.einsum('bij,bjk->bik', toLax(A), toLax(B)), want, rel(1e-5, 1e-5));
        // tensordot over (b, j): out[i, k] = sum_{p,t} A[p,i,t] B[p,t,k]
        const td = build([i, k], 'float32', ([r, c]) => {
          let s = 0;
          for (let p = 0; p < b; p++) for (let t = 0; t < j; t++) s += at(A, [p, r, t]) * at(B, [p, t, c]);
          return s;
        });
        check(np.tensordot(toLax(A), toLax(B), [[0, 2], [0, 1]]), td, rel(1e-5, 1e-5));
        check(np.einsum('pit,ptk->ik', toLax(A), toLax(B)), td, rel(1e-5, 1e-5));
      }),
      RUNS,
    );
  });

  it('kron and outer against loops', () => {
    fc.assert(
      fc.property(fc.tuple(arbNonEmptyShape(2, 3), arbNonEmptyShape(2, 3)).filter(([s, t]) => s.length === t.length).chain(([s, t]) => fc.tuple(arbHost(s, 'int32', [-9, 9]), arbHost(t, 'int32', [-9, 9]))), ([A, B]) => {
        const shape = A.shape.map((d, q) => d * B.shape[q]);
        check(np.kron(toLax(A), toLax(B)), build(shape, 'int32', (i) => at(A, i.map((v, q) => Math.floor(v / B.shape[q]))) * at(B, i.map((v, q) => v % B.shape[q]))), exact);
        check(np.outer(toLax(A), toLax(B)), build([A.data.length, B.data.length], 'int32', ([r, c]) => A.data[r] * B.data[c]), exact);
      }),
      RUNS,
    );
  });
});

describe('statistics', () => {
  it('nan-reductions ignore NaNs; all-NaN slices give NaN (nanargmax: -1)', () => {
    fc.assert(
      fc.property(arbNonEmptyShape(2, 5).filter((s) => s.length === 2).chain((s) => arbHost(s, 'float32', [-9, 9]).chain((h) => fc.array(fc.boolean(), { minLength: h.data.length, maxLength: h.data.length }).map((m) => ({ ...h, data: h.data.map((v, i) => (m[i] ? NaN : v)) })))), (h) => {
        const x = toLax(h);
        const rows = lines(h, 1).map((l) => l.line.filter((v) => !Number.isNaN(v)));
        const shape = [h.shape[0]];
        const host = (f: (r: number[]) => number, dtype: 'float32' | 'int32' = 'float32'): Host => ({ shape, dtype, data: rows.map(f) });
        check(np.nansum(x, { axis: 1 }), host((r) => r.reduce((a, b) => a + b, 0)), rel(1e-6, 1e-5));
        check(np.nanmax(x, { axis: 1 }), host((r) => (r.length ? Math.max(...r) : NaN)), exact);
        check(np.nanmin(x, { axis: 1 }), host((r) => (r.length ? Math.min(...r) : NaN)), exact);
        check(np.nanmean(x, { axis: 1 }), host((r) => (r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN)), rel(1e-6, 1e-5));
        const mean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
        check(np.nanvar(x, { axis: 1 }), host((r) => (r.length ? r.reduce((a, b) => a + (b - mean(r)) ** 2, 0) / r.length : NaN)), rel(1e-5, 1e-4));
        const full = lines(h, 1).map((l) => l.line);
        check(np.nanargmax(x, { axis: 1 }), { shape, dtype: 'int32', data: full.map((l) => (l.every(Number.isNaN) ? -1 : l.indexOf(Math.max(...l.filter((v) => !Number.isNaN(v)))))) }, exact);
      }),
      RUNS,
    );
  });

  it('diff of order n, cumulativeSum with the initial zero', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 4 }), (v, n) => {
        let d = v.slice();
        for (let k = 0; k < n && d.length; k++) d = d.slice(1).map((x, i) => x - d[i]);
        check(np.diff(np.array(v, { dtype: 'int32' }), { n }), { shape: [d.length], dtype: 'int32', data: d }, exact);
        const cs = [0];
        v.forEach((x) => cs.push(cs[cs.length - 1] + x));
        check(np.cumulativeSum(np.array(v, { dtype: 'int32' }), { includeInitial: true }), { shape: [v.length + 1], dtype: 'int32', data: cs }, exact);
      }),
      RUNS,
    );
  });

  it('convolve and correlate (all modes) against the sums that define them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 9 }), fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 9 }), fc.constantFrom('full', 'same', 'valid'), (a, v, mode) => {
        const [na, nv] = [a.length, v.length];
        const full = Array.from({ length: na + nv - 1 }, (_, k) => a.reduce((s, x, j) => s + (k - j >= 0 && k - j < nv ? x * v[k - j] : 0), 0));
        const [long, short] = [Math.max(na, nv), Math.min(na, nv)];
        const start = mode === 'full' ? 0 : mode === 'same' ? Math.floor((short - 1) / 2) : short - 1;
        const len = mode === 'full' ? na + nv - 1 : mode === 'same' ? long : long - short + 1;
        const want = full.slice(start, start + len);
        check(np.convolve(np.array(a, { dtype: 'int32' }), np.array(v, { dtype: 'int32' }), { mode }), { shape: [len], dtype: 'int32', data: want }, exact);
        // correlate(a, v, 'full')[k] = sum_j a[j] v[j - k + nv - 1]
        const corr = Array.from({ length: na + nv - 1 }, (_, k) => a.reduce((s, x, j) => s + (j - k + nv - 1 >= 0 && j - k + nv - 1 < nv ? x * v[j - k + nv - 1] : 0), 0));
        if (mode === 'full') check(np.correlate(np.array(a, { dtype: 'int32' }), np.array(v, { dtype: 'int32' }), { mode }), { shape: [corr.length], dtype: 'int32', data: corr }, exact);
      }),
      RUNS,
    );
  });

  it('takeAlongAxis with argsort equals sort; out-of-range indices fill', () => {
    fc.assert(
      fc.property(arbAxisCase('int32', 3), ([h, axis]) => {
        const x = toLax(h);
        const [[a], [b]] = both(np.takeAlongAxis(x, np.argsort(x, { axis }), { axis }), np.sort(x, { axis }));
        expect(Array.from(a)).toEqual(Array.from(b));
      }),
      RUNS,
    );
    const [[filled]] = both(np.takeAlongAxis(np.array([1.5, 2.5]), np.array([1, 2, -1, -3]), { axis: 0 }));
    expect(Array.from(filled)).toEqual([2.5, NaN, 2.5, NaN]);
  });

  it('isclose handles infinities and NaN as JAX', async () => {
    const a = np.array([1, Infinity, -Infinity, NaN, NaN, 1e-9]);
    const b = np.array([1 + 1e-6, Infinity, Infinity, NaN, 1, 0]);
    expect(await np.isclose(a, b).tolist()).toEqual([true, true, false, false, false, true]);
    expect(await np.isclose(a, b, { equalNan: true }).tolist()).toEqual([true, true, false, true, false, true]);
    expect(await np.allclose(np.array([1, 2]), np.array([1, 2.1]), { atol: 0.2 }).item<boolean>()).toBe(true);
    expect(await np.arrayEqual(np.array([1, 2]), np.array([1, 2, 3])).item<boolean>()).toBe(false);
  });
});

describe('bad input names the function', () => {
  it('gives JAX-worded errors at the call', () => {
    expect(() => np.sort(np.array(1))).toThrow(/sort/);
    expect(() => np.pad(np.arange(3), 1, { mode: 'median' as 'edge' })).toThrow(/pad: invalid mode/);
    expect(() => np.moveaxis(np.arange(3), 2, 0)).toThrow(/moveaxis: source 2 is out of bounds/);
    expect(() => np.einsum('ij,jk->ik', np.ones([2, 3]))).toThrow(/einsum/);
    expect(() => np.bincount(np.array([1, 2]))).toThrow(/bincount: the length option is required/);
    expect(() => np.tensordot(np.ones([2, 3]), np.ones([4, 2]), 1)).toThrow(/tensordot: shape mismatch/);
    expect(() => np.quantile(np.arange(3), 0.5, { method: 'cubic' as 'linear' })).toThrow(/quantile: invalid method/);
  });
});
