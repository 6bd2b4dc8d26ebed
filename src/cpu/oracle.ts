// The oracle: naive loops over typed arrays, one primitive at a time, every result
// stored (and so rounded) in its dtype's typed array. It shares nothing with the
// scheduler or code generation; every backend is tested against it.

import { allocate, castScalar, storage, type DType, type TypedArray } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import { combineOf, identityOf, scatterCombine, type BinaryPrim, type CumulativePrim, type Prim, type ReducePrim, type UnaryPrim } from '../graph/prims.js';
import { sizeOf, stridesOf, type Shape } from '../graph/shape.js';
import { toposort } from '../graph/toposort.js';

type Value = TypedArray | TypedArray[];
type Impl<P extends Prim> = (node: Node<P>, ins: TypedArray[]) => Value;
type Scalar1 = (x: number) => number;
type Scalar2 = (a: number, b: number) => number;

/** Round half to even, as jnp.round / lax.round(ROUND_TO_NEAREST_EVEN). */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const f32 = Math.fround;
const wrap = (d: DType) => (d === 'int32' ? (x: number) => x | 0 : d === 'uint32' ? (x: number) => x >>> 0 : d === 'bool' ? (x: number) => (x ? 1 : 0) : f32);

// Scalar semantics per dtype. Integer arithmetic wraps; integer division truncates toward
// zero, and x / 0 gives -1 (all bits set) and x % 0 gives x, as XLA on CPU.
const unaryScalar: { [P in UnaryPrim]: (d: DType) => Scalar1 } = {
  neg: (d) => (d === 'float32' ? (x) => -x : (x) => wrap(d)(-x)),
  abs: (d) => (d === 'int32' ? (x) => Math.abs(x) | 0 : Math.abs),
  sign: () => Math.sign,
  sqrt: () => Math.sqrt,
  exp: () => Math.exp,
  log: () => Math.log,
  log1p: () => Math.log1p,
  expm1: () => Math.expm1,
  sin: () => Math.sin,
  cos: () => Math.cos,
  tan: () => Math.tan,
  tanh: () => Math.tanh,
  floor: () => Math.floor,
  ceil: () => Math.ceil,
  round: () => rint,
  not: (d) => (d === 'bool' ? (x) => (x ? 0 : 1) : (x) => wrap(d)(~x)),
  isfinite: () => (x) => (Number.isFinite(x) ? 1 : 0),
};

function intDiv(d: DType): Scalar2 {
  return (a, b) => (b === 0 ? wrap(d)(-1) : wrap(d)(Math.trunc(a / b)));
}

