// jax.numpy.linalg (`np.linalg`): decompositions, solvers and norms over float32 matrices,
// batched over leading axes ([..., m, n]). Every algorithm is composed of existing operations:
// lax.scan over a static list of columns (or of Jacobi pairs), reading a row or column with a
// one-hot mask and a sum, and writing one with `where`. So vmap, jit, grad and every backend
// (WebGPU included) apply with no rule of their own, and the loop is one scan node however
// large the matrix.
//
//   det, slogdet, solve, inv   Gaussian elimination with partial pivoting (Gauss-Jordan for
//                              solve/inv; the pivots give det and slogdet)
//   cholesky                   the column-by-column (Cholesky-Crout) recurrence
//   qr                         Householder reflections, LAPACK's sign convention (dlarfg)
//   eigh                       cyclic Jacobi rotations, 10 sweeps
//   svd                        one-sided (Hestenes) Jacobi, 10 sweeps, then a QR pass so U is
//                              orthonormal even where singular values are zero
//   lstsq, pinv, matrixPower, norm   from the above, as JAX's jnp.linalg writes them
//
// Jacobi sweeps: the off-diagonal mass of a cyclic sweep falls quadratically once it is small,
// so 10 sweeps reach float32 rounding for the matrix sizes this is meant for (n up to about a
// hundred; tests/linalg checks n up to 24 against NumPy). The count is fixed so the loop is a
// scan of static length (no data-dependent loop), as JAX's own Jacobi eigh fixes its maximum.
// Singular input follows JAX, never an exception: inv/solve give inf or NaN, det 0,
// cholesky of a matrix that is not positive definite NaN.

import type { ArrayLike, LaxArray } from './array.js';
import { arange, eye, zeros } from './creation.js';
import { abs, add, divide, equal, greater, greaterEqual, less, lessEqual, log, multiply, negative, notEqual, power, sign, sqrt, subtract, where } from './elementwise.js';
import { matmul } from './linalg.js';
import { castNode, toNode, wrap } from './nodes.js';
import { takeAlongAxis } from './np_index.js';
import { argsort } from './np_sort.js';
import { moveaxis, sliceAxis } from './np_stack.js';
import { max, min, prod, sum } from './reductions.js';
import { scan } from './scan.js';
import { broadcastTo, concatenate, expandDims, reshape, transpose } from './shape_ops.js';
import { checkChoice, checkInt, checkOptions, describe } from './validate.js';
import { broadcastShapes, fmtShape } from '../graph/shape.js';

/** Fixed number of cyclic Jacobi sweeps of eigh and svd (see the header). */
const JACOBI_SWEEPS = 10;
/** np.finfo(np.float32).eps */
const EPS = 2 ** -23;

/** The argument as a float32 array of at least 2 dimensions (square when asked). */
function matrixArg(fn: string, a: ArrayLike, square: boolean, position = 0): LaxArray {
  const n = toNode(a, `linalg.${fn}`, position);
  const x = wrap(n.dtype === 'float32' ? n : castNode(n, 'float32'));
  if (x.ndim < 2) throw new TypeError(`linalg.${fn}: ${x.ndim}-dimensional array given. Array must be at least two-dimensional, got shape ${fmtShape(x.shape)}`);
  if (square && x.shape[x.ndim - 1] !== x.shape[x.ndim - 2]) throw new TypeError(`linalg.${fn}: argument must be a square matrix (shape [..., n, n]), got shape ${fmtShape(x.shape)}`);
  return x;
}

/** Swap the last two axes (NumPy's `.mT`). */
function mT(x: LaxArray): LaxArray {
  const perm = [...x.shape.keys()];
  [perm[x.ndim - 2], perm[x.ndim - 1]] = [perm[x.ndim - 1], perm[x.ndim - 2]];
  return transpose(x, perm);
}

