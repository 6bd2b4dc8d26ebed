// jax.numpy's further elementwise functions (inverse trigonometric and hyperbolic, log2/exp2,
// cbrt, hypot, logaddexp, rounding toward zero, sign bits, nan_to_num, ...), composed from
// the elementwise primitives with the formulas JAX uses (jax/_src/numpy/ufuncs.py) or, where
// JAX lowers to an XLA op laxflow lacks (asin, sinh, cbrt), a formula accurate to a few
// float32 ulps over the finite range. Each promotes as its jnp counterpart: inexact functions
// take integers and bools to float32.

import { promoteAll } from '../graph/dtype.js';
import { node, type Node } from '../graph/node.js';
import { broadcastShapes } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import {
  abs,
  add,
  arctan2,
  ceil,
  divide,
  equal,
  exp,
  expm1,
  floor,
  floorDivide,
  greater,
  isinf,
  isnan,
  less,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  multiply,
  negative,
  power,
  remainder,
  round,
  sin,
  sqrt,
  subtract,
  where,
} from './elementwise.js';
import { broadcastNode, castNode, scalarNode, toNode, typeOf, wrap } from './nodes.js';
import { checkOptions, checkScalar } from './validate.js';

/** `a` as a float32 array (jnp's promote_args_inexact), errors naming `fn`. */
const float = (a: ArrayLike, fn: string): LaxArray => wrap(castNode(toNode(a, fn), 'float32'));
/** Two operands promoted together (JAX's rules), broadcast, errors naming `fn`. */
export function promoted2(a: ArrayLike, b: ArrayLike, fn: string): [Node, Node] {
  const x = toNode(a, fn, 0);
  const y = toNode(b, fn, 1);
  const dtype = promoteAll([typeOf(x), typeOf(y)]).dtype;
  const shape = broadcastShapes(fn, x.shape, y.shape);
  return [broadcastNode(castNode(x, dtype), shape), broadcastNode(castNode(y, dtype), shape)];
}
/** Two operands as float32, broadcast (a binary inexact ufunc's arguments). */
function float2(a: ArrayLike, b: ArrayLike, fn: string): [LaxArray, LaxArray] {
  const [x, y] = promoted2(a, b, fn);
  return [wrap(castNode(x, 'float32')), wrap(castNode(y, 'float32'))];
}

export const pi = Math.PI;
export const e = Math.E;
export const inf = Infinity;
export const nan = NaN;
export const eulerGamma = 0.5772156649015329;

const LN2 = Math.LN2;
const LN10 = Math.LN10;

export const log2 = (a: ArrayLike) => divide(log(float(a, 'log2')), LN2);
export const log10 = (a: ArrayLike) => divide(log(float(a, 'log10')), LN10);
/** exp2 as lax.pow(2, x): exact at integers. */
export const exp2 = (a: ArrayLike) => power(2, float(a, 'exp2'));

