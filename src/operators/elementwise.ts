// jax.numpy's elementwise functions: JAX's dtype promotion (weakly typed JS numbers) and
// NumPy broadcasting, then lax-level primitives of equal shapes and dtypes.

import { promoteAll, scalarType, type DType, type TypeInfo } from '../graph/dtype.js';
import { node, type Node } from '../graph/node.js';
import type { BinaryPrim, UnaryPrim } from '../graph/prims.js';
import { broadcastShapes } from '../graph/shape.js';
import { LaxArray, type ArrayLike } from './array.js';
import { isCompiling } from './compiling.js';
import { fullLike } from './creation.js';
import { broadcastNode, castNode, checkIntRange, scalarNode, toNode, typeOf, wrap } from './nodes.js';

/**
 * A JS number as an operand of dtype `dtype`: JAX converts a Python scalar straight to the
 * result's dtype, so `float32 * 2**32` is 4294967296, and an integer outside the range of an
 * integer result is an OverflowError, never a wrapped value.
 */
function scalarOperand(v: number | boolean, dtype: DType, fn: string): Node {
  checkIntRange(v, dtype, fn);
  return scalarNode(v, dtype, true);
}

type Operand = Node | number | boolean;
const operandOf = (v: ArrayLike, fn: string, position: number): Operand => (typeof v === 'number' || typeof v === 'boolean' ? v : toNode(v, fn, position));
const typeOfOperand = (o: Operand): TypeInfo => (typeof o === 'object' ? typeOf(o) : scalarType(o));
const shapeOfOperand = (o: Operand): readonly number[] => (typeof o === 'object' ? o.shape : []);

/** Promote, broadcast and apply a binary primitive. `float` promotes to inexact first. */
function binary(prim: BinaryPrim, a: ArrayLike, b: ArrayLike, opts: { float?: boolean; dtype?: DType; name?: string } = {}): Node {
  const fn = opts.name ?? prim;
  const x = operandOf(a, fn, 0);
  const y = operandOf(b, fn, 1);
  const promoted = promoteAll([typeOfOperand(x), typeOfOperand(y)]);
  let dtype = opts.dtype ?? promoted.dtype;
  if (opts.float && dtype !== 'float32') dtype = 'float32';
  // A weak result (bool + 1, int32 + 1.5) comes from a strong operand cast to the weak type.
  const weak = opts.dtype === undefined && promoted.weak && dtype === promoted.dtype;
  const shape = broadcastShapes(prim, shapeOfOperand(x), shapeOfOperand(y));
  const operand = (o: Operand) => broadcastNode(typeof o === 'object' ? castNode(o, dtype, weak && !o.weak) : scalarOperand(o, dtype, fn), shape);
  return node(prim, [operand(x), operand(y)], {});
}

function unary(prim: UnaryPrim, a: ArrayLike, opts: { float?: boolean; name?: string } = {}): Node {
  const x = toNode(a, opts.name ?? prim);
  return node(prim, [opts.float ? castNode(x, 'float32') : x], {});
}

const bin = (prim: BinaryPrim, name: string, opts: { float?: boolean } = {}) => (a: ArrayLike, b: ArrayLike) => wrap(binary(prim, a, b, { ...opts, name }));
const un = (prim: UnaryPrim, name: string, opts: { float?: boolean } = {}) => (a: ArrayLike) => wrap(unary(prim, a, { ...opts, name }));

export const add = bin('add', 'add');
export const subtract = bin('sub', 'subtract');
export const multiply = bin('mul', 'multiply');
/** The value of a scalar constant (a JS number, or a constant broadcast from one). */
function constantScalar(n: Node): number | undefined {
  while (n.prim === 'broadcast' || n.prim === 'reshape') n = n.inputs[0];
  return n.prim === 'const' && n.size === 1 ? (n as Node<'const'>).params.data[0] : undefined;
}

export function divideWith(a: ArrayLike, b: ArrayLike, compiled: boolean, name = 'divide'): LaxArray {
  const q = binary('div', a, b, { float: true, name });
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
export const maximum = bin('max', 'maximum');
export const minimum = bin('min', 'minimum');
export const arctan2 = bin('atan2', 'arctan2', { float: true });
export const equal = bin('eq', 'equal');
export const notEqual = bin('ne', 'notEqual');
export const less = bin('lt', 'less');
export const lessEqual = bin('le', 'lessEqual');
export const greater = bin('gt', 'greater');
export const greaterEqual = bin('ge', 'greaterEqual');
export const bitwiseAnd = bin('and', 'bitwiseAnd');
export const bitwiseOr = bin('or', 'bitwiseOr');
export const bitwiseXor = bin('xor', 'bitwiseXor');
export const leftShift = bin('shl', 'leftShift');
export const rightShift = bin('shr', 'rightShift');

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
    const x = toNode(a, 'power');
    // jnp.power with a concrete integer exponent is lax.integer_pow, whose dtype rule refuses
    // a negative exponent of an integer base (jax/_src/lax/lax.py _integer_pow_dtype_rule).
    if (b < 0 && x.dtype !== 'float32') throw new TypeError(`Integers cannot be raised to negative powers, got integer_pow(${x.dtype}[${x.shape.join(',')}], ${b})`);
    if (x.dtype === 'float32' || ((x.dtype === 'int32' || x.dtype === 'uint32') && b >= 0)) return wrap(integerPow(x, b));
  }
  const dtype = promoteAll([typeOf(toNode(a, 'power', 0)), typeOf(toNode(b, 'power', 1))]).dtype;
  if (dtype === 'float32') return wrap(binary('pow', a, b, { float: true, name: 'power' }));
  const d = dtype === 'bool' ? 'int32' : dtype;
  const x0 = binary('mul', a, b, { dtype: d, name: 'power' }); // only for its promoted, broadcast operands
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
  const q = binary('div', a, b, { name: 'floorDivide' });
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
  const r0 = binary('rem', a, b, { name: 'remainder' });
  const x = r0.inputs[0];
  let y = r0.inputs[1];
  const zero = broadcastNode(scalarNode(0, r0.dtype), r0.shape);
  if (r0.dtype !== 'float32') y = node('select', [node('eq', [y, zero], {}), broadcastNode(scalarNode(1, r0.dtype), r0.shape), y], {});
  const r = node('rem', [x, y], {});
  const adjust = node('and', [node('ne', [r, zero], {}), node('ne', [node('lt', [r, zero], {}), node('lt', [y, zero], {})], {})], {});
  return wrap(node('select', [adjust, node('add', [r, y], {}), r], {}));
}
export const mod = remainder;

