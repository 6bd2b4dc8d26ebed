// jax.numpy breadth against NumPy: the cases of tests/numpy/np_goldens.json, made by
// tests/numpy/make_np_goldens.py with NumPy 1.24.2 (each case carries its NumPy call).
// Each runs the laxflow function on the default (CPU) backend and on the naive oracle and
// compares both with NumPy's result: exact where the case's rtol is 0, else within
// rtol * (|expected| + max |expected| of the case) (NumPy computes in float64); the file's
// format and the comparison are tests/oracle/numpy_goldens.ts's.

import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { expectNumPy, readGoldens, toArray, type GoldenArray } from '../oracle/numpy_goldens.js';

interface Case {
  fn: string;
  args: (GoldenArray | number | string | number[] | number[][])[];
  kwargs: Record<string, unknown>;
  expected: GoldenArray[];
  tuple: boolean;
  rtol: number;
  call: string;
}
const golden = readGoldens<Case>(new URL('./np_goldens.json', import.meta.url));

const isArr = (v: unknown): v is GoldenArray => typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v;
const arg = (v: unknown): unknown => (isArr(v) ? toArray(v) : Array.isArray(v) && v.some(isArr) ? v.map(arg) : v);

describe(`jax.numpy breadth against NumPy ${golden.numpy}`, () => {
  golden.cases.forEach((c, k) => {
    it(`${k}: ${c.call}`, () => {
      const kw = Object.fromEntries(Object.entries(c.kwargs).map(([n, v]) => [n, arg(v)]));
      const f = (np as unknown as Record<string, (...a: unknown[]) => LaxArray | LaxArray[]>)[c.fn];
      const out = f(...c.args.map(arg), ...(Object.keys(kw).length ? [kw] : []));
      const outs = Array.isArray(out) ? out : [out];
      expect(outs.length).toBe(c.expected.length);
      outs.forEach((o, i) => expect(o.shape).toEqual(c.expected[i].shape));
      expectNumPy(outs, c.expected, c.rtol);
    });
  });
});
