// Every public elementwise op, reduction, cumulative op, shape op, matmul and astype,
// on random shapes (0-d, size-0 and broadcasting pairs included) and random values.
// Each op is checked twice: the oracle (src/cpu/oracle.ts `evaluate`) against an
// independent reference written here with plain JS loops, and the default backend
// (`await x.data()` after `init({ backend: 'cpu' })`) against the oracle. Tolerances are
// stated per op in the tables: exact for + - * / sqrt, comparisons, integer and shape ops
// (IEEE float32 results are correctly rounded from float64), float32 ulps for
// transcendentals, relative for sums and products (summation order may differ).

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, np, type DType } from '../../src/index.js';
import { evaluate } from '../../src/cpu/oracle.js';
import type { LaxArray } from '../../src/operators/array.js';
import { exact, mismatch, rel, storeAs, ulps, type Tolerance } from '../oracle/compare.js';
import { arbBroadcastShapes, arbHost, arbNonEmptyShape, arbShape, bget, broadcastShapes, build, ravel, sizeOf, toLax, unravel, type Host } from '../oracle/host.js';

const RUNS = { numRuns: 40 };
const ALL: DType[] = ['float32', 'int32', 'uint32', 'bool'];
const NUM: DType[] = ['float32', 'int32', 'uint32'];
const INT: DType[] = ['int32', 'uint32'];
const F: DType[] = ['float32'];

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

/** Oracle vs reference, then backend vs oracle, with one tolerance (and per-element scales for `rel`). */
async function check(out: LaxArray, want: Host, tol: Tolerance, scales?: number[]): Promise<void> {
  expect(out.shape).toEqual(want.shape);
  expect(out.dtype).toBe(want.dtype);
  const [oracle] = evaluate([out.node]);
  const o = Array.from(oracle);
  expect(mismatch(o, want.data, tol, scales), 'oracle vs reference').toBeUndefined();
  expect(mismatch(Array.from(await out.data()), o, tol, scales), 'backend vs oracle').toBeUndefined();
}

// ---- scalar references (JAX semantics, computed in float64 and stored in the dtype) ---------------

/** Round half to even (jnp.round), keeping the sign of zero. */
const halfEven = (x: number) => {
  let r = Math.round(x); // half up
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
};
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b < a ? a : Object.is(a, 0) || Object.is(b, 0) ? (Object.is(a, -0) && Object.is(b, -0) ? -0 : Math.max(a, b)) : b);
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b > a ? a : Math.min(a, b));
const imul = (d: DType) => (d === 'uint32' ? (a: number, b: number) => Math.imul(a, b) >>> 0 : (a: number, b: number) => Math.imul(a, b));
/** CPython's float floor division (JAX's _float_divmod), in float64 then float32. */
function pyFloorDiv(a: number, b: number): number {
  const mod = Math.fround(a % b);
  let div = Math.fround(Math.fround(a - mod) / b);
  if (mod !== 0 && Math.sign(b) !== Math.sign(mod)) div = Math.fround(div - 1);
  return Number.isFinite(div) ? (div < 0 ? -Math.round(-div) : Math.round(div)) : div;
}
function intFloorDiv(d: DType): (a: number, b: number) => number {
  if (d === 'uint32') return (a, b) => (b === 0 ? 4294967295 : Math.floor(a / b));
  // XLA: x / 0 is -1; floor_divide subtracts 1 more where sign(x) != sign(0) = 0.
  return (a, b) => (b === 0 ? (a === 0 ? -1 : -2) : Math.floor(a / b));
}
const pyRem = (d: DType) => (a: number, b: number) => {
  if (d !== 'float32') return b === 0 ? 0 : ((a % b) + b) % b;
  const t = a % b;
  return t !== 0 && t < 0 !== b < 0 ? t + b : t;
};
function intPow(d: DType) {
  const mul = imul(d);
  return (a: number, e: number) => {
    let acc = 1;
    for (let i = 0; i < e; i++) acc = mul(acc, a);
    return acc;
  };
}

interface ElementwiseOp {
  name: string;
  fn: (...xs: LaxArray[]) => LaxArray;
  ref: (d: DType) => (...xs: number[]) => number;
  dtypes: DType[];
  /** The result dtype from the (common) input dtype. */
  out?: (d: DType) => DType;
  /** Value domain per operand (default: any value of the dtype, specials included). */
  domain?: (d: DType, operand: number) => [number, number] | undefined;
  tol?: Tolerance;
  /** A tolerance that depends on the operands (overrides `tol`). */
  tolFor?: (hosts: Host[]) => Tolerance;
}

