// jax.numpy: the user's array functions. Each validates its arguments (errors name the
// function and the shapes), applies JAX's dtype promotion and NumPy broadcasting, and
// builds graph nodes of the lax-level primitives. Nothing is computed here.

import { allocate, castScalar, isDType, promoteAll, scalarType, type DType, type TypeInfo, type TypedArray } from '../graph/dtype.js';
import { node, uniqueNode, type Node } from '../graph/node.js';
import type { BinaryPrim, CumulativePrim, ReducePrim, UnaryPrim } from '../graph/prims.js';
import { broadcastShapes, fmtShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../graph/shape.js';
import { holdStorage, hostCopy, isBackendStorage } from '../scheduler/realize.js';
import { LaxArray, type Nested } from './array.js';
import { isCompiling } from './compiling.js';

export type ArrayLike = LaxArray | number | boolean | Nested | TypedArray;
export interface AxisOptions {
  axis?: number | number[] | null;
  keepdims?: boolean;
}

/** A Python slice `start:stop:step` for indexing (`np.slice(1, 3)` is `1:3`). */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}
}
export const slice = (start?: number | null, stop?: number | null, step?: number | null) => new Slice(start ?? null, stop ?? null, step ?? null);

/** Basic index: an integer, a slice, or `null` for a whole axis. */
export type SliceIndex = number | Slice | null;
/** `.at` index: basic indices and integer index arrays. */
export type Index = SliceIndex | LaxArray | number[] | Int32Array;

// ---- nodes from user values -----------------------------------------------------------------

export const wrap = (n: Node) => new LaxArray(n);

export function constant(data: TypedArray, shape: Shape, dtype: DType, weak = false): Node {
  const n = node('const', [], { data, shape, dtype, weak });
  holdStorage(n, data); // backend storage (np.array's copy) is recycled with its node
  return n;
}

/** `constant` over data just made for it, which no other node can hold: not hash-consed (`uniqueNode`). */
export function freshConstant(data: TypedArray, shape: Shape, dtype: DType, weak = false): Node {
  const n = uniqueNode('const', { data, shape, dtype, weak });
  holdStorage(n, data);
  return n;
}

function scalarNode(x: number | boolean, dtype?: DType): Node {
  const t = scalarType(x);
  const d = dtype ?? t.dtype;
  const data = allocate(d, 1);
  data[0] = castScalar(Number(x), d);
  return freshConstant(data, [], d, dtype === undefined);
}

export function toNode(x: ArrayLike): Node {
  if (x instanceof LaxArray) return x.node;
  if (typeof x === 'number' || typeof x === 'boolean') return scalarNode(x);
  return array(x).node;
}

const typeOf = (n: Node): TypeInfo => ({ dtype: n.dtype, weak: n.weak });

/** lax.convert_element_type; folds casts of constant scalars. `weak`: the result is weakly typed. */
export function castNode(n: Node, dtype: DType, weak = false): Node {
  if (n.dtype === dtype) return n;
  if (n.prim === 'const' && n.size === 1) {
    const p = (n as Node<'const'>).params;
    const data = allocate(dtype, 1);
    data[0] = p.dtype === 'float32' || dtype === 'float32' || dtype === 'bool' ? castScalar(p.data[0], dtype) : dtype === 'int32' ? p.data[0] | 0 : p.data[0] >>> 0;
    return freshConstant(data, p.shape, dtype, p.weak || weak);
  }
  return node('cast', [n], weak ? { dtype, weak } : { dtype });
}

/** NumPy broadcasting of `n` to `shape` (already checked compatible). */
export function broadcastNode(n: Node, shape: Shape): Node {
  if (shapesEqual(n.shape, shape)) return n;
  const offset = shape.length - n.shape.length;
  return node('broadcast', [n], { shape, dims: n.shape.map((_, i) => i + offset) });
}

export function reshapeNode(n: Node, shape: Shape): Node {
  if (shapesEqual(n.shape, shape)) return n;
  return n.prim === 'const' ? constantView(n as Node<'const'>, shape) : node('reshape', [n], { shape });
}

/**
 * A reshape of a constant: a constant over the same data, as XLA folds it (no kernel, and a
 * leaf, so a jit replay over `np.array(x).reshape(...)` finds its schedule without a walk).
 * The two share storage, so neither is ever updated in place (`aliased`). A unique constant's
 * view is unique, a hash-consed one's is hash-consed. Kept a reshape node: a constant taken
 * in place already, and backend storage (recycled with the node that holds it).
 */
function constantView(n: Node<'const'>, shape: Shape): Node {
  const p = n.params;
  if (n.consumed || isBackendStorage(p.data)) return node('reshape', [n], { shape });
  const view = n.unique ? uniqueNode('const', { data: p.data, shape, dtype: p.dtype, weak: p.weak }) : node('const', [], { data: p.data, shape, dtype: p.dtype, weak: p.weak });
  n.aliased = view.aliased = true;
  return view;
}