/** jnp.arctan: atan2(x, 1). */
export const arctan = (a: ArrayLike) => arctan2(float(a, 'arctan'), 1);
/** jnp.arcsin: atan2(x, sqrt((1 - x)(1 + x))), NaN outside [-1, 1] (as XLA's asin expansion). */
export function arcsin(a: ArrayLike): LaxArray {
  const x = float(a, 'arcsin');
  return arctan2(x, sqrt(multiply(subtract(1, x), add(1, x))));
}
/** jnp.arccos: 2 atan2(sqrt(1 - x^2), 1 + x) as XLA's acos, with acos(-1) = pi. */
export function arccos(a: ArrayLike): LaxArray {
  const x = float(a, 'arccos');
  const r = multiply(2, arctan2(sqrt(multiply(subtract(1, x), add(1, x))), add(1, x)));
  return where(equal(x, -1), Math.PI, r);
}
/** sinh via expm1 (accurate near 0): (e^x - 1 - (e^-x - 1)) / 2; for |x| > 88, e^(|x| - ln 2) (no overflow before the result). */
export function sinh(a: ArrayLike): LaxArray {
  const x = float(a, 'sinh');
  const small = multiply(0.5, subtract(expm1(x), expm1(negative(x))));
  const big = multiply(where(less(x, 0), -1, 1), exp(subtract(abs(x), LN2)));
  return where(greater(abs(x), 88), big, small);
}
export function cosh(a: ArrayLike): LaxArray {
  const x = float(a, 'cosh');
  const small = multiply(0.5, add(exp(x), exp(negative(x))));
  return where(greater(abs(x), 88), exp(subtract(abs(x), LN2)), small);
}
/** arcsinh: sign(x) log1p(|x| + x^2 / (1 + sqrt(1 + x^2))); log|x| + ln 2 beyond 2^12 (x^2 would lose 1). */
export function arcsinh(a: ArrayLike): LaxArray {
  const x = float(a, 'arcsinh');
  const ax = abs(x);
  const x2 = multiply(ax, ax);
  const mid = log1p(add(ax, divide(x2, add(1, sqrt(add(1, x2))))));
  const r = where(greater(ax, 4096), add(log(ax), LN2), mid);
  return where(less(x, 0), negative(r), r);
}
/** arccosh: log1p(t + sqrt(t (t + 2))) with t = x - 1; log x + ln 2 beyond 2^12; NaN below 1. */
export function arccosh(a: ArrayLike): LaxArray {
  const x = float(a, 'arccosh');
  const t = subtract(x, 1);
  const mid = log1p(add(t, sqrt(multiply(t, add(t, 2)))));
  return where(greater(x, 4096), add(log(x), LN2), mid);
}
/** arctanh: log1p(2x / (1 - x)) / 2 below |x| = 1/2, sign(x) log((1 + |x|) / (1 - |x|)) / 2 above (1 - |x| exact there); +-inf at +-1, NaN beyond. */
export function arctanh(a: ArrayLike): LaxArray {
  const x = float(a, 'arctanh');
  const ax = abs(x);
  const small = multiply(0.5, log1p(divide(multiply(2, x), subtract(1, x))));
  const big = multiply(0.5, log(divide(add(1, ax), subtract(1, ax))));
  const r = where(less(ax, 0.5), small, where(less(x, 0), negative(big), big));
  return where(greater(ax, 1), NaN, r);
}
export const asin = arcsin;
export const acos = arccos;
export const atan = arctan;
export const asinh = arcsinh;
export const acosh = arccosh;
export const atanh = arctanh;
export const atan2 = arctan2;

export const deg2rad = (a: ArrayLike) => multiply(float(a, 'deg2rad'), Math.PI / 180);
export const rad2deg = (a: ArrayLike) => multiply(float(a, 'rad2deg'), 180 / Math.PI);
export const radians = deg2rad;
export const degrees = rad2deg;

/**
 * cbrt: sign(x) |x|^(1/3), then one Newton step in float32 (r - (r^3 - x) / (3 r^2)) for a
 * result within 2 ulps; |x| below 2^-100 is scaled by 2^120 first (and the root by 2^-40) so
 * r^3 stays normal.
 */
export function cbrt(a: ArrayLike): LaxArray {
  const x = float(a, 'cbrt');
  const ax0 = abs(x);
  const tiny = less(ax0, 2 ** -100);
  const ax = where(tiny, multiply(ax0, 2 ** 120), ax0);
  const r0 = power(ax, 1 / 3);
  const r1 = subtract(r0, divide(subtract(multiply(multiply(r0, r0), r0), ax), multiply(3, multiply(r0, r0))));
  const r = where(tiny, multiply(r1, 2 ** -40), r1);
  const ok = where(logicalOr(equal(ax0, 0), isinf(ax0)), ax0, r);
  return where(less(x, 0), negative(ok), ok);
}

/** hypot: m sqrt(1 + (n/m)^2) with m = max(|x|, |y|), n = min (no overflow); 0 when both are 0, inf when either is. */
export function hypot(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = float2(a, b, 'hypot');
  const ax = abs(x);
  const ay = abs(y);
  const m = maximum(ax, ay);
  const n = minimum(ax, ay);
  const q = divide(n, where(equal(m, 0), 1, m));
  const r = multiply(m, sqrt(add(1, multiply(q, q))));
  return where(logicalOr(isinf(ax), isinf(ay)), Infinity, r);
}

