// jax.numpy's matrix-shaped functions: triangles and diagonals (tri, tril, triu, diag,
// diagonal, trace, identity, fillDiagonal), cross products, products beyond matmul (outer, inner, vdot, tensordot, kron,
// einsum, matvec, vecmat, vecdot) and grids (meshgrid, indices, logspace, geomspace). Products
// are one lax.dot_general each; diagonals are strided slices of a flattened view.

import { promoteAll, type DType } from '../graph/dtype.js';
import { node, type Node } from '../graph/node.js';
import { fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { linspace } from './creation.js';
import { greaterEqual, multiply, power, subtract, where } from './elementwise.js';
import { matmul } from './linalg.js';
import { broadcastNode, castNode, freshConstant, iotaNode, reshapeNode, scalarNode, toNode, typeOf, wrap } from './nodes.js';
import { moveaxis, ravel, sliceAxis } from './np_stack.js';
import { sum } from './reductions.js';
import { broadcastTo, concatenate, reshape, transpose } from './shape_ops.js';
import { checkAxis, checkChoice, checkDType, checkInt, checkNumber, checkOptions, checkShape, describe } from './validate.js';

const i32 = (v: number, shape: readonly number[]) => broadcastNode(scalarNode(v, 'int32'), shape);

/** The [n, m] mask j <= i + k (jnp.tri's), bool. */
function triMask(n: number, m: number, k: number): Node {
  const rows = iotaNode([n, m], 0);
  const cols = iotaNode([n, m], 1);
  return node('le', [cols, node('add', [rows, i32(k, [n, m])], {})], {});
}

export function tri(n: number, m?: number, opts: { k?: number; dtype?: DType } = {}): LaxArray {
  const o = checkOptions<{ k?: number; dtype?: DType }>('tri', opts, ['k', 'dtype']);
  checkShape('tri', [checkInt('tri', 'N', n), checkInt('tri', 'M', m ?? n)]);
  const dtype = checkDType('tri', o.dtype) ?? 'float32';
  return wrap(castNode(triMask(n, m ?? n, checkInt('tri', 'k', o.k ?? 0)), dtype));
}

function triangle(fn: string, a: ArrayLike, k: number, lower: boolean): LaxArray {
  const x = wrap(toNode(a, fn));
  checkInt(fn, 'k', k);
  if (x.ndim < 2) throw new TypeError(`${fn}: input array must be at least 2-d, got shape ${fmtShape(x.shape)}`);
  const [n, m] = x.shape.slice(-2);
  // tril keeps j <= i + k; triu keeps j >= i + k, i.e. not (j <= i + k - 1).
  const mask = lower ? triMask(n, m, k) : node('not', [triMask(n, m, k - 1)], {});
  return where(wrap(broadcastNode(mask, x.shape)), x, wrap(castNode(scalarNode(0), x.dtype)));
}
export const tril = (a: ArrayLike, k = 0) => triangle('tril', a, k, true);
export const triu = (a: ArrayLike, k = 0) => triangle('triu', a, k, false);

export function identity(n: number, opts: { dtype?: DType } = {}): LaxArray {
  const o = checkOptions<{ dtype?: DType }>('identity', opts, ['dtype']);
  checkInt('identity', 'n', n, { min: 0 });
  const dtype = checkDType('identity', o.dtype) ?? 'float32';
  return wrap(castNode(node('eq', [iotaNode([n, n], 0), iotaNode([n, n], 1)], {}), dtype));
}

/** diagonal(a, offset, axis1, axis2): the diagonal as the last axis, a strided slice of the flattened matrix axes. */
export function diagonal(a: ArrayLike, opts: { offset?: number; axis1?: number; axis2?: number } = {}): LaxArray {
  let x = wrap(toNode(a, 'diagonal'));
  const o = checkOptions<{ offset?: number; axis1?: number; axis2?: number }>('diagonal', opts, ['offset', 'axis1', 'axis2']);
  if (x.ndim < 2) throw new TypeError(`diagonal requires an array of at least two dimensions, got shape ${fmtShape(x.shape)}`);
  const a1 = checkAxis('diagonal', o.axis1 ?? 0, x.ndim, 'axis1');
  const a2 = checkAxis('diagonal', o.axis2 ?? 1, x.ndim, 'axis2');
  if (a1 === a2) throw new RangeError('diagonal: axis1 and axis2 cannot be the same');
  const k = checkInt('diagonal', 'offset', o.offset ?? 0);
  x = moveaxis(x, [a1, a2], [-2, -1]);
  const [n, m] = x.shape.slice(-2);
  const batch = x.shape.slice(0, -2);
  const len = Math.max(0, Math.min(k >= 0 ? n : n + k, k >= 0 ? m - k : m));
  const flat = reshape(x, [...batch, n * m]);
  if (len === 0) return sliceAxis(flat, batch.length, 0, 0);
  const start = k >= 0 ? k : -k * m;
  return sliceAxis(flat, batch.length, start, start + (len - 1) * (m + 1) + 1, m + 1);
}

export function trace(a: ArrayLike, opts: { offset?: number; axis1?: number; axis2?: number } = {}): LaxArray {
  const d = diagonal(wrap(toNode(a, 'trace')), checkOptions('trace', opts, ['offset', 'axis1', 'axis2']));
  return sum(d, { axis: -1 });
}

/** diag: the k-th diagonal of a 2-D array, or a 2-D array with a 1-D array on its k-th diagonal. */
export function diag(a: ArrayLike, k = 0): LaxArray {
  const v = wrap(toNode(a, 'diag'));
  checkInt('diag', 'k', k);
  if (v.ndim === 2) return diagonal(v, { offset: k });
  if (v.ndim !== 1) throw new TypeError(`diag: input must be 1d or 2d, got shape ${fmtShape(v.shape)}`);
  const n = v.shape[0];
  const size = n + Math.abs(k);
  const padded = wrap(node('concat', [v.node, broadcastNode(castNode(scalarNode(0), v.dtype), [Math.abs(k)])], { axis: 0 }));
  const vv = k === 0 ? v : padded;
  // out[i, j] = v[i] where j - i == k (k >= 0), v[j] where i - j == -k (k < 0)
  const vals = wrap(node('broadcast', [vv.node], { shape: [size, size], dims: [k >= 0 ? 0 : 1] }));
  const onDiag = wrap(node('eq', [node('sub', [iotaNode([size, size], 1), iotaNode([size, size], 0)], {}), i32(k, [size, size])], {}));
  return where(onDiag, vals, wrap(castNode(scalarNode(0), v.dtype)));
}
/** diagflat: diag of the flattened input. */
export const diagflat = (a: ArrayLike, k = 0) => diag(ravel(wrap(toNode(a, 'diagflat'))), k);

/** Host-computed index pairs (tril_indices and kin): two int32 arrays. */
function indexPairs(pairs: [number, number][]): [LaxArray, LaxArray] {
  const r = Int32Array.from(pairs, (p) => p[0]);
  const c = Int32Array.from(pairs, (p) => p[1]);
  return [wrap(freshConstant(r, [r.length], 'int32')), wrap(freshConstant(c, [c.length], 'int32'))];
}
function triIndices(fn: string, n: number, k: number, m: number | undefined, lower: boolean): [LaxArray, LaxArray] {
  checkInt(fn, 'n', n, { min: 0 });
  checkInt(fn, 'k', k);
  const cols = m === undefined ? n : checkInt(fn, 'm', m, { min: 0 });
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) if (lower ? j <= i + k : j >= i + k) out.push([i, j]);
  return indexPairs(out);
}
export const trilIndices = (n: number, k = 0, m?: number) => triIndices('trilIndices', n, k, m, true);
export const triuIndices = (n: number, k = 0, m?: number) => triIndices('triuIndices', n, k, m, false);
export const trilIndicesFrom = (a: LaxArray, k = 0) => trilIndices(a.shape[0], k, a.shape[1]);
export const triuIndicesFrom = (a: LaxArray, k = 0) => triuIndices(a.shape[0], k, a.shape[1]);
/** diagIndices(n, ndim): ndim copies of arange(n). */
export function diagIndices(n: number, ndim = 2): LaxArray[] {
  checkInt('diagIndices', 'n', n, { min: 0 });
  checkInt('diagIndices', 'ndim', ndim, { min: 0 });
  const r = Int32Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: ndim }, () => wrap(freshConstant(r, [n], 'int32')));
}

