// WGSL lowering of the scalar (elementwise) primitives: a total table keyed by primitive
// that says how to spell each one in WGSL for each dtype, with the meaning fixed by the
// oracle (src/cpu/oracle.ts), not by WGSL's defaults. Where WGSL differs, a helper
// function restores the oracle's result:
//   - integer x / 0 is -1 (all bits set) and x % 0 is x (WGSL would give x and 0);
//   - shifts by >= 32 (or < 0) give 0 (WGSL takes the amount modulo 32); i32 >> clamps;
//   - max/min propagate NaN (WGSL's max/min may drop it); sign(NaN) = NaN;
//   - pow follows JS Math.pow (negative bases with integer exponents, 0, inf, NaN);
//   - sqrt/log/log1p of out-of-domain inputs are NaN (WGSL leaves them indeterminate);
//   - float -> int casts truncate and saturate at the type's range (as XLA), NaN gives 0;
//   - round is half-to-even (WGSL's round already is);
//   - float x % y is C's fmod, exact (fmod helper), not WGSL's x - y * trunc(x / y).
// i32/u32 arithmetic wraps in WGSL at runtime, as in the oracle. Helpers are functions,
// never const-expressions, so no constant operand is folded at shader-creation time
// (where WGSL would reject 1 / 0 or exp(100.0)). Division and transcendentals are not
// correctly rounded in WGSL; the tests state the ulp tolerances.

import type { DType } from '../graph/dtype.js';
import { identityOf, type BinaryPrim, type CombinePrim, type UnaryPrim } from '../graph/prims.js';

/** WGSL register type of a dtype (bool is stored as a u32 word in memory). */
export const wgslType: { [D in DType]: string } = { float32: 'f32', int32: 'i32', uint32: 'u32', bool: 'bool' };

/** Emits an expression; `use(name)` pulls a helper from `helpers` into the shader. */
export interface Emit {
  use(helper: HelperName): string;
}
type Unary = (x: string, d: DType, e: Emit) => string;
type Binary = (a: string, b: string, d: DType, e: Emit) => string;

/** Expression converting `x` of dtype `from` to dtype `to`, with the oracle's semantics. */
export function castExpr(x: string, from: DType, to: DType, e: Emit): string {
  if (from === to) return x;
  if (to === 'bool') return from === 'float32' ? `(${x} != 0.0)` : from === 'bool' ? x : `(${x} != ${wgslType[from]}(0))`;
  if (from === 'bool') return `select(${wgslType[to]}(0), ${wgslType[to]}(1), ${x})`;
  if (from === 'float32') return `${e.use(to === 'int32' ? 'f2i' : 'f2u')}(${x})`;
  if (to === 'float32') return `f32(${x})`;
  return `bitcast<${wgslType[to]}>(${x})`; // i32 <-> u32 wraps
}

/** Float functions of float operands (the shape rules only let floats reach them). */
const float = (f: (x: string, e: Emit) => string): Unary => (x, _d, e) => f(x, e);

export const unaryWgsl: { [P in UnaryPrim]: Unary } = {
  neg: (x, d) => (d === 'bool' ? x : d === 'uint32' ? `(0u - ${x})` : `(-${x})`),
  abs: (x, d) => (d === 'float32' || d === 'int32' ? `abs(${x})` : x),
  sign: (x, d, e) => (d === 'float32' ? `${e.use('fsign')}(${x})` : d === 'int32' ? `sign(${x})` : d === 'uint32' ? `select(0u, 1u, ${x} > 0u)` : x),
  sqrt: float((x, e) => `${e.use('fsqrt')}(${x})`),
  exp: float((x) => `exp(${x})`),
  log: float((x, e) => `${e.use('flog')}(${x})`),
  log1p: float((x, e) => `${e.use('flog1p')}(${x})`),
  expm1: float((x, e) => `${e.use('fexpm1')}(${x})`),
  sin: float((x) => `sin(${x})`),
  cos: float((x) => `cos(${x})`),
  tan: float((x) => `tan(${x})`),
  tanh: float((x, e) => `${e.use('ftanh')}(${x})`),
  floor: (x, d) => (d === 'float32' ? `floor(${x})` : x),
  ceil: (x, d) => (d === 'float32' ? `ceil(${x})` : x),
  round: (x, d) => (d === 'float32' ? `round(${x})` : x),
  not: (x, d) => (d === 'bool' ? `(!${x})` : `(~${x})`),
  isfinite: (x, d, e) => (d === 'float32' ? `(!${e.use('finf')}(${x}))` : 'true'),
};

