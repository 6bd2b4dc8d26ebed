// np.linalg against NumPy: the cases of tests/linalg/linalg_goldens.json, made by
// tests/linalg/make_linalg_goldens.py with NumPy 1.24.2 (each case carries its NumPy call and
// tolerance). Each runs on the default (CPU) backend and on the naive oracle; both must be
// within rtol * (|expected| + max |expected| of the output) of NumPy's float64 result, exactly
// equal where rtol is 0. Outputs whose sign NumPy leaves to the algorithm are not here (eigh's
// and svd's vectors: tests/linalg/linalg.property.test.ts checks those by reconstruction);
// qr's are, since laxflow follows LAPACK's Householder sign convention.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

type Encoded = number | string;
interface Arr {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Encoded[];
}
interface Case {
  fn: string;
  args: (Arr | number)[];
  kwargs: Record<string, unknown>;
  expected: Arr[];
  rtol: number;
  call: string;
}
const golden = JSON.parse(readFileSync(new URL('./linalg_goldens.json', import.meta.url), 'utf8')) as { numpy: string; cases: Case[] };

const decode = (v: Encoded): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const arg = (v: Arr | number): unknown => (typeof v === 'number' ? v : np.array(v.data.map(decode), { dtype: v.dtype }).reshape(v.shape));

function mismatch(got: ArrayLike<number>, want: Arr, rtol: number): string | null {
  const w = want.data.map(decode);
  if (got.length !== w.length) return `length ${got.length} vs ${w.length}`;
  const scale = Math.max(0, ...w.filter(Number.isFinite).map(Math.abs));
  for (let i = 0; i < w.length; i++) {
    const [g, e] = [Number(got[i]), w[i]];
    if (g === e) continue;
    if (rtol > 0 && Number.isFinite(e) && Math.abs(g - e) <= rtol * (Math.abs(e) + scale)) continue;
    return `at ${i}: got ${g}, NumPy ${e}`;
  }
  return null;
}

describe(`np.linalg against NumPy ${golden.numpy}`, () => {
  golden.cases.forEach((c, k) => {
    it(`${k}: ${c.call}`, () => {
      const kw = { ...c.kwargs };
      if (typeof kw.ord === 'string' && /inf/.test(kw.ord)) kw.ord = Number(kw.ord.replace('inf', 'Infinity'));
      const f = (np.linalg as unknown as Record<string, (...a: unknown[]) => LaxArray | LaxArray[]>)[c.fn];
      const out = f(...c.args.map(arg), ...(Object.keys(kw).length ? [kw] : []));
      // eigh's eigenvalues only: its vectors' signs are the algorithm's choice
      const outs = (Array.isArray(out) ? out : [out]).slice(0, c.expected.length);
      outs.forEach((o, i) => expect(o.shape, `output ${i}`).toEqual(c.expected[i].shape));
      outs.forEach((o, i) => expect(o.dtype, `output ${i}`).toBe(c.expected[i].dtype));
      const [cpu, oracle] = both(...outs);
      outs.forEach((_, i) => {
        expect(mismatch(cpu[i], c.expected[i], c.rtol), `cpu, output ${i}`).toBeNull();
        expect(mismatch(oracle[i], c.expected[i], c.rtol), `oracle, output ${i}`).toBeNull();
      });
    });
  });
});