// ---- creation ----------------------------------------------------------------------------------

function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let d = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

function flatten(data: unknown, shape: number[], out: (number | boolean)[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(data) || (typeof data !== 'number' && typeof data !== 'boolean')) {
      throw new TypeError(`array: setting an array element with a sequence. The requested array has an inhomogeneous shape after ${dim} dimensions`);
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`array: setting an array element with a sequence. The requested array has an inhomogeneous shape after ${dim} dimensions. The detected shape was ${fmtShape(shape.slice(0, dim))} + inhomogeneous part.`);
  }
  for (const x of data) flatten(x, shape, out, dim + 1);
}

function typedDtype(x: TypedArray | ArrayBufferView): DType {
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Uint32Array) return 'uint32';
  if (x instanceof Float32Array || x instanceof Float64Array) return 'float32';
  return 'int32';
}

/** jnp.array: nested JS arrays, typed arrays, numbers or booleans (copied). */
export function array(data: ArrayLike | Float64Array, opts: { dtype?: DType } = {}): LaxArray {
  if (opts.dtype !== undefined && !isDType(opts.dtype)) throw new TypeError(`array: unsupported dtype ${String(opts.dtype)}`);
  if (data instanceof LaxArray) return opts.dtype ? astype(data, opts.dtype) : data;
  if (ArrayBuffer.isView(data)) {
    const dtype = opts.dtype ?? typedDtype(data);
    // The typed-array constructor copies (and converts) natively; `.from` walks an iterator.
    const src = data as unknown as globalThis.ArrayLike<number>;
    const buf = dtype === 'bool' ? Uint8Array.from(src, (v) => (v !== 0 ? 1 : 0)) : hostCopy(data as TypedArray, dtype);
    return wrap(freshConstant(buf, [data.length], dtype));
  }
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(data, shape, flat);
  const dtype =
    opts.dtype ??
    (flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : flat.every((v) => typeof v === 'boolean' || Number.isInteger(v)) ? 'int32' : 'float32');
  const buf = allocate(dtype, flat.length);
  flat.forEach((v, i) => (buf[i] = castScalar(Number(v), dtype)));
  return wrap(freshConstant(buf, shape, dtype));
}
export const asarray = array;