const toF = () => 'float32' as DType;
const toBool = () => 'bool' as DType;
const math1 = (name: string, fn: (x: LaxArray) => LaxArray, f: (x: number) => number, tol: Tolerance = ulps(2)): ElementwiseOp => ({ name, fn, ref: () => (x) => f(Math.fround(x)), dtypes: ['float32', 'int32'], out: toF, tol, domain: (d) => (d === 'int32' ? [-100, 100] : undefined) });
const cmp = (name: string, fn: (a: LaxArray, b: LaxArray) => LaxArray, f: (a: number, b: number) => boolean): ElementwiseOp => ({ name, fn, ref: () => (a, b) => (f(a, b) ? 1 : 0), dtypes: ALL, out: toBool });
const truthy = (x: number) => x !== 0; // NaN is truthy, as bool(nan) in NumPy

const elementwise: ElementwiseOp[] = [
  { name: 'add', fn: np.add, ref: (d) => (d === 'bool' ? (a, b) => a | b : (a, b) => a + b), dtypes: ALL },
  { name: 'subtract', fn: np.subtract, ref: () => (a, b) => a - b, dtypes: NUM },
  { name: 'multiply', fn: np.multiply, ref: (d) => (d === 'float32' ? (a, b) => a * b : d === 'bool' ? (a, b) => a & b : imul(d)), dtypes: ALL },
  // Integers convert to float32 first. A size-1 constant divisor becomes multiplication by
  // its float32 reciprocal (XLA's simplifier inside jit; see np.divide): 1 ulp then.
  { name: 'divide', fn: np.divide, ref: () => (a, b) => Math.fround(a) / Math.fround(b), tolFor: ([, b]) => (b.data.length === 1 ? ulps(1) : exact),
    dtypes: ['float32', 'int32', 'uint32'], out: toF },
  { name: 'power (float)', fn: np.power, ref: () => Math.pow, dtypes: F, tol: ulps(2) },
  { name: 'power (int)', fn: np.power, ref: intPow, dtypes: INT, domain: (_, k) => (k === 1 ? [0, 40] : undefined) },
  { name: 'floorDivide', fn: np.floorDivide, ref: (d) => (d === 'float32' ? pyFloorDiv : intFloorDiv(d)), dtypes: NUM, domain: (d, k) => (d === 'float32' ? (k === 0 ? [-1000, 1000] : [0.25, 100]) : undefined) },
  { name: 'remainder', fn: np.remainder, ref: pyRem, dtypes: NUM, domain: (d) => (d === 'float32' ? [-1000, 1000] : undefined) },
  { name: 'negative', fn: np.negative, ref: () => (x) => -x, dtypes: NUM },
  { name: 'abs', fn: np.abs, ref: () => Math.abs, dtypes: NUM },
  { name: 'sign', fn: np.sign, ref: () => Math.sign, dtypes: NUM },
  { name: 'square', fn: np.square, ref: (d) => (d === 'float32' ? (x) => x * x : (x) => imul(d)(x, x)), dtypes: NUM },
  math1('sqrt', np.sqrt, Math.sqrt, exact),
  math1('exp', np.exp, Math.exp),
  math1('log', np.log, Math.log),
  math1('log1p', np.log1p, Math.log1p),
  math1('expm1', np.expm1, Math.expm1),
  math1('sin', np.sin, Math.sin),
  math1('cos', np.cos, Math.cos),
  math1('tan', np.tan, Math.tan, ulps(3)),
  math1('tanh', np.tanh, Math.tanh),
  { name: 'arctan2', fn: np.arctan2, ref: () => (a, b) => Math.atan2(Math.fround(a), Math.fround(b)), dtypes: ['float32', 'int32'], out: toF, tol: ulps(2) },
  { name: 'floor', fn: np.floor, ref: () => Math.floor, dtypes: NUM },
  { name: 'ceil', fn: np.ceil, ref: () => Math.ceil, dtypes: NUM },
  { name: 'round', fn: np.round, ref: () => halfEven, dtypes: NUM },
  { name: 'maximum', fn: np.maximum, ref: () => nanMax, dtypes: ALL },
  { name: 'minimum', fn: np.minimum, ref: () => nanMin, dtypes: ALL },
  { name: 'clip', fn: (x, lo, hi) => np.clip(x, lo, hi), ref: () => (x, lo, hi) => nanMin(nanMax(x, lo), hi), dtypes: NUM },
  cmp('equal', np.equal, (a, b) => a === b),
  cmp('notEqual', np.notEqual, (a, b) => a !== b),
  cmp('less', np.less, (a, b) => a < b),
  cmp('lessEqual', np.lessEqual, (a, b) => a <= b),
  cmp('greater', np.greater, (a, b) => a > b),
  cmp('greaterEqual', np.greaterEqual, (a, b) => a >= b),
  { name: 'logicalAnd', fn: np.logicalAnd, ref: () => (a, b) => (truthy(a) && truthy(b) ? 1 : 0), dtypes: ALL, out: toBool },
  { name: 'logicalOr', fn: np.logicalOr, ref: () => (a, b) => (truthy(a) || truthy(b) ? 1 : 0), dtypes: ALL, out: toBool },
  { name: 'logicalNot', fn: np.logicalNot, ref: () => (a) => (truthy(a) ? 0 : 1), dtypes: ALL, out: toBool },
  { name: 'isnan', fn: np.isnan, ref: () => (a) => (Number.isNaN(a) ? 1 : 0), dtypes: ALL, out: toBool },
  { name: 'isfinite', fn: np.isfinite, ref: () => (a) => (Number.isFinite(a) ? 1 : 0), dtypes: ALL, out: toBool },
  { name: 'bitwiseAnd', fn: np.bitwiseAnd, ref: () => (a, b) => a & b, dtypes: [...INT, 'bool'] },
  { name: 'bitwiseOr', fn: np.bitwiseOr, ref: () => (a, b) => a | b, dtypes: [...INT, 'bool'] },
  { name: 'bitwiseXor', fn: np.bitwiseXor, ref: () => (a, b) => a ^ b, dtypes: [...INT, 'bool'] },
  { name: 'bitwiseNot', fn: np.bitwiseNot, ref: (d) => (d === 'bool' ? (a) => 1 - a : (a) => ~a), dtypes: [...INT, 'bool'] },
  { name: 'leftShift', fn: np.leftShift, ref: () => (a, b) => (b >= 32 ? 0 : a << b), dtypes: INT, domain: (_, k) => (k === 1 ? [0, 40] : undefined) },
  {
    name: 'rightShift', fn: np.rightShift, dtypes: INT, domain: (_, k) => (k === 1 ? [0, 40] : undefined),
    ref: (d) => (d === 'uint32' ? (a, b) => (b >= 32 ? 0 : a >>> b) : (a, b) => (b >= 32 ? (a < 0 ? -1 : 0) : a >> b)),
  },
];

