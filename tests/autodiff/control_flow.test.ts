// lax.cond, lax.switch, lax.foriLoop and lax.whileLoop against plain JS loops and branches on
// random values (fast-check), eagerly, under vmap and jit, and differentiated; on the CPU
// backend and the oracle.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad, jit, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

const RUNS = { numRuns: 20 };
const f32 = Math.fround;
const arr = (v: number[]) => np.array(v, { dtype: 'float32' });

function near(x: LaxArray, want: number[], tol = 1e-5): void {
  const [[cpu], [oracle]] = both(x);
  for (const got of [cpu, oracle]) {
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `[${i}] ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
  }
}
const vals = (n = 4) => fc.array(fc.double({ min: -5, max: 5, noNaN: true }).map(f32), { minLength: 1, maxLength: n });

describe('lax.cond and lax.switch', () => {
  const branchJs = [(v: number) => v * 2, (v: number) => Math.sin(v), (v: number) => v - 1];
  const branches = [(a: LaxArray) => a.mul(2), (a: LaxArray) => np.sin(a), (a: LaxArray) => np.subtract(a, 1)];

  it('cond picks the branch of a computed predicate; under vmap it selects per example', () => {
    fc.assert(
      fc.property(vals(), (v) => {
        const s = v.reduce((p, q) => p + q, 0);
        const out = lax.cond(np.greater(np.sum(arr(v)), 0), branches[0], branches[1], arr(v));
        near(out, v.map(s > 0 ? branchJs[0] : branchJs[1]));
        const per = vmap((x: LaxArray) => lax.cond(np.greater(x, 0), branches[0], branches[1], x))(arr(v));
        near(per, v.map((e) => (e > 0 ? branchJs[0](e) : branchJs[1](e))));
      }),
      RUNS,
    );
  });

  it('switch clamps its index; under vmap and jit', () => {
    fc.assert(
      fc.property(vals(), fc.array(fc.integer({ min: -2, max: 5 }), { minLength: 4, maxLength: 4 }), (v, idx) => {
        const i = idx.slice(0, v.length);
        while (i.length < v.length) i.push(0);
        const clamp = (k: number) => Math.min(Math.max(k, 0), 2);
        const per = vmap((k: LaxArray, x: LaxArray) => lax.switch(k, branches, x))(np.array(i), arr(v));
        near(per, v.map((e, j) => branchJs[clamp(i[j])](e)));
        const jitted = jit((k: LaxArray, x: LaxArray) => lax.switch(k, branches, x));
        near(jitted(np.array(i[0]), arr(v)), v.map(branchJs[clamp(i[0])]));
        near(lax.switch(i[0], branches, arr(v)), v.map(branchJs[clamp(i[0])]));
      }),
      RUNS,
    );
  });

  it('grad through cond is the chosen branch\'s derivative', () => {
    const f = (x: LaxArray) => lax.cond(np.greater(x, 0), (a: LaxArray) => a.mul(a), (a: LaxArray) => np.sin(a), x);
    near(vmap(grad(f))(arr([2, -1, 0.5])), [4, Math.cos(-1), 1]);
  });

  it('pytree operands and outputs; a JS-number output takes the other branch\'s type', () => {
    const out = lax.cond(np.less(np.array(1), np.array(2)), (p: { a: LaxArray; b: LaxArray }) => [p.a, 1], (p: { a: LaxArray; b: LaxArray }) => [p.b, np.array(0, { dtype: 'float32' })], { a: arr([1]), b: arr([2]) });
    near(out[0] as LaxArray, [1]);
    near(np.asarray(out[1] as LaxArray), [1]);
  });
});

describe('lax.foriLoop and lax.whileLoop', () => {
  it('foriLoop equals a JS for loop (number bounds: a scan), also under vmap and differentiated', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 6 }), fc.integer({ min: -2, max: 8 }), vals(3), (lo, hi, v) => {
        const body = (i: LaxArray, c: LaxArray) => c.mul(0.5).add(i.astype('float32'));
        let want = v.slice();
        for (let i = lo; i < hi; i++) want = want.map((c) => f32(f32(c * 0.5) + i));
        near(lax.foriLoop(lo, hi, body, arr(v)), want);
        near(vmap((x: LaxArray) => lax.foriLoop(lo, hi, body, x))(arr(v)), want);
        // d/dx of sum(c_final) = 0.5^(trip count) per element
        near(grad((x: LaxArray) => np.sum(lax.foriLoop(lo, hi, body, x)))(arr(v)), v.map(() => 0.5 ** Math.max(0, hi - lo)));
      }),
      RUNS,
    );
  });

  it('foriLoop with array bounds and whileLoop equal JS while loops', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 6 }), (start, n) => {
        let c = start;
        while (c < 100) c = c * 2 + 1;
        near(np.asarray(lax.whileLoop((x: LaxArray) => np.less(x, 100), (x: LaxArray) => x.mul(2).add(1), np.array(start))), [c]);
        let s = 0;
        for (let i = 0; i < n; i++) s += i * i;
        near(np.asarray(lax.foriLoop(np.array(0), np.array(n), (i: LaxArray, acc: LaxArray) => acc.add(i.mul(i)), np.array(0))), [s]);
      }),
      RUNS,
    );
  });
});