// ---- products ------------------------------------------------------------------------

/** Both operands in their promoted dtype. */
function promotePair(fn: string, a: ArrayLike, b: ArrayLike): [Node, Node] {
  const x = toNode(a, fn, 0);
  const y = toNode(b, fn, 1);
  const dtype = promoteAll([typeOf(x), typeOf(y)]).dtype;
  return [castNode(x, dtype), castNode(y, dtype)];
}

const dotGeneral = (x: Node, y: Node, lc: number[], rc: number[], lb: number[] = [], rb: number[] = []) =>
  node('dot', [x, y], { lhsContract: lc, rhsContract: rc, lhsBatch: lb, rhsBatch: rb });

/** tensordot: contract `axes` (N: the last N of a with the first N of b; or two lists). */
export function tensordot(a: ArrayLike, b: ArrayLike, axes: number | [number[], number[]] = 2): LaxArray {
  const [x, y] = promotePair('tensordot', a, b);
  let lc: number[];
  let rc: number[];
  if (typeof axes === 'number') {
    const n = checkInt('tensordot', 'axes', axes, { min: 0 });
    if (n > x.shape.length || n > y.shape.length) throw new RangeError(`tensordot: number of axes ${n} exceeds input ranks ${x.shape.length} and ${y.shape.length}`);
    lc = Array.from({ length: n }, (_, i) => x.shape.length - n + i);
    rc = Array.from({ length: n }, (_, i) => i);
  } else if (Array.isArray(axes) && axes.length === 2) {
    const [l, r] = axes.map((v) => (Array.isArray(v) ? v : [v]));
    if (l.length !== r.length) throw new TypeError('tensordot: requires both axes lists to have the same length');
    lc = l.map((ax) => checkAxis('tensordot', ax, x.shape.length, 'axes'));
    rc = r.map((ax) => checkAxis('tensordot', ax, y.shape.length, 'axes'));
  } else throw new TypeError(`tensordot: axes must be an integer or a pair of lists, got ${describe(axes)}`);
  lc.forEach((ax, i) => {
    if (x.shape[ax] !== y.shape[rc[i]]) throw new TypeError(`tensordot: shape mismatch: ${fmtShape(x.shape)} axis ${ax} vs ${fmtShape(y.shape)} axis ${rc[i]}`);
  });
  return wrap(dotGeneral(x, y, lc, rc));
}

