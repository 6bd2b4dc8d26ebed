// How each scalar primitive is spelled in the CPU backend's generated JavaScript: total
// tables over the unary and binary primitives, and the casts. Each spells one JS expression
// over already-evaluated operands (variable names); views, leaves and the kernel-sized
// primitives have no spelling here (the scheduler folds views into index maps, codegen.ts
// writes each kernel kind's loops). The semantics are exactly oracle.ts's (float32 rounding
// with Math.fround, int32/uint32 wrapping, integer division by zero, shifts >= 32, round half
// to even, casts).
//
// uint32 in generated code: a value may be held as its true unsigned number or as the int32
// with the same 32 bits (V8 keeps int32 arithmetic in machine registers; `>>> 0` results above
// 2^31 become doubles). Wrapping ops produce the int32 form (`| 0`, Math.imul, bitwise ops);
// every op whose result depends on the unsigned value (comparisons, max/min, division,
// remainder, conversion to float, abs, sign) first takes it with `>>> 0`. A Uint32Array store
// accepts either form.

import { saturateI32, saturateU32, type DType } from '../graph/dtype.js';
import type { BinaryPrim, UnaryPrim } from '../graph/prims.js';

/** Spell a scalar op: operands are variable names; `d` is the operands' dtype. */
type Emit = (args: readonly string[], d: DType) => string;

/** Round/wrap a JS number to dtype `d`, as storing it in d's typed array does. */
export function wrapTo(d: DType, code: string): string {
  switch (d) {
    case 'float32':
      return `f(${code})`;
    case 'int32':
      return `((${code}) | 0)`;
    case 'uint32':
      return `((${code}) | 0)`;
    case 'bool':
      return `((${code}) & 255)`;
  }
}

const f32 = (fn: string): Emit => ([x]) => `f(${fn}(${x}))`;
/** The unsigned value of a uint32 operand (either form), other dtypes as they are. */
export const unsignedValue = (x: string, d: DType): string => (d === 'uint32' ? `(${x} >>> 0)` : x);
const cmp = (op: string): Emit => ([a, b], d) => `(${unsignedValue(a, d)} ${op} ${unsignedValue(b, d)} ? 1 : 0)`;

export const unaryLowering: { [P in UnaryPrim]: Emit } = {
  neg: ([x], d) => (d === 'float32' ? `(-${x})` : wrapTo(d, `-${x}`)),
  abs: ([x], d) => (d === 'int32' ? `(Math.abs(${x}) | 0)` : d === 'uint32' ? x : `Math.abs(${x})`),
  sign: ([x], d) => (d === 'uint32' ? `(${x} !== 0 ? 1 : 0)` : `Math.sign(${x})`),
  sqrt: f32('Math.sqrt'),
  exp: f32('Math.exp'),
  log: f32('Math.log'),
  log1p: f32('Math.log1p'),
  expm1: f32('Math.expm1'),
  sin: f32('Math.sin'),
  cos: f32('Math.cos'),
  tan: f32('Math.tan'),
  tanh: f32('Math.tanh'),
  floor: ([x]) => `Math.floor(${x})`,
  ceil: ([x]) => `Math.ceil(${x})`,
  round: ([x]) => `rint(${x})`,
  not: ([x], d) => (d === 'bool' ? `(${x} ? 0 : 1)` : wrapTo(d, `~${x}`)),
  isfinite: ([x]) => `(isFinite(${x}) ? 1 : 0)`,
};

export const binaryLowering: { [P in BinaryPrim]: Emit } = {
  add: ([a, b], d) => (d === 'bool' ? `(${a} | ${b})` : wrapTo(d, `${a} + ${b}`)),
  sub: ([a, b], d) => wrapTo(d, `${a} - ${b}`),
  mul: ([a, b], d) =>
    d === 'float32' ? `f(${a} * ${b})` : d === 'bool' ? `(${a} & ${b})` : `Math.imul(${a}, ${b})`,
  div: ([a, b], d) => (d === 'float32' ? `f(${a} / ${b})` : `(${b} === 0 ? ${wrapTo(d, '-1')} : ${wrapTo(d, `${unsignedValue(a, d)} / ${unsignedValue(b, d)}`)})`),
  rem: ([a, b], d) => (d === 'float32' ? `f(${a} % ${b})` : `(${b} === 0 ? ${a} : ${wrapTo(d, `${unsignedValue(a, d)} % ${unsignedValue(b, d)}`)})`),
  pow: ([a, b]) => `f(Math.pow(${a}, ${b}))`,
  max: ([a, b], d) => `Math.max(${unsignedValue(a, d)}, ${unsignedValue(b, d)})`,
  min: ([a, b], d) => `Math.min(${unsignedValue(a, d)}, ${unsignedValue(b, d)})`,
  atan2: ([a, b]) => `f(Math.atan2(${a}, ${b}))`,
  eq: cmp('==='),
  ne: cmp('!=='),
  lt: cmp('<'),
  le: cmp('<='),
  gt: cmp('>'),
  ge: cmp('>='),
  and: ([a, b]) => `(${a} & ${b})`,
  or: ([a, b]) => `(${a} | ${b})`,
  xor: ([a, b]) => `(${a} ^ ${b})`,
  // A uint32 shift amount of 2^31 or more reads as negative in int32 form: also >= 32.
  shl: ([a, b]) => `(${b} < 0 || ${b} >= 32 ? 0 : ${a} << ${b})`,
  shr: ([a, b], d) => (d === 'uint32' ? `(${b} < 0 || ${b} >= 32 ? 0 : ${a} >>> ${b})` : `(${b} < 0 || ${b} >= 32 ? ${a} >> 31 : ${a} >> ${b})`),
};

/** lax.convert_element_type, as oracle.ts `castValue`. */
export function castCode(from: DType, to: DType, x: string): string {
  if (to === 'bool') return `(${x} !== 0 ? 1 : 0)`;
  if (to === 'float32') return `f(${unsignedValue(x, from)})`;
  if (from === 'float32') return to === 'int32' ? `castI32(${x})` : `castU32(${x})`;
  return to === 'int32' ? `(${x} | 0)` : `(${x} >>> 0)`;
}

export const bitcastCode = (from: DType, to: DType, x: string) => `bitcast_${from}_${to}(${x})`;

/** Helpers the generated code closes over (`f`, `rint`, casts, bitcasts). */
export function runtimeHelpers(): Record<string, unknown> {
  const scratch = new ArrayBuffer(4);
  const views = { float32: new Float32Array(scratch), int32: new Int32Array(scratch), uint32: new Uint32Array(scratch) };
  const helpers: Record<string, unknown> = {
    f: Math.fround,
    rint: (x: number) => {
      const r = Math.round(x);
      return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    },
    castI32: saturateI32,
    castU32: saturateU32,
  };
  for (const from of ['float32', 'int32', 'uint32'] as const) {
    for (const to of ['float32', 'int32', 'uint32'] as const) {
      helpers[`bitcast_${from}_${to}`] = (x: number) => {
        views[from][0] = x;
        return views[to][0];
      };
    }
  }
  return helpers;
}
