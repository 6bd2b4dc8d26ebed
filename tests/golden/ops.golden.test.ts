// The oracle (src/cpu/oracle.ts, called directly) and the default backend (`await
// x.data()`) against NumPy goldens computed under JAX's semantics by
// tests/golden/make_goldens.py (each case carries its call in `call`; see the script's
// header for where JAX and NumPy differ and which JAX source each difference follows).
// Regenerate: python3 tests/golden/make_goldens.py.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, np, type DType } from '../../src/index.js';
import { evaluate } from '../../src/cpu/oracle.js';
import type { LaxArray } from '../../src/operators/array.js';
import { mismatch, exact, rel, ulps, type Tolerance } from '../oracle/compare.js';

type Encoded = number | boolean | 'NaN' | 'Infinity' | '-Infinity' | '-0';
interface ArrayArg {
  dtype: DType;
  shape: number[];
  data: Encoded[];
}
interface WeakArg {
  weak: Encoded;
  float: boolean;
}
interface GoldenCase {
  name: string;
  op: string;
  args: (ArrayArg | WeakArg)[];
  kwargs: Record<string, unknown>;
  expected: ArrayArg;
  ulp: number;
  rtol: number;
  call: string;
}

const golden = JSON.parse(readFileSync(new URL('./ops.json', import.meta.url), 'utf8')) as { numpy: string; cases: GoldenCase[] };

const decode = (v: Encoded): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : Number(v));

function toArg(a: ArrayArg | WeakArg): LaxArray | number | boolean {
  if ('weak' in a) return typeof a.weak === 'boolean' ? a.weak : decode(a.weak);
  return np.array(a.data.map(decode), { dtype: a.dtype }).reshape(a.shape);
}

type Fn = (args: (LaxArray | number | boolean)[], kw: Record<string, any>) => LaxArray;
const a1 = (f: (x: any) => LaxArray): Fn => ([x]) => f(x);
const a2 = (f: (x: any, y: any) => LaxArray): Fn => ([x, y]) => f(x, y);
const red = (f: (x: any, o: any) => LaxArray): Fn => ([x], kw) => f(x, kw);

const ops: Record<string, Fn> = {
  add: a2(np.add), subtract: a2(np.subtract), multiply: a2(np.multiply), divide: a2(np.divide),
  power: a2(np.power), floorDivide: a2(np.floorDivide), remainder: a2(np.remainder),
  maximum: a2(np.maximum), minimum: a2(np.minimum), arctan2: a2(np.arctan2),
  equal: a2(np.equal), notEqual: a2(np.notEqual), less: a2(np.less), lessEqual: a2(np.lessEqual),
  greater: a2(np.greater), greaterEqual: a2(np.greaterEqual),
  bitwiseAnd: a2(np.bitwiseAnd), bitwiseOr: a2(np.bitwiseOr), bitwiseXor: a2(np.bitwiseXor),
  leftShift: a2(np.leftShift), rightShift: a2(np.rightShift),
  logicalAnd: a2(np.logicalAnd), logicalOr: a2(np.logicalOr), logicalNot: a1(np.logicalNot),
  negative: a1(np.negative), abs: a1(np.abs), sign: a1(np.sign), sqrt: a1(np.sqrt), exp: a1(np.exp),
  log: a1(np.log), log1p: a1(np.log1p), expm1: a1(np.expm1), sin: a1(np.sin), cos: a1(np.cos),
  tan: a1(np.tan), tanh: a1(np.tanh), floor: a1(np.floor), ceil: a1(np.ceil), round: a1(np.round),
  square: a1(np.square), bitwiseNot: a1(np.bitwiseNot), isnan: a1(np.isnan), isfinite: a1(np.isfinite),
  where: ([c, x, y]) => np.where(c, x, y),
  clip: ([x, lo, hi]) => np.clip(x, lo, hi),
  sum: red(np.sum), prod: red(np.prod), max: red(np.max), min: red(np.min), mean: red(np.mean),
  var: red(np.var), std: red(np.std), argmax: red(np.argmax), argmin: red(np.argmin),
  cumsum: red(np.cumsum), cumprod: red(np.cumprod),
  matmul: a2(np.matmul),
  astype: ([x], kw) => np.astype(x, kw.dtype),
};

function tolerance(c: GoldenCase): Tolerance {
  if (c.rtol) return rel(c.rtol, 1e-6);
  if (c.ulp) return ulps(c.ulp);
  return exact;
}

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

describe(`ops against NumPy ${golden.numpy} goldens (JAX semantics)`, () => {
  it('covers every op the generator knows', () => {
    expect(new Set(golden.cases.map((c) => c.op))).toEqual(new Set(Object.keys(ops)));
  });
  for (const c of golden.cases) {
    it(`${c.name}: ${c.call}`, async () => {
      const out = ops[c.op](c.args.map(toArg), c.kwargs);
      expect(out.dtype).toBe(c.expected.dtype);
      expect(out.shape).toEqual(c.expected.shape);
      const want = c.expected.data.map(decode);
      const tol = tolerance(c);
      const [fromOracle] = evaluate([out.node]);
      expect(mismatch(Array.from(fromOracle), want, tol), 'oracle').toBeUndefined();
      expect(mismatch(Array.from(await out.data()), want, tol), 'default backend').toBeUndefined();
    });
  }
});