/** The bool vector i == j over i < n (j an int32 scalar, traced in a loop). */
const oneHot = (n: number, j: ArrayLike) => equal(arange(n), j);
/** Row j of [..., m, n] as [..., n]. */
const rowOf = (a: LaxArray, j: ArrayLike) => sum(where(expandDims(oneHot(a.shape[a.ndim - 2], j), -1), a, 0), { axis: -2 });
/** Column j of [..., m, n] as [..., m]. */
const colOf = (a: LaxArray, j: ArrayLike) => sum(where(oneHot(a.shape[a.ndim - 1], j), a, 0), { axis: -1 });
/** Element j of [..., n] as [...]. */
const entry = (v: LaxArray, j: ArrayLike) => sum(where(oneHot(v.shape[v.ndim - 1], j), v, 0), { axis: -1 });
/** Replace row j of `a` by `row` ([..., n]). */
const setRow = (a: LaxArray, j: ArrayLike, row: LaxArray) => where(expandDims(oneHot(a.shape[a.ndim - 2], j), -1), expandDims(row, -2), a);
/** Replace column j of `a` by `col` ([..., m]). */
const setCol = (a: LaxArray, j: ArrayLike, col: LaxArray) => where(oneHot(a.shape[a.ndim - 1], j), expandDims(col, -1), a);
/** The diagonal of [..., n, n] as [..., n]. */
const diagOf = (a: LaxArray) => sum(where(eye(a.shape[a.ndim - 1], a.shape[a.ndim - 1], { dtype: 'bool' }), a, 0), { axis: -1 });
/** max |x| over each matrix of [..., m, n] as [..., 1, 1]; 1 for an all-zero matrix. */
function matrixScale(x: LaxArray): LaxArray {
  const big = max(abs(x), { axis: [-2, -1], keepdims: true });
  return where(greater(big, 0), big, 1);
}
/** The identity broadcast to [...batch, n, n]. */
const eyeLike = (batch: readonly number[], n: number) => broadcastTo(eye(n), [...batch, n, n]);

/**
 * Gaussian elimination of [A | B] with partial pivoting, one scan step per column k:
 *   1. p = argmax_{i >= k} |M[i, k]|; swap rows k and p (the determinant's sign flips if p != k);
 *   2. each row i below k (every row i != k when `jordan`) subtracts M[i, k] / M[k, k] times row k;
 *   3. with `jordan`, row k is divided by its pivot, so A becomes I and B the solution.
 * Returns the final [A | B], the pivots M[k, k] ([n, ...batch]) and the permutation's sign.
 */
function eliminate(a: LaxArray, b: LaxArray | null, jordan: boolean): { m: LaxArray; pivots: LaxArray; parity: LaxArray } {
  const n = a.shape[a.ndim - 1];
  const batch = a.shape.slice(0, -2);
  const m0 = b === null ? a : concatenate([a, b], { axis: -1 });
  const rows = arange(n);
  const [[m, parity], pivots] = scan(
    ([m, parity]: LaxArray[], k: LaxArray) => {
      const column = colOf(m, k);
      const candidates = where(greaterEqual(rows, k), abs(column), -1);
      const pivotRow = argmaxLast(candidates);
      const isP = equal(rows, expandDims(pivotRow, -1));
      const rowK = rowOf(m, k);
      const rowP = sum(where(expandDims(isP, -1), m, 0), { axis: -2 });
      const swapped = where(expandDims(oneHot(n, k), -1), expandDims(rowP, -2), where(expandDims(isP, -1), expandDims(rowK, -2), m));
      const flipped = where(equal(pivotRow, k), parity, negative(parity));
      const pivot = entry(rowP, k);
      const below = jordan ? notEqual(rows, k) : greater(rows, k);
      const factors = where(below, divide(colOf(swapped, k), expandDims(pivot, -1)), 0);
      let next = subtract(swapped, multiply(expandDims(factors, -1), expandDims(rowP, -2)));
      if (jordan) next = setRow(next, k, divide(rowP, expandDims(pivot, -1)));
      return [[next, flipped], pivot];
    },
    [m0, add(zeros(batch), 1)],
    arange(n),
  );
  return { m, pivots, parity };
}

/** argmax over the last axis, first index among ties (jnp.argmax). */
function argmaxLast(x: LaxArray): LaxArray {
  const n = x.shape[x.ndim - 1];
  const best = max(x, { axis: -1, keepdims: true });
  // the smallest index holding the maximum
  return min(where(equal(x, best), arange(n), n), { axis: -1 });
}

