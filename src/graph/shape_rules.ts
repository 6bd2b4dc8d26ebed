// Abstract evaluation: the output shape and dtype of each primitive from its inputs and
// params. Errors here use lax's wording; src/operators validates user input first with the
// user-facing function's name.

import type { DType } from './dtype.js';
import type { BinaryPrim, Prim, PrimParamsOf, UnaryPrim } from './prims.js';
import { fmtShape, shapesEqual, sizeOf, type Shape } from './shape.js';

export interface Aval {
  shape: Shape;
  dtype: DType;
  weak?: boolean;
}

/** What a shape rule sees of an input node (a Node is one): its aval, and a tuple node's output avals. */
interface Input {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly weak: boolean;
  readonly tuple: readonly Aval[];
}

/** A shape rule sees avals only, also of a scan body's outputs. */
type ShapeRule<P extends Prim> = (inputs: readonly Input[], params: PrimParamsOf<Aval>[P]) => Aval | Aval[];

function sameShapes(name: string, inputs: readonly Input[]): void {
  for (const x of inputs) {
    if (!shapesEqual(x.shape, inputs[0].shape)) {
      throw new TypeError(`${name} requires arguments to have the same shape, got ${inputs.map((i) => fmtShape(i.shape)).join(', ')}`);
    }
  }
}

function sameDtypes(name: string, inputs: readonly Input[]): void {
  for (const x of inputs) {
    if (x.dtype !== inputs[0].dtype) {
      throw new TypeError(`${name} requires arguments to have the same dtypes, got ${inputs.map((i) => i.dtype).join(', ')}`);
    }
  }
}

const weakAll = (inputs: readonly Input[]) => inputs.every((x) => x.weak);

function unary(kinds: 'float' | 'number' | 'any' | 'intbool', out?: DType): ShapeRule<UnaryPrim> {
  return ([x]) => {
    if (kinds === 'float' && x.dtype !== 'float32') throw new TypeError(`expected a floating-point operand, got ${x.dtype}`);
    if (kinds === 'number' && x.dtype === 'bool') throw new TypeError(`expected a numeric operand, got bool`);
    if (kinds === 'intbool' && x.dtype === 'float32') throw new TypeError(`expected an integer or boolean operand, got float32`);
    return { shape: x.shape, dtype: out ?? x.dtype, weak: out ? false : x.weak };
  };
}

function binary(name: string, kinds: 'float' | 'number' | 'any' | 'intbool' | 'int', compare = false): ShapeRule<BinaryPrim> {
  return (inputs) => {
    sameShapes(name, inputs);
    sameDtypes(name, inputs);
    const d = inputs[0].dtype;
    const bad =
      (kinds === 'float' && d !== 'float32') ||
      (kinds === 'number' && d === 'bool') ||
      (kinds === 'intbool' && d === 'float32') ||
      (kinds === 'int' && d !== 'int32' && d !== 'uint32');
    if (bad) throw new TypeError(`${name} does not accept dtype ${d}`);
    return { shape: inputs[0].shape, dtype: compare ? 'bool' : d, weak: compare ? false : weakAll(inputs) };
  };
}

function reduce({ axes }: { axes: readonly number[] }, x: Input, dtype = x.dtype): Aval {
  return { shape: x.shape.filter((_, i) => !axes.includes(i)), dtype };
}

const same = (inputs: readonly Input[]): Aval => ({ shape: inputs[0].shape, dtype: inputs[0].dtype });