const cmp = (f: Scalar2) => () => f;
const unsigned = (d: DType, x: number) => (d === 'uint32' ? x >>> 0 : x);
const binaryScalar: { [P in BinaryPrim]: (d: DType) => Scalar2 } = {
  add: (d) => (d === 'bool' ? (a, b) => a | b : (a, b) => a + b),
  sub: () => (a, b) => a - b,
  mul: (d) => (d === 'float32' ? (a, b) => a * b : d === 'bool' ? (a, b) => a & b : (a, b) => Math.imul(a, b)),
  div: (d) => (d === 'float32' ? (a, b) => a / b : intDiv(d)),
  rem: (d) => (d === 'float32' ? (a, b) => a % b : (a, b) => (b === 0 ? a : a % b)),
  pow: () => Math.pow,
  max: () => (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  min: () => (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  atan2: () => Math.atan2,
  eq: cmp((a, b) => (a === b ? 1 : 0)),
  ne: cmp((a, b) => (a !== b ? 1 : 0)),
  lt: cmp((a, b) => (a < b ? 1 : 0)),
  le: cmp((a, b) => (a <= b ? 1 : 0)),
  gt: cmp((a, b) => (a > b ? 1 : 0)),
  ge: cmp((a, b) => (a >= b ? 1 : 0)),
  and: () => (a, b) => a & b,
  or: () => (a, b) => a | b,
  xor: () => (a, b) => a ^ b,
  shl: (d) => (a, b) => (b < 0 || b >= 32 ? 0 : unsigned(d, a << b)),
  // Shift amounts outside [0, 32) (compared unsigned) give 0, or the sign fill for arithmetic shifts (XLA, NumPy).
  shr: (d) => (a, b) => (b < 0 || b >= 32 ? (d === 'uint32' ? 0 : a >> 31) : d === 'uint32' ? a >>> b : a >> b),
};

function map1(node: Node, [x]: TypedArray[], f: Scalar1): TypedArray {
  const out = allocate(node.dtype, node.size);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
  return out;
}

function map2(node: Node, [a, b]: TypedArray[], f: Scalar2): TypedArray {
  const out = allocate(node.dtype, node.size);
  for (let i = 0; i < out.length; i++) out[i] = f(a[i], b[i]);
  return out;
}

/** Multi-index of flat index `i` in `shape` (row-major). */
function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

function ravel(idx: readonly number[], strides: readonly number[]): number {
  let j = 0;
  for (let k = 0; k < idx.length; k++) j += idx[k] * strides[k];
  return j;
}

/** out[i] = x[source(multi-index of i)] for structural ops. */
function permuteElements(node: Node, x: TypedArray, source: (idx: number[]) => number): TypedArray {
  const out = allocate(node.dtype, node.size);
  for (let i = 0; i < out.length; i++) out[i] = x[source(unravel(i, node.shape))];
  return out;
}

function reduce<P extends ReducePrim>(node: Node<P>, [x]: TypedArray[]): TypedArray {
  const inShape = node.inputs[0].shape;
  const d = node.dtype;
  const out = allocate(d, node.size).fill(identityOf[combineOf[node.prim]][d]);
  const op = binaryScalar[combineOf[node.prim]](d);
  const keep = inShape.map((_, k) => !node.params.axes.includes(k));
  const outStrides = stridesOf(node.shape);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, inShape).filter((_, k) => keep[k]);
    const j = ravel(idx, outStrides);
    out[j] = op(out[j], x[i]);
  }
  return out;
}

function argReduce(node: Node<'argmax' | 'argmin'>, [x]: TypedArray[]): TypedArray {
  const inShape = node.inputs[0].shape;
  const { axis } = node.params;
  const better = node.prim === 'argmax' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  const out = new Int32Array(node.size);
  const best = new Float64Array(node.size);
  const seen = new Uint8Array(node.size);
  const outStrides = stridesOf(node.shape);
  for (let i = 0; i < x.length; i++) {
    const full = unravel(i, inShape);
    const j = ravel(full.filter((_, k) => k !== axis), outStrides);
    const v = x[i];
    const take = !seen[j] || (!Number.isNaN(best[j]) && (Number.isNaN(v) || better(v, best[j])));
    if (take) {
      seen[j] = 1;
      best[j] = v;
      out[j] = full[axis];
    }
  }
  return out;
}

function cumulative<P extends CumulativePrim>(node: Node<P>, [x]: TypedArray[]): TypedArray {
  const { axis, reverse } = node.params;
  const shape = node.shape;
  const out = allocate(node.dtype, node.size);
  const op = binaryScalar[combineOf[node.prim]](node.dtype);
  const stride = stridesOf(shape)[axis];
  const n = shape[axis];
  for (let i = 0; i < x.length; i++) {
    const pos = Math.floor(i / stride) % n;
    if (pos !== 0) continue; // i starts a line along `axis`
    for (let s = 0; s < n; s++) {
      const k = reverse ? n - 1 - s : s;
      const j = i + k * stride;
      out[j] = s === 0 ? x[j] : op(out[j - (reverse ? -stride : stride)], x[j]);
    }
  }
  return out;
}

function castValue(from: DType, to: DType, x: number): number {
  if (to === 'bool') return x !== 0 ? 1 : 0;
  if (from === 'float32' || to === 'float32') return castScalar(x, to);
  return to === 'int32' ? x | 0 : x >>> 0; // integer to integer wraps
}