/** logaddexp as JAX: max + log1p(exp(-|x - y|)); where x - y is NaN (equal infinities, or a NaN), x + y. */
export function logaddexp(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = float2(a, b, 'logaddexp');
  const amax = maximum(x, y);
  const delta = subtract(x, y);
  return where(isnan(delta), add(x, y), add(amax, log1p(exp(negative(abs(delta))))));
}
/** logaddexp2: log2(2^x + 2^y), computed as logaddexp in base e scaled by ln 2. */
export function logaddexp2(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = float2(a, b, 'logaddexp2');
  const amax = maximum(x, y);
  const delta = subtract(x, y);
  return where(isnan(delta), add(x, y), add(amax, divide(log1p(exp2(negative(abs(delta)))), LN2)));
}

/** trunc (and fix): round toward zero; integers unchanged. */
export function trunc(a: ArrayLike): LaxArray {
  const x = wrap(toNode(a, 'trunc'));
  if (x.dtype !== 'float32') return x;
  return where(less(x, 0), ceil(x), floor(x));
}
export const fix = trunc;
/** rint: round half to even (jnp.rint is lax.round with TO_NEAREST_EVEN); integers become float32. */
export const rint = (a: ArrayLike) => round(float(a, 'rint'));

/** signbit: the sign bit (true for -0 and negative NaNs); x < 0 for integers, false for bools and uint32. */
export function signbit(a: ArrayLike): LaxArray {
  const x = toNode(a, 'signbit');
  if (x.dtype === 'float32') {
    const bits = node('bitcast', [x], { dtype: 'int32' });
    return wrap(node('lt', [bits, broadcastNode(scalarNode(0, 'int32'), x.shape)], {}));
  }
  if (x.dtype === 'int32') return less(wrap(x), 0);
  return wrap(node('ne', [x, x], {})); // never set
}

/** copysign: |x| with the sign bit of y (float32). */
export function copysign(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = float2(a, b, 'copysign');
  const ax = abs(x);
  return where(signbit(y), negative(ax), ax);
}

/** fmod: C's remainder, with the dividend's sign (lax.rem); integer x % 0 is 0 as JAX. */
export function fmod(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y0] = promoted2(a, b, 'fmod');
  const zero = broadcastNode(scalarNode(0, x.dtype), x.shape);
  const y = x.dtype === 'float32' ? y0 : node('select', [node('eq', [y0, zero], {}), broadcastNode(scalarNode(1, x.dtype), x.shape), y0], {});
  return wrap(node('rem', [x, y], {}));
}

/** modf: [fractional part, integral part], both with x's sign. */
export function modf(a: ArrayLike): [LaxArray, LaxArray] {
  const x = float(a, 'modf');
  const whole = trunc(x);
  return [where(isinf(x), multiply(0, x), subtract(x, whole)), whole];
}

/** heaviside(x1, x2): 0 for x1 < 0, x2 at 0, 1 for x1 > 0 (NaN stays NaN). */
export function heaviside(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, h0] = float2(a, b, 'heaviside');
  return where(less(x, 0), 0, where(greater(x, 0), 1, where(isnan(x), x, h0)));
}

/** sinc: sin(pi x) / (pi x), 1 at 0. */
export function sinc(a: ArrayLike): LaxArray {
  const x = float(a, 'sinc');
  const px = multiply(x, Math.PI);
  const zero = equal(x, 0);
  return where(zero, 1, divide(sin(px), where(zero, 1, px)));
}

export const isposinf = (a: ArrayLike) => {
  const x = wrap(toNode(a, 'isposinf'));
  return x.dtype === 'float32' ? equal(x, Infinity) : wrap(node('ne', [x.node, x.node], {}));
};
export const isneginf = (a: ArrayLike) => {
  const x = wrap(toNode(a, 'isneginf'));
  return x.dtype === 'float32' ? equal(x, -Infinity) : wrap(node('ne', [x.node, x.node], {}));
};

