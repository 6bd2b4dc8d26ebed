// Every differentiable primitive's JVP and VJP on random shapes and values (fast-check):
// the JVP along a random tangent against central finite differences of a float64 reference
// written here (h = 1e-4, relative 2e-3 + absolute 2e-3 of the scale), and the VJP against
// the JVP by the dot-product identity <vjp(ct), t> = <ct, jvp(t)> (relative 1e-3). Both on
// the CPU backend and on the oracle. Values stay away from kinks (|x| > 0.05 for abs, no
// ties for max/min) where finite differences are not derivatives.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jvp, lax, np, vjp } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';
import { bget, broadcastShapes, sizeOf, stridesOf, toLax, unravel, type Host } from '../oracle/host.js';

const RUNS = { numRuns: 25 };
type Ref = (...xs: Host[]) => Host;

interface Case {
  name: string;
  shapes: fc.Arbitrary<number[][]>;
  domains: [number, number][];
  f: (...xs: LaxArray[]) => LaxArray;
  ref: Ref;
  /** Inputs where finite differences are derivatives (no max/min ties within 1e-3). */
  ok?: (...xs: Host[]) => boolean;
  /** Values drawn with |v| >= 0.05 (abs, arctan2 and where have a kink or a pole at 0). */
  awayFromZero?: boolean;
  /** Values uniform on a 1e-6 grid instead of fast-check's doubles (biased to a few special values, so ties). */
  spread?: boolean;
}

const f64 = (shape: number[], data: number[]): Host => ({ shape, dtype: 'float32', data });
const map1 = (g: (v: number) => number): Ref => (x) => f64(x.shape, x.data.map(g));
const map2 = (g: (a: number, b: number) => number): Ref => (a, b) => {
  const shape = broadcastShapes(a.shape, b.shape);
  return f64(shape, Array.from({ length: sizeOf(shape) }, (_, i) => g(bget(a, unravel(i, shape)), bget(b, unravel(i, shape)))));
};
/** Reduce `x` over `axis` with `g` (a fold of the line). */
const reduceRef = (axis: number, g: (line: number[]) => number): Ref => (x) => {
  const shape = x.shape.filter((_, d) => d !== axis);
  const st = stridesOf(x.shape);
  return f64(shape, Array.from({ length: sizeOf(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    idx.splice(axis, 0, 0);
    const base = idx.reduce((j, v, k) => j + v * st[k], 0);
    return g(Array.from({ length: x.shape[axis] }, (_, k) => x.data[base + k * st[axis]]));
  }));
};

const shape1 = (maxRank = 3) => fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: maxRank }).map((s) => [s]);
const bshapes = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((out) =>
  fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })).map(([drop, ones]) => [out, out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))]),
);
const unary = (name: string, f: (x: LaxArray) => LaxArray, g: (v: number) => number, domain: [number, number], extra: Partial<Case> = {}): Case => ({ name, shapes: shape1(), domains: [domain], f, ref: map1(g), ...extra });
const binary = (name: string, f: (a: LaxArray, b: LaxArray) => LaxArray, g: (a: number, b: number) => number, da: [number, number], db: [number, number], extra: Partial<Case> = {}): Case => ({ name, shapes: bshapes, domains: [da, db], f, ref: map2(g), ...extra });

const matShapes = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).map(([b, m, k, n]) => (b === 0 ? [[m, k], [k, n]] : [[b, m, k], [b, k, n]]));
function matmulRef(a: Host, b: Host): Host {
  const batched = a.shape.length === 3;
  const [B, m, k] = batched ? a.shape : [1, ...a.shape];
  const n = b.shape[b.shape.length - 1];
  const out: number[] = [];
  for (let q = 0; q < B; q++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let l = 0; l < k; l++) s += a.data[q * m * k + i * k + l] * b.data[q * k * n + l * n + j];
    out.push(s);
  }
  return f64(batched ? [B, m, n] : [m, n], out);
}