/** Bools compare and combine as u32 0/1 where WGSL has no bool operator. */
const u = (x: string, d: DType) => (d === 'bool' ? `select(0u, 1u, ${x})` : x);
/**
 * Float comparisons test NaN explicitly: WGSL lets implementations assume NaN is absent
 * (lavapipe folds NaN != NaN to false), while the oracle follows IEEE.
 */
const cmp = (op: string): Binary => (a, b, d, e) => {
  if (d !== 'float32') return `(${u(a, d)} ${op} ${u(b, d)})`;
  const nan = `${e.use('fnan')}(${a}) || fnan(${b})`;
  return op === '!=' ? `(${nan} || ${a} != ${b})` : `(!(${nan}) && ${a} ${op} ${b})`;
};

export const binaryWgsl: { [P in BinaryPrim]: Binary } = {
  add: (a, b, d) => (d === 'bool' ? `(${a} || ${b})` : `(${a} + ${b})`),
  sub: (a, b, d) => (d === 'bool' ? `(${a} != ${b})` : `(${a} - ${b})`),
  mul: (a, b, d) => (d === 'bool' ? `(${a} && ${b})` : `(${a} * ${b})`),
  div: (a, b, d, e) => (d === 'float32' ? `(${a} / ${b})` : d === 'int32' ? `${e.use('idiv')}(${a}, ${b})` : d === 'uint32' ? `${e.use('udiv')}(${a}, ${b})` : `(${a} && ${b})`),
  rem: (a, b, d, e) => (d === 'float32' ? `${e.use('fmod')}(${a}, ${b})` : d === 'int32' ? `${e.use('irem')}(${a}, ${b})` : d === 'uint32' ? `${e.use('urem')}(${a}, ${b})` : `(${a} && !${b})`),
  pow: (a, b, d, e) => (d === 'float32' ? `${e.use('fpow')}(${a}, ${b})` : d === 'int32' ? `${e.use('ipow')}(${a}, ${b})` : `${e.use('upow')}(${u(a, d)}, ${u(b, d)})`),
  max: (a, b, d, e) => (d === 'float32' ? `${e.use('fmax')}(${a}, ${b})` : d === 'bool' ? `(${a} || ${b})` : `max(${a}, ${b})`),
  min: (a, b, d, e) => (d === 'float32' ? `${e.use('fmin')}(${a}, ${b})` : d === 'bool' ? `(${a} && ${b})` : `min(${a}, ${b})`),
  atan2: (a, b, _d, e) => `${e.use('fatan2')}(${a}, ${b})`,
  eq: cmp('=='),
  ne: cmp('!='),
  lt: cmp('<'),
  le: cmp('<='),
  gt: cmp('>'),
  ge: cmp('>='),
  and: (a, b, d) => (d === 'bool' ? `(${a} && ${b})` : `(${a} & ${b})`),
  or: (a, b, d) => (d === 'bool' ? `(${a} || ${b})` : `(${a} | ${b})`),
  xor: (a, b, d) => (d === 'bool' ? `(${a} != ${b})` : `(${a} ^ ${b})`),
  shl: (a, b, d, e) => `${e.use(d === 'uint32' ? 'ushl' : 'ishl')}(${a}, ${b})`,
  shr: (a, b, d, e) => `${e.use(d === 'uint32' ? 'ushr' : 'ishr')}(${a}, ${b})`,
};

