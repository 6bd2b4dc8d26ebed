// The primitives: each is declared here once, by name, with the type of its params.
// Every concern keeps a total table keyed by primitive (`{ [P in Prim]: Rule<P> }`):
//   shape/dtype rule   src/graph/shape_rules.ts
//   oracle rule        src/cpu/oracle.ts
//   batching rule      src/operators/batching.ts
//   fusion and cost    src/scheduler/boundaries.ts
//   lowerings          src/cpu/ (fused JS, wasm SIMD) and src/gpu/ (WGSL)
//   JVP and VJP        src/operators/autodiff/jvp.ts, vjp.ts
// so the compiler names any primitive that lacks a rule (docs/architecture.md, "Adding a
// primitive", lists every place). Reductions and cumulative scans also name the binary
// primitive they fold with, here (`combineOf`).

import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

export const unaryPrims = [
  'neg', 'abs', 'sign', 'sqrt', 'exp', 'log', 'log1p', 'expm1',
  'sin', 'cos', 'tan', 'tanh', 'floor', 'ceil', 'round', 'not', 'isfinite',
] as const;
export type UnaryPrim = (typeof unaryPrims)[number];

export const binaryPrims = [
  'add', 'sub', 'mul', 'div', 'rem', 'pow', 'max', 'min', 'atan2',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor', 'shl', 'shr',
] as const;
export type BinaryPrim = (typeof binaryPrims)[number];

/**
 * One rule for every unary and binary elementwise primitive: the shared rows of a total rule
 * table (JAX's `defbroadcasting`), spread into it beside the rows of the other primitives.
 */
export function elementwiseRows<R>(rule: R): { [P in UnaryPrim | BinaryPrim]: R } {
  return Object.fromEntries([...unaryPrims, ...binaryPrims].map((p) => [p, rule])) as { [P in UnaryPrim | BinaryPrim]: R };
}

export const reducePrims = ['reduce_sum', 'reduce_max', 'reduce_min', 'reduce_prod'] as const;
export type ReducePrim = (typeof reducePrims)[number];

export const cumulativePrims = ['cumsum', 'cumprod', 'cummax', 'cummin'] as const;
export type CumulativePrim = (typeof cumulativePrims)[number];

/**
 * The binary primitive each reduction and cumulative scan folds with. The scheduler writes it
 * into reduce and cumulative kernels, so a backend only knows how to spell a binary op and
 * its identity (`identityOf`).
 */
export const combineOf = {
  reduce_sum: 'add', reduce_prod: 'mul', reduce_max: 'max', reduce_min: 'min',
  cumsum: 'add', cumprod: 'mul', cummax: 'max', cummin: 'min',
} as const satisfies { [P in ReducePrim | CumulativePrim]: BinaryPrim };
export type CombinePrim = (typeof combineOf)[ReducePrim | CumulativePrim];

/** The identity of each combining primitive in each dtype: the value of an empty fold (bool: 0 false, 1 true). */
export const identityOf: { [C in CombinePrim]: { [D in DType]: number } } = {
  add: { float32: 0, int32: 0, uint32: 0, bool: 0 },
  mul: { float32: 1, int32: 1, uint32: 1, bool: 1 },
  max: { float32: -Infinity, int32: -2147483648, uint32: 0, bool: 0 },
  min: { float32: Infinity, int32: 2147483647, uint32: 4294967295, bool: 1 },
};

export type ScatterMode = 'set' | 'add' | 'mul' | 'min' | 'max';

/** The binary primitive a combining `.at` update applies to the old value and the update. */
export const scatterCombine = { add: 'add', mul: 'mul', min: 'min', max: 'max' } as const satisfies Record<Exclude<ScatterMode, 'set'>, string>;

/**
 * A closed traced function over nodes of type N: `outputs` depend on nothing but `params` and
 * constants. (N is a parameter because nodes hold params and a scan's params hold a body:
 * node.ts names the instance over its Node `Body`.)
 */