/** outer: the flattened a times the flattened b, as a [a.size, b.size] matrix. */
export function outer(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = promotePair('outer', a, b);
  return multiply(wrap(reshapeNode(x, [x.size, 1])), wrap(reshapeNode(y, [1, y.size])));
}

/** inner: contract the last axes (scalars multiply). */
export function inner(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = promotePair('inner', a, b);
  if (x.shape.length === 0 || y.shape.length === 0) return multiply(wrap(x), wrap(y));
  if (x.shape[x.shape.length - 1] !== y.shape[y.shape.length - 1]) throw new TypeError(`inner: shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)} do not align on the last axis`);
  return wrap(dotGeneral(x, y, [x.shape.length - 1], [y.shape.length - 1]));
}

/** vdot: the dot product of the flattened arrays (a 0-d array). */
export function vdot(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = promotePair('vdot', a, b);
  if (x.size !== y.size) throw new TypeError(`vdot: input arrays must have the same size, got ${x.size} and ${y.size}`);
  return wrap(dotGeneral(reshapeNode(x, [x.size]), reshapeNode(y, [y.size]), [0], [0]));
}

/** vecdot: sum over `axis` (default -1) of a * b, broadcasting the others. */
export function vecdot(a: ArrayLike, b: ArrayLike, opts: { axis?: number } = {}): LaxArray {
  const [x, y] = promotePair('vecdot', a, b);
  const o = checkOptions<{ axis?: number }>('vecdot', opts, ['axis']);
  const p = multiply(wrap(x), wrap(y));
  const ax = o.axis ?? -1;
  if (x.shape.at(ax) !== y.shape.at(ax)) throw new TypeError(`vecdot: the contracted axes differ in size, got shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  return sum(p, { axis: ax });
}
/** matvec(A, v): A @ v over the last axes, batch axes broadcast. */
export function matvec(a: ArrayLike, v: ArrayLike): LaxArray {
  const x = wrap(toNode(a, 'matvec', 0));
  const y = wrap(toNode(v, 'matvec', 1));
  if (x.ndim < 2 || y.ndim < 1) throw new TypeError(`matvec: expected a matrix and a vector, got shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  const r = matmul(x, reshape(y, [...y.shape, 1]));
  return reshape(r, r.shape.slice(0, -1));
}
/** vecmat(v, A): v @ A over the last axes, batch axes broadcast. */
export function vecmat(v: ArrayLike, a: ArrayLike): LaxArray {
  const y = wrap(toNode(v, 'vecmat', 0));
  const x = wrap(toNode(a, 'vecmat', 1));
  if (x.ndim < 2 || y.ndim < 1) throw new TypeError(`vecmat: expected a vector and a matrix, got shapes ${fmtShape(y.shape)} and ${fmtShape(x.shape)}`);
  const r = matmul(reshape(y, [...y.shape.slice(0, -1), 1, y.shape[y.ndim - 1]]), x);
  return reshape(r, [...r.shape.slice(0, -2), r.shape[r.ndim - 1]]);
}

/** kron: the Kronecker product (both operands padded to the same rank with leading 1s). */
export function kron(a: ArrayLike, b: ArrayLike): LaxArray {
  let [x, y] = promotePair('kron', a, b);
  const nd = Math.max(x.shape.length, y.shape.length);
  x = reshapeNode(x, [...new Array(nd - x.shape.length).fill(1), ...x.shape]);
  y = reshapeNode(y, [...new Array(nd - y.shape.length).fill(1), ...y.shape]);
  const inter = x.shape.flatMap((d, i) => [d, y.shape[i]]);
  const xb = node('broadcast', [x], { shape: inter, dims: x.shape.map((_, i) => 2 * i) });
  const yb = node('broadcast', [y], { shape: inter, dims: y.shape.map((_, i) => 2 * i + 1) });
  return wrap(reshapeNode(node('mul', [xb, yb], {}), x.shape.map((d, i) => d * y.shape[i])));
}

/**
 * einsum('ij,jk->ik', a, b, ...): operands contracted left to right, each pair one
 * dot_general (indices both share and still needed later are batch axes, shared ones no
 * longer needed are contracted); an index only one operand has and nothing later needs is
 * summed first; a repeated index within one operand takes its diagonal. Implicit output
 * (no '->'): the indices that appear once, sorted. No '...' broadcasting.
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): LaxArray {
  if (typeof subscripts !== 'string') throw new TypeError(`einsum: subscripts must be a string, got ${describe(subscripts)}`);
  const spec = subscripts.replace(/\s/g, '');
  if (spec.includes('.')) throw new TypeError("einsum: '...' (ellipsis broadcasting) is not supported");
  const [lhs, rhs0] = spec.split('->');
  const inputs = lhs.split(',');
  if (inputs.length !== operands.length) throw new TypeError(`einsum: ${inputs.length} operand subscripts but ${operands.length} operands`);
  if (!/^[a-zA-Z,]*$/.test(lhs) || (rhs0 !== undefined && !/^[a-zA-Z]*$/.test(rhs0))) throw new TypeError(`einsum: invalid subscripts '${subscripts}'`);
  const counts = new Map<string, number>();
  for (const c of lhs.replace(/,/g, '')) counts.set(c, (counts.get(c) ?? 0) + 1);
  const out = rhs0 ?? [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join('');
  for (const c of out) if (!counts.has(c)) throw new TypeError(`einsum: output subscript '${c}' does not appear in an input`);
  const dims = new Map<string, number>();
  const nodes = operands.map((a, i) => toNode(a, 'einsum', i + 1));
  const dtype = promoteAll(nodes.map(typeOf)).dtype;
  let terms: { x: LaxArray; idx: string }[] = nodes.map((n, i) => {
    const idx = inputs[i];
    if (idx.length !== n.shape.length) throw new TypeError(`einsum: operand ${i} has ${n.shape.length} dimensions but subscripts '${idx}'`);
    [...idx].forEach((c, k) => {
      const d = n.shape[k];
      if (dims.has(c) && dims.get(c) !== d && d !== 1 && dims.get(c) !== 1) throw new TypeError(`einsum: size of label '${c}' differs: ${dims.get(c)} and ${d}`);
      if (!dims.has(c) || dims.get(c) === 1) dims.set(c, d);
    });
    return { x: wrap(castNode(n, dtype)), idx };
  });
  // size-1 axes broadcast against their label's size
  terms = terms.map(({ x, idx }) => ({ x: broadcastTo(x, [...idx].map((c) => dims.get(c)!)), idx }));
  const neededAfter = (i: number): Set<string> => new Set([...out, ...terms.slice(i + 1).flatMap((t) => [...t.idx])]);
  const simplify = (t: { x: LaxArray; idx: string }, keep: Set<string>): { x: LaxArray; idx: string } => {
    let { x, idx } = t;
    // repeated labels: take the diagonal
    for (let k = 0; k < idx.length; k++) {
      const j = idx.indexOf(idx[k], k + 1);
      if (j < 0) continue;
      x = diagonal(x, { axis1: k, axis2: j });
      idx = idx.slice(0, k) + idx.slice(k + 1, j) + idx.slice(j + 1) + idx[k];
      k = -1;
    }
    const drop = [...idx].map((c, k) => (keep.has(c) ? -1 : k)).filter((k) => k >= 0);
    if (drop.length) {
      x = sum(x, { axis: drop });
      idx = [...idx].filter((c) => keep.has(c)).join('');
    }
    return { x, idx };
  };
  const keepFor = (i: number, other?: string) => new Set([...neededAfter(i), ...(other ?? '')]);
  let acc = simplify(terms[0], keepFor(0, terms[1]?.idx));
  for (let i = 1; i < terms.length; i++) {
    const t = simplify(terms[i], keepFor(i, acc.idx));
    const later = neededAfter(i);
    const shared = [...acc.idx].filter((c) => t.idx.includes(c));
    const batch = shared.filter((c) => later.has(c));
    const contract = shared.filter((c) => !later.has(c));
    const r = dotGeneral(acc.x.node, t.x.node, contract.map((c) => acc.idx.indexOf(c)), contract.map((c) => t.idx.indexOf(c)), batch.map((c) => acc.idx.indexOf(c)), batch.map((c) => t.idx.indexOf(c)));
    const idx = batch.join('') + [...acc.idx].filter((c) => !shared.includes(c)).join('') + [...t.idx].filter((c) => !shared.includes(c)).join('');
    acc = { x: wrap(r), idx };
  }
  acc = simplify(acc, new Set(out));
  return transpose(acc.x, [...out].map((c) => acc.idx.indexOf(c)));
}

// ---- grids ---------------------------------------------------------------------------

/** meshgrid(x1, x2, ..., { indexing: 'xy' | 'ij' }): coordinate arrays (flattened inputs broadcast). */
export function meshgrid(...args: (ArrayLike | { indexing?: 'xy' | 'ij' })[]): LaxArray[] {
  const last = args[args.length - 1];
  const hasOpts = last !== null && typeof last === 'object' && !Array.isArray(last) && !ArrayBuffer.isView(last) && !('node' in last);
  const o = hasOpts ? checkOptions<{ indexing?: 'xy' | 'ij' }>('meshgrid', last, ['indexing']) : {};
  const indexing = o.indexing === undefined ? 'xy' : checkChoice('meshgrid', 'indexing', o.indexing, ['xy', 'ij'] as const);
  const xs = (hasOpts ? args.slice(0, -1) : args).map((a, i) => ravel(wrap(toNode(a as ArrayLike, 'meshgrid', i))));
  const shape = xs.map((x) => x.size);
  if (indexing === 'xy' && xs.length >= 2) [shape[0], shape[1]] = [shape[1], shape[0]];
  return xs.map((x, i) => {
    const dim = indexing === 'xy' && xs.length >= 2 && i < 2 ? 1 - i : i;
    return wrap(node('broadcast', [x.node], { shape, dims: [dim] }));
  });
}

/** indices(dimensions): one int32 grid per axis, stacked (shape [ndim, ...dimensions]). */
export function indices(dimensions: number[], opts: { dtype?: DType } = {}): LaxArray {
  const s = checkShape('indices', dimensions, 'dimensions');
  const o = checkOptions<{ dtype?: DType }>('indices', opts, ['dtype']);
  const dtype = checkDType('indices', o.dtype) ?? 'int32';
  if (s.length === 0) return wrap(freshConstant(new Int32Array(0), [0], 'int32'));
  const grids = s.map((_, d) => reshapeNode(castNode(iotaNode(s, d), dtype), [1, ...s]));
  return wrap(grids.length === 1 ? grids[0] : node('concat', grids, { axis: 0 }));
}

/** logspace: base ** linspace(start, stop, num) (float32). */
export function logspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; base?: number; dtype?: DType } = {}): LaxArray {
  const o = checkOptions<{ endpoint?: boolean; base?: number; dtype?: DType }>('logspace', opts, ['endpoint', 'base', 'dtype']);
  const base = checkNumber('logspace', 'base', o.base ?? 10);
  const r = power(base, linspace(start, stop, num, o.endpoint === undefined ? {} : { endpoint: o.endpoint }));
  return o.dtype ? wrap(castNode(r.node, checkDType('logspace', o.dtype)!)) : r;
}