const arity = (op: ElementwiseOp) => op.fn.length || 3;

describe('elementwise ops: oracle = JS reference, backend = oracle (random broadcasting shapes)', () => {
  for (const op of elementwise) {
    it(`${op.name} [${op.dtypes.join(', ')}] ${JSON.stringify(op.tol ?? exact)}`, async () => {
      const n = arity(op);
      const arb = fc.constantFrom(...op.dtypes).chain((d) =>
        arbBroadcastShapes(n).chain((shapes) => fc.tuple(fc.constant(d), ...shapes.map((s, k) => arbHost(s, d, op.domain?.(d, k))))),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ([d, ...hosts]) => {
          const shape = broadcastShapes(...hosts.map((h) => h.shape));
          const f = op.ref(d);
          const want = build(shape, op.out?.(d) ?? d, (idx) => f(...hosts.map((h) => bget(h, idx))));
          await check(op.fn(...hosts.map(toLax)), want, op.tolFor?.(hosts) ?? op.tol ?? exact);
        }),
        RUNS,
      );
    });
  }

  it('where(cond, x, y) selects with broadcasting [all dtypes]', async () => {
    const arb = fc.constantFrom(...ALL).chain((d) =>
      arbBroadcastShapes(3).chain(([sc, sx, sy]) => fc.tuple(fc.constant(d), arbHost(sc, 'bool'), arbHost(sx, d), arbHost(sy, d))),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([d, c, x, y]) => {
        const want = build(broadcastShapes(c.shape, x.shape, y.shape), d, (idx) => (bget(c, idx) ? bget(x, idx) : bget(y, idx)));
        await check(np.where(toLax(c), toLax(x), toLax(y)), want, exact);
      }),
      RUNS,
    );
  });
});

// ---- reductions ------------------------------------------------------------------------------------

interface ReductionCase {
  name: string;
  fn: (x: LaxArray, o: { axis?: number | number[]; keepdims?: boolean }) => LaxArray;
  dtypes: DType[];
  /** Reference over one reduced line of values; the result dtype from the input's. */
  ref: (values: number[], d: DType) => number;
  out: (d: DType) => DType;
  tol: Tolerance;
  /** Needs a non-empty reduced axis (max, min: no identity). */
  nonEmpty?: boolean;
  domain?: [number, number];
}