function checkShape(name: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(`${name}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

export function full(shape: number[], fillValue: number | boolean, opts: { dtype?: DType } = {}): LaxArray {
  const dtype = opts.dtype ?? scalarType(fillValue).dtype;
  return wrap(broadcastNode(scalarNode(fillValue, dtype), checkShape('full', shape)));
}
export const zeros = (shape: number[], opts: { dtype?: DType } = {}) => full(shape, 0, { dtype: opts.dtype ?? 'float32' });
export const ones = (shape: number[], opts: { dtype?: DType } = {}) => full(shape, 1, { dtype: opts.dtype ?? 'float32' });
export const fullLike = (a: ArrayLike, v: number | boolean, opts: { dtype?: DType } = {}) => {
  const n = toNode(a);
  return full([...n.shape], v, { dtype: opts.dtype ?? n.dtype });
};
export const zerosLike = (a: ArrayLike, opts: { dtype?: DType } = {}) => fullLike(a, 0, opts);
export const onesLike = (a: ArrayLike, opts: { dtype?: DType } = {}) => fullLike(a, 1, opts);

/** jnp.arange(stop) / arange(start, stop, step): int32 when all integers, else float32. */
export function arange(start: number, stop?: number, step = 1, opts: { dtype?: DType } = {}): LaxArray {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new RangeError('arange: step cannot be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const buf = allocate(dtype, n);
  for (let i = 0; i < n; i++) buf[i] = castScalar(start + i * step, dtype);
  return wrap(constant(buf, [n], dtype));
}

/** jnp.linspace: `num` evenly spaced values over [start, stop] (float32). */
export function linspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; dtype?: DType } = {}): LaxArray {
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const f = Math.fround;
  const delta = div > 0 ? f(f(f(stop) - f(start)) / div) : 0;
  const buf = new Float32Array(num);
  for (let i = 0; i < num; i++) buf[i] = f(f(start) + f(i * delta));
  if (endpoint && num > 1) buf[num - 1] = stop;
  const out = wrap(constant(buf, [num], 'float32'));
  return opts.dtype ? astype(out, opts.dtype) : out;
}

export function eye(n: number, m = n, opts: { k?: number; dtype?: DType } = {}): LaxArray {
  const rows = node('iota', [], { shape: [n, m], dtype: 'int32', axis: 0 });
  const cols = node('iota', [], { shape: [n, m], dtype: 'int32', axis: 1 });
  const diag = node('eq', [node('add', [rows, broadcastNode(scalarNode(opts.k ?? 0, 'int32'), [n, m])], {}), cols], {});
  return wrap(castNode(diag, opts.dtype ?? 'float32'));
}

// ---- elementwise -------------------------------------------------------------------------------

/** Promote, broadcast and apply a binary primitive. `float` promotes to inexact first. */
function binary(prim: BinaryPrim, a: ArrayLike, b: ArrayLike, opts: { float?: boolean; dtype?: DType } = {}): Node {
  const x = toNode(a);
  const y = toNode(b);
  const promoted = promoteAll([typeOf(x), typeOf(y)]);
  let dtype = opts.dtype ?? promoted.dtype;
  if (opts.float && dtype !== 'float32') dtype = 'float32';
  // A weak result (bool + 1, int32 + 1.5) comes from a strong operand cast to the weak type.
  const weak = opts.dtype === undefined && promoted.weak && dtype === promoted.dtype;
  const operand = (n: Node) => broadcastNode(castNode(n, dtype, weak && !n.weak), shape);
  const shape = broadcastShapes(prim, x.shape, y.shape);
  return node(prim, [operand(x), operand(y)], {});
}

function unary(prim: UnaryPrim, a: ArrayLike, opts: { float?: boolean } = {}): Node {
  const x = toNode(a);
  return node(prim, [opts.float ? castNode(x, 'float32') : x], {});
}

const bin = (prim: BinaryPrim, opts: { float?: boolean } = {}) => (a: ArrayLike, b: ArrayLike) => wrap(binary(prim, a, b, opts));
const un = (prim: UnaryPrim, opts: { float?: boolean } = {}) => (a: ArrayLike) => wrap(unary(prim, a, opts));

export const add = bin('add');
export const subtract = bin('sub');
export const multiply = bin('mul');
/** The value of a scalar constant (a JS number, or a constant broadcast from one). */
function constantScalar(n: Node): number | undefined {
  while (n.prim === 'broadcast' || n.prim === 'reshape') n = n.inputs[0];
  return n.prim === 'const' && n.size === 1 ? (n as Node<'const'>).params.data[0] : undefined;
}

function divideWith(a: ArrayLike, b: ArrayLike, compiled: boolean): LaxArray {
  const q = binary('div', a, b, { float: true });
  const c = compiled && q.dtype === 'float32' ? constantScalar(q.inputs[1]) : undefined;
  const r = c === undefined ? 0 : Math.fround(1 / c);
  // Only where the reciprocal is a normal float32 (1 / tiny overflows, 1 / huge is subnormal).
  if (!(Math.abs(r) >= 2 ** -126 && Number.isFinite(r))) return wrap(q);
  return wrap(node('mul', [q.inputs[0], broadcastNode(scalarNode(r, 'float32'), q.shape)], {}));
}

/**
 * True division: integers promote to float32.
 *
 * In compiled code (a `lax.scan` body or a `jit` function), division by a constant is
 * multiplication by its float32 reciprocal, as XLA's algebraic simplifier rewrites it:
 * JAX prints the seed's moving average `(2 * 0 + 10.) / 3` inside `lax.scan` as 3.3333335
 * (10 * f32(1/3)), not 3.3333333. Eager division stays exact, as in JAX, where the divisor
 * is an argument of the dispatched primitive rather than a compile-time constant.
 */
export function divide(a: ArrayLike, b: ArrayLike): LaxArray {
  return divideWith(a, b, isCompiling());
}
export const trueDivide = divide;
export const maximum = bin('max');
export const minimum = bin('min');
export const arctan2 = bin('atan2', { float: true });
export const equal = bin('eq');
export const notEqual = bin('ne');
export const less = bin('lt');
export const lessEqual = bin('le');
export const greater = bin('gt');
export const greaterEqual = bin('ge');
export const bitwiseAnd = bin('and');
export const bitwiseOr = bin('or');
export const bitwiseXor = bin('xor');
export const leftShift = bin('shl');
export const rightShift = bin('shr');

/**
 * lax.integer_pow, which jnp.power uses for a concrete integer exponent: binary
 * exponentiation by multiplication, as JAX's `_integer_pow` (`x ** 2` is `x * x`, exactly),
 * and a reciprocal for a negative exponent.
 */
function integerPow(x: Node, y: number): Node {
  const one = () => broadcastNode(scalarNode(1, x.dtype), x.shape);
  if (y === 0) return one();
  let n = Math.abs(y);
  let acc: Node | null = null;
  let base = x;
  while (n > 0) {
    if (n % 2 === 1) acc = acc === null ? base : node('mul', [acc, base], {});
    n = Math.floor(n / 2);
    if (n > 0) base = node('mul', [base, base], {});
  }
  return y < 0 ? node('div', [one(), acc!], {}) : acc!;
}

/**
 * jnp.power. Integer (and bool) bases with integer exponents use JAX's `_pow_int_int`:
 * six rounds of binary exponentiation on the exponent's low bits (shifted logically), so
 * results wrap like repeated int32 multiplication. Otherwise lax.pow in float32.
 */
export function power(a: ArrayLike, b: ArrayLike): LaxArray {
  if (typeof b === 'number' && Number.isInteger(b) && typeof a !== 'number' && typeof a !== 'boolean') {
    const x = toNode(a);
    if (x.dtype === 'float32' || ((x.dtype === 'int32' || x.dtype === 'uint32') && b >= 0)) return wrap(integerPow(x, b));
  }
  const dtype = promoteAll([typeOf(toNode(a)), typeOf(toNode(b))]).dtype;
  if (dtype === 'float32') return wrap(binary('pow', a, b, { float: true }));
  const d = dtype === 'bool' ? 'int32' : dtype;
  const x0 = binary('mul', a, b, { dtype: d }); // only for its promoted, broadcast operands
  let x = x0.inputs[0];
  const y = x0.inputs[1];
  const c = (v: number) => broadcastNode(scalarNode(v, d), x0.shape);
  const one = c(1);
  const zero = c(0);
  // acc starts at 0 when x == 0 and y != 0, so that 0 ** y is 0.
  let acc = node('select', [node('and', [node('eq', [x, zero], {}), node('ne', [y, zero], {})], {}), zero, one], {});
  const yBits = d === 'int32' ? node('bitcast', [y], { dtype: 'uint32' }) : y;
  let bits: Node = yBits;
  const uOne = broadcastNode(scalarNode(1, 'uint32'), x0.shape);
  for (let k = 0; k < 6; k++) {
    const odd = node('ne', [node('and', [bits, uOne], {}), broadcastNode(scalarNode(0, 'uint32'), x0.shape)], {});
    acc = node('select', [odd, node('mul', [acc, x], {}), acc], {});
    x = node('mul', [x, x], {});
    bits = node('shr', [bits, uOne], {});
  }
  return wrap(acc);
}

/** Python-style floor division (rounds toward -inf), as jnp.floor_divide. */
export function floorDivide(a: ArrayLike, b: ArrayLike): LaxArray {
  const q = binary('div', a, b);
  const [x, y] = q.inputs;
  if (q.dtype === 'uint32') return wrap(q);
  if (q.dtype === 'float32') return wrap(floatDivmod(x, y)[0]);
  // Integers: quotient - 1 where sign(x) != sign(y) and the remainder is nonzero (so x // 0 for x > 0 is -2, as JAX).
  const zero = broadcastNode(scalarNode(0, q.dtype), q.shape);
  const adjust = node('and', [node('ne', [node('sign', [x], {}), node('sign', [y], {})], {}), node('ne', [node('rem', [x, y], {}), zero], {})], {});
  return wrap(node('select', [adjust, node('sub', [q, broadcastNode(scalarNode(1, q.dtype), q.shape)], {}), q], {}));
}

/** JAX's _float_divmod (CPython's float_divmod): [round((x - fmod(x, y)) / y) adjusted, mod]. */
function floatDivmod(x: Node, y: Node): [Node, Node] {
  const c = (v: number) => broadcastNode(scalarNode(v, 'float32'), x.shape);
  let mod: Node = node('rem', [x, y], {});
  let div: Node = node('div', [node('sub', [x, mod], {}), y], {});
  const ind = node('and', [node('ne', [mod, c(0)], {}), node('ne', [node('sign', [y], {}), node('sign', [mod], {})], {})], {});
  mod = node('select', [ind, node('add', [mod, y], {}), mod], {});
  div = node('select', [ind, node('sub', [div, c(1)], {}), div], {});
  return [node('round', [div], {}), mod];
}

/** Python-style remainder: the sign of the divisor (np.remainder, np.mod); integer x % 0 is 0 as JAX. */
export function remainder(a: ArrayLike, b: ArrayLike): LaxArray {
  const r0 = binary('rem', a, b);
  const x = r0.inputs[0];
  let y = r0.inputs[1];
  const zero = broadcastNode(scalarNode(0, r0.dtype), r0.shape);
  if (r0.dtype !== 'float32') y = node('select', [node('eq', [y, zero], {}), broadcastNode(scalarNode(1, r0.dtype), r0.shape), y], {});
  const r = node('rem', [x, y], {});
  const adjust = node('and', [node('ne', [r, zero], {}), node('ne', [node('lt', [r, zero], {}), node('lt', [y, zero], {})], {})], {});
  return wrap(node('select', [adjust, node('add', [r, y], {}), r], {}));
}
export const mod = remainder;

export const negative = un('neg');
export const abs = un('abs');
export const absolute = abs;
export const sign = un('sign');
export const sqrt = un('sqrt', { float: true });
export const exp = un('exp', { float: true });
export const log = un('log', { float: true });
export const log1p = un('log1p', { float: true });
export const expm1 = un('expm1', { float: true });
export const sin = un('sin', { float: true });
export const cos = un('cos', { float: true });
export const tan = un('tan', { float: true });
export const tanh = un('tanh', { float: true });
export const bitwiseNot = un('not');
export const invert = bitwiseNot;

// floor, ceil and round leave integers unchanged, as jnp does.
const rounding = (prim: 'floor' | 'ceil' | 'round') => (a: ArrayLike) => {
  const x = toNode(a);
  return wrap(x.dtype === 'float32' ? node(prim, [x], {}) : x);
};
export const floor = rounding('floor');
export const ceil = rounding('ceil');
export const round = rounding('round');

export const square = (a: ArrayLike) => multiply(a, a);
export const reciprocal = (a: ArrayLike) => divide(1, a);

export function isnan(a: ArrayLike): LaxArray {
  const x = toNode(a);
  return x.dtype === 'float32' ? wrap(node('ne', [x, x], {})) : fullLike(wrap(x), false, { dtype: 'bool' });
}
export function isfinite(a: ArrayLike): LaxArray {
  const x = toNode(a);
  return x.dtype === 'float32' ? wrap(node('isfinite', [x], {})) : fullLike(wrap(x), true, { dtype: 'bool' });
}
export const isinf = (a: ArrayLike) => logicalAnd(logicalNot(isfinite(a)), logicalNot(isnan(a)));

const toBool = (a: ArrayLike) => {
  const x = toNode(a);
  return x.dtype === 'bool' ? x : node('ne', [x, broadcastNode(castNode(scalarNode(0), x.dtype), x.shape)], {});
};
export const logicalAnd = (a: ArrayLike, b: ArrayLike) => wrap(binary('and', wrap(toBool(a)), wrap(toBool(b))));
export const logicalOr = (a: ArrayLike, b: ArrayLike) => wrap(binary('or', wrap(toBool(a)), wrap(toBool(b))));
export const logicalXor = (a: ArrayLike, b: ArrayLike) => wrap(binary('xor', wrap(toBool(a)), wrap(toBool(b))));
export const logicalNot = (a: ArrayLike) => wrap(node('not', [toBool(a)], {}));

/** jnp.where(condition, x, y): elementwise select with broadcasting and promotion. */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): LaxArray {
  const c = toBool(condition);
  const a = toNode(x);
  const b = toNode(y);
  const dtype = promoteAll([typeOf(a), typeOf(b)]).dtype;
  const shape = broadcastShapes('where', c.shape, a.shape, b.shape);
  return wrap(node('select', [broadcastNode(c, shape), broadcastNode(castNode(a, dtype), shape), broadcastNode(castNode(b, dtype), shape)], {}));
}

export function clip(a: ArrayLike, min?: ArrayLike | null, max?: ArrayLike | null): LaxArray {
  let out = a instanceof LaxArray ? a : array(a as Nested);
  if (min !== undefined && min !== null) out = maximum(out, min);
  if (max !== undefined && max !== null) out = minimum(out, max);
  return out;
}

export function astype(a: ArrayLike, dtype: DType): LaxArray {
  if (!isDType(dtype)) throw new TypeError(`astype: unsupported dtype ${String(dtype)}`);
  return wrap(castNode(toNode(a), dtype));
}

// ---- reductions --------------------------------------------------------------------------------

function keepdims(n: Node, inShape: Shape, axes: number[], keep: boolean | undefined): Node {
  return keep ? reshapeNode(n, inShape.map((d, i) => (axes.includes(i) ? 1 : d))) : n;
}

function reduction(prim: ReducePrim, name: string, a: ArrayLike, opts: AxisOptions = {}, needsIdentity = false): LaxArray {
  let x = toNode(a);
  const axes = normalizeAxes(opts.axis, x.shape.length);
  if (needsIdentity && axes.some((ax) => x.shape[ax] === 0)) {
    throw new RangeError(`zero-size array to reduction operation ${name} which has no identity`);
  }
  if (x.dtype === 'bool' && (prim === 'reduce_sum' || prim === 'reduce_prod')) x = castNode(x, 'int32');
  return wrap(keepdims(node(prim, [x], { axes }), x.shape, axes, opts.keepdims));
}

export const sum = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_sum', 'sum', a, opts);
export const prod = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_prod', 'prod', a, opts);
export const max = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_max', 'max', a, opts, true);
export const min = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_min', 'min', a, opts, true);
export const amax = max;
export const amin = min;
export const any = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_max', 'any', wrap(toBool(a)), opts);
export const all = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_min', 'all', wrap(toBool(a)), opts);

function count(shape: Shape, axis: AxisOptions['axis']): number {
  return normalizeAxes(axis, shape.length).reduce((n, ax) => n * shape[ax], 1);
}

export function mean(a: ArrayLike, opts: AxisOptions = {}): LaxArray {
  const x = castNode(toNode(a), 'float32');
  return divideWith(sum(wrap(x), opts), count(x.shape, opts.axis), true); // jnp.mean is jitted: XLA multiplies by 1/n
}

/** Variance with `ddof` (default 0), computed from centered values as jnp.var. */
export function var_(a: ArrayLike, opts: AxisOptions & { ddof?: number } = {}): LaxArray {
  const x = wrap(castNode(toNode(a), 'float32'));
  const centered = subtract(x, mean(x, { axis: opts.axis, keepdims: true }));
  const n = count(x.shape, opts.axis) - (opts.ddof ?? 0);
  return divideWith(sum(multiply(centered, centered), opts), Math.max(n, 0), true); // jitted in JAX, as mean
}
export { var_ as var };
export const std = (a: ArrayLike, opts?: AxisOptions & { ddof?: number }) => sqrt(var_(a, opts));

function argReduction(prim: 'argmax' | 'argmin', a: ArrayLike, opts: { axis?: number; keepdims?: boolean } = {}): LaxArray {
  let x = toNode(a);
  if (opts.axis === undefined || opts.axis === null) x = reshapeNode(x, [x.size]);
  const axis = normalizeAxis(opts.axis ?? 0, x.shape.length);
  if (x.shape[axis] === 0) throw new RangeError(`attempt to get ${prim} of an empty sequence`);
  return wrap(keepdims(node(prim, [x], { axis }), x.shape, [axis], opts.keepdims));
}
export const argmax = (a: ArrayLike, opts?: { axis?: number; keepdims?: boolean }) => argReduction('argmax', a, opts);
export const argmin = (a: ArrayLike, opts?: { axis?: number; keepdims?: boolean }) => argReduction('argmin', a, opts);

function cumulative(prim: CumulativePrim, a: ArrayLike, opts: { axis?: number | null; reverse?: boolean } = {}): LaxArray {
  let x = toNode(a);
  if (opts.axis === undefined || opts.axis === null) x = reshapeNode(x, [x.size]);
  if (x.dtype === 'bool' && (prim === 'cumsum' || prim === 'cumprod')) x = castNode(x, 'int32');
  const axis = normalizeAxis(opts.axis ?? 0, x.shape.length);
  return wrap(node(prim, [x], { axis, reverse: opts.reverse ?? false }));
}
export const cumsum = (a: ArrayLike, opts?: { axis?: number | null }) => cumulative('cumsum', a, opts);
export const cumprod = (a: ArrayLike, opts?: { axis?: number | null }) => cumulative('cumprod', a, opts);
export const cummax = (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }) => cumulative('cummax', a, opts);
export const cummin = (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }) => cumulative('cummin', a, opts);

// ---- shape ---------------------------------------------------------------------------------------

export function reshape(a: ArrayLike, shape: number[]): LaxArray {
  const x = toNode(a);
  const holes = shape.filter((d) => d === -1).length;
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (holes > 1) throw new TypeError('reshape: can only specify one unknown dimension');
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (resolved.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(resolved) !== x.size) {
    throw new TypeError(`cannot reshape array of shape ${fmtShape(x.shape)} (size ${x.size}) into shape ${fmtShape(shape)}${holes ? '' : ` (size ${sizeOf(shape)})`}`);
  }
  return wrap(reshapeNode(x, resolved));
}

export function transpose(a: ArrayLike, axes?: number[]): LaxArray {
  const x = toNode(a);
  const nd = x.shape.length;
  const perm = axes ? axes.map((ax) => normalizeAxis(ax, nd)) : Array.from({ length: nd }, (_, i) => nd - 1 - i);
  if (perm.length !== nd || new Set(perm).size !== nd) throw new TypeError(`transpose: axes ${fmtShape(axes ?? [])} don't match array of dimension ${nd}`);
  return wrap(perm.every((p, i) => p === i) ? x : node('transpose', [x], { perm }));
}

export function squeeze(a: ArrayLike, axis?: number | number[]): LaxArray {
  const x = toNode(a);
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axis, x.shape.length);
  if (axes.some((ax) => x.shape[ax] !== 1)) {
    throw new TypeError(`cannot select an axis to squeeze out which has size not equal to one, got shape=${fmtShape(x.shape)} and dimensions=${fmtShape(axes)}`);
  }
  return wrap(reshapeNode(x, x.shape.filter((_, i) => !axes.includes(i))));
}