/** jnp.linalg.det: the product of the pivots of partial-pivoting elimination, times the permutation's sign. */
export function det(a: ArrayLike): LaxArray {
  const x = matrixArg('det', a, true);
  if (x.shape[x.ndim - 1] === 0) return add(zeros(x.shape.slice(0, -2)), 1);
  const { pivots, parity } = eliminate(x, null, false);
  return multiply(parity, prod(pivots, { axis: 0 }));
}

/** jnp.linalg.slogdet: [sign, log|det|]; a singular matrix gives [0, -inf]. */
export function slogdet(a: ArrayLike): [LaxArray, LaxArray] {
  const x = matrixArg('slogdet', a, true);
  const batch = x.shape.slice(0, -2);
  if (x.shape[x.ndim - 1] === 0) return [add(zeros(batch), 1), zeros(batch)];
  const { pivots, parity } = eliminate(x, null, false);
  const signs = multiply(parity, prod(sign(pivots), { axis: 0 }));
  return [signs, sum(log(abs(pivots)), { axis: 0 })];
}

/**
 * jnp.linalg.solve(a, b): x with a @ x = b. As NumPy >= 2 and JAX: a 1-D b is one vector
 * ([..., n] result); otherwise b is [..., n, k], its batch axes broadcast against a's.
 */
