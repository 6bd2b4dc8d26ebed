// jax.numpy breadth against NumPy: the cases of tests/numpy/np_goldens.json, made by
// tests/numpy/make_np_goldens.py with NumPy 1.24.2 (each case carries its NumPy call).
// Each runs the laxflow function on the default (CPU) backend and on the naive oracle and
// compares both with NumPy's result: exact where the case's rtol is 0, else within
// rtol * (|expected| + max |expected| of the case) (NumPy computes in float64).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { np, type DType } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

type Encoded = number | boolean | string | null;
interface Arr {
  dtype: DType;
  shape: number[];
  data: Encoded[];
}
interface Case {
  fn: string;
  args: (Arr | number | string | number[] | number[][])[];
  kwargs: Record<string, unknown>;
  expected: Arr[];
  tuple: boolean;
  rtol: number;
  call: string;
}
const golden = JSON.parse(readFileSync(new URL('./np_goldens.json', import.meta.url), 'utf8')) as { numpy: string; cases: Case[] };

const decode = (v: Encoded): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const isArr = (v: unknown): v is Arr => typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v;
const toArray = (a: Arr): LaxArray => np.array(a.data.map(decode), { dtype: a.dtype }).reshape(a.shape);
const arg = (v: unknown): unknown => (isArr(v) ? toArray(v) : Array.isArray(v) && v.some(isArr) ? v.map(arg) : v);

function mismatch(got: ArrayLike<number>, want: Arr, rtol: number): string | null {
  const w = want.data.map(decode);
  if (got.length !== w.length) return `length ${got.length} vs ${w.length}`;
  const scale = Math.max(0, ...w.filter(Number.isFinite).map(Math.abs));
  for (let i = 0; i < w.length; i++) {
    const [g, e] = [Number(got[i]), w[i]];
    if (Number.isNaN(e) ? Number.isNaN(g) : g === e) continue;
    if (rtol > 0 && Number.isFinite(e) && Math.abs(g - e) <= rtol * (Math.abs(e) + scale)) continue;
    return `at ${i}: got ${g}, NumPy ${e}`;
  }
  return null;
}

describe(`jax.numpy breadth against NumPy ${golden.numpy}`, () => {
  golden.cases.forEach((c, k) => {
    it(`${k}: ${c.call}`, () => {
      const kw = Object.fromEntries(Object.entries(c.kwargs).map(([n, v]) => [n, arg(v)]));
      const f = (np as unknown as Record<string, (...a: unknown[]) => LaxArray | LaxArray[]>)[c.fn];
      const out = f(...c.args.map(arg), ...(Object.keys(kw).length ? [kw] : []));
      const outs = Array.isArray(out) ? out : [out];
      expect(outs.length).toBe(c.expected.length);
      outs.forEach((o, i) => expect(o.shape).toEqual(c.expected[i].shape));
      const [cpu, oracle] = both(...outs);
      outs.forEach((_, i) => {
        expect(mismatch(cpu[i], c.expected[i], c.rtol), `cpu, output ${i}`).toBeNull();
        expect(mismatch(oracle[i], c.expected[i], c.rtol), `oracle, output ${i}`).toBeNull();
      });
    });
  });
});