export function expandDims(a: ArrayLike, axis: number | number[]): LaxArray {
  const x = toNode(a);
  const list = typeof axis === 'number' ? [axis] : axis;
  const nd = x.shape.length + list.length;
  const axes = list.map((ax) => normalizeAxis(ax, nd));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < nd; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
  return wrap(reshapeNode(x, shape));
}

export function broadcastTo(a: ArrayLike, shape: number[]): LaxArray {
  const x = toNode(a);
  const ok = shape.length >= x.shape.length && x.shape.every((d, i) => d === 1 || d === shape[shape.length - x.shape.length + i]);
  if (!ok) throw new TypeError(`Incompatible shapes for broadcasting: ${fmtShape(x.shape)} and requested shape ${fmtShape(shape)}`);
  return wrap(broadcastNode(x, shape));
}

export function flip(a: ArrayLike, axis?: number | number[]): LaxArray {
  const x = toNode(a);
  return wrap(node('rev', [x], { axes: normalizeAxes(axis, x.shape.length) }));
}

export function concatenate(arrays: ArrayLike[], opts: { axis?: number } = {}): LaxArray {
  if (arrays.length === 0) throw new TypeError('Need at least one array to concatenate.');
  const nodes = arrays.map(toNode);
  if (nodes.some((n) => n.shape.length === 0)) throw new TypeError('Zero-dimensional arrays cannot be concatenated.');
  const dtype = promoteAll(nodes.map(typeOf)).dtype;
  const axis = normalizeAxis(opts.axis ?? 0, nodes[0].shape.length);
  if (nodes.length === 1) return wrap(castNode(nodes[0], dtype));
  return wrap(node('concat', nodes.map((n) => castNode(n, dtype)), { axis }));
}