const sumRef = (v: number[], d: DType) => (d === 'float32' ? v.reduce((a, b) => a + b, 0) : v.reduce((a, b) => (d === 'uint32' ? (a + b) >>> 0 : (a + b) | 0), 0));
const prodRef = (v: number[], d: DType) => (d === 'float32' ? v.reduce((a, b) => a * b, 1) : v.reduce((a, b) => imul(d)(a, b), 1));
const meanRef = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const varRef = (v: number[]) => {
  const m = meanRef(v);
  return v.reduce((a, b) => a + (b - m) * (b - m), 0) / v.length;
};
const intOrBool = (d: DType): DType => (d === 'bool' ? 'int32' : d);

const reductions: ReductionCase[] = [
  { name: 'sum', fn: np.sum, dtypes: ALL, ref: (v, d) => sumRef(v, intOrBool(d)), out: intOrBool, tol: rel(2e-6, 1e-30), domain: [-100, 100] },
  { name: 'prod', fn: np.prod, dtypes: ALL, ref: (v, d) => prodRef(v, intOrBool(d)), out: intOrBool, tol: rel(4e-6, 1e-30), domain: [-3, 3] },
  { name: 'max', fn: np.max, dtypes: ALL, ref: (v) => v.reduce(nanMax), out: (d) => d, tol: exact, nonEmpty: true },
  { name: 'min', fn: np.min, dtypes: ALL, ref: (v) => v.reduce(nanMin), out: (d) => d, tol: exact, nonEmpty: true },
  { name: 'mean', fn: np.mean, dtypes: NUM, ref: meanRef, out: toF, tol: rel(4e-6, 1e-6), domain: [-100, 100] },
  { name: 'var', fn: np.var, dtypes: NUM, ref: varRef, out: toF, tol: rel(2e-5, 1e-5), domain: [-100, 100] },
  { name: 'std', fn: np.std, dtypes: NUM, ref: (v) => Math.sqrt(varRef(v)), out: toF, tol: rel(2e-5, 1e-5), domain: [-100, 100] },
];

/** A random axis spec for rank `nd`: undefined (all), one axis (maybe negative), or a set of axes. */
const arbAxis = (nd: number) =>
  fc.oneof(
    fc.constant(undefined),
    ...(nd > 0 ? [fc.integer({ min: -nd, max: nd - 1 }), fc.subarray(Array.from({ length: nd }, (_, i) => i))] : [fc.constant([] as number[])]),
  );

/** Reference reduction of `h` over `axis`: the stored result and, per element, the sum of |terms|. */
function reduceRef(h: Host, axis: number | number[] | undefined, keepdims: boolean, outDtype: DType, f: (v: number[]) => number): { want: Host; scales: number[] } {
  const nd = h.shape.length;
  const axes = axis === undefined ? h.shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + nd : a));
  const kept = h.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  // Removing size-1 axes keeps row-major order, so line j is output element j either way.
  const lines: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  h.data.forEach((v, i) => lines[ravel(unravel(i, h.shape).map((x, k) => (axes.includes(k) ? 0 : x)), kept)].push(v));
  const shape = keepdims ? kept : h.shape.filter((_, i) => !axes.includes(i));
  return { want: { shape, dtype: outDtype, data: storeAs(outDtype, lines.map(f)) }, scales: lines.map((l) => l.reduce((a, b) => a + Math.abs(b), 0)) };
}

describe('reductions with random axis / keepdims', () => {
  for (const r of reductions) {
    it(`${r.name} [${r.dtypes.join(', ')}] ${JSON.stringify(r.tol)}`, async () => {
      const arb = fc.constantFrom(...r.dtypes).chain((d) =>
        (r.nonEmpty ? arbNonEmptyShape(3) : arbShape(3)).chain((shape) => fc.tuple(fc.constant(d), arbHost(shape, d, d === 'bool' ? undefined : r.domain), arbAxis(shape.length), fc.boolean())),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ([d, h, axis, keepdims]) => {
          const { want, scales } = reduceRef(h, axis, keepdims, r.out(d), (v) => r.ref(v, d));
          await check(r.fn(toLax(h), { axis, keepdims }), want, r.tol, scales);
        }),
        RUNS,
      );
    });
  }

  for (const name of ['argmax', 'argmin'] as const) {
    it(`${name}: first extreme index (NaN first), axis or flattened, keepdims`, async () => {
      const arb = fc.constantFrom(...NUM, 'bool' as DType).chain((d) =>
        arbNonEmptyShape(3).chain((shape) => fc.tuple(arbHost(shape, d), shape.length ? fc.option(fc.integer({ min: -shape.length, max: shape.length - 1 })) : fc.constant(null), fc.boolean())),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ([h, axis, keepdims]) => {
          const better = name === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
          const arg = (v: number[]) => {
            let best = 0;
            for (let i = 1; i < v.length; i++) if (!Number.isNaN(v[best]) && (Number.isNaN(v[i]) || better(v[i], v[best]))) best = i;
            return best;
          };
          const flat: Host = axis === null ? { ...h, shape: [h.data.length] } : h;
          const ax = axis ?? 0;
          const { want } = reduceRef(flat, ax, keepdims && axis !== null, 'int32', arg);
          await check(np[name](toLax(h), axis === null ? {} : { axis, keepdims }), want, exact);
        }),
        RUNS,
      );
    });
  }
});

