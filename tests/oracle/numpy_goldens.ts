// NumPy goldens as tests/numpy/make_np_goldens.py and tests/linalg/make_linalg_goldens.py
// write them (tests/golden/ops.json encodes its values differently): arrays as dtype, shape
// and data, a value encoded as a number, 'inf' or '-inf', null for NaN. A case's outputs
// run on the default (CPU) backend and on the naive oracle, and both must match NumPy's
// float64 result: exactly (NaN equals NaN) where rtol is 0, else within
// rtol * (|expected| + max |expected| of the output).

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { np, type DType } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

export type Encoded = number | boolean | string | null;
export interface GoldenArray {
  dtype: DType;
  shape: number[];
  data: Encoded[];
}

/** The golden file at `url`: the NumPy version that made it and its cases. */
export const readGoldens = <Case>(url: URL) => JSON.parse(readFileSync(url, 'utf8')) as { numpy: string; cases: Case[] };

export const decode = (v: Encoded): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
export const toArray = (a: GoldenArray): LaxArray => np.array(a.data.map(decode), { dtype: a.dtype }).reshape(a.shape);

/** Null when `got` matches NumPy's `want` (see the header), else the first mismatch. */
export function mismatch(got: ArrayLike<number>, want: GoldenArray, rtol: number): string | null {
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

/** Expects each of `outs`, on the CPU backend and on the oracle, to match `expected` (the same index). */
export function expectNumPy(outs: LaxArray[], expected: GoldenArray[], rtol: number): void {
  const [cpu, oracle] = both(...outs);
  outs.forEach((_, i) => {
    expect(mismatch(cpu[i], expected[i], rtol), `cpu, output ${i}`).toBeNull();
    expect(mismatch(oracle[i], expected[i], rtol), `oracle, output ${i}`).toBeNull();
  });
}