export interface BodyOf<N> {
  readonly params: readonly N[];
  readonly outputs: readonly N[];
}

type Elementwise = { [P in UnaryPrim | BinaryPrim]: Record<string, never> };
type Reduce = { [P in ReducePrim]: { axes: readonly number[] } };
type Cumulative = { [P in CumulativePrim]: { axis: number; reverse: boolean } };

/** The params of each primitive, over node type N (node.ts: `PrimParams`, over its Node). */
export interface PrimParamsOf<N> extends Elementwise, Reduce, Cumulative {
  /** Host data. Weak when it came from a JS number. */
  const: { data: TypedArray; shape: Shape; dtype: DType; weak: boolean };
  /** A traced function's parameter (vmap, scan, jit). `id` makes it unique. */
  param: { id: number; shape: Shape; dtype: DType };
  iota: { shape: Shape; dtype: DType; axis: number };
  /** lax.select(pred, onTrue, onFalse); all three of one shape. */
  select: Record<string, never>;
  /** Value conversion (lax.convert_element_type). */
  /** `weak` marks JAX's weakly typed result (bool + 1 is i*: a weak int32). */
  /**
   * `stopGradient`: lax.stop_gradient, an identity cast whose JVP and VJP are zero (src/operators/autodiff).
   * `barrier`: lax.optimization_barrier, an identity cast a shader compiler may not simplify
   * across (WGSL: a product with a 1 it cannot see; elsewhere nothing).
   */
  cast: { dtype: DType; weak?: boolean; stopGradient?: true; barrier?: true };
  /** Reinterpret the 32 bits (lax.bitcast_convert_type). */
  bitcast: { dtype: DType };
  /** lax.broadcast_in_dim: operand axis i becomes output axis dims[i]. */
  broadcast: { shape: Shape; dims: readonly number[] };
  reshape: { shape: Shape };
  transpose: { perm: readonly number[] };
  /** Static strided slice, limits exclusive. */
  slice: { starts: readonly number[]; limits: readonly number[]; strides: readonly number[] };
  rev: { axes: readonly number[] };
  concat: { axis: number };
  argmax: { axis: number };
  argmin: { axis: number };
  /** lax.dot_general with explicit contracting and batch axes; output is batch, lhs free, rhs free. */
  dot: { lhsContract: readonly number[]; rhsContract: readonly number[]; lhsBatch: readonly number[]; rhsBatch: readonly number[] };
  /** gather(operand, index): out[i] = operand.flat[index[i]], index clamped into range. */
  gather: Record<string, never>;
  /**
   * scatter(operand, index, updates): a persistent patch of `operand`. For each i with
   * 0 <= index[i] < operand.size, combine updates[i] into out.flat[index[i]] (in order).
   * Out-of-range indices are dropped, as JAX drops out-of-bounds updates.
   */
  scatter: { mode: ScatterMode };
  /**
   * lax.scan. Inputs: [...consts, ...carryInit, ...xs]. The body maps params
   * [...consts, ...carry, ...xSlices] to [...carryOut, ...ySlices]. A tuple node whose
   * outputs are [...carryFinal, ...ys]; read them with `proj`.
   */
  scan: { body: BodyOf<N>; length: number; reverse: boolean; numConsts: number; numCarry: number };
  /**
   * lax.while_loop. Inputs: [...condConsts, ...bodyConsts, ...init]. `cond` maps params
   * [...condConsts, ...carry] to one bool scalar, `body` maps [...bodyConsts, ...carry] to the
   * next carry: `while (cond(carry)) carry = body(carry)`. A tuple node whose outputs are the
   * final carry; read them with `proj`. Run by the realization layer (scheduler/realize.ts),
   * never fused.
   */
  while: { cond: BodyOf<N>; body: BodyOf<N>; numCondConsts: number; numBodyConsts: number };
  /** Output `index` of a tuple node (scan, while). */
  proj: { index: number };
}

export type Prim = keyof PrimParamsOf<unknown>;