export const negative = un('neg', 'negative');
export const abs = un('abs', 'abs');
export const absolute = abs;
export const sign = un('sign', 'sign');
export const sqrt = un('sqrt', 'sqrt', { float: true });
export const exp = un('exp', 'exp', { float: true });
export const log = un('log', 'log', { float: true });
export const log1p = un('log1p', 'log1p', { float: true });
export const expm1 = un('expm1', 'expm1', { float: true });
export const sin = un('sin', 'sin', { float: true });
export const cos = un('cos', 'cos', { float: true });
export const tan = un('tan', 'tan', { float: true });
export const tanh = un('tanh', 'tanh', { float: true });
export const bitwiseNot = un('not', 'bitwiseNot');
export const invert = bitwiseNot;

// floor, ceil and round leave integers unchanged, as jnp does.
const rounding = (prim: 'floor' | 'ceil' | 'round') => (a: ArrayLike) => {
  const x = toNode(a, prim);
  return wrap(x.dtype === 'float32' ? node(prim, [x], {}) : x);
};
export const floor = rounding('floor');
export const ceil = rounding('ceil');
export const round = rounding('round');

export const square = (a: ArrayLike) => wrap(binary('mul', a, a, { name: 'square' }));
export const reciprocal = (a: ArrayLike) => divideWith(1, a, isCompiling(), 'reciprocal');

export function isnan(a: ArrayLike): LaxArray {
  const x = toNode(a, 'isnan');
  return x.dtype === 'float32' ? wrap(node('ne', [x, x], {})) : fullLike(wrap(x), false, { dtype: 'bool' });
}
export function isfinite(a: ArrayLike): LaxArray {
  const x = toNode(a, 'isfinite');
  return x.dtype === 'float32' ? wrap(node('isfinite', [x], {})) : fullLike(wrap(x), true, { dtype: 'bool' });
}
export const isinf = (a: ArrayLike) => {
  toNode(a, 'isinf');
  return logicalAnd(logicalNot(isfinite(a)), logicalNot(isnan(a)));
};

export const toBool = (a: ArrayLike, fn = 'asarray', position = 0) => {
  const x = toNode(a, fn, position);
  return x.dtype === 'bool' ? x : node('ne', [x, broadcastNode(castNode(scalarNode(0), x.dtype), x.shape)], {});
};
const logical = (prim: 'and' | 'or' | 'xor', name: string) => (a: ArrayLike, b: ArrayLike) => wrap(binary(prim, wrap(toBool(a, name, 0)), wrap(toBool(b, name, 1)), { name }));
export const logicalAnd = logical('and', 'logicalAnd');
export const logicalOr = logical('or', 'logicalOr');
export const logicalXor = logical('xor', 'logicalXor');
export const logicalNot = (a: ArrayLike) => wrap(node('not', [toBool(a, 'logicalNot')], {}));

/** jnp.where(condition, x, y): elementwise select with broadcasting and promotion. */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): LaxArray {
  const c = toBool(condition, 'where', 0);
  const a = operandOf(x, 'where', 1);
  const b = operandOf(y, 'where', 2);
  const dtype = promoteAll([typeOfOperand(a), typeOfOperand(b)]).dtype;
  const shape = broadcastShapes('where', c.shape, shapeOfOperand(a), shapeOfOperand(b));
  const operand = (o: Operand) => broadcastNode(typeof o === 'object' ? castNode(o, dtype) : scalarOperand(o, dtype, 'where'), shape);
  return wrap(node('select', [broadcastNode(c, shape), operand(a), operand(b)], {}));
}

export function clip(a: ArrayLike, min?: ArrayLike | null, max?: ArrayLike | null): LaxArray {
  let out = a instanceof LaxArray ? a : wrap(toNode(a, 'clip'));
  if (min !== undefined && min !== null) out = wrap(binary('max', out, min, { name: 'clip' }));
  if (max !== undefined && max !== null) out = wrap(binary('min', out, max, { name: 'clip' }));
  return out;
}