const arbVal = ([lo, hi]: [number, number], spread = false) =>
  spread ? fc.integer({ min: Math.ceil(lo * 1e6), max: Math.floor(hi * 1e6) }).map((v) => Math.fround(v / 1e6)) : fc.double({ min: lo, max: hi, noNaN: true }).map(Math.fround);
const hostArb = (shape: number[], d: [number, number], away = false, spread = false) =>
  fc.array(arbVal(d, spread), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }).map((data): Host => f64(shape, away ? data.map((v) => Math.fround(v >= 0 ? v + 0.05 : v - 0.05)) : data));
/** Binary operands apart by more than 1e-3 at every broadcast position. */
const apart: NonNullable<Case['ok']> = (a, b) => map2((p, q) => Math.abs(p - q))(a, b).data.every((d) => d > 1e-3);
/** Lines along `axis` whose two largest (smallest) values are apart by more than 1e-3. */
const noTies = (axis: number, sign: 1 | -1): NonNullable<Case['ok']> => (x) =>
  reduceRef(axis < 0 ? x.shape.length + axis : axis, (l) => {
    const s = l.map((v) => sign * v).sort((p, q) => q - p);
    return s.length < 2 || s[0] - s[1] > 1e-3 ? 1 : 0;
  })(x).data.every((v) => v === 1);

