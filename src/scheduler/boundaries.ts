// Where a kernel must end: every fusion decision of the scheduler, in one place.
//
// Each primitive has a fusion class and a recompute cost (the total table below). The rules,
// applied by partition.ts in this order:
//
//  1. Leaves are buffers, never computed: realized nodes (`buf`), `const` (its data) and
//     traced `param`s (bound by the enclosing scan).
//  2. Every requested output is a kernel output (a leaf requested as output is copied).
//  3. 'own' primitives end a kernel: their result is always materialized (reductions,
//     argmax/argmin, cumulative ops, dot, gather, concat, scatter, scan; `proj` names one
//     output buffer of its scan). Their operands are fused expressions, except:
//  4. Operands read at positions only known at run time or by a loop of another shape are
//     materialized: both dot operands, every scan input, and gather's operand (its index
//     is still fused).
//  5. `.at` chains: a scatter whose operand is another scatter that has no other consumer
//     in the schedule and is not requested merges with it into ONE patch kernel (copy the
//     base once, then apply the k patches in order). The patch runs IN PLACE, with no copy,
//     when its base is never read again: a materialized intermediate with no other
//     consumer, or a realized/const leaf with `handles === 0 && users === 1` whose merged
//     scatters are all dead too (`handles === 0 && users === 1`), unless its storage is
//     another node's too (`aliased`: a constant and its reshape, np.ts `constantView`).
//  6. 'elementwise' and 'view' nodes fuse into each consumer's kernel and are recomputed
//     there per element (views become index maps, see view.ts), unless the node is used by
//     two or more different kernels AND is expensive (`cost >= EXPENSIVE`, where cost
//     sums the `cost` column of the table below over the fused primitives under it): then
//     it is materialized once.
//  7. A reshape whose fused operand cannot be re-strided (view.ts `reshapeMap` gives null)
//     materializes that operand.
//  8. Epilogue: an elementwise kernel that reads a reduction's result only element-for-
//     element (identity index map), where nothing else reads that result, is merged into
//     the reduction kernel as its epilogue (e.g. `sqrt(sum(x))` is one kernel).
//  9. A scan body is scheduled on its own (its params are its inputs) and runs as one
//     kernel of the enclosing schedule.
// 10. Depth: a fused expression MAX_FUSED_DEPTH primitives deep is materialized, and a patch
//     chain ends after MAX_PATCHES scatters, so code generation and the generated code never
//     recurse or grow without bound (`x = x.add(1)` 10^4 times is 40 kernels, not one
//     expression 10^4 deep).
// 11. Repeated reads: a producer is never fused into a consumer that reads each of its
//     elements more than once unless recomputing it is cheaper than materializing it. Views
//     read each element at most once, except a broadcast that repeats elements (output larger
//     than its operand): its fused operand, when expensive (`cost >= EXPENSIVE`), is
//     materialized once and the broadcast reads that buffer. So `matmul(W, X)` with a lazy
//     `W = random.normal(...)` broadcast over X's batch computes each normal once, not once per
//     batch element, and `sum(exp(x)[:, None] * y[None, :])` one exp per element of x. (Dot
//     and gather operands, read many times by the kernel itself, are buffers by rule 4.)
//     Not in scan bodies: a body runs per step over one step's values, and the scan
//     lowerings (CPU fused scans, WebGPU ring scans) need its kernels fused as they are.
// 12. Small dots in scan bodies: a dot that contracts at most SMALL_DOT_K elements per output
//     (a Kalman filter's 2x2 and 4x4 products) is an elementwise expression, the oracle's sum
//     in its order (0 + a0 b0 + a1 b1 + ...), fused like one with its operands and consumers,
//     so a step written with np.matmul runs in the same fused scan loop as one written with
//     scalars. Each operand element is read once per output that uses it, so an expensive
//     fused operand (`cost >= EXPENSIVE`) is materialized first, as in rule 11. Outside scan
//     bodies a dot stays a kernel (the CPU backend's narrow and blocked wasm products).

import type { Prim } from '../graph/prims.js';

export type FusionClass = 'leaf' | 'elementwise' | 'view' | 'own';

/** A primitive's fusion class, and (rule 6) what recomputing it where it fuses costs. */
interface Fusion {
  readonly class: FusionClass;
  readonly cost: number;
}

const e: Fusion = { class: 'elementwise', cost: 1 };
/** Transcendental and power functions: recomputing one costs about four plain operations. */
const t: Fusion = { class: 'elementwise', cost: 4 };
const v: Fusion = { class: 'view', cost: 0 };
const own: Fusion = { class: 'own', cost: 1 };
const leaf: Fusion = { class: 'leaf', cost: 1 };

const fusion: { [P in Prim]: Fusion } = {
  neg: e, abs: e, sign: e, sqrt: e, exp: t, log: t, log1p: t, expm1: t, sin: t, cos: t, tan: t, tanh: t,
  floor: e, ceil: e, round: e, not: e, isfinite: e,
  add: e, sub: e, mul: e, div: e, rem: e, pow: t, max: e, min: e, atan2: t,
  eq: e, ne: e, lt: e, le: e, gt: e, ge: e, and: e, or: e, xor: e, shl: e, shr: e,
  select: e, cast: e, bitcast: e, iota: e,
  const: leaf, param: leaf,
  broadcast: v, reshape: v, transpose: v, slice: v, rev: v,
  concat: own, reduce_sum: own, reduce_max: own, reduce_min: own, reduce_prod: own,
  argmax: own, argmin: own, cumsum: own, cumprod: own, cummax: own, cummin: own,
  dot: own, gather: own, scatter: own, scan: own, while: own, proj: own,
};

export const fusionClass = Object.fromEntries(Object.entries(fusion).map(([p, f]) => [p, f.class])) as { [P in Prim]: FusionClass };

/** Rule 6: the fused cost at which a node shared by several kernels is materialized. */
export const EXPENSIVE = 4;

/** Rule 10: the deepest fused expression, and the longest chain of patches in one kernel. */
export const MAX_FUSED_DEPTH = 256;
export const MAX_PATCHES = 256;

/** Rule 6: the cost of one primitive when recomputed. */
export const primCost = (p: Prim): number => fusion[p].cost;

/** Rule 11: a broadcast whose output has more elements than its operand reads each element more than once. */
export const repeatsElements = (n: { size: number; inputs: readonly { size: number }[] }): boolean => n.size > n.inputs[0].size;

/** Rule 12: the most elements a fused (elementwise) dot contracts per output. */
export const SMALL_DOT_K = 8;

/** Rule 12: a dot a scan body fuses as an elementwise expression (its contraction is at most SMALL_DOT_K long). */
export function isSmallDot(n: { prim: Prim; params: unknown; inputs: readonly { shape: readonly number[] }[] }): boolean {
  if (n.prim !== 'dot') return false;
  const { lhsContract } = n.params as { lhsContract: readonly number[] };
  return lhsContract.reduce((k, ax) => k * n.inputs[0].shape[ax], 1) <= SMALL_DOT_K;
}

/** Rule 4: input slots of `p` that must be materialized buffers. */
export function materializedOperands(p: Prim, arity: number): readonly number[] {
  if (p === 'dot') return [0, 1];
  if (p === 'gather') return [0];
  if (p === 'scan') return Array.from({ length: arity }, (_, i) => i);
  return [];
}