export function stack(arrays: ArrayLike[], opts: { axis?: number } = {}): LaxArray {
  if (arrays.length === 0) throw new TypeError('Need at least one array to stack.');
  const nodes = arrays.map(toNode);
  if (nodes.some((n) => !shapesEqual(n.shape, nodes[0].shape))) throw new TypeError(`stack: all input arrays must have the same shape, got ${nodes.map((n) => fmtShape(n.shape)).join(', ')}`);
  const axis = normalizeAxis(opts.axis ?? 0, nodes[0].shape.length + 1);
  return concatenate(nodes.map((n) => expandDims(wrap(n), axis)), { axis });
}

/** jnp.repeat with an integer count: each element repeated along `axis` (flattened when omitted). */
export function repeat(a: ArrayLike, repeats: number, opts: { axis?: number } = {}): LaxArray {
  let x = toNode(a);
  if (opts.axis === undefined) x = reshapeNode(x, [x.size]);
  const axis = normalizeAxis(opts.axis ?? 0, x.shape.length);
  const expanded = reshapeNode(x, [...x.shape.slice(0, axis + 1), 1, ...x.shape.slice(axis + 1)]);
  const b = broadcastNode(expanded, [...x.shape.slice(0, axis + 1), repeats, ...x.shape.slice(axis + 1)]);
  return wrap(reshapeNode(b, x.shape.map((d, i) => (i === axis ? d * repeats : d))));
}

