// WebGPU == oracle for every elementwise primitive and dtype, on random data (fast-check)
// plus edge values. Tolerances, in float32 ulps of the oracle's value (or absolute where
// WGSL states absolute error), follow the WGSL spec's accuracy table:
//   exact (0 ulp): + - * neg abs sign floor ceil round max min comparisons select casts,
//                  all integer and bool ops (including x/0 = -1, x%0 = x, shifts >= 32);
//   div 2.5 ulp; sqrt 4 ulp (WGSL: inherited from 1/inverseSqrt);
//   exp and expm1 3 + 2|x| ulp; log 3 ulp (abs 2^-21 on [0.5, 2]); log1p 8 ulp or abs 1e-6;
//   subnormal inputs are not tested (WGSL lets devices flush them; lavapipe does); sin/cos abs 2^-11 on [-pi, pi]; tan 64 ulp or abs 1e-3; tanh abs 1e-5;
//   pow 64 ulp (exp2(y log2 x); exact for integer |y| <= 64 up to rounding of the
//   products: 2 ulp); atan2 4096 ulp (WGSL spec).

import fc from 'fast-check';
import { describe, it } from 'vitest';

import type { DType } from '../../src/graph/dtype.js';
import { node } from '../../src/graph/node.js';
import type { BinaryPrim, UnaryPrim } from '../../src/graph/prims.js';
import { constant } from '../../src/operators/nodes.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const N = 64;
const RUNS = 6;

const specials: Record<DType, number[]> = {
  float32: [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, NaN, Infinity, -Infinity, 3e9, -3e9, 65536, 1e20, -7],
  int32: [0, 1, -1, 2, -2, 7, -7, 31, 32, 33, -32, 2147483647, -2147483648, 100000, -100000],
  uint32: [0, 1, 2, 7, 31, 32, 33, 4294967295, 2147483648, 100000],
  bool: [0, 1],
};
const anyValue: Record<DType, fc.Arbitrary<number>> = {
  float32: fc.oneof(fc.float({ min: -100, max: 100, noNaN: true }), fc.float({ noDefaultInfinity: false }), fc.constantFrom(...specials.float32)).filter((x) => x === 0 || Number.isNaN(x) || !Number.isFinite(x) || Math.abs(x) >= 2 ** -126),
  int32: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(...specials.int32)),
  uint32: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 4294967295 }), fc.constantFrom(...specials.uint32)),
  bool: fc.constantFrom(0, 1),
};
// Subnormals are left out: WGSL lets the device flush them to zero (lavapipe does).
const normal = (x: number) => x === 0 || !Number.isFinite(x) || Math.abs(x) >= 2 ** -126;
const ranged = (min: number, max: number) => fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true }).filter(normal);

interface Case {
  prim: UnaryPrim | BinaryPrim;
  dtypes: DType[];
  ulps?: number;
  abs?: number;
  /** Generator per operand (defaults to anyValue[dtype]). */
  gen?: fc.Arbitrary<number>[];
}

const allD: DType[] = ['float32', 'int32', 'uint32', 'bool'];
const num: DType[] = ['float32', 'int32', 'uint32'];
const ints: DType[] = ['int32', 'uint32'];
const F: DType[] = ['float32'];

const unary: Case[] = [
  { prim: 'neg', dtypes: num },
  { prim: 'abs', dtypes: num },
  { prim: 'sign', dtypes: num },
  { prim: 'floor', dtypes: F },
  { prim: 'ceil', dtypes: F },
  { prim: 'round', dtypes: F },
  { prim: 'not', dtypes: ['int32', 'uint32', 'bool'] },
  { prim: 'isfinite', dtypes: F },
  { prim: 'sqrt', dtypes: F, ulps: 4 },
  { prim: 'exp', dtypes: F, ulps: 3 + 2 * 20, gen: [ranged(-20, 20)] },
  { prim: 'log', dtypes: F, ulps: 3, abs: 2 ** -21, gen: [fc.oneof(ranged(0, 1e6), fc.constantFrom(0, -1, Infinity, NaN))] },
  { prim: 'log1p', dtypes: F, ulps: 8, abs: 1e-6, gen: [fc.oneof(ranged(-1, 1000), fc.constantFrom(-1, -2, 0, 1e-8, Infinity))] },
  { prim: 'expm1', dtypes: F, ulps: 3 + 2 * 20, abs: 1e-6, gen: [fc.oneof(ranged(-20, 20), fc.constantFrom(0, 1e-8, -1e-8))] },
  { prim: 'sin', dtypes: F, abs: 2 ** -11, gen: [ranged(-Math.PI, Math.PI)] },
  { prim: 'cos', dtypes: F, abs: 2 ** -11, gen: [ranged(-Math.PI, Math.PI)] },
  { prim: 'tan', dtypes: F, ulps: 64, abs: 1e-3, gen: [ranged(-1.2, 1.2)] },
  { prim: 'tanh', dtypes: F, abs: 1e-5, gen: [fc.oneof(ranged(-20, 20), fc.constantFrom(50, -50, Infinity, -Infinity))] },
];

