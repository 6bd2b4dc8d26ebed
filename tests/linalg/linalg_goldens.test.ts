// np.linalg against NumPy: the cases of tests/linalg/linalg_goldens.json, made by
// tests/linalg/make_linalg_goldens.py with NumPy 1.24.2 (each case carries its NumPy call and
// tolerance). Each runs on the default (CPU) backend and on the naive oracle; both must be
// within rtol * (|expected| + max |expected| of the output) of NumPy's float64 result, exactly
// equal where rtol is 0 (the file's format and the comparison: tests/oracle/numpy_goldens.ts).
// Outputs whose sign NumPy leaves to the algorithm are not here (eigh's and svd's vectors:
// tests/linalg/linalg.property.test.ts checks those by reconstruction); qr's are, since
// laxflow follows LAPACK's Householder sign convention.

import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { expectNumPy, readGoldens, toArray, type GoldenArray } from '../oracle/numpy_goldens.js';

interface Case {
  fn: string;
  args: (GoldenArray | number)[];
  kwargs: Record<string, unknown>;
  expected: GoldenArray[];
  rtol: number;
  call: string;
}
const golden = readGoldens<Case>(new URL('./linalg_goldens.json', import.meta.url));

const arg = (v: GoldenArray | number): unknown => (typeof v === 'number' ? v : toArray(v));

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
      expectNumPy(outs, c.expected, c.rtol);
    });
  });
});