const U: [number, number] = [-3, 3];
/** Every two values more than 1e-3 apart (running extrema without ties). */
const allApart = (x: Host) => x.data.every((v, i) => x.data.every((w, j) => i === j || Math.abs(v - w) > 1e-3));
/** A running fold along `axis` (default last), forward or reverse. */
function cumRef(x: Host, g: (a: number, b: number) => number, reverse: boolean, axis = x.shape.length - 1): Host {
  const st = stridesOf(x.shape);
  const out = [...x.data];
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, x.shape);
    const k = idx[axis];
    const base = i - k * st[axis];
    const ks = reverse ? [...Array(x.shape[axis] - k).keys()].map((q) => q + k) : [...Array(k + 1).keys()];
    out[i] = ks.map((q) => x.data[base + q * st[axis]]).reduce((a, b) => g(a, b));
  }
  return f64(x.shape, out);
}
const cases: Case[] = [
  unary('neg', np.negative, (v) => -v, U),
  unary('abs', np.abs, Math.abs, U, { awayFromZero: true }),
  unary('sqrt', np.sqrt, Math.sqrt, [0.5, 10]),
  unary('exp', np.exp, Math.exp, U),
  unary('log', np.log, Math.log, [0.2, 10]),
  unary('log1p', np.log1p, Math.log1p, [-0.5, 10]),
  unary('expm1', np.expm1, Math.expm1, U),
  unary('sin', np.sin, Math.sin, U),
  unary('cos', np.cos, Math.cos, U),
  unary('tan', np.tan, Math.tan, [-1.2, 1.2]),
  unary('tanh', np.tanh, Math.tanh, U),
  unary('square', np.square, (v) => v * v, U),
  unary('sinh (composed)', np.sinh, Math.sinh, U),
  unary('sign*x (sign has zero derivative)', (x) => np.sign(x).mul(x), Math.abs, U, { awayFromZero: true }),
  binary('add (broadcasting)', np.add, (a, b) => a + b, U, U),
  binary('subtract', np.subtract, (a, b) => a - b, U, U),
  binary('multiply', np.multiply, (a, b) => a * b, U, U),
  binary('divide', np.divide, (a, b) => a / b, U, [0.5, 4]),
  binary('power', np.power, (a, b) => a ** b, [0.5, 3], [-2, 2]),
  binary('maximum', np.maximum, Math.max, U, U, { ok: apart }),
  binary('minimum', np.minimum, Math.min, U, U, { ok: apart }),
  binary('arctan2', np.arctan2, Math.atan2, U, U, { awayFromZero: true }),
  binary('where', (a, b) => np.where(np.greater(a, 0), a.mul(b), b), (a, b) => (a > 0 ? a * b : b), U, U, { awayFromZero: true }),
  { name: 'sum over all', shapes: shape1(), domains: [U], f: (x) => np.sum(x), ref: (x) => f64([], [x.data.reduce((s, v) => s + v, 0)]) },
  { name: 'sum over axis 0', shapes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).map((s) => [s]), domains: [U], f: (x) => np.sum(x, { axis: 0 }), ref: (x) => reduceRef(0, (l) => l.reduce((s, v) => s + v, 0))(x) },
  { name: 'mean', shapes: shape1(), domains: [U], f: (x) => np.mean(x), ref: (x) => f64([], [x.data.reduce((s, v) => s + v, 0) / x.data.length]) },
  { name: 'max over last axis', shapes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).map((s) => [s]), domains: [U], ok: noTies(-1, 1), f: (x) => np.max(x, { axis: -1 }), ref: (x) => reduceRef(x.shape.length - 1, (l) => Math.max(...l))(x) },
  { name: 'min over axis 0', shapes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).map((s) => [s]), domains: [U], ok: noTies(0, -1), f: (x) => np.min(x, { axis: 0 }), ref: (x) => reduceRef(0, (l) => Math.min(...l))(x) },
  { name: 'prod over axis 0', shapes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }).map((s) => [s]), domains: [[-2, 2]], f: (x) => np.prod(x, { axis: 0 }), ref: (x) => reduceRef(0, (l) => l.reduce((p, v) => p * v, 1))(x) },
  { name: 'prod over all (with exact zeros)', shapes: shape1(), domains: [[-2, 2]], f: (x) => np.prod(x.mul(np.greater(np.abs(x), 1.5).astype('float32'))), ref: (x) => f64([], [x.data.reduce((p, v) => p * (Math.abs(v) > 1.5 ? v : 0), 1)]), ok: (x) => x.data.every((v) => Math.abs(Math.abs(v) - 1.5) > 1e-3) },
  { name: 'cummax (forward)', shapes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }).map((s) => [s]), domains: [U], ok: (x) => allApart(x), f: (x) => np.cummax(x, { axis: -1 }), ref: (x) => cumRef(x, Math.max, false) },
  { name: 'cummin (reverse)', shapes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }).map((s) => [s]), domains: [U], ok: (x) => allApart(x), f: (x) => lax.cummin(x, { axis: 0, reverse: true }), ref: (x) => cumRef(x, Math.min, true, 0) },
  { name: 'cumprod (forward, exact zeros)', shapes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }).map((s) => [s]), domains: [[-2, 2]], ok: (x) => x.data.every((v) => Math.abs(Math.abs(v) - 0.5) > 1e-3), f: (x) => np.cumprod(x.mul(np.greater(np.abs(x), 0.5).astype('float32')), { axis: -1 }), ref: (x) => cumRef(f64(x.shape, x.data.map((v) => (Math.abs(v) > 0.5 ? v : 0))), (a, b) => a * b, false) },
  { name: 'cumprod (reverse)', shapes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }).map((s) => [s]), domains: [[-2, 2]], ok: (x) => x.data.every((v) => v === 0 || Math.abs(v) > 1e-3), f: (x) => lax.cumprod(x, { axis: 0, reverse: true }), ref: (x) => cumRef(x, (a, b) => a * b, true, 0) },
  { name: 'reshape', shapes: fc.constantFrom([[2, 3]], [[4, 3]], [[6]]), domains: [U], f: (x) => np.sin(np.reshape(x, [3, -1])), ref: (x) => f64([3, x.data.length / 3], x.data.map(Math.sin)) },
  {
    name: 'transpose', shapes: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })).map(([a, b]) => [[a, b]]), domains: [U], f: (x) => np.transpose(x).mul(np.arange(x.shape[0]).astype('float32')),
    ref: (x) => { const [a, b] = x.shape; return f64([b, a], Array.from({ length: a * b }, (_, i) => x.data[(i % a) * b + Math.floor(i / a)] * (i % a))); },
  },
  {
    name: 'strided slice', shapes: fc.integer({ min: 1, max: 9 }).map((n) => [[n]]), domains: [U], f: (x) => lax.slice(x, [0], [x.shape[0]], [2]).mul(2),
    ref: (x) => f64([Math.ceil(x.shape[0] / 2)], x.data.filter((_, i) => i % 2 === 0).map((v) => 2 * v)),
  },
  {
    name: 'concatenate', shapes: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([a, b]) => [[a, 2], [b, 2]]), domains: [U, U], f: (a, b) => np.concatenate([a.mul(a), b]),
    ref: (a, b) => f64([a.shape[0] + b.shape[0], 2], [...a.data.map((v) => v * v), ...b.data]),
  },
  { name: 'matmul (dot_general, batched)', shapes: matShapes, domains: [U, U], f: np.matmul, ref: matmulRef },
  {
    name: 'cumsum (forward and reverse)', shapes: fc.integer({ min: 1, max: 6 }).map((n) => [[n]]), domains: [U], f: (x) => np.cumsum(x).mul(lax.cumsum(x, { reverse: true })),
    ref: (x) => { const d = x.data; return f64(x.shape, d.map((_, i) => d.slice(0, i + 1).reduce((s, v) => s + v, 0) * d.slice(i).reduce((s, v) => s + v, 0))); },
  },
  {
    name: '.at get (gather, repeated and clamped indices)', shapes: fc.integer({ min: 1, max: 5 }).map((n) => [[n]]), domains: [U],
    f: (x) => x.at(np.array([0, x.shape[0] - 1, 0, 2])).get(),
    ref: (x) => { const n = x.shape[0]; return f64([4], [0, n - 1, 0, Math.min(2, n - 1)].map((i) => x.data[i])); },
  },
  {
    name: '.at set (scatter, a duplicate index: last write wins)', shapes: fc.integer({ min: 3, max: 5 }).map((n) => [[n], [3]]), domains: [U, U],
    f: (x, u) => x.at(np.array([1, 2, 1])).set(u).mul(x),
    ref: (x, u) => { const y = [...x.data]; y[1] = u.data[0]; y[2] = u.data[1]; y[1] = u.data[2]; return f64(x.shape, y.map((v, i) => v * x.data[i])); },
  },
  {
    name: '.at add (scatter-add, out of range dropped)', shapes: fc.integer({ min: 3, max: 5 }).map((n) => [[n], [3]]), domains: [U, U],
    f: (x, u) => x.at(np.array([0, 0, 9])).add(u.mul(u)),
    ref: (x, u) => { const y = [...x.data]; y[0] += u.data[0] ** 2 + u.data[1] ** 2; return f64(x.shape, y); },
  },
  {
    name: '.at max and min (scatter, duplicates, out of range dropped)', shapes: fc.integer({ min: 3, max: 5 }).map((n) => [[n], [4]]), domains: [U, U], spread: true,
    ok: (x, u) => {
      const [a, b, c] = x.data;
      const [p, q, r] = u.data;
      const apartAll = (vs: number[]) => vs.every((v, i) => vs.every((w, j) => i === j || Math.abs(v - w) > 1e-3));
      return apartAll([a, p, r]) && apartAll([c, q]) && apartAll([b, 2 * p, 2 * q]) && apartAll([c, 2 * r]);
    },
    f: (x, u) => x.at(np.array([0, 2, 0, 7])).max(u).add(x.at(np.array([1, 1, 2, -9])).min(u.mul(2))),
    ref: (x, u) => {
      const a = [...x.data];
      const b = [...x.data];
      [0, 2, 0].forEach((j, i) => (a[j] = Math.max(a[j], u.data[i])));
      [1, 1, 2].forEach((j, i) => (b[j] = Math.min(b[j], 2 * u.data[i])));
      return f64(x.shape, a.map((v, i) => v + b[i]));
    },
  },
  {
    name: '.at multiply (scatter mul, duplicates, exact zeros, out of range dropped)', shapes: fc.integer({ min: 3, max: 5 }).map((n) => [[n], [4]]), domains: [[-2, 2], [-2, 2]], spread: true,
    ok: (x, u) => [...x.data, ...u.data].every((v) => Math.abs(Math.abs(v) - 0.5) > 1e-3),
    f: (x, u) => { const z = (v: LaxArray) => v.mul(np.greater(np.abs(v), 0.5).astype('float32')); return z(x).at(np.array([0, 2, 0, 7])).multiply(z(u)); },
    ref: (x, u) => {
      const z = (v: number) => (Math.abs(v) > 0.5 ? v : 0);
      const y = x.data.map(z);
      [0, 2, 0].forEach((j, i) => (y[j] *= z(u.data[i])));
      return f64(x.shape, y);
    },
  },
  {
    name: 'lax.scan (EMA, carry and ys)', shapes: fc.integer({ min: 1, max: 6 }).map((n) => [[n], []]), domains: [U, [0.1, 0.9]],
    f: (xs, a) => {
      const [c, ys] = lax.scan((c: LaxArray, x: LaxArray) => { const n = c.mul(a).add(x.mul(np.subtract(1, a))); return [n, np.sin(n)]; }, np.array(0, { dtype: 'float32' }), xs);
      return np.concatenate([np.reshape(c, [1]), ys]);
    },
    ref: (xs, a) => { let c = 0; const ys: number[] = []; for (const x of xs.data) { c = c * a.data[0] + x * (1 - a.data[0]); ys.push(Math.sin(c)); } return f64([xs.shape[0] + 1], [c, ...ys]); },
  },
];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const absDot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += Math.abs(a[i] * b[i]); return s; };