const nonzero = (d: DType) => anyValue[d];
const shiftAmount = (d: DType) => fc.oneof(fc.integer({ min: d === 'uint32' ? 0 : -3, max: 40 }), fc.constantFrom(0, 31, 32, 33));

const binary: Case[] = [
  { prim: 'add', dtypes: allD },
  { prim: 'sub', dtypes: num },
  { prim: 'mul', dtypes: allD },
  { prim: 'div', dtypes: F, ulps: 2.5, gen: [ranged(-1e6, 1e6), fc.oneof(ranged(-1e6, 1e6), fc.constantFrom(0, -0, Infinity))] },
  { prim: 'div', dtypes: ints, gen: undefined },
  { prim: 'rem', dtypes: ints },
  { prim: 'rem', dtypes: F, gen: [fc.integer({ min: -1000, max: 1000 }), fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constantFrom(0, -3))] },
  { prim: 'pow', dtypes: F, ulps: 64, gen: [fc.oneof(ranged(0.1, 10), fc.constantFrom(0, -0, -2, -0.5, 1, -1, Infinity, NaN)), fc.oneof(ranged(-4, 4), fc.constantFrom(0, 1, 2, 3, -1, -2, 0.5, Infinity, -Infinity, NaN))] },
  { prim: 'max', dtypes: allD },
  { prim: 'min', dtypes: allD },
  { prim: 'atan2', dtypes: F, ulps: 4096, abs: 1e-6, gen: [ranged(-100, 100), ranged(-100, 100)] },
  { prim: 'eq', dtypes: allD },
  { prim: 'ne', dtypes: allD },
  { prim: 'lt', dtypes: allD },
  { prim: 'le', dtypes: num },
  { prim: 'gt', dtypes: num },
  { prim: 'ge', dtypes: allD },
  { prim: 'and', dtypes: ['int32', 'uint32', 'bool'] },
  { prim: 'or', dtypes: ['int32', 'uint32', 'bool'] },
  { prim: 'xor', dtypes: ['int32', 'uint32', 'bool'] },
];

function runCase(c: Case, d: DType, arity: 1 | 2) {
  it(`${c.prim} ${d}`, async (ctx) => {
    if (!gpu.need(ctx)) return;
    const gens = Array.from({ length: arity }, (_, k) => {
      if (c.gen?.[k]) return c.gen[k];
      if ((c.prim === 'shl' || c.prim === 'shr') && k === 1) return shiftAmount(d);
      return k === 1 ? nonzero(d) : anyValue[d];
    });
    const check = async (cols: number[][]) => {
      const ins = cols.map((col) => constant(Array.from(col).length ? storageOf(d, col) : storageOf(d, []), [N], d));
      const n = node(c.prim, ins, {} as never);
      const [got] = await gpu.backend().run([n]);
      const [want] = oracle([n]);
      expectClose(got, want, c.ulps ?? 0, c.abs ?? 0, `${c.prim}<${d}>(${cols.map((col) => `[${col.slice(0, 4).join(', ')}...]`).join(', ')})`);
    };
    // Edge values against each other (cyclic pairs), then random data.
    const sp = specials[d];
    const edge = (k: number) => Array.from({ length: N }, (_, i) => (c.gen && !c.gen[k] ? sp[i % sp.length] : sp[(i + k * Math.floor(i / sp.length)) % sp.length]));
    if (!c.gen) await check(Array.from({ length: arity }, (_, k) => edge(k)));
    await fc.assert(fc.asyncProperty(fc.tuple(...gens.map((g) => fc.array(g, { minLength: N, maxLength: N }))), check), { numRuns: RUNS });
  });
}

function storageOf(d: DType, values: number[]) {
  const a = d === 'float32' ? new Float32Array(N) : d === 'int32' ? new Int32Array(N) : d === 'uint32' ? new Uint32Array(N) : new Uint8Array(N);
  values.forEach((v, i) => (a[i] = d === 'bool' ? (v ? 1 : 0) : v));
  return a;
}

describe('WebGPU elementwise == oracle: unary', () => {
  for (const c of unary) for (const d of c.dtypes) runCase(c, d, 1);
});

describe('WebGPU elementwise == oracle: binary', () => {
  for (const c of binary) for (const d of c.dtypes) runCase(c, d, 2);
  for (const d of ints) runCase({ prim: 'shl', dtypes: [d] }, d, 2);
  for (const d of ints) runCase({ prim: 'shr', dtypes: [d] }, d, 2);
});