// Helper functions, pulled into a shader only when used. `deps` lists helpers a helper calls.
// NaN and inf come from private variables: `bitcast<f32>(0x7f800000u)` would be a
// const-expression, and WGSL rejects non-finite const-expression results.
const NAN = 'bitcast<f32>(F_NAN)';
const INF = 'bitcast<f32>(F_INF)';
/** Declarations every shader starts with. */
export const prelude = 'var<private> F_NAN: u32 = 0x7fc00000u;\nvar<private> F_INF: u32 = 0x7f800000u;';
export const helpers = {
  fnan: { deps: [], code: `fn fnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }` },
  finf: { deps: [], code: `fn finf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }` },
  fsign: { deps: [], code: `fn fsign(x: f32) -> f32 { return select(select(x, -1.0, x < 0.0), 1.0, x > 0.0); }` },
  fsqrt: { deps: [], code: `fn fsqrt(x: f32) -> f32 { return select(sqrt(x), ${NAN}, x < 0.0); }` },
  flog: { deps: [], code: `fn flog(x: f32) -> f32 { if (x < 0.0) { return ${NAN}; } if (x == 0.0) { return -${INF}; } return log(x); }` },
  flog1p: {
    deps: ['finf'],
    code: `fn flog1p(x: f32) -> f32 {
  if (x < -1.0) { return ${NAN}; } if (x == -1.0) { return -${INF}; }
  let v = 1.0 + x;
  if (v == 1.0 || finf(v)) { return select(x, v, finf(v)); }
  return log(v) * (x / (v - 1.0));
}`,
  },
  fexpm1: {
    deps: ['finf'],
    code: `fn fexpm1(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let v = exp(x);
  if (finf(v) || v - 1.0 == -1.0) { return v - 1.0; }
  return (v - 1.0) * (x / log(v));
}`,
  },
  fatan2: {
    deps: [],
    code: `fn fatan2(y: f32, x: f32) -> f32 {
  if (y == 0.0 && x == 0.0) {
    let r = select(0.0, 3.14159265358979, (bitcast<u32>(x) >> 31u) == 1u);
    return select(r, -r, (bitcast<u32>(y) >> 31u) == 1u);
  }
  return atan2(y, x);
}`,
  },
  ftanh: { deps: [], code: `fn ftanh(x: f32) -> f32 { return select(tanh(x), sign(x), abs(x) > 10.0); }` },
  fmax: { deps: ['fnan'], code: `fn fmax(a: f32, b: f32) -> f32 { return select(max(a, b), ${NAN}, fnan(a) || fnan(b)); }` },
  fmin: { deps: ['fnan'], code: `fn fmin(a: f32, b: f32) -> f32 { return select(min(a, b), ${NAN}, fnan(a) || fnan(b)); }` },
  // C's fmod, exact (the oracle's JS %): WGSL's f32 % is x - y * trunc(x / y), which is NaN
  // for an infinite y, loses every digit when x / y is large, and gives +0 for -4 % 2.
  // Integer long division of the significands, 8 bits a step: m = m * 2^k mod my.
  fmod: {
    deps: [],
    code: `fn fmod(x: f32, y: f32) -> f32 {
  let sx = bitcast<u32>(x) & 0x80000000u;
  let ax = bitcast<u32>(x) & 0x7fffffffu;
  let ay = bitcast<u32>(y) & 0x7fffffffu;
  if (ay == 0u || ay > 0x7f800000u || ax >= 0x7f800000u) { return ${NAN}; }
  if (ax < ay) { return x; }
  var ex = max(i32(ax >> 23u), 1); var mx = select(ax & 0x7fffffu, (ax & 0x7fffffu) | 0x800000u, ax >= 0x800000u);
  let ey = max(i32(ay >> 23u), 1); let my = select(ay & 0x7fffffu, (ay & 0x7fffffu) | 0x800000u, ay >= 0x800000u);
  mx = mx % my;
  loop {
    if (ex <= ey || mx == 0u) { break; }
    let k = min(ex - ey, 8);
    mx = (mx << u32(k)) % my;
    ex = ex - k;
  }
  if (mx == 0u) { return bitcast<f32>(sx); }
  var e = ey;
  loop { if (mx >= 0x800000u || e <= 1) { break; } mx = mx << 1u; e = e - 1; }
  if (mx < 0x800000u) { return bitcast<f32>(sx | mx); }
  return bitcast<f32>(sx | (u32(e) << 23u) | (mx & 0x7fffffu));
}`,
  },
  idiv: { deps: [], code: `fn idiv(a: i32, b: i32) -> i32 { if (b == 0) { return -1; } if (b == -1) { return 0 - a; } return a / b; }` },
  udiv: { deps: [], code: `fn udiv(a: u32, b: u32) -> u32 { if (b == 0u) { return 0xffffffffu; } return a / b; }` },
  irem: { deps: [], code: `fn irem(a: i32, b: i32) -> i32 { if (b == 0) { return a; } if (b == -1) { return 0; } return a % b; }` },
  urem: { deps: [], code: `fn urem(a: u32, b: u32) -> u32 { if (b == 0u) { return a; } return a % b; }` },
  ishl: { deps: [], code: `fn ishl(a: i32, b: i32) -> i32 { return select(a << u32(b), 0, b < 0 || b >= 32); }` },
  ushl: { deps: [], code: `fn ushl(a: u32, b: u32) -> u32 { return select(a << b, 0u, b >= 32u); }` },
  ishr: { deps: [], code: `fn ishr(a: i32, b: i32) -> i32 { return select(a >> u32(b), a >> 31u, b < 0 || b >= 32); }` },
  ushr: { deps: [], code: `fn ushr(a: u32, b: u32) -> u32 { return select(a >> b, 0u, b >= 32u); }` },
  upow: {
    deps: [],
    code: `fn upow(a: u32, b: u32) -> u32 {
  var r = 1u; var base = a; var e = b;
  loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
  },
  ipow: {
    deps: ['upow'],
    code: `fn ipow(a: i32, b: i32) -> i32 {
  if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(1, -1, (b & 1) == 1); } return 0; }
  return bitcast<i32>(upow(bitcast<u32>(a), u32(b)));
}`,
  },
  fpow: {
    deps: ['fnan', 'finf'],
    code: `fn fpow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (fnan(x) || fnan(y)) { return ${NAN}; }
  let yint = floor(y) == y;
  let yodd = yint && abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  let ax = abs(x);
  if (finf(y)) { if (ax == 1.0) { return ${NAN}; } return select(0.0, ${INF}, (ax > 1.0) == (y > 0.0)); }
  if (x == 0.0 || finf(x)) {
    let big = (x == 0.0) != (y > 0.0);
    let mag = select(0.0, ${INF}, big);
    return select(mag, -mag, yodd && (bitcast<u32>(x) >> 31u) == 1u);
  }
  if (x < 0.0 && !yint) { return ${NAN}; }
  var r: f32;
  if (yint && abs(y) <= 64.0) {
    var e = u32(abs(y)); var base = ax; r = 1.0;
    loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
    if (y < 0.0) { r = 1.0 / r; }
  } else {
    r = exp2(y * log2(ax));
  }
  return select(r, -r, yodd && x < 0.0);
}`,
  },
  f2i: {
    deps: ['fnan'],
    code: `fn f2i(x: f32) -> i32 {
  if (fnan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x < -2147483648.0) { return -2147483647 - 1; }
  return i32(x);
}`,
  },
  f2u: {
    deps: ['fnan'],
    code: `fn f2u(x: f32) -> u32 {
  if (fnan(x) || x <= -1.0) { return 0u; }
  if (x >= 4294967296.0) { return 0xffffffffu; }
  return u32(x);
}`,
  },
} satisfies Record<string, { deps: readonly string[]; code: string }>;
export type HelperName = keyof typeof helpers;

/** The WGSL source of `used` helpers and their dependencies, dependencies first. */
export function helperSource(used: Iterable<HelperName>): string {
  const out: string[] = [];
  const seen = new Set<HelperName>();
  const visit = (h: HelperName) => {
    if (seen.has(h)) return;
    seen.add(h);
    helpers[h].deps.forEach((d) => visit(d as HelperName));
    out.push(helpers[h].code);
  };
  [...used].sort().forEach(visit);
  return out.join('\n');
}

/** A constant of dtype `d` as a WGSL expression (infinities through the prelude's F_INF bits). */
function wgslConstant(v: number, d: DType): string {
  switch (d) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'uint32':
      return `${v >>> 0}u`;
    case 'int32':
      return v === -2147483648 ? '(-2147483647 - 1)' : String(v | 0); // WGSL has no literal -2^31
    case 'float32':
      return v === Infinity ? INF : v === -Infinity ? `-${INF}` : Number.isInteger(v) ? `${v}.0` : String(v);
  }
}

/** Neutral element (`identityOf`) and combiner of the binary primitive a reduction or cumulative op folds with, as WGSL. */
export function monoid(op: CombinePrim, d: DType, e: Emit): { init: string; combine: (a: string, b: string) => string } {
  return { init: wgslConstant(identityOf[op][d], d), combine: (a, b) => binaryWgsl[op](a, b, d, e) };
}
