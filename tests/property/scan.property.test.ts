// lax.scan equals the reference loop of its JAX docstring, for random bodies composed
// from an op table, pytree carries (arrays, JS numbers, tuples, objects), pytree xs or
// `xs = null` with `length`, and `reverse`; a body that changes the carry's shape or
// dtype throws an error that names the carry. lax.associativeScan equals the sequential
// cumulative op (add, max, and a non-commutative pytree combine: affine maps) for random
// lengths (odd ones included), `reverse` and `axis`.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, lax, np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { mismatch, rel } from '../oracle/compare.js';
import { arbHost, arbShape, bget, build, ravel, sizeOf, toLax, unravel, type Host } from '../oracle/host.js';

const RUNS = { numRuns: 50 };
const TOL = rel(1e-6, 1e-6); // values are small dyadic rationals: exact unless summation order changes

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

// ---- the body op table: (carry leaf, x) -> new carry leaf, as lax and as float64 scalars -------

type Val = LaxArray | number;
interface BodyOp {
  name: string;
  lax: (c: Val, x: Val) => Val;
  ref: (c: number, x: number) => number;
}
const f = Math.fround;
const bodyOps: BodyOp[] = [
  { name: 'c + x', lax: (c, x) => np.add(c, x), ref: (c, x) => f(c + x) },
  { name: 'c - x', lax: (c, x) => np.subtract(c, x), ref: (c, x) => f(c - x) },
  { name: 'c * 0.5 + x', lax: (c, x) => np.add(np.multiply(c, 0.5), x), ref: (c, x) => f(f(c * 0.5) + x) },
  { name: 'max(c, x)', lax: (c, x) => np.maximum(c, x), ref: Math.max },
  { name: 'min(c, x)', lax: (c, x) => np.minimum(c, x), ref: Math.min },
  { name: 'where(x > 0, c, x)', lax: (c, x) => np.where(np.greater(x, 0), c, x), ref: (c, x) => (x > 0 ? c : x) },
  { name: 'c + 1', lax: (c) => np.add(c, 1), ref: (c) => f(c + 1) },
  { name: '|c - x|', lax: (c, x) => np.abs(np.subtract(c, x)), ref: (c, x) => Math.abs(f(c - x)) },
];

/** A carry leaf: a [S] array, a 0-d array or a JS number (weak, promoted by the body). */
type LeafKind = 'array' | 'scalar' | 'number';
type CarryShape = 'leaf' | 'tuple' | 'object';

interface ScanCase {
  shape: number[]; // per-step x shape (and array-carry shape)
  length: number;
  xs: Host[]; // 0, 1 or 2 leaves, each [length, ...shape]
  xsForm: 'null' | 'array' | 'tuple' | 'object';
  leaves: { kind: LeafKind; init: Host; op: number; xi: number }[];
  form: CarryShape;
  reverse: boolean;
  passLength: boolean;
}

const arbCase: fc.Arbitrary<ScanCase> = fc
  .tuple(arbShape(2, 3), fc.integer({ min: 0, max: 6 }), fc.constantFrom<ScanCase['xsForm']>('null', 'array', 'tuple', 'object'), fc.constantFrom<CarryShape>('leaf', 'tuple', 'object'), fc.boolean(), fc.boolean())
  .chain(([shape, length, xsForm, form, reverse, passLength]) => {
    const nx = xsForm === 'null' ? 0 : xsForm === 'array' ? 1 : 2;
    const nLeaves = form === 'leaf' ? 1 : 3;
    const arbLeaf = fc.tuple(fc.constantFrom<LeafKind>('array', 'scalar', 'number'), fc.integer({ min: 0, max: bodyOps.length - 1 }), fc.integer({ min: 0, max: Math.max(nx - 1, 0) })).chain(([kind, op, xi]) =>
      // A JS number init is weakly typed: an integer would stay int32 under `c + 1`, so numbers are x.25.
      arbHost(kind === 'array' ? shape : [], 'float32', [-4, 4]).map((h) => ({ kind, init: { ...h, data: h.data.map((v) => Math.round(v * 2) / 2 + (kind === 'number' ? 0.25 : 0)) }, op, xi })),
    );
    return fc.record({
      shape: fc.constant(shape),
      length: fc.constant(length),
      xs: fc.tuple(...Array.from({ length: nx }, () => arbHost([length, ...shape], 'float32', [-4, 4]).map((h) => ({ ...h, data: h.data.map((v) => Math.round(v * 2) / 2) })))),
      xsForm: fc.constant(xsForm),
      leaves: fc.tuple(...Array.from({ length: nLeaves }, () => arbLeaf)),
      form: fc.constant(form),
      reverse: fc.constant(reverse),
      passLength: fc.constant(passLength || xsForm === 'null'),
    });
  });