export function tile(a: ArrayLike, reps: number | number[]): LaxArray {
  let x = toNode(a);
  const r = typeof reps === 'number' ? [reps] : reps;
  const nd = Math.max(r.length, x.shape.length);
  const full = [...new Array(nd - r.length).fill(1), ...r];
  x = reshapeNode(x, [...new Array(nd - x.shape.length).fill(1), ...x.shape]);
  const interleaved = x.shape.flatMap((d, i) => [full[i], d]);
  const b = node('broadcast', [x], { shape: interleaved, dims: x.shape.map((_, i) => 2 * i + 1) });
  return wrap(reshapeNode(b, x.shape.map((d, i) => d * full[i])));
}

/** Python's slice.indices(len): [start, count, step]. */
export function sliceIndices(s: Slice, len: number): [number, number, number] {
  const step = s.step ?? 1;
  if (step === 0) throw new RangeError('slice step cannot be zero');
  const [lo, hi] = step > 0 ? [0, len] : [-1, len - 1];
  const clampIdx = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? Math.max(v + len, lo) : Math.min(v, hi));
  const start = clampIdx(s.start, step > 0 ? lo : hi);
  const stop = clampIdx(s.stop, step > 0 ? hi : lo);
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return [start, count, step];
}

export function checkIndexCount(n: number, ndim: number): void {
  if (n > ndim) throw new RangeError(`Too many indices for array: ${n} non-None/Ellipsis indices for dim ${ndim}.`);
}