export function solve(a: ArrayLike, b: ArrayLike): LaxArray {
  const x = matrixArg('solve', a, true, 0);
  const bn = toNode(b, 'linalg.solve', 1);
  let y = wrap(bn.dtype === 'float32' ? bn : castNode(bn, 'float32'));
  const n = x.shape[x.ndim - 1];
  const vector = y.ndim === 1;
  if (vector) y = expandDims(y, -1);
  if (y.shape[y.ndim - 2] !== n) {
    throw new TypeError(`linalg.solve: b must have shape [..., ${n}, k] or [${n}] for a of shape ${fmtShape(x.shape)}, got shape ${fmtShape(bn.shape)}`);
  }
  const batch = broadcastShapes('linalg.solve', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const k = y.shape[y.ndim - 1];
  const ab = broadcastTo(x, [...batch, n, n]);
  const bb = broadcastTo(y, [...batch, n, k]);
  const out = n === 0 || k === 0 ? zeros([...batch, n, k]) : sliceAxis(eliminate(ab, bb, true).m, batch.length + 1, n, n + k);
  return vector ? reshape(out, [...batch, n]) : out;
}

/** jnp.linalg.inv: solve(a, I). */
export function inv(a: ArrayLike): LaxArray {
  const x = matrixArg('inv', a, true);
  const n = x.shape[x.ndim - 1];
  return solve(x, eyeLike(x.shape.slice(0, -2), n));
}

/** (a + a^T) / 2, as JAX symmetrizes the input of cholesky and eigh. */
const symmetrize = (x: LaxArray) => multiply(add(x, mT(x)), 0.5);

/**
 * jnp.linalg.cholesky: lower-triangular L with L @ L^T = a. Column j:
 *   v = a[:, j] - L @ L[j, :];  L[j, j] = sqrt(v[j]);  L[i, j] = v[i] / L[j, j] for i > j.
 * A matrix that is not positive definite gives NaN (sqrt of a negative pivot), as JAX.
 */
export function cholesky(a: ArrayLike): LaxArray {
  const x = symmetrize(matrixArg('cholesky', a, true));
  const n = x.shape[x.ndim - 1];
  if (n === 0) return x;
  const rows = arange(n);
  const [l] = scan(
    (l: LaxArray, j: LaxArray) => {
      const lj = rowOf(l, j);
      const v = subtract(colOf(x, j), sum(multiply(l, expandDims(lj, -2)), { axis: -1 }));
      const d = sqrt(entry(v, j));
      const col = where(greater(rows, j), divide(v, expandDims(d, -1)), where(equal(rows, j), expandDims(d, -1), 0));
      return [setCol(l, j, col), []];
    },
    zeros(x.shape),
    arange(n),
  );
  return l;
}

type QrMode = 'reduced' | 'complete' | 'r';

/**
 * Householder QR of [..., m, n]: for each column k < min(m, n), the reflection
 * H = I - tau v v^T that maps R[k:, k] to (beta, 0, ...) with beta = -sign(R[k, k]) ||R[k:, k]||
 * (LAPACK's dlarfg; no reflection when R[k+1:, k] is already zero). R <- H R, Q <- Q H.
 */
function householder(x: LaxArray): [LaxArray, LaxArray] {
  const [m, n] = x.shape.slice(-2);
  const batch = x.shape.slice(0, -2);
  const rows = arange(m);
  const steps = Math.min(m, n);
  if (steps === 0) return [eyeLike(batch, m), x];
  const [[q, r]] = scan(
    ([q, r]: LaxArray[], k: LaxArray) => {
      const x0 = where(greaterEqual(rows, k), colOf(r, k), 0);
      // H depends only on v's direction: scale the column to max |x| = 1 so that squares
      // neither underflow (a column of 1e-23s) nor overflow
      const big = max(abs(x0), { axis: -1, keepdims: true });
      const v0 = divide(x0, where(greater(big, 0), big, 1));
      const head = entry(v0, k);
      const tail = sum(where(greater(rows, k), multiply(v0, v0), 0), { axis: -1 });
      const norm2 = add(multiply(head, head), tail);
      const norm = where(greater(norm2, 0), sqrt(where(greater(norm2, 0), norm2, 1)), 0); // sqrt'(0) is inf: guarded for grad
      const beta = where(greaterEqual(head, 0), negative(norm), norm);
      const v = where(equal(rows, k), expandDims(subtract(head, beta), -1), v0);
      const vv = sum(multiply(v, v), { axis: -1 });
      const reflect = greater(tail, 0);
      const tau = where(reflect, divide(2, where(reflect, vv, 1)), 0);
      const t = expandDims(tau, -1);
      const vtr = sum(multiply(expandDims(v, -1), r), { axis: -2 }); // v^T R: [..., n]
      const nextR = subtract(r, multiply(expandDims(multiply(t, v), -1), expandDims(vtr, -2)));
      const qv = sum(multiply(q, expandDims(v, -2)), { axis: -1 }); // Q v: [..., m]
      const nextQ = subtract(q, multiply(expandDims(multiply(t, qv), -1), expandDims(v, -2)));
      return [[nextQ, nextR], []];
    },
    [eyeLike(batch, m), x],
    arange(steps),
  );
  // below the diagonal R is rounding noise; LAPACK's R holds exact zeros there
  const upper = greaterEqual(expandDims(arange(n), 0), expandDims(rows, -1));
  return [q, where(upper, r, 0)];
}

/**
 * jnp.linalg.qr(a, { mode }): 'reduced' (default) [Q [..., m, k], R [..., k, n]] with
 * k = min(m, n); 'complete' [Q [..., m, m], R [..., m, n]]; 'r' R alone ([..., k, n]).
 */
export function qr(a: ArrayLike, opts: { mode?: QrMode } = {}): LaxArray | [LaxArray, LaxArray] {
  const o = checkOptions<{ mode?: QrMode }>('linalg.qr', opts, ['mode']);
  const mode = o.mode === undefined ? 'reduced' : checkChoice('linalg.qr', 'mode', o.mode, ['reduced', 'complete', 'r'] as const);
  const x = matrixArg('qr', a, false);
  const [m, n] = x.shape.slice(-2);
  const k = Math.min(m, n);
  const [q, r] = householder(x);
  if (mode === 'complete') return [q, r];
  const rk = sliceAxis(r, x.ndim - 2, 0, k);
  return mode === 'r' ? rk : [sliceAxis(q, x.ndim - 1, 0, k), rk];
}

/** The pairs (p, q), p < q, of a cyclic-by-rows Jacobi sweep, repeated JACOBI_SWEEPS times. */
function jacobiPairs(n: number): [LaxArray, LaxArray] {
  const ps: number[] = [];
  const qs: number[] = [];
  for (let s = 0; s < JACOBI_SWEEPS; s++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        ps.push(p);
        qs.push(q);
      }
    }
  }
  return [wrap(toNode(new Int32Array(ps), 'linalg')), wrap(toNode(new Int32Array(qs), 'linalg'))];
}

