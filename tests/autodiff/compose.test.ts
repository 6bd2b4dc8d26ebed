// grad composed with the other transformations and with itself: vmap(grad(f)) equals a loop
// of grad(f); jit(valueAndGrad(f)) equals valueAndGrad(f); grad through lax.scan equals the
// hand-derived recurrence; hessian, jacfwd and jacrev equal closed forms; pytrees in and out;
// argnums and hasAux; stopGradient and optimizationBarrier; an output that does not depend on the input has zero gradient.

import { describe, expect, it } from 'vitest';
import { grad, hessian, jacfwd, jacrev, jit, jvp, lax, np, random, valueAndGrad, vjp, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';
import { toposort } from '../../src/graph/toposort.js';

/** Values of `x` on the CPU backend and on the oracle, each within `tol` (relative + absolute) of `want`. */
function near(x: LaxArray, want: number[], tol = 1e-5): void {
  const [[cpu], [oracle]] = both(x);
  for (const got of [cpu, oracle]) {
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `[${i}] ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
  }
}
const f32 = (v: number[] | number[][]) => np.array(v as number[], { dtype: 'float32' });
const flat = (v: number[][]) => v.flat();

describe('grad composes', () => {
  const f = (x: LaxArray) => np.sum(np.sin(x).mul(x));
  const df = (v: number) => Math.sin(v) + v * Math.cos(v);

  it('vmap(grad(f)) equals a loop of grad(f)', () => {
    const rows = [[0.1, -1.2, 2], [3, 0.5, -0.7]];
    const batched = vmap(grad(f))(f32(rows));
    near(batched, flat(rows.map((r) => r.map(df))));
    rows.forEach((r) => near(grad(f)(f32(r)), r.map(df)));
    expect(batched.shape).toEqual([2, 3]);
  });

  it('jit(valueAndGrad(f)) equals valueAndGrad(f), called twice (a replay)', () => {
    const jf = jit(valueAndGrad(f));
    for (const r of [[0.3, 1, -2], [4, 5, 6]]) {
      const [v, g] = jf(f32(r));
      near(v, [r.reduce((s, x) => s + Math.sin(x) * x, 0)]);
      near(g, r.map(df));
    }
  });

  it('grad through lax.scan equals the hand-derived recurrence (EMA with a loss on every step)', () => {
    // c_t = a c_{t-1} + (1 - a) x_t, loss = sum_t c_t^2; dL/dx_t = (1 - a) * sum_{s >= t} 2 c_s a^(s - t); dL/da by the adjoint recurrence.
    const xs = [0.5, -1, 2, 0.25, 3];
    const a = 0.7;
    const loss = (x: LaxArray, al: LaxArray) => np.sum(np.square(lax.scan((c: LaxArray, xi: LaxArray) => {
      const n = c.mul(al).add(xi.mul(np.subtract(1, al)));
      return [n, n];
    }, np.array(0, { dtype: 'float32' }), x)[1]));
    const c: number[] = [];
    xs.reduce((p, x) => (c.push(a * p + (1 - a) * x), c[c.length - 1]), 0);
    const lam: number[] = Array(xs.length).fill(0); // dL/dc_t including the future
    for (let t = xs.length - 1; t >= 0; t--) lam[t] = 2 * c[t] + (t + 1 < xs.length ? a * lam[t + 1] : 0);
    const dx = lam.map((l) => l * (1 - a));
    const da = lam.reduce((s, l, t) => s + l * ((t > 0 ? c[t - 1] : 0) - xs[t]), 0);
    const [gx, ga] = grad(loss, { argnums: [0, 1] })(f32(xs), np.array(a, { dtype: 'float32' }));
    near(gx, dx, 1e-4);
    near(ga, [da], 1e-4);
    // reverse scans too: the same loss over the reversed sequence
    const lossRev = (x: LaxArray) => np.sum(np.square(lax.scan((cc: LaxArray, xi: LaxArray) => [cc.mul(a).add(xi.mul(1 - a)), cc.mul(a).add(xi.mul(1 - a))], np.array(0, { dtype: 'float32' }), x, { reverse: true })[1]));
    near(grad(lossRev)(f32([...xs].reverse())), [...dx].reverse(), 1e-4);
  });

  it('valueAndGrad through a scan runs the loop forward once (the value read from the residual scan)', () => {
    const loss = (x: LaxArray) => np.sum(lax.scan((c: LaxArray, xi: LaxArray) => [c.mul(0.5).add(xi), np.sin(c)], np.array(0, { dtype: 'float32' }), x)[1]);
    const [v, g] = valueAndGrad(loss)(f32([1, 2, 3]));
    const scans = toposort([v.node, g.node]).filter((n) => n.prim === 'scan');
    expect(scans.length).toBe(2); // forward (with residuals) and backward
    near(v, [Math.sin(0) + Math.sin(1) + Math.sin(2.5)], 1e-5);
  });

  it('grad of grad, hessian, jacfwd and jacrev equal closed forms', () => {
    const cube = (x: LaxArray) => np.sum(x.mul(x).mul(x));
    near(grad((x: LaxArray) => grad((y: LaxArray) => np.sum(np.sin(y)))(x).sum())(f32([0.5, 1])), [-Math.sin(0.5), -Math.sin(1)]);
    near(hessian(cube)(f32([1, 2])), [6, 0, 0, 12]);
    const g = (x: LaxArray) => np.matmul(f32([[1, 2], [3, 4], [5, 6]]), np.sin(x));
    const want = flat([[1, 2], [3, 4], [5, 6]].map((r) => r.map((v, j) => v * Math.cos([0.3, -0.4][j]))));
    near(jacfwd(g)(f32([0.3, -0.4])), want);
    near(jacrev(g)(f32([0.3, -0.4])), want);
    expect(jacrev(g)(f32([0.3, -0.4])).shape).toEqual([3, 2]);
  });

  it('pytrees in and out, argnums, hasAux', () => {
    const loss = (p: { w: LaxArray; b: LaxArray }, x: LaxArray) => {
      const y = np.matmul(x, p.w).add(p.b);
      return [np.sum(np.square(y)), { y }] as const;
    };
    const p = { w: f32([1, -1]), b: f32(0.5 as never) };
    const x = f32([[1, 2], [3, 4]]);
    const [[v, aux], g] = valueAndGrad(loss, { hasAux: true })(p, x);
    // y = x w + b = [-0.5, -0.5]; dL/dw = 2 x^T y; dL/db = 2 sum y
    near(v, [0.5]);
    near(aux.y, [-0.5, -0.5]);
    near(g.w, [2 * (1 * -0.5 + 3 * -0.5), 2 * (2 * -0.5 + 4 * -0.5)]);
    near(g.b, [-2]);
    const [gp, gx] = grad((pp: { w: LaxArray; b: LaxArray }, xx: LaxArray) => loss(pp, xx)[0], { argnums: [0, 1] })(p, x);
    near(gp.b, [-2]);
    near(gx, [2 * -0.5 * 1, 2 * -0.5 * -1, 2 * -0.5 * 1, 2 * -0.5 * -1]);
  });

  it('jvp and vjp of a pytree function; stopGradient; an independent input has zero gradient', () => {
    const f = (a: LaxArray, b: LaxArray) => ({ s: a.mul(b), d: np.subtract(a, b) });
    const [out, t] = jvp(f, [f32([1, 2]), f32([3, 4])], [f32([1, 0]), f32([0, 1])]);
    near(out.s, [3, 8]);
    near(t.s, [3, 2]);
    near(t.d, [1, -1]);
    const [, pull] = vjp(f, f32([1, 2]), f32([3, 4]));
    const [ga, gb] = pull({ s: f32([1, 1]), d: f32([1, 0]) });
    near(ga, [4, 4]);
    near(gb, [0, 2]);
    near(grad((x: LaxArray) => np.sum(x.mul(lax.stopGradient(x))))(f32([1, 2, 3])), [1, 2, 3]);
    // optimizationBarrier is x's value, and derivatives pass through it (JAX's optimization_barrier), on a pytree
    const barred = lax.optimizationBarrier({ x: f32([1.5, -2]), i: np.array([3], { dtype: 'int32' }) });
    near(barred.x, [1.5, -2]);
    expect(barred.i.dtype).toBe('int32');
    near(barred.i.astype('float32'), [3]);
    near(grad((x: LaxArray) => np.sum(lax.optimizationBarrier(x.mul(x))))(f32([1, 2, 3])), [2, 4, 6]);
    near(grad((_x: LaxArray, y: LaxArray) => np.sum(y))(f32([1, 2]), f32([3])), [0, 0]);
    near(grad((x: LaxArray) => np.sum(np.floor(x)).add(1))(f32([1.5])), [0]);
  });

  it('grad of jit(f) and of vmap(f); random draws are constants (keys are not differentiable)', () => {
    near(grad(jit((x: LaxArray) => np.sum(np.sin(x))))(f32([0, 1])), [1, Math.cos(1)]);
    near(grad((x: LaxArray) => np.sum(vmap((r: LaxArray) => np.sum(r.mul(r)))(x)))(f32([[1, 2], [3, 4]])), [2, 4, 6, 8]);
    const key = random.key(0);
    const [[noise]] = both(random.normal(key, [3]));
    near(grad((x: LaxArray) => np.sum(random.normal(key, [3]).mul(x).mul(x)))(f32([1, 2, 3])), Array.from(noise, (v, i) => 2 * v * (i + 1)), 1e-5);
  });

  it('grad through .at, cumsum, concatenate and where under vmap', () => {
    const h = (x: LaxArray) => np.sum(np.cumsum(x.at(0).set(x.at(2).get().mul(3))).mul(np.where(np.greater(x, 0), x, 0)));
    const rows = [[1, -2, 3], [0.5, 2, -1]];
    const viaVmap = vmap(grad(h))(f32(rows));
    const loop = rows.map((r) => both(grad(h)(f32(r)))[0][0]);
    near(viaVmap, loop.flatMap((l) => Array.from(l)));
  });
});