describe('JVP vs central differences (float64 reference) and VJP vs JVP (dot-product identity)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const arb = c.shapes.chain((shapes) =>
        fc.tuple(fc.tuple(...shapes.map((s, i) => hostArb(s, c.domains[i], c.awayFromZero, c.spread))), fc.tuple(...shapes.map((s) => hostArb(s, [-1, 1])))),
      );
      fc.assert(
        fc.property(arb, fc.integer({ min: 0, max: 2 ** 30 }), ([xs, ts], seed) => {
          if (c.ok) fc.pre(c.ok(...xs));
          const h = 1e-4;
          const plus = c.ref(...xs.map((x, i) => f64(x.shape, x.data.map((v, k) => v + h * ts[i].data[k]))));
          const minus = c.ref(...xs.map((x, i) => f64(x.shape, x.data.map((v, k) => v - h * ts[i].data[k]))));
          const fd = plus.data.map((p, k) => (p - minus.data[k]) / (2 * h));
          const args = xs.map(toLax);
          const [out, tOut] = jvp(c.f, args, ts.map(toLax));
          expect(out.shape).toEqual(plus.shape);
          let r = seed;
          const ctData = Array.from({ length: sizeOf(out.shape) }, () => ((r = (r * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
          const ct = toLax(f64(out.shape, ctData.map(Math.fround)));
          const [, pull] = vjp(c.f, ...args);
          const grads = pull(ct) as LaxArray[];
          const [cpu, oracle] = both(tOut, ...grads);
          for (const vals of [cpu, oracle]) {
            const tv = vals[0];
            const scale = Math.max(1, ...fd.map(Math.abs));
            fd.forEach((want, k) => expect(Math.abs(tv[k] - want), `${c.name} jvp[${k}] ${tv[k]} vs fd ${want}`).toBeLessThanOrEqual(2e-3 * Math.abs(want) + 2e-3 * scale));
            const lhs = grads.reduce((s, _, i) => s + dot(vals[1 + i], ts[i].data), 0);
            const rhs = dot(ctData.map(Math.fround), tv);
            const mag = grads.reduce((s, _, i) => s + absDot(vals[1 + i], ts[i].data), 0) + absDot(ctData, tv) + 1e-6;
            expect(Math.abs(lhs - rhs), `${c.name}: <vjp(ct), t> = ${lhs}, <ct, jvp(t)> = ${rhs}`).toBeLessThanOrEqual(1e-3 * mag);
          }
        }),
        RUNS,
      );
    });
  }
});