const pack = <T>(form: CarryShape, v: T[]): unknown => (form === 'leaf' ? v[0] : form === 'tuple' ? [v[0], [v[1], v[2]]] : { a: v[0], b: { c: v[1], d: v[2] } });
const unpack = (form: CarryShape, t: any): any[] => (form === 'leaf' ? [t] : form === 'tuple' ? [t[0], t[1][0], t[1][1]] : [t.a, t.b.c, t.b.d]);
const packXs = (form: ScanCase['xsForm'], v: unknown[]): unknown => (form === 'null' ? null : form === 'array' ? v[0] : form === 'tuple' ? [v[0], v[1]] : { u: v[0], v: v[1] });
const unpackXs = (form: ScanCase['xsForm'], t: any): any[] => (form === 'null' ? [] : form === 'array' ? [t] : form === 'tuple' ? t : [t.u, t.v]);

/** Step t of xs leaf `h` (shape [length, ...shape]) as a Host of `shape`. */
const stepOf = (h: Host, t: number, shape: number[]): Host => ({ shape, dtype: h.dtype, data: h.data.slice(t * sizeOf(shape), (t + 1) * sizeOf(shape)) });
const sumAll = (h: Host) => h.data.reduce((a, b) => f(a + b), 0);

describe('lax.scan equals the reference loop', () => {
  it('random bodies, pytree carries and xs, reverse, length, xs = null', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase, async (c) => {
        const zero: Host = { shape: c.shape, dtype: 'float32', data: new Array(sizeOf(c.shape)).fill(0) };
        // x for a leaf: the x leaf (or 0 when xs is null); a 0-d carry sees sum(x).
        const body = (carry: unknown, x: unknown): [unknown, unknown] => {
          const cs = unpack(c.form, carry);
          const xl = unpackXs(c.xsForm, x);
          const next = cs.map((cv: Val, i: number) => {
            const leaf = c.leaves[i];
            const xv: Val = xl.length ? xl[leaf.xi] : np.zeros(c.shape);
            return bodyOps[leaf.op].lax(cv, leaf.kind === 'array' ? xv : np.sum(xv));
          });
          return [pack(c.form, next), { first: np.multiply(next[0], 2), total: np.sum(next[next.length - 1]) }];
        };
        const init = pack(c.form, c.leaves.map((l) => (l.kind === 'number' ? l.init.data[0] : toLax(l.init))));
        const xs = packXs(c.xsForm, c.xs.map(toLax));
        const [carry, ys] = lax.scan(body, init, xs as never, { reverse: c.reverse, ...(c.passLength ? { length: c.length } : {}) }) as [unknown, { first: LaxArray; total: LaxArray }];

        // The reference loop.
        let state: Host[] = c.leaves.map((l) => l.init);
        const firsts: Host[] = new Array(c.length);
        const totals: number[] = new Array(c.length);
        for (let s = 0; s < c.length; s++) {
          const t = c.reverse ? c.length - 1 - s : s;
          state = state.map((h, i) => {
            const leaf = c.leaves[i];
            const xh = c.xs.length ? stepOf(c.xs[leaf.xi], t, c.shape) : zero;
            const op = bodyOps[leaf.op].ref;
            if (leaf.kind === 'array') return build(c.shape, 'float32', (idx) => op(bget(h, idx), bget(xh, idx)));
            return { shape: [], dtype: 'float32', data: [op(h.data[0], sumAll(xh))] };
          });
          firsts[t] = build(state[0].shape, 'float32', (idx) => 2 * bget(state[0], idx));
          totals[t] = sumAll(state[state.length - 1]);
        }
        const got = unpack(c.form, carry) as LaxArray[];
        for (let i = 0; i < state.length; i++) {
          expect(got[i].shape).toEqual(state[i].shape);
          expect(got[i].dtype).toBe('float32');
          expect(mismatch(Array.from(await got[i].data()), state[i].data, TOL), `carry leaf ${i}`).toBeUndefined();
        }
        expect(ys.first.shape).toEqual([c.length, ...state[0].shape]);
        expect(mismatch(Array.from(await ys.first.data()), firsts.flatMap((h) => h.data), TOL), 'ys.first').toBeUndefined();
        expect(mismatch(Array.from(await ys.total.data()), totals, TOL), 'ys.total').toBeUndefined();
      }),
      RUNS,
    );
  });

  it('int32 carries wrap like the loop; y = null gives null ys', async () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: -2147483648, max: 2147483647 }), fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { minLength: 1, maxLength: 8 }));
    await fc.assert(
      fc.asyncProperty(arb, async ([k, init, xs]) => {
        const [carry, ys] = lax.scan((c: LaxArray, x: LaxArray) => [np.add(np.multiply(c, k), x), null], np.array(init, { dtype: 'int32' }), np.array(xs, { dtype: 'int32' }));
        let want = init;
        for (const x of xs) want = (Math.imul(want, k) + x) | 0;
        expect(await carry.item()).toBe(want);
        expect(ys).toBeNull();
      }),
      RUNS,
    );
  });

  it("a body that changes the carry's shape or dtype throws, naming the carry", () => {
    const arb = fc.tuple(arbShape(2, 3), fc.constantFrom('stack', 'sum', 'astype', 'expand'));
    fc.assert(
      fc.property(arb, ([shape, how]) => {
        const change = (c: LaxArray): LaxArray =>
          how === 'stack' ? np.stack([c, c]) : how === 'sum' ? np.sum(c, { axis: shape.length ? 0 : undefined, keepdims: false }).reshape([...shape.slice(1), 1, 1].slice(0, Math.max(shape.length + 1, 1))) : how === 'astype' ? c.astype('int32') : np.expandDims(c, 0);
        expect(() => lax.scan((c: LaxArray, x: LaxArray) => [change(c), x], np.zeros(shape), np.zeros([3]))).toThrow(/carry/);
      }),
      RUNS,
    );
  });
});