describe('cumsum / cumprod along a random axis', () => {
  for (const [name, fn, op, domain] of [
    ['cumsum', np.cumsum, sumRef, [-100, 100]],
    ['cumprod', np.cumprod, prodRef, [-2, 2]],
  ] as const) {
    it(`${name} [all dtypes] rel 4e-6 (exact for integers)`, async () => {
      const arb = fc.constantFrom(...ALL).chain((d) =>
        arbShape(3).chain((shape) => fc.tuple(arbHost(shape, d, d === 'bool' ? undefined : [...domain]), shape.length ? fc.option(fc.integer({ min: -shape.length, max: shape.length - 1 })) : fc.constant(null))),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ([h, axis]) => {
          const src: Host = axis === null ? { ...h, shape: [h.data.length] } : h;
          const ax = axis === null ? 0 : axis < 0 ? axis + h.shape.length : axis;
          const d = intOrBool(h.dtype);
          const scales: number[] = [];
          const want = build(src.shape, d, (idx) => {
            const line: number[] = [];
            for (let k = 0; k <= idx[ax]; k++) line.push(bget(src, idx.map((v, j) => (j === ax ? k : v))));
            scales.push(line.reduce((a, b) => a + Math.abs(b), 0));
            return op(line, d);
          });
          await check(fn(toLax(h), axis === null ? {} : { axis }), want, d === 'float32' ? rel(4e-6, 1e-30) : exact, scales);
        }),
        RUNS,
      );
    });
  }
});

// ---- shape ops, indexing, take, matmul, astype ------------------------------------------------------

/** CPython's slice(start, stop, step).indices(len), as the list of positions it selects. */
function pySlice(len: number, start: number | null, stop: number | null, step: number): number[] {
  const clampIdx = (v: number, lo: number, hi: number) => (v < 0 ? Math.max(v + len, lo) : Math.min(v, hi));
  const s = start === null ? (step > 0 ? 0 : len - 1) : clampIdx(start, step > 0 ? 0 : -1, step > 0 ? len : len - 1);
  const e = stop === null ? (step > 0 ? len : -1) : clampIdx(stop, step > 0 ? 0 : -1, step > 0 ? len : len - 1);
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

/** Regroup the prime factors of a shape's size into a new random shape of the same size. */
const arbReshape = (shape: number[]) => {
  const size = sizeOf(shape);
  if (size === 0) return fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).filter((s) => s.includes(0));
  const primes = shape.flatMap((d) => (d === 4 ? [2, 2] : d > 1 ? [d] : []));
  return fc.tuple(fc.shuffledSubarray(primes, { minLength: primes.length, maxLength: primes.length }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: primes.length, maxLength: primes.length }), fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([ps, groups, ones, hole]) => {
    const out = [1, 1, 1, 1];
    ps.forEach((p, i) => (out[groups[i]] *= p));
    const s = out.slice(0, Math.max(1, Math.max(...groups) + 1)).concat(new Array(ones).fill(1));
    if (hole) s[0] = -1;
    return s;
  });
};

const arbAnyHost = (shapeArb = arbShape(3)) => fc.constantFrom(...ALL).chain((d) => shapeArb.chain((s) => arbHost(s, d)));