/** nanToNum: NaN to `nan` (0), +inf to `posinf` (float32 max), -inf to `neginf` (float32 lowest). Integers unchanged. */
export function nanToNum(a: ArrayLike, opts: { nan?: number; posinf?: number; neginf?: number } = {}): LaxArray {
  const x = wrap(toNode(a, 'nanToNum'));
  const o = checkOptions<{ nan?: number; posinf?: number; neginf?: number }>('nanToNum', opts, ['nan', 'posinf', 'neginf']);
  for (const k of ['nan', 'posinf', 'neginf'] as const) if (o[k] !== undefined) checkScalar('nanToNum', k, o[k]);
  if (x.dtype !== 'float32') return x;
  const big = 3.4028234663852886e38;
  const r = where(isnan(x), o.nan ?? 0, x);
  return where(equal(x, Infinity), o.posinf ?? big, where(equal(x, -Infinity), o.neginf ?? -big, r));
}

/** positive: a copy (+x). */
export const positive = (a: ArrayLike): LaxArray => wrap(toNode(a, 'positive'));
export const fabs = (a: ArrayLike) => abs(float(a, 'fabs'));
export const fmax = (a: ArrayLike, b: ArrayLike) => {
  const [x, y] = promoted2(a, b, 'fmax').map(wrap);
  return where(isnan(y), x, where(isnan(x), y, maximum(x, y)));
};
export const fmin = (a: ArrayLike, b: ArrayLike) => {
  const [x, y] = promoted2(a, b, 'fmin').map(wrap);
  return where(isnan(y), x, where(isnan(x), y, minimum(x, y)));
};
export const around = (a: ArrayLike) => round(a);
/** floatPower: power in float32 (laxflow has no float64). */
export const floatPower = (a: ArrayLike, b: ArrayLike) => power(float(a, 'floatPower'), float(b, 'floatPower'));
export const pow = power;


const f32Bits = (x: LaxArray): LaxArray => wrap(node('bitcast', [x.node], { dtype: 'int32' }));
const fromBits = (b: LaxArray): LaxArray => wrap(node('bitcast', [castNode(b.node, 'int32')], { dtype: 'float32' }));

/** nextafter(x, y): the next float32 after x towards y (y itself when equal; NaN if either is). */
export function nextafter(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x, y] = float2(a, b, 'nextafter');
  const bits = f32Bits(x);
  // away from zero when moving in x's own direction: bits + 1 as a magnitude, else bits - 1
  const up = where(less(x, y), wrap(node('ge', [bits.node, broadcastNode(scalarNode(0, 'int32'), x.shape)], {})), wrap(node('lt', [bits.node, broadcastNode(scalarNode(0, 'int32'), x.shape)], {})));
  const stepped = fromBits(add(bits, where(up, 1, -1)));
  const fromZero = where(less(y, 0), -1.401298464324817e-45, 1.401298464324817e-45);
  const r = where(equal(x, 0), fromZero, stepped);
  return where(logicalOr(isnan(x), isnan(y)), NaN, where(equal(x, y), y, r));
}

/** spacing(x): the distance from x to the next float32 away from zero. */
export function spacing(a: ArrayLike): LaxArray {
  const x = float(a, 'spacing');
  return subtract(nextafter(x, where(less(x, 0), -Infinity, Infinity)), x);
}

/** ldexp(x, n): x * 2^n in two steps (2^n alone would overflow for n > 127 with x < 1). */
export function ldexp(a: ArrayLike, b: ArrayLike): LaxArray {
  const x = float(a, 'ldexp');
  const n = wrap(castNode(toNode(b, 'ldexp', 1), 'float32'));
  const half = floor(multiply(n, 0.5));
  return multiply(multiply(x, exp2(half)), exp2(subtract(n, half)));
}

