// np.linalg by its defining properties, on random well-conditioned matrices (fast-check over
// batch shapes, sizes and entries), each result read from the CPU backend and from the oracle:
//   cholesky  L lower triangular, L L^T = A                         (A = M M^T + n I)
//   qr        Q^T Q = I, R upper triangular, Q R = A (tall, wide, every mode)
//   eigh      V^T V = I, V diag(w) V^T = A, w ascending
//   svd       U^T U = I, V^T V = I, U diag(s) Vh = A, s descending (tall, wide, full, reduced,
//             rank-deficient)
//   inv/solve A inv(A) = I, A x = b;  det and slogdet against a float64 LU in JS
// Tolerance: |got - want| <= TOL * (1 + max |want|), TOL = 2e-5 (float32 algorithms on
// matrices of condition number below about 10: every result is within a few dozen float32
// ulps of the matrix's scale). Then vmap against a loop over slices, jit against eager, grad
// against closed forms, and the errors' wording.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad, jit, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { both } from '../cpu/helpers.js';

const RUNS = { numRuns: 12 };
const TOL = 2e-5;

/** A host batch of matrices: data row-major over [...batch, m, n]. */
interface Mats {
  batch: number[];
  m: number;
  n: number;
  data: number[];
}
const count = (batch: number[]) => batch.reduce((a, b) => a * b, 1);
const slice = (x: Mats, b: number) => x.data.slice(b * x.m * x.n, (b + 1) * x.m * x.n);
const lax = (x: Mats): LaxArray => np.array(x.data, { dtype: 'float32' }).reshape([...x.batch, x.m, x.n]);

/** [cpu, oracle] values of each array, batched over `batch` (its leading axes). */
function read(batch: number[], ...xs: LaxArray[]): Mats[][] {
  const [cpu, oracle] = both(...xs);
  const host = (vals: ArrayLike<number>): Mats => ({ batch, m: 1, n: vals.length / count(batch), data: Array.from(vals, Number) });
  return [cpu.map(host), oracle.map(host)];
}

/** C = A B for one slice (row-major). */
function mm(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const c = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) c[i * n + j] += a[i * k + l] * b[l * n + j];
  return c;
}
const tr = (a: number[], m: number, n: number) => Array.from({ length: m * n }, (_, t) => a[(t % m) * n + Math.floor(t / m)]);
const identity = (n: number) => Array.from({ length: n * n }, (_, t) => (Math.floor(t / n) === t % n ? 1 : 0));

/** Undefined when every entry of `got` is within TOL * (1 + max |want|) of `want`. */
function near(got: number[], want: number[], what: string, tol = TOL): string | undefined {
  if (got.length !== want.length) return `${what}: length ${got.length} vs ${want.length}`;
  const scale = 1 + Math.max(0, ...want.map(Math.abs));
  const i = got.findIndex((g, k) => !(Math.abs(g - want[k]) <= tol * scale));
  return i < 0 ? undefined : `${what}: at ${i} got ${got[i]}, want ${want[i]}`;
}

/** float64 determinant by LU with partial pivoting. */
function detRef(a: number[], n: number): number {
  const m = [...a];
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [m[k * n + j], m[p * n + j]] = [m[p * n + j], m[k * n + j]];
      d = -d;
    }
    d *= m[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k] / m[k * n + k];
      for (let j = k; j < n; j++) m[i * n + j] -= f * m[k * n + j];
    }
  }
  return d;
}

const arbBatch = fc.constantFrom<number[]>([], [2], [2, 3]);
const entries = (len: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: len, maxLength: len }).map((v) => v.map(Math.fround));
/** [..., m, n] with entries in [-1, 1]. */
const arbMats = (m: number, n: number, batch: number[]) => entries(count(batch) * m * n).map((data): Mats => ({ batch, m, n, data }));
/** [..., n, n]: M + (n + 1) I (diagonally dominant, condition number below about 3). */
const arbWellCond = fc.tuple(arbBatch, fc.integer({ min: 1, max: 6 })).chain(([batch, n]) =>
  arbMats(n, n, batch).map((x) => ({ ...x, data: x.data.map((v, t) => (Math.floor(t / n) % n === t % n ? v + n + 1 : v)) })),
);
/** [..., n, n]: M M^T + n I, symmetric positive definite. */
const arbSpd = fc.tuple(arbBatch, fc.integer({ min: 1, max: 6 })).chain(([batch, n]) =>
  arbMats(n, n, batch).map((x) => {
    const data: number[] = [];
    for (let b = 0; b < count(batch); b++) {
      const s = slice(x, b);
      mm(s, tr(s, n, n), n, n, n).forEach((v, t) => data.push(Math.fround(v + (Math.floor(t / n) === t % n ? n : 0))));
    }
    return { batch, m: n, n, data };
  }),
);
/** A symmetric [..., n, n] with entries in [-1, 1] (indefinite, eigenvalues may repeat closely). */
const arbSym = fc.tuple(arbBatch, fc.integer({ min: 1, max: 7 })).chain(([batch, n]) =>
  arbMats(n, n, batch).map((x) => {
    const data: number[] = [];
    for (let b = 0; b < count(batch); b++) {
      const s = slice(x, b);
      const t = tr(s, n, n);
      s.forEach((v, k) => data.push(Math.fround((v + t[k]) / 2)));
    }
    return { batch, m: n, n, data };
  }),
);
const arbRect = fc.tuple(arbBatch, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).chain(([batch, m, n]) => arbMats(m, n, batch));