/** geomspace: num values from start to stop in geometric progression (computed on the host in float64, as NumPy). */
export function geomspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean } = {}): LaxArray {
  const o = checkOptions<{ endpoint?: boolean }>('geomspace', opts, ['endpoint']);
  checkNumber('geomspace', 'start', start);
  checkNumber('geomspace', 'stop', stop);
  checkInt('geomspace', 'num', num, { min: 0 });
  if (start === 0 || stop === 0) throw new RangeError('geomspace: Geometric sequence cannot include zero');
  if (Math.sign(start) !== Math.sign(stop)) throw new RangeError('geomspace: start and stop must have the same sign (no complex numbers)');
  const endpoint = o.endpoint ?? true;
  const s = Math.sign(start);
  const [l0, l1] = [Math.log10(Math.abs(start)), Math.log10(Math.abs(stop))];
  const div = endpoint ? num - 1 : num;
  const buf = Float32Array.from({ length: num }, (_, i) => s * 10 ** (l0 + (div > 0 ? (i * (l1 - l0)) / div : 0)));
  if (num > 0) buf[0] = start;
  if (endpoint && num > 1) buf[num - 1] = stop;
  return wrap(freshConstant(buf, [num], 'float32'));
}

/** vander(x, N, increasing): columns x^(N-1) ... x^0 (or the reverse). */
export function vander(a: ArrayLike, n?: number, opts: { increasing?: boolean } = {}): LaxArray {
  const x = wrap(toNode(a, 'vander'));
  if (x.ndim !== 1) throw new TypeError(`vander: x must be a one-dimensional array, got shape ${fmtShape(x.shape)}`);
  const o = checkOptions<{ increasing?: boolean }>('vander', opts, ['increasing']);
  const cols = n === undefined ? x.shape[0] : checkInt('vander', 'N', n, { min: 0 });
  const shape = [x.shape[0], cols];
  const pows = Array.from({ length: cols }, (_, j) => (o.increasing ? j : cols - 1 - j));
  const exps = wrap(freshConstant(Int32Array.from(pows), [1, cols], 'int32'));
  const base = wrap(node('broadcast', [x.node], { shape, dims: [0] }));
  // integer powers by repeated multiplication in x's dtype (jnp.vander uses cumprod of x)
  let acc = wrap(broadcastNode(castNode(scalarNode(1), x.dtype), shape));
  for (let p = 1; p < cols; p++) acc = where(greaterEqual(broadcastTo(exps, shape), p), multiply(acc, base), acc);
  return acc;
}

