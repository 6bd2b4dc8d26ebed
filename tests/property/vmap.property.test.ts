// vmap(f)(xs) equals stacking f over the slices of xs, for random f composed from an op
// table: elementwise with batched and unbatched operands, reductions, reshape, transpose,
// broadcasting, matmul, .at updates, gathers (take), cumsum, nested vmap and vmap of
// lax.scan; with random inAxes / outAxes, `null`, and pytree prefixes ([0, null],
// [{ a: 0, b: null }], { out: k, c: null }).

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { mismatch, rel } from '../oracle/compare.js';
import { arbHost, arbShape, toLax, type Host } from '../oracle/host.js';

const RUNS = { numRuns: 60 };
const TOL = rel(1e-6, 1e-6);

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

/** A deterministic constant of `shape` (closed over by f, so never batched). */
const konst = (shape: number[]) => np.reshape(np.arange(shape.reduce((a, b) => a * b, 1)).astype('float32').mul(0.5).sub(1), shape);

interface Op {
  name: string;
  ok: (s: number[]) => boolean;
  apply: (t: LaxArray, y: LaxArray, k: number) => LaxArray;
}

// Each op takes the running value t, the second argument y (batched or not) and a small
// random integer k for its choices (an axis, ...).
const ops: Op[] = [
  { name: 't + sum(y)', ok: () => true, apply: (t, y) => np.add(t, np.sum(y)) },
  { name: 't * 0.5 - 1', ok: () => true, apply: (t) => t.mul(0.5).sub(1) },
  { name: 'maximum(t, 0)', ok: () => true, apply: (t) => np.maximum(t, 0) },
  { name: 'where(t > 0, t, -t)', ok: () => true, apply: (t) => np.where(np.greater(t, 0), t, np.negative(t)) },
  { name: 'sum over an axis', ok: (s) => s.length > 0, apply: (t, _y, k) => np.sum(t, { axis: k % t.ndim, keepdims: k % 2 === 0 }) },
  { name: 'max over all', ok: (s) => s.every((d) => d > 0), apply: (t) => np.max(t) },
  { name: 'reshape to [-1]', ok: () => true, apply: (t) => t.reshape([-1]) },
  { name: 'transpose', ok: (s) => s.length >= 2, apply: (t) => t.T },
  { name: 'broadcast against a constant [2, ...s]', ok: (s) => s.length < 3, apply: (t) => np.add(t, konst([2, ...t.shape])) },
  { name: 'matmul with a constant', ok: (s) => s.length >= 1, apply: (t) => np.matmul(t, konst([t.shape[t.ndim - 1], 2])) },
  { name: 'constant matmul t', ok: (s) => s.length >= 1, apply: (t) => np.matmul(konst([2, t.shape[Math.max(t.ndim - 2, 0)]]), t) },
  { name: '.at(0).add(1)', ok: (s) => s.length >= 1 && s[0] > 0, apply: (t) => t.at(0).add(1) },
  { name: '.at([0, -1, 0]).set(y-sum)', ok: (s) => s.length >= 1 && s[0] > 0, apply: (t, y) => t.at(np.array([0, -1, 0])).set(np.sum(y)) },
  { name: '.at([1, 5]).add(t[0])', ok: (s) => s.length >= 1 && s[0] > 0, apply: (t) => t.at(np.array([1, 5])).add(t.at(0).get()) },
  { name: 'take along axis 0', ok: (s) => s.length >= 1 && s[0] > 0, apply: (t) => np.take(t, np.array([0, t.shape[0] - 1, 0]), { axis: 0 }) },
  { name: 'cumsum over an axis', ok: (s) => s.length > 0, apply: (t, _y, k) => np.cumsum(t, { axis: k % t.ndim }) },
  { name: 'nested vmap of a row sum', ok: (s) => s.length >= 2, apply: (t) => vmap((r: LaxArray) => np.sum(r.mul(r)))(t) },
  {
    name: 'scan over the leading axis', ok: (s) => s.length >= 1,
    apply: (t) => {
      const [c, ys] = lax.scan((c: LaxArray, r: LaxArray) => [np.add(c, r), np.maximum(c, r)], np.zeros(t.shape.slice(1)), t);
      return np.add(ys, c);
    },
  },
];

/** Apply the ops whose preconditions hold, in order. */
function compose(chain: [number, number][]) {
  return (t: LaxArray, y: LaxArray): LaxArray => {
    for (const [i, k] of chain) if (ops[i].ok(t.shape)) t = ops[i].apply(t, y, k);
    return t;
  };
}

/** Slice i along `axis` of an array (basic indexing). */
const take = (x: LaxArray, axis: number, i: number) => x.slice(...x.shape.map((_, d) => (d === axis ? i : null)));

async function expectClose(got: LaxArray, want: LaxArray, what: string) {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  expect(mismatch(Array.from(await got.data()), Array.from(await want.data()), TOL), what).toBeUndefined();
}