/** frexp(x): [mantissa in [0.5, 1) with x's sign, int32 exponent] with x = m 2^e; 0, inf and NaN give [x, 0]. */
export function frexp(a: ArrayLike): [LaxArray, LaxArray] {
  const x0 = float(a, 'frexp');
  // subnormals are scaled into the normal range first
  const sub = logicalAnd(less(abs(x0), 1.1754943508222875e-38), logicalNot(equal(x0, 0)));
  const x = where(sub, multiply(x0, 2 ** 25), x0);
  const bits = f32Bits(x);
  const expField = wrap(node('and', [node('shr', [node('bitcast', [x.node], { dtype: 'uint32' }), broadcastNode(scalarNode(23, 'uint32'), x.shape)], {}), broadcastNode(scalarNode(0xff, 'uint32'), x.shape)], {}));
  const e = subtract(wrap(castNode(expField.node, 'int32')), where(sub, 126 + 25, 126));
  const mBits = wrap(node('or', [node('and', [bits.node, broadcastNode(scalarNode(0x807fffff | 0, 'int32'), x.shape)], {}), broadcastNode(scalarNode(0x3f000000, 'int32'), x.shape)], {}));
  const special = logicalOr(equal(x0, 0), logicalOr(isinf(x0), isnan(x0)));
  return [where(special, x0, fromBits(mBits)), where(special, 0, e)];
}

/** gcd(a, b): the greatest common divisor of integers (|a|, |b|), by 48 unrolled Euclid steps (enough for 32 bits). */
export function gcd(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x0, y0] = promoted2(a, b, 'gcd');
  if (x0.dtype === 'float32' || x0.dtype === 'bool') throw new TypeError(`gcd: Arguments to jax.numpy.gcd must be integers, got ${x0.dtype}`);
  let x = abs(wrap(x0));
  let y = abs(wrap(y0));
  for (let k = 0; k < 48; k++) {
    const zero = equal(y, 0);
    const r = wrap(node('rem', [x.node, where(zero, 1, y).node], {}));
    [x, y] = [where(zero, x, y), where(zero, y, r)];
  }
  return x;
}
/** lcm(a, b): |a b| / gcd(a, b) (0 when either is 0), in the integer dtype. */
export function lcm(a: ArrayLike, b: ArrayLike): LaxArray {
  const [x0, y0] = promoted2(a, b, 'lcm');
  if (x0.dtype === 'float32' || x0.dtype === 'bool') throw new TypeError(`lcm: Arguments to jax.numpy.lcm must be integers, got ${x0.dtype}`);
  const [x, y] = [wrap(x0), wrap(y0)];
  const g = gcd(x, y);
  const zero = equal(g, 0);
  return where(zero, 0, multiply(abs(x), wrap(node('div', [abs(y).node, where(zero, 1, g).node], {}))));
}

/** bitwiseCount(x): the number of set bits of |x| (int32 and uint32; bool as 0/1), as uint8 in JAX, int32 here. */
export function bitwiseCount(a: ArrayLike): LaxArray {
  const x0 = toNode(a, 'bitwiseCount');
  if (x0.dtype === 'float32') throw new TypeError('bitwiseCount: input must be an integer or bool array, got float32');
  let v = x0.dtype === 'int32' ? wrap(node('bitcast', [abs(wrap(x0)).node], { dtype: 'uint32' })) : wrap(castNode(x0, 'uint32'));
  const u = (c: number) => wrap(broadcastNode(scalarNode(c, 'uint32'), v.shape));
  const and = (p: LaxArray, q: LaxArray) => wrap(node('and', [p.node, q.node], {}));
  const shr = (p: LaxArray, k: number) => wrap(node('shr', [p.node, u(k).node], {}));
  v = subtract(v, and(shr(v, 1), u(0x55555555)));
  v = add(and(v, u(0x33333333)), and(shr(v, 2), u(0x33333333)));
  v = and(add(v, shr(v, 4)), u(0x0f0f0f0f));
  v = shr(wrap(node('mul', [v.node, u(0x01010101).node], {})), 24);
  return wrap(castNode(v.node, 'int32'));
}

/** divmod(x, y): [floorDivide(x, y), remainder(x, y)]. */
export const divmod = (a: ArrayLike, b: ArrayLike): [LaxArray, LaxArray] => [floorDivide(a, b), remainder(a, b)];