/**
 * The Jacobi rotation [c, s] that zeroes the (p, q) entry of the symmetric 2x2 matrix
 * [[app, apq], [apq, aqq]] (Golub and Van Loan's sym.schur2, t = sign(tau) / (|tau| +
 * sqrt(1 + tau^2)) with tau = (aqq - app) / (2 apq)), written without dividing by apq:
 *   d = aqq - app;  t = 2 apq sign(d) / (|d| + sqrt(d^2 + 4 apq^2));  c = 1 / sqrt(1 + t^2);  s = t c
 * (sign(0) = 1), so a tiny apq late in the sweeps gives a tiny t, not an overflow whose
 * gradient is NaN. No rotation where d = apq = 0 (the division is guarded).
 */
function rotation(app: LaxArray, aqq: LaxArray, apq: LaxArray): [LaxArray, LaxArray] {
  const d = subtract(aqq, app);
  const radicand = add(multiply(d, d), multiply(multiply(apq, apq), 4));
  const none = equal(radicand, 0);
  const den = add(abs(d), sqrt(where(none, 1, radicand)));
  const t = where(none, 0, divide(multiply(multiply(apq, 2), where(greaterEqual(d, 0), 1, -1)), den));
  const c = divide(1, sqrt(add(multiply(t, t), 1)));
  return [c, multiply(t, c)];
}

/** Columns p and q of `a` rotated: p <- c a_p - s a_q, q <- s a_p + c a_q (a <- a J). */
function rotateCols(a: LaxArray, p: LaxArray, q: LaxArray, c: LaxArray, s: LaxArray): LaxArray {
  const [ap, aq] = [colOf(a, p), colOf(a, q)];
  const [c1, s1] = [expandDims(c, -1), expandDims(s, -1)];
  return setCol(setCol(a, p, subtract(multiply(c1, ap), multiply(s1, aq))), q, add(multiply(s1, ap), multiply(c1, aq)));
}

/** Rows p and q of `a` rotated: a <- J^T a. */
function rotateRows(a: LaxArray, p: LaxArray, q: LaxArray, c: LaxArray, s: LaxArray): LaxArray {
  const [ap, aq] = [rowOf(a, p), rowOf(a, q)];
  const [c1, s1] = [expandDims(c, -1), expandDims(s, -1)];
  return setRow(setRow(a, p, subtract(multiply(c1, ap), multiply(s1, aq))), q, add(multiply(s1, ap), multiply(c1, aq)));
}

/** Permute the last axis of `v` ([..., n]) and the columns of `m` ([..., k, n]) by `order` ([..., n]). */
function reorder(v: LaxArray, m: LaxArray, order: LaxArray): [LaxArray, LaxArray] {
  const cols = broadcastTo(expandDims(order, -2), m.shape);
  return [takeAlongAxis(v, order, { axis: -1 }), takeAlongAxis(m, cols, { axis: -1 })];
}

/**
 * jnp.linalg.eigh(a): [w, V] with a V = V diag(w), w ascending, V orthonormal (each column's
 * sign is arbitrary, as in NumPy). Input symmetrized as (a + a^T) / 2, as JAX does. Cyclic
 * Jacobi: each rotation A <- J^T A J zeroes one off-diagonal pair, V <- V J.
 */
