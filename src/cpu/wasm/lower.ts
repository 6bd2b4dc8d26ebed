// How each elementwise primitive is spelled in wasm SIMD, one total table keyed by
// primitive (a string entry says why a primitive or dtype is not compiled, and the backend
// then runs that kernel in JS). Semantics are the oracle's (src/cpu/oracle.ts), lane by
// lane, and must match it bit for bit:
//   - f32x4 add/sub/mul/div/sqrt are IEEE correctly rounded, like Math.fround of the JS op;
//     min/max propagate NaN and order -0 < +0, like the oracle's NaN-checked Math.min/max;
//     nearest rounds half to even like `rint`; floor/ceil/abs/neg are exact.
//   - Only the NaN *payload and sign* may differ from JS (wasm may return either sign).
//   - Transcendentals (exp, log, sin, pow, ...) are not emitted: wasm has no instruction
//     for them and a polynomial would not match Math.* bit for bit.
//   - Integer division and remainder have no SIMD form: lane by lane with the scalar
//     instructions, on a divisor made safe first (i32.div traps on /0 and on INT_MIN / -1),
//     then the oracle's (XLA's) results for those cases: x / 0 = -1, x % 0 = x,
//     INT_MIN / -1 = INT_MIN. Float remainder (fmod) and float→int casts (the oracle wraps
//     out-of-range values modulo 2^32, SIMD saturates) are left to JS.
// Values live in v128 lanes: float32 as f32x4, int32/uint32 as i32x4, bool as a lane mask
// (all ones for true).

import type { DType } from '../../graph/dtype.js';
import type { FunctionBuilder, SimdOp } from './encoder.js';
import type { Expr, ExprPrim, OpExpr } from './expr.js';

/** What an op lowering may use: its argument values (v128 locals) and scalar constants. */
export interface LowerCtx {
  readonly f: FunctionBuilder;
  /** v128 locals holding the arguments' values. */
  readonly args: readonly number[];
  /** The i32/f32 parameter holding constant `e`'s scalar value. */
  scalarParam(e: Expr): number;
}

/** Pushes the result (one v128) on the stack. */
type Emit = (c: LowerCtx) => void;
type Lowering = (e: OpExpr) => Emit | string;

const TRANSCENDENTAL = 'transcendental functions are evaluated in JS (no correctly matching wasm instruction)';

const get = (c: LowerCtx, k: number) => c.f.op('local.get', c.args[k]);

/** Pushes a v128 with four equal 32-bit lanes (`bits` as an int32 bit pattern). */
export function splatBits(f: FunctionBuilder, bits: number): void {
  const b = new Uint8Array(new Int32Array([bits, bits, bits, bits]).buffer);
  f.simd('v128.const', ...b);
}
const F32_ONE = 0x3f800000;
const SIGN = 0x80000000 | 0;

const un = (name: SimdOp): Emit => (c) => (get(c, 0), c.f.simd(name));
const bin = (name: SimdOp): Emit => (c) => (get(c, 0), get(c, 1), c.f.simd(name));
/** `name(arg1, arg0)`: swapped operands (andnot for bool comparisons). */
const binSwapped = (name: SimdOp): Emit => (c) => (get(c, 1), get(c, 0), c.f.simd(name));
const identity: Emit = (c) => get(c, 0);
const notOf = (inner: Emit): Emit => (c) => (inner(c), c.f.simd('v128.not'));

type Kind = 'f' | 'i' | 'u' | 'b';
const kindOf: { [D in DType]: Kind } = { float32: 'f', int32: 'i', uint32: 'u', bool: 'b' };

/** A lowering chosen by the dtype of the first argument. */
function byKind(table: Partial<Record<Kind, Emit>>, what: string): Lowering {
  return (e) => {
    const d = e.args[0].dtype;
    return table[kindOf[d]] ?? `${what} of ${d} is evaluated in JS`;
  };
}

const cmp = (f: SimdOp, i: SimdOp, u: SimdOp, b: Emit): Lowering => byKind({ f: bin(f), i: bin(i), u: bin(u), b }, 'comparison');