const arbChain = fc.array(fc.tuple(fc.integer({ min: 0, max: ops.length - 1 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 4 });

const arbSetup = fc
  .tuple(arbShape(2, 3, 1), fc.integer({ min: 1, max: 4 }), fc.boolean(), arbChain)
  .chain(([s, B, yBatched, chain]) =>
    fc.tuple(
      fc.constant({ s, B, yBatched, chain }),
      fc.integer({ min: 0, max: s.length }), // x's in-axis
      fc.integer({ min: 0, max: s.length }), // y's in-axis
    ),
  )
  .chain(([setup, xa, ya]) => {
    const xShape = [...setup.s.slice(0, xa), setup.B, ...setup.s.slice(xa)];
    const yShape = setup.yBatched ? [...setup.s.slice(0, ya), setup.B, ...setup.s.slice(ya)] : setup.s;
    const ints = (h: Host): Host => ({ ...h, data: h.data.map((v) => Math.round(v)) });
    return fc.tuple(fc.constant({ ...setup, xa, ya }), arbHost(xShape, 'float32', [-4, 4]).map(ints), arbHost(yShape, 'float32', [-4, 4]).map(ints), fc.integer({ min: 0, max: 3 }));
  });

describe('vmap(f)(xs) equals stack([f(x_i) ...])', () => {
  it('random f, random inAxes (batched / null second argument), random outAxes', async () => {
    await fc.assert(
      fc.asyncProperty(arbSetup, async ([c, xh, yh, outPick]) => {
        const f = compose(c.chain);
        const x = toLax(xh);
        const y = toLax(yh);
        const outs = Array.from({ length: c.B }, (_, i) => f(take(x, c.xa, i), c.yBatched ? take(y, c.ya, i) : y));
        const outAxis = outPick % (outs[0].ndim + 1);
        const want = np.stack(outs, { axis: outAxis });
        const got = vmap(f, { inAxes: [c.xa, c.yBatched ? c.ya : null], outAxes: outAxis })(x, y);
        await expectClose(got, want, `ops ${c.chain.map(([i]) => ops[i].name).join(' | ')}`);
      }),
      RUNS,
    );
  });

  it('pytree in_axes prefixes: vmap(f, [0, null]) and [{ a: 0, b: null }], pytree out_axes { out: k, c: null }', async () => {
    await fc.assert(
      fc.asyncProperty(arbSetup, async ([c, xh, yh, outPick]) => {
        const f = compose(c.chain);
        const x = toLax(xh);
        const xs = c.xa === 0 ? x : np.transpose(x, [c.xa, ...x.shape.map((_, d) => d).filter((d) => d !== c.xa)]); // batch axis first
        const yOne = c.yBatched ? take(toLax(yh), c.ya, 0) : toLax(yh);
        const want = np.stack(Array.from({ length: c.B }, (_, i) => f(take(xs, 0, i), yOne)));
        // Positional list prefix, the shorthand form.
        await expectClose(vmap(f, [0, null])(xs, yOne), want, '[0, null]');
        // An object argument with a per-key prefix; an unbatched output with out_axes null.
        const g = (t: { a: LaxArray; b: LaxArray }) => ({ out: f(t.a, t.b), c: np.sum(t.b) });
        const outAxis = outPick % want.ndim;
        const r = vmap(g, { inAxes: [{ a: 0, b: null }], outAxes: { out: outAxis, c: null } })({ a: xs, b: yOne });
        await expectClose(r.out, np.stack(Array.from({ length: c.B }, (_, i) => f(take(xs, 0, i), yOne)), { axis: outAxis }), '{a: 0, b: null} out');
        await expectClose(r.c, np.sum(yOne), 'unbatched output with out_axes null');
      }),
      RUNS,
    );
  });

  it('nested vmap over two axes equals the double loop; vmap of lax.scan with a batched carry', async () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 }), arbChain).chain(([B1, B2, n, chain]) =>
      fc.tuple(fc.constant(chain), arbHost([B1, B2, n], 'float32', [-4, 4]).map((h) => ({ ...h, data: h.data.map(Math.round) }))),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([chain, xh]) => {
        const f = compose(chain);
        const x = toLax(xh);
        const y = np.ones([2]);
        const [B1, B2] = xh.shape;
        const want = np.stack(Array.from({ length: B1 }, (_, i) => np.stack(Array.from({ length: B2 }, (_, j) => f(x.slice(i, j), y)))));
        await expectClose(vmap(vmap((r: LaxArray) => f(r, y)))(x), want, 'vmap(vmap(f))');
        // Rows last -> first: outer vmap over axis 1 (i), inner over axis 1 of each slice (j).
        await expectClose(vmap(vmap((r: LaxArray) => f(r, y), { inAxes: 1 }), { inAxes: 1 })(np.transpose(x, [2, 0, 1])), want, 'vmap(vmap(f, 1), 1)');

        // scan whose carry starts unbatched and becomes batched through x.
        const scanF = (row: LaxArray) => lax.scan((carry: LaxArray, v: LaxArray) => [np.add(carry.mul(0.5), v), np.maximum(carry, v)], np.zeros([]), row);
        const flat = x.reshape([B1 * B2, xh.shape[2]]);
        const [cs, ys] = vmap(scanF)(flat);
        const per = Array.from({ length: B1 * B2 }, (_, i) => scanF(flat.slice(i)));
        await expectClose(cs, np.stack(per.map((p) => p[0])), 'vmap(scan) carry');
        await expectClose(ys, np.stack(per.map((p) => p[1])), 'vmap(scan) ys');
      }),
      RUNS,
    );
  });
});
