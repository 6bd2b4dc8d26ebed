// The kernel description: what the scheduler hands to every backend (the fused JS of
// src/cpu and the WGSL of src/gpu are two renderings of the same data). Plain data only,
// so a schedule can be printed (describe.ts) and asserted on in tests.
//
// Vocabulary
// - A *buffer* is a flat, row-major array of one dtype (`BufferInfo`). Kernels name the
//   buffers they read (`inputs`) and write (`outputs`) by schedule-wide `BufferId`.
// - An *expression* (`Expr`) is a fused elementwise computation evaluated at one coordinate
//   `c` of a *domain* (a shape the kernel states next to the expression). Its leaves read
//   input buffers through affine *index maps*: flat offset = `offset + Σ_k c[k] * strides[k]`
//   (a stride of 0 is a broadcast, a negative one a reversal). Broadcasts, reshapes,
//   transposes, slices and reversals never appear in an expression: the scheduler folds
//   them into these index maps. `read.input` is a slot in the kernel's `inputs` list (not a
//   BufferId), so one expression shape gives one compiled kernel whatever buffers it gets.
// - Expressions form a DAG: a sub-expression object used twice is the same value and a
//   renderer should compute it once per coordinate (key it by object identity).
// - Every float32 result is rounded to float32 and every integer result wraps to its dtype,
//   exactly as src/cpu/oracle.ts stores each primitive's result in a typed array.

import type { DType } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import type { BinaryPrim, CombinePrim, ScatterMode, UnaryPrim } from '../graph/prims.js';
import type { Shape } from '../graph/shape.js';

export type BufferId = number;

/** An affine map from domain coordinates to a flat offset (or to an integer value, for iota). */
export interface IndexMap {
  readonly offset: number;
  /** One entry per domain axis. */
  readonly strides: readonly number[];
}

export type Expr =
  /** inputs[input].flat[offset + Σ c·strides] */
  | { readonly op: 'read'; readonly dtype: DType; readonly input: number; readonly map: IndexMap }
  /** The integer `offset + Σ c·strides` (lax.iota after its views), as `dtype`. */
  | { readonly op: 'iota'; readonly dtype: DType; readonly map: IndexMap }
  /** inputs[input].flat[clamp(index, 0, size - 1)]: a data-dependent read (gather). */
  | { readonly op: 'gather'; readonly dtype: DType; readonly input: number; readonly size: number; readonly index: Expr }
  /** A unary primitive; `inDtype` is the operand's dtype (the semantics depend on it). */
  | { readonly op: 'unary'; readonly prim: UnaryPrim; readonly dtype: DType; readonly inDtype: DType; readonly a: Expr }
  /** A binary primitive; both operands have dtype `inDtype` (comparisons give bool). */
  | { readonly op: 'binary'; readonly prim: BinaryPrim; readonly dtype: DType; readonly inDtype: DType; readonly a: Expr; readonly b: Expr }
  /** cond ? a : b */
  | { readonly op: 'select'; readonly dtype: DType; readonly cond: Expr; readonly a: Expr; readonly b: Expr }
  /** Value conversion (lax.convert_element_type), as oracle.ts `castValue`. */
  | { readonly op: 'cast'; readonly dtype: DType; readonly from: DType; readonly a: Expr; readonly barrier?: true }
  /** Reinterpret the 32 bits. */
  | { readonly op: 'bitcast'; readonly dtype: DType; readonly from: DType; readonly a: Expr }
  /** In a reduction epilogue: the reduced value of this output element. */
  | { readonly op: 'acc'; readonly dtype: DType };

/** The operands of an expression node (none for leaves). */
export function exprChildren(e: Expr): Expr[] {
  switch (e.op) {
    case 'read':
    case 'iota':
    case 'acc':
      return [];
    case 'gather':
      return [e.index];
    case 'unary':
    case 'cast':
    case 'bitcast':
      return [e.a];
    case 'binary':
      return [e.a, e.b];
    case 'select':
      return [e.cond, e.a, e.b];
  }
}

/** A leaf of an expression that reads or counts over the domain. */
export type IndexedLeaf = Extract<Expr, { op: 'read' | 'iota' }>;

/**
 * `e` with every read and iota leaf replaced by `leaf(x)`, shared sub-expressions staying
 * shared (views, permutations, a dot's operand at one contraction index, lane-major rows).
 */
export function rewriteLeaves(e: Expr, leaf: (x: IndexedLeaf) => Expr): Expr {
  const memo = new Map<Expr, Expr>();
  const go = (x: Expr): Expr => {
    let r = memo.get(x);
    if (r === undefined) memo.set(x, (r = rewrite(x)));
    return r;
  };
  const rewrite = (x: Expr): Expr => {
    switch (x.op) {
      case 'read':
      case 'iota':
        return leaf(x);
      case 'acc':
        return x;
      case 'gather':
        return { ...x, index: go(x.index) };
      case 'unary':
      case 'cast':
      case 'bitcast':
        return { ...x, a: go(x.a) };
      case 'binary':
        return { ...x, a: go(x.a), b: go(x.b) };
      case 'select':
        return { ...x, cond: go(x.cond), a: go(x.a), b: go(x.b) };
    }
  };
  return go(e);
}

/** out.flat[i] = expr(unravel(i, shape)) */
export interface ElementwiseKernel {
  readonly kind: 'elementwise';
  readonly shape: Shape;
  readonly expr: Expr;
}