/** cross(a, b): the cross product of 3-vectors along the last axes (batch axes broadcast). */
export function cross(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = promotePair('cross', a, b).map(wrap);
  if (x.shape.at(-1) !== 3 || y.shape.at(-1) !== 3) throw new TypeError(`cross: only 3-vectors are supported here, got shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  const c = (v: LaxArray, i: number) => sliceAxis(v, v.ndim - 1, i, i + 1);
  const comp = (i: number, j: number) => subtract(multiply(c(x, i), c(y, j)), multiply(c(x, j), c(y, i)));
  return concatenate([comp(1, 2), comp(2, 0), comp(0, 1)], { axis: -1 });
}

/** fillDiagonal(a, val, { wrap, inplace: false }): a copy of a 2-D (or all-equal-axes) array with val on its main diagonal. */
export function fillDiagonal(a: ArrayLike, val: ArrayLike, opts: { inplace?: boolean } = {}): LaxArray {
  const o = checkOptions<{ inplace?: boolean }>('fillDiagonal', opts, ['inplace', 'wrap']);
  if (o.inplace !== false) throw new TypeError('fillDiagonal: jax.numpy.fill_diagonal cannot modify arrays in place; pass { inplace: false }');
  const x = wrap(toNode(a, 'fillDiagonal', 0));
  if (x.ndim < 2) throw new TypeError('fillDiagonal: array must be at least 2-d');
  if (x.ndim > 2 && x.shape.some((d) => d !== x.shape[0])) throw new TypeError('fillDiagonal: All dimensions of input must be of equal length');
  let onDiag: Node = node('eq', [iotaNode(x.shape, 0), iotaNode(x.shape, 1)], {});
  for (let d = 2; d < x.ndim; d++) onDiag = node('and', [onDiag, node('eq', [iotaNode(x.shape, 0), iotaNode(x.shape, d)], {})], {});
  const v = wrap(castNode(toNode(val, 'fillDiagonal', 1), x.dtype));
  // val: a scalar, or values taken in order along the diagonal (cycled)
  const vals = v.ndim === 0 ? v : wrap(node('gather', [reshapeNode(v.node, [v.size]), node('rem', [iotaNode(x.shape, 0), i32(Math.max(v.size, 1), x.shape)], {})], {}));
  return where(wrap(onDiag), vals, x);
}