describe('shape ops against index arithmetic', () => {
  it('reshape (with one -1 hole sometimes)', async () => {
    await fc.assert(
      fc.asyncProperty(arbAnyHost().chain((h) => fc.tuple(fc.constant(h), arbReshape(h.shape))), async ([h, target]) => {
        const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const shape = target.map((d) => (d === -1 ? h.data.length / known : d));
        await check(np.reshape(toLax(h), target), { ...h, shape }, exact);
      }),
      RUNS,
    );
  });

  it('transpose (random permutation, or reversed axes by default; also .T)', async () => {
    const arb = arbAnyHost().chain((h) => fc.tuple(fc.constant(h), fc.option(fc.shuffledSubarray(h.shape.map((_, i) => i), { minLength: h.shape.length, maxLength: h.shape.length }))));
    await fc.assert(
      fc.asyncProperty(arb, async ([h, perm]) => {
        const p = perm ?? h.shape.map((_, i) => h.shape.length - 1 - i);
        const want = build(p.map((a) => h.shape[a]), h.dtype, (idx) => {
          const src = new Array<number>(idx.length);
          p.forEach((a, k) => (src[a] = idx[k]));
          return h.data[ravel(src, h.shape)];
        });
        await check(perm ? np.transpose(toLax(h), perm) : toLax(h).T, want, exact);
      }),
      RUNS,
    );
  });

  it('squeeze (all unit axes, or a chosen subset) and expandDims (negative axes too)', async () => {
    const arb = arbAnyHost(arbShape(4, 2)).chain((h) =>
      fc.tuple(fc.constant(h), fc.option(fc.subarray(h.shape.flatMap((d, i) => (d === 1 ? [i] : [])))), fc.integer({ min: -(h.shape.length + 1), max: h.shape.length })),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([h, axes, ax]) => {
        const drop = axes ?? h.shape.flatMap((d, i) => (d === 1 ? [i] : []));
        await check(np.squeeze(toLax(h), axes ?? undefined), { ...h, shape: h.shape.filter((_, i) => !drop.includes(i)) }, exact);
        const at = ax < 0 ? ax + h.shape.length + 1 : ax;
        await check(np.expandDims(toLax(h), ax), { ...h, shape: [...h.shape.slice(0, at), 1, ...h.shape.slice(at)] }, exact);
      }),
      RUNS,
    );
  });

  it('broadcastTo', async () => {
    const arb = fc.constantFrom(...ALL).chain((d) => arbBroadcastShapes(2).chain(([a, b]) => fc.tuple(arbHost(a, d), fc.constant(broadcastShapes(a, b)))));
    await fc.assert(
      fc.asyncProperty(arb, async ([h, shape]) => {
        await check(np.broadcastTo(toLax(h), shape), build(shape, h.dtype, (idx) => bget(h, idx)), exact);
      }),
      RUNS,
    );
  });

  it('flip (all axes, one axis, or a set)', async () => {
    const arb = arbAnyHost().chain((h) => fc.tuple(fc.constant(h), h.shape.length ? fc.oneof(fc.constant(undefined), fc.integer({ min: -h.shape.length, max: h.shape.length - 1 }), fc.subarray(h.shape.map((_, i) => i))) : fc.constant(undefined)));
    await fc.assert(
      fc.asyncProperty(arb, async ([h, axis]) => {
        const nd = h.shape.length;
        const axes = axis === undefined ? h.shape.map((_, i) => i) : typeof axis === 'number' ? [axis < 0 ? axis + nd : axis] : axis;
        const want = build(h.shape, h.dtype, (idx) => h.data[ravel(idx.map((v, k) => (axes.includes(k) ? h.shape[k] - 1 - v : v)), h.shape)]);
        await check(np.flip(toLax(h), axis), want, exact);
      }),
      RUNS,
    );
  });

  it('concatenate and stack (1 to 3 arrays, random axis)', async () => {
    const arb = fc.constantFrom(...ALL).chain((d) =>
      arbShape(3).filter((s) => s.length > 0).chain((base) =>
        fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 1, max: 3 })).chain(([axis, n]) =>
          fc.tuple(
            fc.constant(axis),
            fc.tuple(...Array.from({ length: n }, () => fc.integer({ min: 0, max: 3 }).chain((len) => arbHost(base.map((v, i) => (i === axis ? len : v)), d)))),
            fc.tuple(...Array.from({ length: n }, () => arbHost(base, d))),
            fc.integer({ min: -(base.length + 1), max: base.length }),
          ),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([axis, parts, same, stackAxis]) => {
        const offsets = parts.map((_, k) => parts.slice(0, k).reduce((s, p) => s + p.shape[axis], 0));
        const shape = parts[0].shape.map((v, i) => (i === axis ? parts.reduce((s, p) => s + p.shape[axis], 0) : v));
        const want = build(shape, parts[0].dtype, (idx) => {
          let k = parts.length - 1;
          while (offsets[k] > idx[axis] || parts[k].shape[axis] === 0) k--;
          return parts[k].data[ravel(idx.map((v, i) => (i === axis ? v - offsets[k] : v)), parts[k].shape)];
        });
        await check(np.concatenate(parts.map(toLax), { axis: axis - (axis % 2) * shape.length }), want, exact);
        const sa = stackAxis < 0 ? stackAxis + same[0].shape.length + 1 : stackAxis;
        const sShape = [...same[0].shape.slice(0, sa), same.length, ...same[0].shape.slice(sa)];
        const sWant = build(sShape, same[0].dtype, (idx) => same[idx[sa]].data[ravel(idx.filter((_, i) => i !== sa), same[0].shape)]);
        await check(np.stack(same.map(toLax), { axis: stackAxis }), sWant, exact);
      }),
      RUNS,
    );
  });

  it('repeat (flattened or along an axis) and tile', async () => {
    const arb = arbAnyHost().chain((h) =>
      fc.tuple(
        fc.constant(h),
        fc.integer({ min: 0, max: 3 }),
        h.shape.length ? fc.option(fc.integer({ min: -h.shape.length, max: h.shape.length - 1 })) : fc.constant(null),
        fc.oneof(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 4 })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([h, reps, axis, tiles]) => {
        const src: Host = axis === null ? { ...h, shape: [h.data.length] } : h;
        const ax = axis === null ? 0 : axis < 0 ? axis + h.shape.length : axis;
        const rShape = src.shape.map((v, i) => (i === ax ? v * reps : v));
        const rWant = build(rShape, h.dtype, (idx) => src.data[ravel(idx.map((v, i) => (i === ax ? Math.floor(v / reps) : v)), src.shape)]);
        await check(np.repeat(toLax(h), reps, axis === null ? {} : { axis }), rWant, exact);

        const r = typeof tiles === 'number' ? [tiles] : tiles;
        const nd = Math.max(r.length, h.shape.length);
        const full = [...new Array(nd - r.length).fill(1), ...r];
        const xs = [...new Array(nd - h.shape.length).fill(1), ...h.shape];
        const tWant = build(xs.map((v, i) => v * full[i]), h.dtype, (idx) => h.data[ravel(idx.map((v, i) => v % xs[i]), xs)]);
        await check(np.tile(toLax(h), tiles), tWant, exact);
      }),
      RUNS,
    );
  });

  it('basic indexing x.slice(...) with integers (negative too), slices (negative steps) and null', async () => {
    type Ix = number | { start: number | null; stop: number | null; step: number } | null;
    const arbIx = (dim: number): fc.Arbitrary<Ix> =>
      fc.oneof(
        ...(dim > 0 ? [fc.integer({ min: -dim, max: dim - 1 })] : []),
        fc.constant(null),
        fc.record({ start: fc.option(fc.integer({ min: -6, max: 6 })), stop: fc.option(fc.integer({ min: -6, max: 6 })), step: fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0) }),
      );
    const arb = arbAnyHost().chain((h) => fc.tuple(fc.constant(h), fc.integer({ min: 0, max: h.shape.length }).chain((n) => fc.tuple(...h.shape.slice(0, n).map(arbIx)))));
    await fc.assert(
      fc.asyncProperty(arb, async ([h, index]) => {
        const picks = h.shape.map((dim, ax) => {
          const ix = ax < index.length ? index[ax] : null;
          if (typeof ix === 'number') return { keep: false, pos: [ix < 0 ? ix + dim : ix] };
          if (ix === null) return { keep: true, pos: pySlice(dim, null, null, 1) };
          return { keep: true, pos: pySlice(dim, ix.start, ix.stop, ix.step) };
        });
        const full = picks.map((p) => p.pos.length);
        const want = build(full, h.dtype, (idx) => h.data[ravel(idx.map((v, k) => picks[k].pos[v]), h.shape)]);
        const args = index.map((ix) => (ix === null || typeof ix === 'number' ? ix : np.slice(ix.start, ix.stop, ix.step)));
        await check(toLax(h).slice(...args), { ...want, shape: full.filter((_, k) => picks[k].keep) }, exact);
      }),
      RUNS,
    );
  });

  it("take (default mode 'fill': out-of-bounds gives NaN / INT_MIN / UINT_MAX / true)", async () => {
    const fill: Record<DType, number> = { float32: NaN, int32: -2147483648, uint32: 4294967295, bool: 1 };
    const arb = arbAnyHost(arbShape(3)).chain((h) =>
      fc.tuple(fc.constant(h), h.shape.length ? fc.option(fc.integer({ min: -h.shape.length, max: h.shape.length - 1 })) : fc.constant(null)).chain(([h2, axis]) => {
        const dim = axis === null ? h2.data.length : h2.shape[axis < 0 ? axis + h2.shape.length : axis];
        return fc.tuple(fc.constant(h2), fc.constant(axis), arbShape(2).chain((s) => arbHost(s, 'int32', [-dim - 2, dim + 1])));
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([h, axis, idx]) => {
        const src: Host = axis === null ? { ...h, shape: [h.data.length] } : h;
        const ax = axis === null ? 0 : axis < 0 ? axis + h.shape.length : axis;
        const dim = src.shape[ax];
        const shape = [...src.shape.slice(0, ax), ...idx.shape, ...src.shape.slice(ax + 1)];
        const n = idx.shape.length;
        const call = () => np.take(toLax(h), toLax(idx), axis === null ? {} : { axis });
        // JAX: IndexError "Cannot do a non-empty jnp.take() from an empty axis." (jax/_src/numpy/lax_numpy.py)
        if (dim === 0 && idx.data.length > 0) return void expect(call).toThrow(/non-empty jnp.take\(\) from an empty axis/);
        const want = build(shape, h.dtype, (o) => {
          let i = idx.data[ravel(o.slice(ax, ax + n), idx.shape)];
          if (i < 0) i += dim;
          if (i < 0 || i >= dim) return fill[h.dtype];
          return src.data[ravel([...o.slice(0, ax), i, ...o.slice(ax + n)], src.shape)];
        });
        await check(call(), want, exact);
      }),
      RUNS,
    );
  });
});

