// The carry of a stream scan between batches: realized host leaves, re-wrapped as fresh
// constants for each batch so the graph of one batch never holds on to the previous one.
// `promotedInit` gives the initial carry the dtypes `lax.scan` would give it (a weakly
// typed JS number takes the dtype the body returns), so every batch sees a strong carry.

import type { DType } from '../../graph/dtype.js';
import { computeOnHost } from '../../scheduler/realize.js';
import { node, type Node } from '../../graph/node.js';
import { flatten, unflatten, type TreeDef } from '../../graph/pytree.js';
import { zeros } from '../creation.js';
import { floorDivide, where } from '../elementwise.js';
import { take } from '../indexing.js';
import { castNode, constant, freshConstant, wrap } from '../nodes.js';
import { scan as laxScan } from '../scan.js';
import { flattenNodes, isLeaf } from '../trace.js';
import type { LaxArray } from '../array.js';
import type { Leaf } from './state.js';
import type { Step, StepFn } from './step.js';
import { LRU } from '../../graph/lru.js';
import { collectChecks } from './checks.js';

export interface CarrySpec {
  def: TreeDef;
  /** Initial leaves, realized, with the dtypes the body keeps. */
  leaves: Leaf[];
  /** Output pytree structure and leaf avals of one step. */
  yDef: TreeDef;
  yAvals: { shape: readonly number[]; dtype: DType }[];
  /** The messages of the run-time checks the step declares (checks.ts), in order. */
  checks: string[];
}

/** A step's input for tracing: `[x]`, or `[x, t]` for a step on event time. */
const traceInput = (f: StepFn, timed: boolean) => (c: unknown, xt: LaxArray | [LaxArray, LaxArray]) => (timed ? f(c, ...(xt as [LaxArray, LaxArray])) : f(c, xt as LaxArray));

/** Trace `f` once on a one-step input to fix the carry dtypes and the output structure. */
export function carrySpec(f: StepFn, init: unknown, xShape: readonly number[], dtype: DType, timed = false): CarrySpec {
  const [, def] = flatten(init, isLeaf);
  const xs = zeros([1, ...xShape], { dtype });
  const [[c, y], checks] = collectChecks(() => laxScan(traceInput(f, timed), init, timed ? [xs, zeros([1], { dtype: 'int32' })] : xs));
  const [outs] = flattenNodes(c);
  const [initNodes] = flattenNodes(init);
  const cast = initNodes.map((n, i) => castNode(n, outs[i].dtype));
  // The initial carry is host data, computed synchronously whatever the backend (the
  // oracle is slow for a large ring of NaNs, and WebGPU asynchronous).
  const bufs = computeOnHost(cast);
  const [yNodes, yDef] = flattenNodes(y);
  return {
    def,
    leaves: cast.map((n, i) => ({ shape: [...n.shape], dtype: n.dtype, data: bufs[i].slice() })),
    yDef,
    yAvals: yNodes.map((n) => ({ shape: n.shape.slice(1), dtype: n.dtype })),
    checks: checks.map((k) => k.message),
  };
}

/**
 * `carrySpec` of a step, shared by the streams of steps with the same key (Step.key) on the
 * same input: its tracing and initial carry are made once (for the SPECS most recently
 * used, up to SPEC_BYTES of initial carry each). The streams share the initial leaves: no
 * engine writes into them (a keyed table is its own copy, and a batch's final carry is new
 * storage).
 */
export function stepCarrySpec(step: Step, xShape: readonly number[], dtype: DType, timed: boolean): CarrySpec {
  const key = step.key === undefined ? undefined : `${step.key} ${JSON.stringify(xShape)} ${dtype} ${timed}`;
  const hit = key === undefined ? undefined : specs.get(key);
  if (hit) return hit;
  const spec = carrySpec(step.f, step.init(xShape), xShape, dtype, timed);
  if (key !== undefined && spec.leaves.reduce((n, l) => n + l.data.byteLength, 0) <= SPEC_BYTES) specs.set(key, spec);
  return spec;
}
const SPECS = 16;
const SPEC_BYTES = 16 << 20;
const specs = new LRU<string, CarrySpec>(SPECS);

/**
 * `f` with its run-time checks as a second output: `[y, fail]`, fail an int32 scalar per
 * step, 0 where every check passed, else 1 + the index of the first that failed.
 */
export function checkedStep(f: StepFn): StepFn {
  return (carry, x, t) => {
    const [[c, y], checks] = collectChecks(() => f(carry, x, t));
    const fail = checks.reduceRight<LaxArray>((acc, k, i) => where(k.bad, i + 1, acc), zeros([], { dtype: 'int32' }));
    return [c, [y, fail]];
  };
}

/** A leaf as a constant node (no history); `fresh`: a node of its own, never another batch's (donated storage is updated in place). */
export const leafNode = (l: Leaf, fresh = false): Node => (fresh ? freshConstant : constant)(l.data, l.shape, l.dtype);

export const carryTree = (def: TreeDef, leaves: readonly Leaf[], fresh = false): unknown => unflatten(def, leaves.map((l) => wrap(leafNode(l, fresh))));

/**
 * `.at` updates of `old` under a mask: where(valid, scatter(old, idx, u), old) is
 * scatter(old, where(valid', idx, -1), u), as out-of-bounds updates are dropped; valid' is
 * `valid` for a scalar mask, and for a mask over old's leading axis (keyed streams: one
 * flag per key row) the flag of the row each flat index falls in. So a masked step still
 * updates a carried buffer in place (a ring buffer stays O(1) per step).
 * Null when `n` is not a chain of scatters over `old`.
 */
function maskedScatter(n: Node, old: Node, valid: LaxArray): Node | null {
  if (n === old) return old;
  if (n.prim !== 'scatter') return null;
  const base = maskedScatter(n.inputs[0], old, valid);
  if (base === null) return null;
  const idx = wrap(n.inputs[1]);
  const keep = valid.ndim === 0 ? valid : take(valid, floorDivide(idx, old.size / old.shape[0]), { mode: 'clip' });
  return node('scatter', [base, where(keep, idx, -1).node, n.inputs[2]], (n as Node<'scatter'>).params);
}

/**
 * `where(valid, new, old)` leaf by leaf: a masked step keeps the carry (padding steps). The
 * input is `[x, valid]`, or `[x, valid, t]` for a step on event time.
 */
export function maskedStep(f: StepFn): (carry: unknown, xv: LaxArray[]) => [unknown, unknown] {
  return (carry, [x, valid, t]) => {
    const [c2, y] = t === undefined ? f(carry, x) : f(carry, x, t);
    const [olds, def] = flattenNodes(carry);
    const [news] = flattenNodes(c2);
    const kept = news.map((n, i) => {
      const old = olds[i];
      const perRow = valid.ndim === 1 && old.shape.length > 0 && old.shape[0] === valid.shape[0] && old.size > 0;
      const patched = valid.ndim === 0 || perRow ? maskedScatter(n, old, valid) : null;
      if (patched) return wrap(patched);
      const v = valid.node.shape.length ? valid.reshape([...valid.shape, ...new Array(old.shape.length - valid.ndim).fill(1)]) : valid;
      return where(v, wrap(n), wrap(old));
    });
    return [unflatten(def, kept), y];
  };
}