/** Check `prop(slice of each output..., slice of input)` on both backends for every batch slice. */
function eachSlice(outs: Mats[][], input: Mats, prop: (slices: number[][], a: number[], index: number) => string | undefined): void {
  for (const [backend, values] of [['cpu', outs[0]], ['oracle', outs[1]]] as const) {
    for (let b = 0; b < count(input.batch); b++) {
      const msg = prop(values.map((v) => slice(v, b)), slice(input, b), b);
      expect(msg, `${backend}, slice ${b}`).toBeUndefined();
    }
  }
}

describe('decompositions reconstruct their input', () => {
  it('cholesky: L lower triangular, L L^T = A', () => {
    fc.assert(
      fc.property(arbSpd, (a) => {
        const n = a.n;
        const outs = read(a.batch, np.linalg.cholesky(lax(a)));
        eachSlice(outs, a, ([l], s) => {
          const upper = l.findIndex((v, t) => t % n > Math.floor(t / n) && v !== 0);
          if (upper >= 0) return `L not lower triangular at ${upper}`;
          return near(mm(l, tr(l, n, n), n, n, n), s, 'L L^T');
        });
      }),
      RUNS,
    );
  });

  it('qr: Q orthonormal columns, R upper triangular, Q R = A, for every mode, tall and wide', () => {
    fc.assert(
      fc.property(arbRect, fc.constantFrom('reduced', 'complete'), (a, mode) => {
        const { m, n } = a;
        const k = mode === 'reduced' ? Math.min(m, n) : m;
        const [q, r] = np.linalg.qr(lax(a), { mode }) as LaxArray[];
        expect(q.shape).toEqual([...a.batch, m, k]);
        expect(r.shape).toEqual([...a.batch, k, n]);
        const rOnly = np.linalg.qr(lax(a), { mode: 'r' }) as LaxArray;
        expect(rOnly.shape).toEqual([...a.batch, Math.min(m, n), n]);
        eachSlice(read(a.batch, q, r), a, ([qs, rs], s) => {
          const lower = rs.findIndex((v, t) => t % n < Math.floor(t / n) && v !== 0);
          if (lower >= 0) return `R not upper triangular at ${lower}`;
          return near(mm(tr(qs, m, k), qs, k, m, k), identity(k), 'Q^T Q') ?? near(mm(qs, rs, m, k, n), s, 'Q R');
        });
      }),
      RUNS,
    );
  });

  it('eigh: V orthonormal, V diag(w) V^T = A, w ascending', () => {
    fc.assert(
      fc.property(arbSym, (a) => {
        const n = a.n;
        const [w, v] = np.linalg.eigh(lax(a));
        expect(w.shape).toEqual([...a.batch, n]);
        eachSlice(read(a.batch, w, v), a, ([ws, vs], s) => {
          if (ws.some((x, i) => i > 0 && x < ws[i - 1])) return `eigenvalues not ascending: ${ws}`;
          const vw = vs.map((x, t) => x * ws[t % n]);
          return near(mm(tr(vs, n, n), vs, n, n, n), identity(n), 'V^T V') ?? near(mm(vw, tr(vs, n, n), n, n, n), s, 'V diag(w) V^T');
        });
      }),
      RUNS,
    );
  });

  it('svd: U and V orthonormal, U diag(s) Vh = A, s descending, full and reduced', () => {
    fc.assert(
      fc.property(arbRect, fc.boolean(), fc.boolean(), (a, fullMatrices, deficient) => {
        const { m, n } = a;
        const k = Math.min(m, n);
        // rank-deficient case: the last column repeats the first (a zero singular value when n > 1)
        if (deficient && n > 1) for (let t = 0; t < a.data.length; t++) if (t % n === n - 1) a.data[t] = a.data[t - (n - 1)];
        const [u, s, vh] = np.linalg.svd(lax(a), { fullMatrices }) as LaxArray[];
        const [ku, kv] = fullMatrices ? [m, n] : [k, k];
        expect([u.shape, s.shape, vh.shape]).toEqual([[...a.batch, m, ku], [...a.batch, k], [...a.batch, kv, n]]);
        eachSlice(read(a.batch, u, s, vh), a, ([us, ss, vs], x) => {
          if (ss.some((v, i) => v < 0 || (i > 0 && v > ss[i - 1]))) return `singular values not descending: ${ss}`;
          const usK = us.filter((_, t) => t % ku < k).map((v, t) => v * ss[t % k]);
          const vhK = vs.slice(0, k * n);
          return near(mm(tr(us, m, ku), us, ku, m, ku), identity(ku), 'U^T U') ?? near(mm(vs, tr(vs, kv, n), kv, n, kv), identity(kv), 'Vh Vh^T') ?? near(mm(usK, vhK, m, k, n), x, 'U S Vh');
        });
      }),
      RUNS,
    );
  });
});