describe('matmul / dot', () => {
  it('matmul: vectors, matrices and broadcast batches; exact for integers (wrapping), rel 1e-6 for float32', async () => {
    const arb = fc.constantFrom<DType>('float32', 'int32', 'uint32').chain((d) =>
      fc.tuple(arbBroadcastShapes(2, 2), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.boolean(), fc.boolean()).chain(([[ba, bb], m, k, n, va, vb]) => {
        const sa = va ? [k] : [...ba, m, k];
        const sb = vb ? [k] : [...bb, k, n];
        return fc.tuple(arbHost(sa, d, d === 'float32' ? [-10, 10] : undefined), arbHost(sb, d, d === 'float32' ? [-10, 10] : undefined));
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([a, b]) => {
        const A: Host = a.shape.length === 1 ? { ...a, shape: [1, a.shape[0]] } : a;
        const B: Host = b.shape.length === 1 ? { ...b, shape: [b.shape[0], 1] } : b;
        const batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
        const [m, k] = A.shape.slice(-2);
        const n = B.shape[B.shape.length - 1];
        const d = a.dtype;
        const scales: number[] = [];
        const full = build([...batch, m, n], d, (idx) => {
          const bi = idx.slice(0, -2);
          const [i, j] = idx.slice(-2);
          let acc = 0;
          let scale = 0;
          for (let c = 0; c < k; c++) {
            const x = bget(A, [...bi, i, c]);
            const y = bget(B, [...bi, c, j]);
            acc = d === 'float32' ? acc + x * y : d === 'int32' ? (acc + Math.imul(x, y)) | 0 : (acc + Math.imul(x, y)) >>> 0;
            scale += Math.abs(x * y);
          }
          scales.push(scale);
          return acc;
        });
        const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
        await check(np.matmul(toLax(a), toLax(b)), { ...full, shape }, d === 'float32' ? rel(1e-6, 1e-30) : exact, scales);
        if (a.shape.length <= 2 && b.shape.length <= 2) await check(np.dot(toLax(a), toLax(b)), { ...full, shape }, d === 'float32' ? rel(1e-6, 1e-30) : exact, scales);
      }),
      RUNS,
    );
  });
});

describe('astype between all dtypes', () => {
  const cast = (from: DType, to: DType) => (x: number) => {
    if (to === 'bool') return x !== 0 ? 1 : 0;
    if (from === 'float32' && to !== 'float32') return Math.trunc(x);
    if (to === 'float32') return Math.fround(x);
    return to === 'int32' ? x | 0 : x >>> 0;
  };
  it('float32/int32/uint32/bool -> each (values in range for float -> int)', async () => {
    const arb = fc.tuple(fc.constantFrom(...ALL), fc.constantFrom(...ALL)).chain(([from, to]) => {
      const domain: [number, number] | undefined = from === 'float32' && to === 'int32' ? [-2147483520, 2147483520] : from === 'float32' && to === 'uint32' ? [0, 4294967040] : undefined;
      return fc.tuple(fc.constant(to), arbShape(3).chain((s) => arbHost(s, from, domain)));
    });
    await fc.assert(
      fc.asyncProperty(arb, async ([to, h]) => {
        const f = cast(h.dtype, to);
        await check(toLax(h).astype(to), { shape: h.shape, dtype: to, data: storeAs(to, h.data.map(f)) }, exact);
      }),
      RUNS,
    );
  });
});