export function eigh(a: ArrayLike, opts: { UPLO?: 'L' | 'U'; symmetrizeInput?: boolean } = {}): [LaxArray, LaxArray] {
  const o = checkOptions<{ UPLO?: 'L' | 'U'; symmetrizeInput?: boolean }>('linalg.eigh', opts, ['UPLO', 'symmetrizeInput']);
  let x = matrixArg('eigh', a, true);
  const n = x.shape[x.ndim - 1];
  if (o.symmetrizeInput === false) {
    // use one triangle only, mirrored (NumPy's UPLO; 'L' by default)
    const lower = checkChoice('linalg.eigh', 'UPLO', o.UPLO ?? 'L', ['L', 'U'] as const) === 'L';
    const tri = where((lower ? greaterEqual : lessEqual)(expandDims(arange(n), -1), arange(n)), x, 0);
    x = subtract(add(tri, mT(tri)), where(eye(n, n, { dtype: 'bool' }), x, 0));
  } else x = symmetrize(x);
  const batch = x.shape.slice(0, -2);
  if (n <= 1) return [diagOf(x), eyeLike(batch, n)];
  // rotate x / max |x| (so squares of its entries neither overflow nor underflow), scale back
  const scale = matrixScale(x);
  x = divide(x, scale);
  const [[d, v]] = scan(
    ([m, v]: LaxArray[], [p, q]: LaxArray[]) => {
      const [c, s] = rotation(entry(rowOf(m, p), p), entry(rowOf(m, q), q), entry(rowOf(m, p), q));
      return [[rotateCols(rotateRows(m, p, q, c, s), p, q, c, s), rotateCols(v, p, q, c, s)], []];
    },
    [x, eyeLike(batch, n)],
    jacobiPairs(n),
  );
  const w = multiply(diagOf(d), reshape(scale, [...batch, 1]));
  return reorder(w, v, argsort(w, { axis: -1 }));
}

/**
 * One-sided Jacobi on a tall [..., m, n] (m >= n): rotate column pairs of W = a (and of V = I)
 * until the columns are orthogonal; then a = W V^T, the singular values are W's column norms.
 * Returns [W, V, s] sorted by descending s.
 */
function jacobiSvd(a: LaxArray): [LaxArray, LaxArray, LaxArray] {
  const n = a.shape[a.ndim - 1];
  const batch = a.shape.slice(0, -2);
  const scale = matrixScale(a);
  const x = divide(a, scale);
  let [w, v] = [x, eyeLike(batch, n)];
  if (n > 1) {
    [[w, v]] = scan(
      ([w, v]: LaxArray[], [p, q]: LaxArray[]) => {
        const [wp, wq] = [colOf(w, p), colOf(w, q)];
        const dotOf = (u: LaxArray, t: LaxArray) => sum(multiply(u, t), { axis: -1 });
        const [c, s] = rotation(dotOf(wp, wp), dotOf(wq, wq), dotOf(wp, wq));
        return [[rotateCols(w, p, q, c, s), rotateCols(v, p, q, c, s)], []];
      },
      [x, v],
      jacobiPairs(n),
    );
  }
  const sv = multiply(sqrt(sum(multiply(w, w), { axis: -2 })), reshape(scale, [...batch, 1]));
  const order = argsort(sv, { axis: -1, descending: true });
  const [s, ws] = reorder(sv, w, order);
  const [, vs] = reorder(sv, v, order);
  return [ws, vs, s];
}

/**
 * jnp.linalg.svd(a, { fullMatrices = true, computeUv = true }): [U, S, Vh] with
 * a = U[..., :k] diag(S) Vh[..., :k, :], S descending (k = min(m, n)); S alone without
 * computeUv. U's columns are W's normalized by a QR pass (Q times the sign of R's diagonal),
 * so they stay orthonormal where a singular value is zero, and fullMatrices completes them.
 */
export function svd(a: ArrayLike, opts: { fullMatrices?: boolean; computeUv?: boolean; hermitian?: boolean } = {}): LaxArray | [LaxArray, LaxArray, LaxArray] {
  const o = checkOptions<{ fullMatrices?: boolean; computeUv?: boolean; hermitian?: boolean }>('linalg.svd', opts, ['fullMatrices', 'computeUv', 'hermitian']);
  const x = matrixArg('svd', a, false);
  const [m, n] = x.shape.slice(-2);
  const wide = m < n;
  const [w, v, s] = jacobiSvd(wide ? mT(x) : x);
  if (o.computeUv === false) return s;
  const full = o.fullMatrices ?? true;
  const [q, r] = householder(w);
  const k = Math.min(m, n);
  const signs = where(less(diagOf(sliceAxis(r, r.ndim - 2, 0, k)), 0), -1, 1);
  const tall = w.shape[w.ndim - 2];
  const qk = sliceAxis(q, q.ndim - 1, 0, k);
  const uk = multiply(qk, expandDims(signs, -2));
  const u = full && tall > k ? concatenate([uk, sliceAxis(q, q.ndim - 1, k, tall)], { axis: -1 }) : uk;
  return wide ? [v, s, mT(u)] : [u, s, mT(v)];
}