/** Basic indexing `x[i, a:b:c, :]` with static integers, slices and `null` (whole axis). */
export function basicIndex(a: ArrayLike, index: SliceIndex[]): LaxArray {
  let x = toNode(a);
  checkIndexCount(index.length, x.shape.length);
  const starts: number[] = [];
  const limits: number[] = [];
  const strides: number[] = [];
  const revAxes: number[] = [];
  const keep: boolean[] = [];
  x.shape.forEach((dim, ax) => {
    const ix = ax < index.length ? index[ax] : null;
    if (typeof ix === 'number') {
      if (!Number.isInteger(ix) || ix < -dim || ix >= dim) throw new RangeError(`index ${ix} is out of bounds for axis ${ax} with size ${dim}`);
      const i = ix < 0 ? ix + dim : ix;
      starts.push(i), limits.push(i + 1), strides.push(1), keep.push(false);
      return;
    }
    const [start, count, step] = sliceIndices(ix ?? new Slice(), dim);
    const s = step > 0 ? start : dim - 1 - start; // negative steps read the reversed axis
    if (step < 0) revAxes.push(ax);
    starts.push(s), limits.push(s + (count - 1) * Math.abs(step) + 1), strides.push(Math.abs(step)), keep.push(true);
    if (count === 0) limits[limits.length - 1] = s;
  });
  if (revAxes.length) x = node('rev', [x], { axes: revAxes });
  const sliced = starts.every((s, i) => s === 0 && limits[i] === x.shape[i] && strides[i] === 1) ? x : node('slice', [x], { starts, limits, strides });
  return wrap(reshapeNode(sliced, sliced.shape.filter((_, i) => keep[i])));
}