describe('solvers', () => {
  it('inv: A inv(A) = I; solve: A x = b for a vector and a matrix b', () => {
    fc.assert(
      fc.property(arbWellCond, fc.integer({ min: 1, max: 3 }), (a, k) => {
        const n = a.n;
        const b = { batch: a.batch, m: n, n: k, data: Array.from({ length: count(a.batch) * n * k }, (_, t) => Math.fround(3 * Math.sin(t + 1))) };
        const x = np.linalg.solve(lax(a), lax(b));
        const v = np.linalg.solve(lax({ ...a, batch: [], data: slice(a, 0) }), np.array(b.data.slice(0, n), { dtype: 'float32' }));
        expect(v.shape).toEqual([n]);
        eachSlice(read(a.batch, np.linalg.inv(lax(a)), x), a, ([ai, xs], s, i) => near(mm(s, ai, n, n, n), identity(n), 'A inv(A)') ?? near(mm(s, xs, n, n, k), slice(b, i), 'A x'));
        const first = slice(a, 0);
        const [[vc], [vo]] = read([], v);
        for (const got of [vc, vo]) expect(near(mm(first, got.data, n, n, 1), b.data.slice(0, n), 'A x (vector)')).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('det and slogdet against a float64 LU', () => {
    fc.assert(
      fc.property(arbWellCond, (a) => {
        const n = a.n;
        const [sign, logdet] = np.linalg.slogdet(lax(a));
        eachSlice(read(a.batch, np.linalg.det(lax(a)), sign, logdet), a, ([[d], [sg], [ld]], s) => {
          const want = detRef(s, n);
          if (!(Math.abs(d - want) <= 1e-5 * Math.abs(want))) return `det ${d} vs ${want}`;
          if (sg !== Math.sign(want)) return `sign ${sg} vs ${Math.sign(want)}`;
          return Math.abs(ld - Math.log(Math.abs(want))) <= 1e-5 * (1 + Math.abs(Math.log(Math.abs(want)))) ? undefined : `logdet ${ld} vs ${Math.log(Math.abs(want))}`;
        });
      }),
      RUNS,
    );
  });
});

describe('transformations', () => {
  const a = np.array([[4, 1, -2], [1, 3, 0.5], [0.5, -1, 5]], { dtype: 'float32' });
  const spd = np.array([[4, 1, 2], [1, 3, 0.5], [2, 0.5, 5]], { dtype: 'float32' });
  const stackOf = (xs: LaxArray[]) => np.stack(xs);
  const slices = [a, spd, np.add(a, spd), np.multiply(a, -2)];

  it('vmap of each function equals a loop over slices', async () => {
    const fns: [string, (x: LaxArray) => LaxArray][] = [
      ['inv', np.linalg.inv],
      ['det', np.linalg.det],
      ['slogdet[1]', (x) => np.linalg.slogdet(x)[1]],
      ['solve', (x) => np.linalg.solve(x, np.array([1, 2, 3], { dtype: 'float32' }))],
      ['cholesky', (x) => np.linalg.cholesky(np.matmul(x, np.transpose(x)))],
      ['qr[1]', (x) => (np.linalg.qr(x) as LaxArray[])[1]],
      ['eigh[0]', (x) => np.linalg.eigh(x)[0]],
      ['svd s', (x) => np.linalg.svd(x, { computeUv: false }) as LaxArray],
      ['pinv', (x) => np.linalg.pinv(x)],
      ['matrixPower', (x) => np.linalg.matrixPower(x, 3)],
      ['norm 2', (x) => np.linalg.norm(x, { ord: 2 })],
    ];
    for (const [name, f] of fns) {
      const batched = await vmap(f)(stackOf(slices)).data();
      const looped = await stackOf(slices.map(f)).data();
      expect(near(Array.from(batched), Array.from(looped), name, 1e-6)).toBeUndefined();
    }
  });

  it('jit of eigh and svd equals the eager result', async () => {
    const [w, v] = jit((x: LaxArray) => np.linalg.eigh(x))(spd);
    const [we, ve] = np.linalg.eigh(spd);
    expect(Array.from(await w.data())).toEqual(Array.from(await we.data()));
    expect(Array.from(await v.data())).toEqual(Array.from(await ve.data()));
    const s = jit((x: LaxArray) => np.linalg.svd(x, { computeUv: false }) as LaxArray)(a);
    expect(Array.from(await s.data())).toEqual(Array.from(await (np.linalg.svd(a, { computeUv: false }) as LaxArray).data()));
  });

  it('grad against closed forms: d det = det inv^T, d log|det| = inv^T, d tr(eigh) = I, d ||v|| = v / ||v||, d sum solve(A, b) / db = inv(A)^T 1', async () => {
    const values = async (x: LaxArray) => Array.from(await x.data());
    const invT = np.transpose(np.linalg.inv(a));
    const gDet = grad((x: LaxArray) => np.linalg.det(x))(a);
    expect(near(await values(gDet), await values(np.multiply(invT, np.linalg.det(a))), 'd det', 1e-5)).toBeUndefined();
    const gLog = grad((x: LaxArray) => np.linalg.slogdet(x)[1])(a);
    expect(near(await values(gLog), await values(invT), 'd logdet', 1e-5)).toBeUndefined();
    const gTrace = grad((x: LaxArray) => np.sum(np.linalg.eigh(x)[0]))(spd);
    expect(near(await values(gTrace), identity(3), 'd trace', 1e-5)).toBeUndefined();
    const v = np.array([3, -4, 12], { dtype: 'float32' });
    const gNorm = grad((x: LaxArray) => np.linalg.norm(x))(v);
    expect(near(await values(gNorm), [3 / 13, -4 / 13, 12 / 13], 'd norm', 1e-6)).toBeUndefined();
    const gSolve = grad((b: LaxArray) => np.sum(np.linalg.solve(a, b)))(np.array([1, 2, 3], { dtype: 'float32' }));
    expect(near(await values(gSolve), await values(np.sum(invT, { axis: 1 })), 'd solve', 1e-5)).toBeUndefined();
  });
});

describe('errors in NumPy and JAX words', () => {
  it('names the function and the shape', () => {
    const rect = np.zeros([2, 3]);
    expect(() => np.linalg.inv(rect)).toThrow('linalg.inv: argument must be a square matrix (shape [..., n, n]), got shape (2, 3)');
    expect(() => np.linalg.det(np.zeros([3]))).toThrow('linalg.det: 1-dimensional array given. Array must be at least two-dimensional, got shape (3,)');
    expect(() => np.linalg.cholesky(rect)).toThrow('linalg.cholesky: argument must be a square matrix');
    expect(() => np.linalg.eigh(rect)).toThrow('linalg.eigh: argument must be a square matrix');
    expect(() => np.linalg.solve(np.eye(3), np.zeros([2]))).toThrow('linalg.solve: b must have shape [..., 3, k] or [3] for a of shape (3, 3), got shape (2,)');
    expect(() => np.linalg.qr(rect, { mode: 'raw' as 'r' })).toThrow(/linalg.qr: invalid mode/);
    expect(() => np.linalg.lstsq(np.zeros([2, 3, 3]), np.zeros([3]))).toThrow('linalg.lstsq: a must be 2-dimensional, got shape (2, 3, 3)');
    expect(() => np.linalg.matrixPower(np.eye(2), 1.5)).toThrow(/linalg.matrixPower: n must be an integer/);
    expect(() => np.linalg.norm(np.zeros([2, 2, 2]), { ord: 1 })).toThrow('linalg.norm: Improper number of dimensions to norm, got shape (2, 2, 2)');
  });

  it('singular input gives JAX values, not an exception', async () => {
    const s = np.array([[1, 2], [2, 4]], { dtype: 'float32' });
    expect(Math.abs(await np.linalg.det(s).item())).toBe(0);
    expect(Array.from(await np.linalg.inv(s).data()).every((x) => !Number.isFinite(x))).toBe(true);
    expect(Number.isNaN(((await np.linalg.cholesky(np.array([[1, 2], [2, 1]], { dtype: 'float32' })).tolist()) as number[][])[1][1])).toBe(true);
  });
});