/** A shift by a scalar constant: `inRange` guards the count the way the oracle does. */
function shift(kind: 'shl' | 'shr'): Lowering {
  return (e) => {
    const count = e.args[1];
    if (count.kind !== 'const') return 'shifts by an array are evaluated in JS (wasm SIMD shifts take one scalar count)';
    const signedShr = kind === 'shr' && e.dtype === 'int32';
    const name: SimdOp = kind === 'shl' ? 'i32x4.shl' : signedShr ? 'i32x4.shr_s' : 'i32x4.shr_u';
    if (count.baked) {
      // a count known at compile time: the shift itself, no range guard
      const n = count.value >>> 0;
      if (n < 32) return (c) => (get(c, 0), c.f.op('i32.const', n).simd(name));
      return signedShr ? (c) => (get(c, 0), c.f.op('i32.const', 31).simd(name)) : (c) => splatBits(c.f, 0);
    }
    return (c) => {
      const p = c.scalarParam(count);
      const f = c.f;
      if (signedShr) {
        // a >> b, and a >> 31 (the sign) for b outside [0, 32)
        get(c, 0);
        f.op('local.get', p).op('i32.const', 31).op('local.get', p).op('i32.const', 32).op('i32.lt_u').op('select');
        f.simd(name);
        return;
      }
      // (b unsigned) < 32 ? a << b : 0
      get(c, 0);
      f.op('local.get', p).simd(name);
      splatBits(f, 0);
      f.op('local.get', p).op('i32.const', 32).op('i32.lt_u').op('select');
    };
  };
}

/** Math.sign: ±1 with the sign of x, except ±0 and NaN, which it returns as they are. */
const signF32: Emit = (c) => {
  const f = c.f;
  get(c, 0), splatBits(f, SIGN), f.simd('v128.and'), splatBits(f, F32_ONE), f.simd('v128.or');
  get(c, 0);
  get(c, 0), get(c, 0), f.simd('f32x4.eq'), get(c, 0), splatBits(f, 0), f.simd('f32x4.ne'), f.simd('v128.and');
  f.simd('v128.bitselect');
};
const signI32: Emit = (c) => {
  const f = c.f;
  get(c, 0), f.op('i32.const', 31), f.simd('i32x4.shr_s');
  get(c, 0), splatBits(f, 0), f.simd('i32x4.ne'), splatBits(f, 1), f.simd('v128.and');
  f.simd('v128.or');
};
const signU32: Emit = (c) => (get(c, 0), splatBits(c.f, 0), c.f.simd('i32x4.ne'), splatBits(c.f, 1), c.f.simd('v128.and'));

/** x - x is +0 for finite x and NaN for ±inf and NaN. */
const isfinite: Emit = (c) => (get(c, 0), get(c, 0), c.f.simd('f32x4.sub'), splatBits(c.f, 0), c.f.simd('f32x4.eq'));

function cast(e: OpExpr): Emit | string {
  const from = e.args[0].dtype;
  const to = e.dtype;
  if (from === to) return identity;
  if (to === 'bool') return from === 'float32' ? (c) => (get(c, 0), splatBits(c.f, 0), c.f.simd('f32x4.ne')) : (c) => (get(c, 0), splatBits(c.f, 0), c.f.simd('i32x4.ne'));
  if (from === 'bool') return (c) => (get(c, 0), splatBits(c.f, to === 'float32' ? F32_ONE : 1), c.f.simd('v128.and'));
  if (from === 'float32') return `convert_element_type float32 -> ${to} is evaluated in JS (out-of-range values wrap there)`;
  if (to === 'float32') return un(from === 'int32' ? 'f32x4.convert_i32x4_s' : 'f32x4.convert_i32x4_u');
  return identity; // int32 <-> uint32 keeps the bits
}

const unsupported = (why: string): Lowering => () => why;

const INT_MIN = 0x80000000 | 0;

/** Integer a / b or a % b, lane by lane (see the header); float32 division is f32x4.div. */
function divRem(kind: 'div' | 'rem'): Lowering {
  return (e) => {
    const d = e.args[0].dtype;
    if (d === 'float32') return kind === 'div' ? bin('f32x4.div') : 'rem of float32 is evaluated in JS (no wasm instruction for fmod)';
    if (d === 'bool') return `${kind} of bool is evaluated in JS`;
    const signed = d === 'int32';
    const scalarOp = kind === 'div' ? (signed ? 'i32.div_s' : 'i32.div_u') : signed ? 'i32.rem_s' : 'i32.rem_u';
    return (c) => {
      const f = c.f;
      const [a, b, safe, q] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
      const res = f.local('v128');
      f.op('local.get', c.args[0]).op('local.set', res);
      for (let lane = 0; lane < 4; lane++) {
        f.op('local.get', c.args[0]).simd('i32x4.extract_lane', lane).op('local.set', a);
        f.op('local.get', c.args[1]).simd('i32x4.extract_lane', lane).op('local.set', b);
        // safe = (b == 0 || a / b overflows) ? 1 : b   (INT_MIN / 1 is the wrapped INT_MIN / -1)
        f.op('i32.const', 1).op('local.get', b).op('local.get', b).op('i32.eqz');
        if (signed && kind === 'div') f.op('local.get', a).op('i32.const', INT_MIN).op('i32.eq').op('local.get', b).op('i32.const', -1).op('i32.eq').op('i32.and').op('i32.or');
        f.op('select').op('local.set', safe);
        // b == 0 ? (div: -1, rem: a) : a op safe
        if (kind === 'div') f.op('i32.const', -1);
        else f.op('local.get', a);
        f.op('local.get', a).op('local.get', safe).op(scalarOp);
        f.op('local.get', b).op('i32.eqz').op('select').op('local.set', q);
        f.op('local.get', res).op('local.get', q).simd('i32x4.replace_lane', lane).op('local.set', res);
      }
      f.op('local.get', res);
    };
  };
}