/**
 * jnp.linalg.pinv(a, { rtol }): V diag(1/s) U^T with singular values at most rtol * max(s)
 * dropped; rtol defaults to 10 * max(m, n) * eps, as JAX.
 */
export function pinv(a: ArrayLike, opts: { rtol?: number } = {}): LaxArray {
  const o = checkOptions<{ rtol?: number }>('linalg.pinv', opts, ['rtol']);
  const x = matrixArg('pinv', a, false);
  const [m, n] = x.shape.slice(-2);
  if (m === 0 || n === 0) return zeros([...x.shape.slice(0, -2), n, m]);
  const rtol = o.rtol ?? 10 * Math.max(m, n) * EPS;
  const [u, s, vh] = svd(x, { fullMatrices: false }) as LaxArray[];
  const cutoff = multiply(sliceAxis(s, s.ndim - 1, 0, 1), rtol);
  const kept = where(greater(s, cutoff), s, Infinity);
  return matmul(mT(vh), divide(mT(u), expandDims(kept, -1)));
}

/**
 * jnp.linalg.lstsq(a, b, { rcond }) for 2-D a: [x, residuals, rank, s] by the SVD, as JAX:
 * singular values below rcond * s[0] (default eps * max(m, n)) are dropped; residuals are
 * ||b - a x||^2 per column, always computed (JAX's default under jit, numpy_resid=False).
 */
export function lstsq(a: ArrayLike, b: ArrayLike, opts: { rcond?: number | null } = {}): [LaxArray, LaxArray, LaxArray, LaxArray] {
  const o = checkOptions<{ rcond?: number | null }>('linalg.lstsq', opts, ['rcond']);
  const x = matrixArg('lstsq', a, false, 0);
  if (x.ndim !== 2) throw new TypeError(`linalg.lstsq: a must be 2-dimensional, got shape ${fmtShape(x.shape)}`);
  const bn = toNode(b, 'linalg.lstsq', 1);
  let y = wrap(bn.dtype === 'float32' ? bn : castNode(bn, 'float32'));
  const [m, n] = x.shape;
  const vector = y.ndim === 1;
  if (vector) y = expandDims(y, -1);
  if (y.ndim !== 2 || y.shape[0] !== m) throw new TypeError(`linalg.lstsq: leading dimensions of a and b must match, got shapes ${fmtShape(x.shape)} and ${fmtShape(bn.shape)}`);
  const rcond = o.rcond ?? EPS * Math.max(m, n);
  const [u, s, vt] = svd(x, { fullMatrices: false }) as LaxArray[];
  const mask = greaterEqual(s, multiply(sliceAxis(s, 0, 0, 1), rcond));
  const rank = sum(mask.astype('int32'));
  const sInv = expandDims(where(mask, divide(1, where(mask, s, 1)), 0), -1);
  let sol = matmul(mT(vt), multiply(sInv, matmul(mT(u), y)));
  const resid = sum(power(subtract(y, matmul(x, sol)), 2), { axis: 0 });
  if (vector) sol = reshape(sol, [n]);
  return [sol, resid, rank, s];
}

/** jnp.linalg.matrix_power(a, n): repeated squaring in NumPy's order; n < 0 inverts first, n = 0 is I. */
export function matrixPower(a: ArrayLike, n: number): LaxArray {
  let x = matrixArg('matrixPower', a, true);
  let k = checkInt('linalg.matrixPower', 'n', n);
  if (k === 0) return eyeLike(x.shape.slice(0, -2), x.shape[x.ndim - 1]);
  if (k < 0) {
    x = inv(x);
    k = -k;
  }
  let z: LaxArray | null = null;
  let result: LaxArray | null = null;
  while (k > 0) {
    z = z === null ? x : matmul(z, z);
    const bit = k % 2;
    k = Math.floor(k / 2);
    if (bit) result = result === null ? z : matmul(result, z);
  }
  return result as LaxArray;
}

type NormOrd = number | 'fro' | 'nuc' | null;