/**
 * out.flat[o] = epilogue(fold(op, init, expr(o, r) for r in row-major order over
 * `reduceShape`)), one rounding per step as the oracle does. The expression's domain is
 * `[...shape, ...reduceShape]` (kept axes first, reduced axes last); the epilogue's domain is
 * `shape` and it reads the fold result with `acc`. Without an epilogue the fold is stored.
 */
export interface ReduceKernel {
  readonly kind: 'reduce';
  /** The binary primitive the fold combines with (`combineOf` of the reduce primitive). */
  readonly op: CombinePrim;
  /** Dtype of the fold (the reduce primitive's dtype). */
  readonly accDtype: DType;
  readonly shape: Shape;
  readonly reduceShape: Shape;
  readonly expr: Expr;
  readonly epilogue: Expr | null;
}

/** argmax/argmin along the last axis of the domain `[...shape, axisSize]` (int32 out). */
export interface ArgReduceKernel {
  readonly kind: 'argreduce';
  readonly op: 'argmax' | 'argmin';
  readonly shape: Shape;
  readonly axisSize: number;
  readonly expr: Expr;
}

/** Inclusive prefix combine along `axis` of the domain `shape`. */
export interface CumulativeKernel {
  readonly kind: 'cumulative';
  /** The binary primitive the prefix combines with (`combineOf` of the cumulative primitive). */
  readonly op: CombinePrim;
  readonly shape: Shape;
  readonly axis: number;
  readonly reverse: boolean;
  readonly expr: Expr;
}

/** lax.dot_general over two contiguous input buffers (inputs[0] = lhs, inputs[1] = rhs). */
export interface DotKernel {
  readonly kind: 'dot';
  readonly dtype: DType;
  readonly shape: Shape;
  readonly lhsShape: Shape;
  readonly rhsShape: Shape;
  readonly lhsContract: readonly number[];
  readonly rhsContract: readonly number[];
  readonly lhsBatch: readonly number[];
  readonly rhsBatch: readonly number[];
}

/** Strided writes: for each part, out.flat[outMap(c)] = expr(c) over the part's domain (concat). */
export interface ConcatKernel {
  readonly kind: 'concat';
  readonly shape: Shape;
  readonly parts: readonly { readonly shape: Shape; readonly expr: Expr; readonly out: IndexMap }[];
}

/**
 * A chain of `.at` updates as one kernel: out = base (copied once, or nothing to do when
 * `base` is null: the output buffer IS the base's buffer, updated in place), then each patch
 * in order: for i in row-major order over the patch domain, j = index(i); if 0 <= j < size,
 * out.flat[j] = combine(mode, out.flat[j], updates(i)). O(n + k), or O(k) in place.
 */
export interface PatchKernel {
  readonly kind: 'patch';
  readonly dtype: DType;
  readonly shape: Shape;
  /** Over domain `shape`; null when updating in place (then inputs[0] === outputs[0]). */
  readonly base: Expr | null;
  readonly patches: readonly { readonly mode: ScatterMode; readonly shape: Shape; readonly index: Expr; readonly updates: Expr }[];
}

/**
 * lax.scan. inputs = [...consts, ...carryInit, ...xs], outputs = [...carryFinal, ...ys].
 * `body` is a schedule whose `inputs` are the body's params in the same order (x params
 * read one time slice of each xs buffer) and whose `outputs` are [...carryOut, ...yStep].
 */
export interface ScanKernel {
  readonly kind: 'scan';
  readonly length: number;
  readonly reverse: boolean;
  readonly numConsts: number;
  readonly numCarry: number;
  readonly body: Schedule;
}

export type KernelBody = ElementwiseKernel | ReduceKernel | ArgReduceKernel | CumulativeKernel | DotKernel | ConcatKernel | PatchKernel | ScanKernel;

/** A kernel: what it computes plus the buffers it reads and writes. */
export type Kernel = KernelBody & {
  /** Buffers read; `read.input`/`gather.input` index this list. */
  readonly inputs: readonly BufferId[];
  /** Buffers written (one, except scan: one per tuple output). */
  readonly outputs: readonly BufferId[];
  /** The graph nodes this kernel computes (for printing and debugging). */
  readonly label: string;
};

export interface BufferInfo {
  readonly id: BufferId;
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
  /**
   * input: bound from a leaf node (`Schedule.inputs`); output: returned to the caller;
   * intermediate: lives during the schedule (possibly shared by several dead-disjoint values).
   */
  readonly role: 'input' | 'output' | 'intermediate';
}

/** How a leaf node's value enters the schedule. */
export interface InputBinding {
  readonly buffer: BufferId;
  /** A realized node (`buf`), a `const` (`params.data`), or a body `param` (bound by scan). */
  readonly node: Node;
  /**
   * The node's storage is given to an in-place patch kernel: afterwards the backend drops it
   * (`node.buf = undefined`, or `consumed = true` for a const).
   */
  readonly take: boolean;
  /** For a scan body: the index of the body param this input is (bound per step); else null. */
  readonly param: number | null;
}

export interface Schedule {
  readonly buffers: readonly BufferInfo[];
  /** In execution order (topological: Kahn's algorithm over read-after-write edges). */
  readonly kernels: readonly Kernel[];
  readonly inputs: readonly InputBinding[];
  /** One buffer per requested output node, in order. */
  readonly outputs: readonly BufferId[];
}
