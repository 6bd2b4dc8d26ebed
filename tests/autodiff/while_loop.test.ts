// lax.whileLoop as one `while` primitive (JAX semantics): against plain JS loops on random
// values (fast-check), on the CPU backend and the oracle; under vmap against a loop of
// unbatched calls (lanes stopping at different iterations); under jit (traced once); under
// jvp against finite differences of the same loop in float64; grad raising JAX's error;
// foriLoop with traced bounds as a whileLoop.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad, jacfwd, jit, jvp, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

const RUNS = { numRuns: 15 };
const f32 = Math.fround;
const arr = (v: number[]) => np.array(v, { dtype: 'float32' });
const i32 = (v: number) => np.array(v, { dtype: 'int32' });

/** `x` on the CPU backend and the oracle, each within `tol` of `want`. */
function near(x: LaxArray, want: number[], tol = 1e-5): void {
  const [[cpu], [oracle]] = both(x);
  for (const got of [cpu, oracle]) {
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `[${i}] ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
  }
}

/** Collatz-like loop: a counter and a float vector whose trip count depends on the data. */
const collatzCond = ([, x]: LaxArray[]) => np.less(np.sum(np.abs(x)), 100);
const collatzBody = ([i, x]: LaxArray[]) => [i.add(1), x.mul(1.5).add(np.sign(x))];
function collatzJs(v: number[]): [number, number[]] {
  let i = 0;
  let x = v.map(f32);
  const sumAbs = (a: number[]) => a.reduce((s, e) => f32(s + Math.abs(e)), 0);
  while (sumAbs(x) < 100) {
    i++;
    x = x.map((e) => f32(f32(e * 1.5) + Math.sign(e)));
  }
  return [i, x];
}

const vals = (n = 4) => fc.array(fc.double({ min: -5, max: 5, noNaN: true }).map(f32), { minLength: 1, maxLength: n });

describe('lax.whileLoop', () => {
  it('equals a JS while loop: pytree carries, an int counter, captured arrays in the condition and the body', () => {
    fc.assert(
      fc.property(vals(), fc.integer({ min: 1, max: 30 }), (v, limit) => {
        fc.pre(v.some((e) => e !== 0));
        const [n, x] = lax.whileLoop(collatzCond, collatzBody, [i32(0), arr(v)]);
        const [wn, wx] = collatzJs(v);
        near(n, [wn]);
        near(x, wx);
        // captured: a limit in the condition, a step array in the body
        const lim = np.array(limit, { dtype: 'int32' });
        const step = arr(v.map((_, k) => k + 1));
        const out = lax.whileLoop((c: { k: LaxArray; s: LaxArray }) => np.less(c.k, lim), (c: { k: LaxArray; s: LaxArray }) => ({ k: c.k.add(1), s: c.s.add(step) }), { k: i32(0), s: arr(v) });
        near(out.s, v.map((e, k) => { let s = e; for (let t = 0; t < limit; t++) s = f32(s + k + 1); return s; }));
        near(out.k, [limit]);
      }),
      RUNS,
    );
  });

  it('runs zero times when the condition is false at once, and reads back through data()', async () => {
    const x = arr([1, 2, 3]);
    const out = lax.whileLoop((c: LaxArray) => np.less(np.sum(c), 0), (c: LaxArray) => c.mul(2), x);
    expect(Array.from(await out.data())).toEqual([1, 2, 3]);
    const [n, y] = lax.whileLoop(([i]: LaxArray[]) => np.less(i, 4), ([i, c]: LaxArray[]) => [i.add(1), c.mul(2)], [i32(0), x]);
    // two reads of two outputs of one loop (the second projection is served from the first run)
    expect(Array.from(await y.data())).toEqual([16, 32, 48]);
    expect(Array.from(await n.data())).toEqual([4]);
  });

  it('data() on each backend: the CPU runs the loop in the realization layer, the oracle by its rule', async () => {
    const { init } = await import('../../src/index.js');
    const run = async () => {
      const [n, y] = lax.whileLoop(([, c]: LaxArray[]) => np.less(np.sum(c), 40), ([i, c]: LaxArray[]) => [i.add(1), c.mul(2).add(0.5)], [i32(0), arr([1, 2])]);
      return [Array.from(await n.data()), Array.from(await y.data())];
    };
    const want = [[4], [23.5, 39.5]]; // sums 3, 7, 15, 31, 63
    expect(await run()).toEqual(want);
    await init({ backend: 'oracle' });
    try {
      expect(await run()).toEqual(want);
    } finally {
      await init({ backend: 'cpu' });
    }
  });

  it('a weakly typed initial carry takes the body dtype, and a nested whileLoop runs inside the body', () => {
    near(lax.whileLoop((c: LaxArray) => np.less(c, 10), (c: LaxArray) => c.mul(1.5).add(1), 1 as never) as LaxArray, [(() => { let c = 1; while (c < 10) c = f32(f32(c * 1.5) + 1); return c; })()]);
    // sum over i < 5 of (number of doublings from 1 that stay below i + 2)
    const outer = lax.whileLoop(
      ([i]: LaxArray[]) => np.less(i, 5),
      ([i, acc]: LaxArray[]) => {
        const [, k] = lax.whileLoop(([p]: LaxArray[]) => np.less(p.mul(2), i.add(2)), ([p, k2]: LaxArray[]) => [p.mul(2), k2.add(1)], [i32(1), i32(0)]);
        return [i.add(1), acc.add(k)];
      },
      [i32(0), i32(0)],
    );
    let want = 0;
    for (let i = 0; i < 5; i++) for (let p = 1; p * 2 < i + 2; p *= 2) want++;
    near(outer[1], [want]);
  });

  it('vmap: a batched predicate runs each lane to its own stop (equal to unbatched calls)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }).chain((w) => fc.array(vals(w).filter((r) => r.length === w), { minLength: 2, maxLength: 4 })), (rows) => {
        fc.pre(rows.every((r) => r.some((e) => e !== 0)));
        const f = (x: LaxArray) => lax.whileLoop(collatzCond, collatzBody, [i32(0), x]);
        const [ns, xs] = vmap(f)(arr(rows.flat()).reshape([rows.length, rows[0].length]));
        const want = rows.map(collatzJs);
        near(ns, want.map(([n]) => n));
        near(xs, want.flatMap(([, x]) => x));
        // and lane by lane, the unbatched call agrees
        rows.forEach((r, k) => near(f(arr(r))[1], want[k][1]));
      }),
      RUNS,
    );
  });

  it('vmap: lanes stop at different iterations; unbatched predicate with a batched carry; batched body constant', () => {
    // per-lane limits: the trip count is the lane's limit
    const lims = i32(0).add(np.array([3, 0, 7, 1], { dtype: 'int32' }));
    const countTo = (lim: LaxArray) => lax.whileLoop(([i]: LaxArray[]) => np.less(i, lim), ([i, s]: LaxArray[]) => [i.add(1), s.add(i.astype('float32'))], [i32(0), np.array(0, { dtype: 'float32' })]);
    const [is, ss] = vmap(countTo)(lims);
    near(is, [3, 0, 7, 1]);
    near(ss, [3, 0, 21, 0]);
    // the predicate reads only the unbatched counter; the body's constant is batched
    const scaled = (c: LaxArray) => lax.whileLoop(([i]: LaxArray[]) => np.less(i, 3), ([i, x]: LaxArray[]) => [i.add(1), x.mul(c)], [i32(0), np.array(1, { dtype: 'float32' })])[1];
    near(vmap(scaled)(arr([2, -1, 0.5])), [8, -1, 0.125]);
    // in_axes none for the init, the bound batched
    near(vmap((lim: LaxArray) => countTo(lim)[1])(np.array([2, 5], { dtype: 'int32' })), [1, 10]);
  });

  it('jit: traced once, replayed on new values (conditions depend on the arguments)', () => {
    let condCalls = 0;
    let bodyCalls = 0;
    const f = jit((x: LaxArray, lim: LaxArray) =>
      lax.whileLoop(
        (c: LaxArray) => (condCalls++, np.less(np.sum(c), lim)),
        (c: LaxArray) => (bodyCalls++, c.mul(2).add(1)),
        x,
      ),
    );
    for (const [v, lim] of [[[1, 2], 50], [[0.5, 0.25], 1000], [[3, 3], 6.5], [[4, 1], 2]] as const) {
      let c = v.map(f32);
      while (c.reduce((a, b) => f32(a + b), 0) < lim) c = c.map((e) => f32(f32(e * 2) + 1));
      near(f(arr([...v]), np.array(lim, { dtype: 'float32' })), c);
    }
    expect([condCalls, bodyCalls]).toEqual([1, 1]);
  });

  it('jvp equals finite differences of the same loop (float64), also through jacfwd (vmap of jvp)', () => {
    // y <- sin(y) * a + y * b while the counter is below n; tangents in a, b and y0
    const loop = (a: LaxArray, b: LaxArray, y0: LaxArray) =>
      lax.whileLoop(([i, y]: LaxArray[]) => np.logicalAnd(np.less(i, 6), np.less(np.sum(np.abs(y)), 50)), ([i, y]: LaxArray[]) => [i.add(1), np.sin(y).mul(a).add(y.mul(b))], [i32(0), y0])[1];
    const js = (a: number, b: number, y0: number[]) => {
      let y = y0;
      for (let i = 0; i < 6 && y.reduce((s, e) => s + Math.abs(e), 0) < 50; i++) y = y.map((e) => Math.sin(e) * a + e * b);
      return y;
    };
    fc.assert(
      fc.property(fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: 0.2, max: 1.2, noNaN: true }), vals(3), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), (a, b, y0, t) => {
        const [ta, tb, ...ty] = t;
        const tys = y0.map((_, k) => ty[k % 3]);
        // the trip count must not change within the finite-difference step
        const h = 1e-6;
        const trips = (s: number) => { let y = y0.map((e, k) => e + s * tys[k]); let i = 0; for (; i < 6 && y.reduce((q, e) => q + Math.abs(e), 0) < 50; i++) y = y.map((e) => Math.sin(e) * (a + s * ta) + e * (b + s * tb)); return i; };
        fc.pre(trips(h) === trips(-h) && trips(0) === trips(h));
        const fd = js(a + h * ta, b + h * tb, y0.map((e, k) => e + h * tys[k])).map((p, k) => (p - js(a - h * ta, b - h * tb, y0.map((e, kk) => e - h * tys[kk]))[k]) / (2 * h));
        const [out, tout] = jvp(loop, [np.array(a, { dtype: 'float32' }), np.array(b, { dtype: 'float32' }), arr(y0)], [np.array(ta, { dtype: 'float32' }), np.array(tb, { dtype: 'float32' }), arr(tys)]);
        near(out as LaxArray, js(f32(a), f32(b), y0), 1e-3);
        near(tout as LaxArray, fd, 2e-3);
      }),
      RUNS,
    );
    // d y_final / d y0 of an elementwise loop with a data-dependent stop: diagonal, each
    // entry b^trips; jacfwd batches the tangents (the predicate stays unbatched)
    const J = jacfwd((y0: LaxArray) => lax.whileLoop(([i]: LaxArray[]) => np.less(i, 3), ([i, y]: LaxArray[]) => [i.add(1), y.mul(0.5).add(1)], [i32(0), y0])[1])(arr([1, 2]));
    near(J, [0.125, 0, 0, 0.125]);
  });

  it('grad raises JAX error; a loop the argument does not reach is fine', () => {
    const f = (x: LaxArray) => np.sum(lax.whileLoop((c: LaxArray) => np.less(np.sum(c), 10), (c: LaxArray) => c.mul(2), x));
    expect(() => grad(f)(arr([1, 2]))).toThrow('Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values.');
    const g = (x: LaxArray) => np.sum(x.mul(lax.whileLoop((c: LaxArray) => np.less(c, 10), (c: LaxArray) => c.add(3), np.array(1, { dtype: 'float32' }))));
    near(grad(g)(arr([1, 2])), [10, 10]);
  });

  it('foriLoop with traced bounds is a whileLoop: jit, jvp, and grad raising JAX error', () => {
    const body = (i: LaxArray, c: LaxArray) => c.mul(0.5).add(i.astype('float32'));
    const f = jit((lo: LaxArray, hi: LaxArray, x: LaxArray) => lax.foriLoop(lo, hi, body, x));
    for (const [lo, hi] of [[0, 4], [2, 3], [5, 1]]) {
      let want = [1, -2].map(f32);
      for (let i = lo; i < hi; i++) want = want.map((c) => f32(f32(c * 0.5) + i));
      near(f(i32(lo), i32(hi), arr([1, -2])), want);
    }
    // bounds computed from the argument are traced (bounds of constants would be static: a scan)
    const upTo = (x: LaxArray) => lax.foriLoop(i32(0), np.sum(x).astype('int32'), body, x);
    const [, t] = jvp(upTo, [arr([1, 2])], [arr([1, 1])]);
    near(t as LaxArray, [0.125, 0.125]);
    expect(() => grad((x: LaxArray) => np.sum(upTo(x)))(arr([1, 2]))).toThrow('Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop');
    // static bounds: a scan, differentiable in reverse mode
    near(grad((x: LaxArray) => np.sum(lax.foriLoop(i32(0), i32(3), body, x)))(arr([1, 2])), [0.125, 0.125]);
  });

  it('inside a scan body: a clear error', () => {
    const s = lax.scan((c: LaxArray, x: LaxArray) => [lax.whileLoop((v: LaxArray) => np.less(v, x), (v: LaxArray) => v.add(1), c), c], np.array(0, { dtype: 'float32' }), arr([1, 2]))[0];
    expect(() => both(s)).toThrow('lax.whileLoop is not supported inside a lax.scan body');
  });
});