/** int32 coordinates along `axis` of an array of `shape` (lax.iota broadcast). */
export function iotaNode(shape: Shape, axis: number): Node {
  return node('iota', [], { shape, dtype: 'int32', axis });
}

const intScalar = (v: number, shape: Shape) => broadcastNode(scalarNode(v, 'int32'), shape);

/** jnp.take(a, indices, axis): mode 'fill' (JAX's default: NaN / min int / true), 'clip' or 'wrap'. */
export function take(a: ArrayLike, indices: ArrayLike, opts: { axis?: number; mode?: 'fill' | 'clip' | 'wrap' } = {}): LaxArray {
  let x = toNode(a);
  if (opts.axis === undefined) x = reshapeNode(x, [x.size]);
  const axis = normalizeAxis(opts.axis ?? 0, x.shape.length);
  const dim = x.shape[axis];
  const idx = castNode(toNode(indices), 'int32');
  const mode = opts.mode ?? 'fill';
  let i = where(less(wrap(idx), 0), add(wrap(idx), dim), wrap(idx));
  const valid = logicalAnd(greaterEqual(i, 0), less(i, dim));
  if (mode === 'wrap') i = remainder(wrap(idx), Math.max(dim, 1));
  i = clip(i, 0, Math.max(dim - 1, 0));
  // out[o..., j..., k...] = x[o..., idx[j...], k...], gathered by flat offset into x.
  const outShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const nIdx = idx.shape.length;
  const xStrides = x.shape.map((_, d) => sizeOf(x.shape.slice(d + 1)));
  let flat: Node = node('mul', [node('broadcast', [i.node], { shape: outShape, dims: idx.shape.map((_, k) => axis + k) }), intScalar(xStrides[axis], outShape)], {});
  outShape.forEach((_, d) => {
    if (d >= axis && d < axis + nIdx) return;
    const stride = d < axis ? xStrides[d] : xStrides[d - nIdx + 1];
    flat = node('add', [flat, node('mul', [iotaNode(outShape, d), intScalar(stride, outShape)], {})], {});
  });
  const out = wrap(node('gather', [x, flat], {}));
  if (mode !== 'fill') return out;
  const fill = x.dtype === 'float32' ? NaN : x.dtype === 'int32' ? -2147483648 : x.dtype === 'uint32' ? 4294967295 : true;
  const mask = wrap(node('broadcast', [valid.node], { shape: outShape, dims: idx.shape.map((_, k) => axis + k) }));
  return where(mask, out, full([], fill, { dtype: x.dtype }));
}

// ---- linear algebra ------------------------------------------------------------------------------

/** jnp.matmul: 1-D, 2-D and batched (broadcast batch dimensions). */
export function matmul(a: ArrayLike, b: ArrayLike): LaxArray {
  let x = toNode(a);
  let y = toNode(b);
  if (x.shape.length === 0 || y.shape.length === 0) throw new TypeError('matmul: Input operand does not have enough dimensions');
  const dtype = promoteAll([typeOf(x), typeOf(y)]).dtype;
  x = castNode(x, dtype);
  y = castNode(y, dtype);
  const xVec = x.shape.length === 1;
  const yVec = y.shape.length === 1;
  if (xVec) x = reshapeNode(x, [1, x.shape[0]]);
  if (yVec) y = reshapeNode(y, [y.shape[0], 1]);
  const k1 = x.shape[x.shape.length - 1];
  const k2 = y.shape[y.shape.length - 2];
  if (k1 !== k2) throw new TypeError(`matmul: contracting dimensions differ, got shapes ${fmtShape(toNode(a).shape)} and ${fmtShape(toNode(b).shape)} (size ${k1} is different from ${k2})`);
  const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastNode(x, [...batch, ...x.shape.slice(-2)]);
  y = broadcastNode(y, [...batch, ...y.shape.slice(-2)]);
  const nb = batch.length;
  const bdims = Array.from({ length: nb }, (_, i) => i);
  const out = node('dot', [x, y], { lhsContract: [nb + 1], rhsContract: [nb], lhsBatch: bdims, rhsBatch: bdims });
  const shape = [...batch, ...(xVec ? [] : [out.shape[nb]]), ...(yVec ? [] : [out.shape[nb + 1]])];
  return wrap(reshapeNode(out, shape));
}

/** jnp.dot: products of scalars, vectors (inner product) and matrices. */
export function dot(a: ArrayLike, b: ArrayLike): LaxArray {
  const x = toNode(a);
  const y = toNode(b);
  if (x.shape.length === 0 || y.shape.length === 0) return multiply(wrap(x), wrap(y));
  if (y.shape.length <= 2) return matmul(wrap(x), wrap(y));
  throw new TypeError('dot: arrays of more than 2 dimensions on the right are not supported; use matmul');
}