// ---- associative scan ---------------------------------------------------------------------------

describe('lax.associativeScan equals the sequential cumulative op', () => {
  const arbArrays = (n: number) =>
    fc.tuple(arbShape(2, 3, 1), fc.integer({ min: 0, max: 9 })).chain(([rest, len]) =>
      fc.integer({ min: 0, max: rest.length }).chain((axis) => {
        const shape = [...rest.slice(0, axis), len, ...rest.slice(axis)];
        return fc.tuple(fc.constant(axis), fc.boolean(), fc.tuple(...Array.from({ length: n }, () => arbHost(shape, 'float32', [-4, 4]))));
      }),
    );

  /** Inclusive scan of `combine` along `axis`; reversed: from the end, combine(acc, x). */
  function reference(hs: Host[], axis: number, reverse: boolean, combine: (a: number[], b: number[]) => number[]): Host[] {
    const shape = hs[0].shape;
    const outs = hs.map((h) => ({ ...h, data: h.data.slice() }));
    const n = shape[axis];
    for (let i = 0; i < sizeOf(shape); i++) {
      const idx = unravel(i, shape);
      if (idx[axis] !== 0) continue;
      let acc: number[] | undefined;
      for (let s = 0; s < n; s++) {
        const k = reverse ? n - 1 - s : s;
        const j = ravel(idx.map((v, d) => (d === axis ? k : v)), shape);
        const x = hs.map((h) => h.data[j]);
        acc = acc ? combine(acc, x) : x;
        outs.forEach((o, q) => (o.data[j] = acc![q]));
      }
    }
    return outs;
  }

  const cases = [
    { name: 'add', n: 1, fn: (a: LaxArray, b: LaxArray) => np.add(a, b), ref: ([a]: number[], [b]: number[]) => [f(a + b)] },
    { name: 'max', n: 1, fn: (a: LaxArray, b: LaxArray) => np.maximum(a, b), ref: ([a]: number[], [b]: number[]) => [Math.max(a, b)] },
    {
      // Affine maps x -> a x + b as pytrees {a, b}; combine applies the earlier map first.
      name: 'affine composition (pytree, non-commutative)', n: 2,
      fn: (p: { a: LaxArray; b: LaxArray }, q: { a: LaxArray; b: LaxArray }) => ({ a: np.multiply(q.a, p.a), b: np.add(np.multiply(q.a, p.b), q.b) }),
      ref: ([a1, b1]: number[], [a2, b2]: number[]) => [f(a2 * a1), f(f(a2 * b1) + b2)],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: random lengths (odd too), axis, reverse`, async () => {
      await fc.assert(
        fc.asyncProperty(arbArrays(c.n), async ([axis, reverse, raw]) => {
          // Slopes in {-1, 0.5, 1} and small offsets keep every product exact in float32.
          const hs = raw.map((h, q) => ({ ...h, data: h.data.map((v) => (c.n === 2 && q === 0 ? [-1, 0.5, 1][Math.abs(Math.round(v)) % 3] : Math.round(v))) }));
          const want = reference(hs, axis, reverse, c.ref);
          const elems = c.n === 1 ? toLax(hs[0]) : { a: toLax(hs[0]), b: toLax(hs[1]) };
          const out = lax.associativeScan(c.fn as never, elems as never, { axis, reverse });
          const got = c.n === 1 ? [out as LaxArray] : [(out as { a: LaxArray }).a, (out as { b: LaxArray }).b];
          for (let q = 0; q < c.n; q++) {
            expect(got[q].shape).toEqual(hs[q].shape);
            expect(mismatch(Array.from(await got[q].data()), want[q].data, TOL), `output ${q}`).toBeUndefined();
          }
          // The cumulative ops agree with it too.
          if (c.name === 'add') expect(mismatch(Array.from(await lax.cumsum(toLax(hs[0]), { axis, reverse }).data()), want[0].data, TOL)).toBeUndefined();
          if (c.name === 'max') expect(mismatch(Array.from(await lax.cummax(toLax(hs[0]), { axis, reverse }).data()), want[0].data, TOL)).toBeUndefined();
        }),
        RUNS,
      );
    });
  }
});