/**
 * jnp.linalg.norm(x, { ord, axis, keepdims }): a vector norm over one axis (ord: 2 by default,
 * inf, -inf, 0 (count of nonzeros), 1, or any p: sum(|x|^p)^(1/p)) or a matrix norm over two
 * ('fro' by default, 'nuc', 1, -1, inf, -inf, 2, -2 (largest and smallest singular values)).
 * Without axis: the 2-norm of the flattened x when ord is not given, else x must be 1-D or 2-D.
 */
export function norm(a: ArrayLike, opts: { ord?: NormOrd; axis?: number | number[] | null; keepdims?: boolean } = {}): LaxArray {
  const o = checkOptions<{ ord?: NormOrd; axis?: number | number[] | null; keepdims?: boolean }>('linalg.norm', opts, ['ord', 'axis', 'keepdims']);
  const n = toNode(a, 'linalg.norm');
  const x = wrap(n.dtype === 'float32' ? n : castNode(n, 'float32'));
  const ord = o.ord ?? null;
  const keepdims = o.keepdims ?? false;
  if (ord !== null && typeof ord !== 'number' && ord !== 'fro' && ord !== 'nuc') throw new TypeError(`linalg.norm: invalid ord ${describe(ord)}`);
  if (o.axis === undefined || o.axis === null) {
    if (ord === null) {
      const all = sqrt(sum(multiply(x, x)));
      return keepdims ? reshape(all, x.shape.map(() => 1)) : all;
    }
    if (x.ndim !== 1 && x.ndim !== 2) throw new TypeError(`linalg.norm: Improper number of dimensions to norm, got shape ${fmtShape(x.shape)}`);
    return norm(x, { ord, axis: x.ndim === 1 ? 0 : [0, 1], keepdims });
  }
  const axes = (Array.isArray(o.axis) ? o.axis : [o.axis]).map((ax) => {
    const v = checkInt('linalg.norm', 'axis', ax, { min: -x.ndim, max: x.ndim - 1 });
    return v < 0 ? v + x.ndim : v;
  });
  if (axes.length === 1) {
    const axis = axes[0];
    const ax = abs(x);
    const r = { axis, keepdims };
    if (ord === null || ord === 2) return sqrt(sum(multiply(x, x), r));
    if (ord === Infinity) return max(ax, r);
    if (ord === -Infinity) return min(ax, r);
    if (ord === 0) return sum(notEqual(x, 0).astype('float32'), r);
    if (ord === 1) return sum(ax, r);
    if (typeof ord !== 'number') throw new TypeError(`linalg.norm: Invalid norm order '${ord}' for vectors`);
    return power(sum(power(ax, ord), r), 1 / ord);
  }
  if (axes.length !== 2 || axes[0] === axes[1]) throw new TypeError(`linalg.norm: Improper number of axes for norm: axis=${describe(o.axis)}`);
  const [row, col] = axes;
  const keep = (v: LaxArray) => (keepdims ? expandDims(v, [...axes].sort((p, q) => p - q)) : v);
  const ax = abs(x);
  if (ord === null || ord === 'fro') return sqrt(sum(multiply(x, x), { axis: axes, keepdims }));
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: the largest column sum of |x| (sum over rows); inf: the largest row sum
    const [inner, outer] = Math.abs(ord) === 1 ? [row, col] : [col, row];
    const sums = sum(ax, { axis: inner, keepdims: true });
    const pick = ord > 0 ? max(sums, { axis: outer, keepdims: true }) : min(sums, { axis: outer, keepdims: true });
    return keepdims ? pick : reshape(pick, x.shape.filter((_, i) => i !== row && i !== col));
  }
  if (ord === 2 || ord === -2 || ord === 'nuc') {
    const moved = moveaxis(x, [row, col], [-2, -1]);
    const s = svd(moved, { computeUv: false }) as LaxArray;
    const r = ord === 'nuc' ? sum(s, { axis: -1 }) : ord === 2 ? max(s, { axis: -1 }) : min(s, { axis: -1 });
    return keep(r);
  }
  throw new TypeError(`linalg.norm: Invalid norm order ${describe(ord)} for matrices`);
}