function dot(node: Node<'dot'>, [a, b]: TypedArray[]): TypedArray {
  const [A, B] = node.inputs;
  const { lhsContract, rhsContract, lhsBatch, rhsBatch } = node.params;
  const lFree = A.shape.map((_, i) => i).filter((i) => !lhsContract.includes(i) && !lhsBatch.includes(i));
  const rFree = B.shape.map((_, i) => i).filter((i) => !rhsContract.includes(i) && !rhsBatch.includes(i));
  const cShape = lhsContract.map((i) => A.shape[i]);
  const aStr = stridesOf(A.shape);
  const bStr = stridesOf(B.shape);
  const out = allocate(node.dtype, node.size);
  const add = binaryScalar.add(node.dtype);
  const mul = binaryScalar.mul(node.dtype);
  const w = wrap(node.dtype);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, node.shape);
    const ai = new Array<number>(A.shape.length).fill(0);
    const bi = new Array<number>(B.shape.length).fill(0);
    lhsBatch.forEach((ax, k) => (ai[ax] = bi[rhsBatch[k]] = idx[k]));
    lFree.forEach((ax, k) => (ai[ax] = idx[lhsBatch.length + k]));
    rFree.forEach((ax, k) => (bi[ax] = idx[lhsBatch.length + lFree.length + k]));
    let acc = 0;
    for (let c = 0; c < sizeOf(cShape); c++) {
      const ci = unravel(c, cShape);
      lhsContract.forEach((ax, k) => (ai[ax] = ci[k]));
      rhsContract.forEach((ax, k) => (bi[ax] = ci[k]));
      acc = w(add(acc, w(mul(a[ravel(ai, aStr)], b[ravel(bi, bStr)]))));
    }
    out[i] = acc;
  }
  return out;
}

/** The sequential definition of lax.scan, evaluating the body with the oracle at each step. */
function scan(node: Node<'scan'>, ins: TypedArray[]): TypedArray[] {
  const { body, length, reverse, numConsts, numCarry } = node.params;
  const consts = ins.slice(0, numConsts);
  let carry = ins.slice(numConsts, numConsts + numCarry);
  const xs = ins.slice(numConsts + numCarry);
  const xParams = body.params.slice(numConsts + numCarry);
  const yNodes = body.outputs.slice(numCarry);
  const ys = yNodes.map((y) => allocate(y.dtype, length * y.size));
  for (let s = 0; s < length; s++) {
    const t = reverse ? length - 1 - s : s;
    const xt = xs.map((x, k) => x.slice(t * xParams[k].size, (t + 1) * xParams[k].size));
    const env = new Map<Node, TypedArray>();
    body.params.forEach((p, k) => env.set(p, k < numConsts ? consts[k] : k < numConsts + numCarry ? carry[k - numConsts] : xt[k - numConsts - numCarry]));
    const outs = evaluate(body.outputs, env);
    carry = outs.slice(0, numCarry);
    outs.slice(numCarry).forEach((y, k) => ys[k].set(y, t * yNodes[k].size));
  }
  return [...carry, ...ys];
}

/** The definition of lax.while_loop: `while (cond(carry)) carry = body(carry)`, each evaluated with the oracle. */
function whileLoop(node: Node<'while'>, ins: TypedArray[]): TypedArray[] {
  const { cond, body, numCondConsts: nc, numBodyConsts: nb } = node.params;
  const call = (f: typeof body, consts: TypedArray[], carry: TypedArray[]) => {
    const args = [...consts, ...carry];
    return evaluate(f.outputs, new Map(f.params.map((p, k) => [p, args[k]])));
  };
  let carry = ins.slice(nc + nb);
  while (call(cond, ins.slice(0, nc), carry)[0][0]) carry = call(body, ins.slice(nc, nc + nb), carry);
  return carry;
}