export const shapeRules: { [P in Prim]: ShapeRule<P> } = {
  neg: unary('number'),
  abs: unary('number'),
  sign: unary('number'),
  sqrt: unary('float'),
  exp: unary('float'),
  log: unary('float'),
  log1p: unary('float'),
  expm1: unary('float'),
  sin: unary('float'),
  cos: unary('float'),
  tan: unary('float'),
  tanh: unary('float'),
  floor: unary('float'),
  ceil: unary('float'),
  round: unary('float'),
  not: unary('intbool'),
  isfinite: unary('float', 'bool'),
  add: binary('add', 'any'),
  sub: binary('sub', 'number'),
  mul: binary('mul', 'any'),
  div: binary('div', 'number'),
  rem: binary('rem', 'number'),
  pow: binary('pow', 'float'),
  max: binary('max', 'any'),
  min: binary('min', 'any'),
  atan2: binary('atan2', 'float'),
  eq: binary('eq', 'any', true),
  ne: binary('ne', 'any', true),
  lt: binary('lt', 'any', true),
  le: binary('le', 'any', true),
  gt: binary('gt', 'any', true),
  ge: binary('ge', 'any', true),
  and: binary('and', 'intbool'),
  or: binary('or', 'intbool'),
  xor: binary('xor', 'intbool'),
  shl: binary('shift_left', 'int'),
  shr: binary('shift_right', 'int'),
  const: (_, p) => ({ shape: p.shape, dtype: p.dtype, weak: p.weak }),
  param: (_, p) => ({ shape: p.shape, dtype: p.dtype }),
  iota: (_, p) => ({ shape: p.shape, dtype: p.dtype }),
  select: ([pred, a, b]) => {
    if (pred.dtype !== 'bool') throw new TypeError(`select requires a boolean predicate, got ${pred.dtype}`);
    sameShapes('select', [pred, a, b]);
    sameDtypes('select', [a, b]);
    return { shape: a.shape, dtype: a.dtype, weak: a.weak && b.weak };
  },
  cast: ([x], p) => ({ shape: x.shape, dtype: p.dtype, weak: p.weak ?? false }),
  bitcast: ([x], p) => {
    if (x.dtype === 'bool' || p.dtype === 'bool') throw new TypeError('bitcast_convert_type does not accept bool');
    return { shape: x.shape, dtype: p.dtype };
  },
  broadcast: ([x], p) => {
    if (p.dims.length !== x.shape.length) throw new TypeError(`broadcast_in_dim: dims ${fmtShape(p.dims)} do not match operand ${fmtShape(x.shape)}`);
    x.shape.forEach((d, i) => {
      if (d !== 1 && d !== p.shape[p.dims[i]]) {
        throw new TypeError(`broadcast_in_dim: operand ${fmtShape(x.shape)} cannot broadcast to ${fmtShape(p.shape)}`);
      }
    });
    return { shape: p.shape, dtype: x.dtype, weak: x.weak };
  },
  reshape: ([x], p) => {
    const n = sizeOf(p.shape);
    if (n !== sizeOf(x.shape)) throw new TypeError(`cannot reshape array of shape ${fmtShape(x.shape)} (size ${sizeOf(x.shape)}) into shape ${fmtShape(p.shape)} (size ${n})`);
    return { shape: p.shape, dtype: x.dtype, weak: x.weak };
  },
  transpose: ([x], p) => ({ shape: p.perm.map((i) => x.shape[i]), dtype: x.dtype, weak: x.weak }),
  slice: ([x], p) => ({
    shape: x.shape.map((_, i) => Math.max(0, Math.ceil((p.limits[i] - p.starts[i]) / p.strides[i]))),
    dtype: x.dtype,
    weak: x.weak,
  }),
  rev: ([x]) => ({ shape: x.shape, dtype: x.dtype, weak: x.weak }),
  concat: (inputs, { axis }) => {
    sameDtypes('concatenate', inputs);
    const shape = [...inputs[0].shape];
    for (const x of inputs.slice(1)) {
      if (x.shape.length !== shape.length || x.shape.some((d, i) => i !== axis && d !== shape[i])) {
        throw new TypeError(`concatenate: arrays must have the same shape except on axis ${axis}, got ${inputs.map((i) => fmtShape(i.shape)).join(', ')}`);
      }
      shape[axis] += x.shape[axis];
    }
    return { shape, dtype: inputs[0].dtype };
  },
  reduce_sum: ([x], p) => reduce(p, x),
  reduce_max: ([x], p) => reduce(p, x),
  reduce_min: ([x], p) => reduce(p, x),
  reduce_prod: ([x], p) => reduce(p, x),
  argmax: ([x], p) => reduce({ axes: [p.axis] }, x, 'int32'),
  argmin: ([x], p) => reduce({ axes: [p.axis] }, x, 'int32'),
  cumsum: same,
  cumprod: same,
  cummax: same,
  cummin: same,
  dot: ([a, b], p) => {
    sameDtypes('dot_general', [a, b]);
    const bad = p.lhsContract.some((ax, i) => a.shape[ax] !== b.shape[p.rhsContract[i]]) || p.lhsBatch.some((ax, i) => a.shape[ax] !== b.shape[p.rhsBatch[i]]);
    if (bad) throw new TypeError(`dot_general requires contracting and batch dimensions to match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    const free = (s: Shape, used: readonly number[]) => s.filter((_, i) => !used.includes(i));
    const shape = [...p.lhsBatch.map((i) => a.shape[i]), ...free(a.shape, [...p.lhsContract, ...p.lhsBatch]), ...free(b.shape, [...p.rhsContract, ...p.rhsBatch])];
    return { shape, dtype: a.dtype };
  },
  gather: ([x, idx]) => {
    if (idx.dtype !== 'int32') throw new TypeError(`gather indices must be int32, got ${idx.dtype}`);
    return { shape: idx.shape, dtype: x.dtype };
  },
  scatter: ([x, idx, upd]) => {
    if (idx.dtype !== 'int32') throw new TypeError(`scatter indices must be int32, got ${idx.dtype}`);
    sameShapes('scatter', [idx, upd]);
    sameDtypes('scatter', [x, upd]);
    return { shape: x.shape, dtype: x.dtype };
  },
  scan: (inputs, p) => {
    const { body, numConsts, numCarry, length } = p;
    const carry = inputs.slice(numConsts, numConsts + numCarry);
    const outs = body.outputs;
    carry.forEach((c, i) => {
      const o = outs[i];
      if (!shapesEqual(c.shape, o.shape) || c.dtype !== o.dtype) {
        throw new TypeError(
          `scan body function carry input and carry output must have equal types, but carry[${i}] is ${c.dtype}${fmtShape(c.shape)} on input and ${o.dtype}${fmtShape(o.shape)} on output`,
        );
      }
    });
    return [
      ...carry.map((c) => ({ shape: c.shape, dtype: c.dtype })),
      ...outs.slice(numCarry).map((y) => ({ shape: [length, ...y.shape], dtype: y.dtype })),
    ];
  },
  while: (inputs, p) => {
    const carry = inputs.slice(p.numCondConsts + p.numBodyConsts);
    const preds = p.cond.outputs;
    if (preds.length !== 1 || preds[0].dtype !== 'bool' || preds[0].shape.length !== 0) {
      throw new TypeError(`cond_fun must return a boolean scalar, but got output type(s) [${preds.map((o) => `${o.dtype}[${o.shape.join(',')}]`).join(', ')}].`);
    }
    const outs = p.body.outputs;
    if (outs.length !== carry.length || carry.some((c, i) => !shapesEqual(c.shape, outs[i].shape) || c.dtype !== outs[i].dtype)) {
      const avals = (ns: readonly Aval[]) => ns.map((o) => `${o.dtype}[${o.shape.join(',')}]`).join(', ');
      throw new TypeError(`body_fun output and input must have identical types, got\n${avals(outs)}\nand\n${avals(carry)}.`);
    }
    return carry.map((c) => ({ shape: c.shape, dtype: c.dtype }));
  },
  proj: ([t], p) => t.tuple[p.index],
};