export const lowerings: { [P in ExprPrim]: Lowering } = {
  neg: byKind({ f: un('f32x4.neg'), i: un('i32x4.neg'), u: un('i32x4.neg') }, 'neg'),
  abs: byKind({ f: un('f32x4.abs'), i: un('i32x4.abs'), u: identity }, 'abs'),
  sign: byKind({ f: signF32, i: signI32, u: signU32 }, 'sign'),
  sqrt: byKind({ f: un('f32x4.sqrt') }, 'sqrt'),
  exp: unsupported(TRANSCENDENTAL),
  log: unsupported(TRANSCENDENTAL),
  log1p: unsupported(TRANSCENDENTAL),
  expm1: unsupported(TRANSCENDENTAL),
  sin: unsupported(TRANSCENDENTAL),
  cos: unsupported(TRANSCENDENTAL),
  tan: unsupported(TRANSCENDENTAL),
  tanh: unsupported(TRANSCENDENTAL),
  floor: byKind({ f: un('f32x4.floor'), i: identity, u: identity }, 'floor'),
  ceil: byKind({ f: un('f32x4.ceil'), i: identity, u: identity }, 'ceil'),
  round: byKind({ f: un('f32x4.nearest'), i: identity, u: identity }, 'round'),
  not: byKind({ i: un('v128.not'), u: un('v128.not'), b: un('v128.not') }, 'not'),
  isfinite: byKind({ f: isfinite }, 'isfinite'),
  add: byKind({ f: bin('f32x4.add'), i: bin('i32x4.add'), u: bin('i32x4.add'), b: bin('v128.or') }, 'add'),
  sub: byKind({ f: bin('f32x4.sub'), i: bin('i32x4.sub'), u: bin('i32x4.sub') }, 'sub'),
  mul: byKind({ f: bin('f32x4.mul'), i: bin('i32x4.mul'), u: bin('i32x4.mul'), b: bin('v128.and') }, 'mul'),
  div: divRem('div'),
  rem: divRem('rem'),
  pow: unsupported(TRANSCENDENTAL),
  atan2: unsupported(TRANSCENDENTAL),
  max: byKind({ f: bin('f32x4.max'), i: bin('i32x4.max_s'), u: bin('i32x4.max_u'), b: bin('v128.or') }, 'max'),
  min: byKind({ f: bin('f32x4.min'), i: bin('i32x4.min_s'), u: bin('i32x4.min_u'), b: bin('v128.and') }, 'min'),
  eq: cmp('f32x4.eq', 'i32x4.eq', 'i32x4.eq', notOf(bin('v128.xor'))),
  ne: cmp('f32x4.ne', 'i32x4.ne', 'i32x4.ne', bin('v128.xor')),
  lt: cmp('f32x4.lt', 'i32x4.lt_s', 'i32x4.lt_u', binSwapped('v128.andnot')), // !a & b
  le: cmp('f32x4.le', 'i32x4.le_s', 'i32x4.le_u', notOf(bin('v128.andnot'))), // !(a & !b)
  gt: cmp('f32x4.gt', 'i32x4.gt_s', 'i32x4.gt_u', bin('v128.andnot')), // a & !b
  ge: cmp('f32x4.ge', 'i32x4.ge_s', 'i32x4.ge_u', notOf(binSwapped('v128.andnot'))), // !(!a & b)
  and: byKind({ i: bin('v128.and'), u: bin('v128.and'), b: bin('v128.and') }, 'and'),
  or: byKind({ i: bin('v128.or'), u: bin('v128.or'), b: bin('v128.or') }, 'or'),
  xor: byKind({ i: bin('v128.xor'), u: bin('v128.xor'), b: bin('v128.xor') }, 'xor'),
  shl: shift('shl'),
  shr: shift('shr'),
  // select(pred, onTrue, onFalse) = bitselect(onTrue, onFalse, mask)
  select: () => (c) => (get(c, 1), get(c, 2), get(c, 0), c.f.simd('v128.bitselect')),
  cast,
  bitcast: (e) => (e.dtype === 'bool' || e.args[0].dtype === 'bool' ? 'bitcast_convert_type does not accept bool' : identity),
};