export const oracleRules: { [P in Prim]: Impl<P> } = {
  ...(Object.fromEntries(Object.entries(unaryScalar).map(([p, f]) => [p, (n: Node, ins: TypedArray[]) => map1(n, ins, f(n.inputs[0].dtype))])) as { [P in UnaryPrim]: Impl<P> }),
  ...(Object.fromEntries(Object.entries(binaryScalar).map(([p, f]) => [p, (n: Node, ins: TypedArray[]) => map2(n, ins, f(n.inputs[0].dtype))])) as { [P in BinaryPrim]: Impl<P> }),
  const: (n) => n.params.data,
  param: (n) => {
    throw new Error(`unbound trace parameter ${n}: a traced value escaped its transformation`);
  },
  iota: (n) => {
    const out = allocate(n.dtype, n.size);
    for (let i = 0; i < out.length; i++) out[i] = unravel(i, n.shape)[n.params.axis];
    return out;
  },
  select: (n, [p, a, b]) => {
    const out = allocate(n.dtype, n.size);
    for (let i = 0; i < out.length; i++) out[i] = p[i] ? a[i] : b[i];
    return out;
  },
  cast: (n, ins) => map1(n, ins, (x) => castValue(n.inputs[0].dtype, n.dtype, x)),
  bitcast: (n, [x]) => new storage[n.dtype](x.slice().buffer),
  broadcast: (n, [x]) => {
    const inShape = n.inputs[0].shape;
    const st = stridesOf(inShape);
    return permuteElements(n, x, (idx) => n.params.dims.reduce((j, d, k) => j + (inShape[k] === 1 ? 0 : idx[d] * st[k]), 0));
  },
  reshape: (n, [x]) => x.slice(),
  transpose: (n, [x]) => {
    const st = stridesOf(n.inputs[0].shape);
    return permuteElements(n, x, (idx) => n.params.perm.reduce((j, ax, k) => j + idx[k] * st[ax], 0));
  },
  slice: (n, [x]) => {
    const st = stridesOf(n.inputs[0].shape);
    const { starts, strides } = n.params;
    return permuteElements(n, x, (idx) => idx.reduce((j, v, k) => j + (starts[k] + v * strides[k]) * st[k], 0));
  },
  rev: (n, [x]) => {
    const st = stridesOf(n.shape);
    return permuteElements(n, x, (idx) => idx.reduce((j, v, k) => j + (n.params.axes.includes(k) ? n.shape[k] - 1 - v : v) * st[k], 0));
  },
  concat: (n, ins) => {
    const { axis } = n.params;
    const offsets = n.inputs.map((_, k) => n.inputs.slice(0, k).reduce((s, x) => s + x.shape[axis], 0));
    const out = allocate(n.dtype, n.size);
    for (let i = 0; i < out.length; i++) {
      const idx = unravel(i, n.shape);
      let k = 0;
      while (k + 1 < n.inputs.length && idx[axis] >= offsets[k + 1]) k++;
      idx[axis] -= offsets[k];
      out[i] = ins[k][ravel(idx, stridesOf(n.inputs[k].shape))];
    }
    return out;
  },
  reduce_sum: reduce,
  reduce_max: reduce,
  reduce_min: reduce,
  reduce_prod: reduce,
  argmax: argReduce,
  argmin: argReduce,
  cumsum: cumulative,
  cumprod: cumulative,
  cummax: cumulative,
  cummin: cumulative,
  dot,
  gather: (n, [x, idx]) => {
    const out = allocate(n.dtype, n.size);
    for (let i = 0; i < out.length; i++) out[i] = x[Math.min(Math.max(idx[i], 0), x.length - 1)];
    return out;
  },
  scatter: (n, [x, idx, upd]) => {
    const out = x.slice();
    const { mode } = n.params;
    const f: Scalar2 = mode === 'set' ? (_a, b) => b : binaryScalar[scatterCombine[mode]](n.dtype);
    const w = wrap(n.dtype);
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i];
      if (j >= 0 && j < out.length) out[j] = w(f(out[j], upd[i]));
    }
    return out;
  },
  scan,
  while: whileLoop,
  proj: () => {
    throw new Error('proj is evaluated with its tuple');
  },
};

/** Evaluate `outputs` with the oracle; `env` binds leaves (params or realized nodes). */
export function evaluate(outputs: readonly Node[], env = new Map<Node, TypedArray>()): TypedArray[] {
  const tuples = new Map<Node, TypedArray[]>();
  for (const n of toposort(outputs, (x) => env.has(x))) {
    if (env.has(n)) continue;
    if (n.prim === 'proj') {
      env.set(n, tuples.get(n.inputs[0])![(n as Node<'proj'>).params.index]);
      continue;
    }
    const ins = n.inputs.map((x) => env.get(x)!);
    const v = (oracleRules[n.prim] as Impl<Prim>)(n, ins);
    if (Array.isArray(v)) tuples.set(n, v);
    else env.set(n, v);
  }
  return outputs.map((o) => env.get(o)!);
}
