// The plan of a fused scan step (src/cpu/scan.ts): which body kernels share one loop, and
// which `.at` updates of a carried array can be done in place on it. Both are about hazards
// between kernels that the schedule orders one after another: a loop shared by several
// kernels interleaves them element by element, and an in-place update overwrites the
// carry's old value, so each rule below says what must not be read or written across them.

import { sizeOf, walksFlat } from '../graph/shape.js';
import { mapSlots } from './buffers.js';
import { exprChildren, type Expr, type Kernel } from './kernel.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;
export type ElementwiseOf = Extract<Kernel, { kind: 'elementwise' }>;
export type PatchOf = Extract<Kernel, { kind: 'patch' }>;
export type ReduceOf = Extract<Kernel, { kind: 'reduce' }>;
/** The kernels a step order holds (`stepOrder`). */
export type StepKernel = ElementwiseOf | PatchOf | ReduceOf;

/** Buffers an expression reads: `identity` when only at the coordinate being computed. */
function readsOf(e: Expr, shape: readonly number[], out = new Map<number, boolean>(), seen = new Set<Expr>()): Map<number, boolean> {
  if (seen.has(e)) return out;
  seen.add(e);
  const note = (b: number, identity: boolean) => out.set(b, (out.get(b) ?? true) && identity);
  if (e.op === 'read') note(e.input, e.map.offset === 0 && walksFlat(e.map.strides, shape));
  if (e.op === 'gather') note(e.input, false);
  for (const c of exprChildren(e)) readsOf(c, shape, out, seen);
  return out;
}

/**
 * The body's elementwise kernels in groups that can share one loop: each kernel joins the
 * latest group of its shape it can be moved back to. It can join a group when every buffer
 * the group writes is read by the kernel only at the coordinate being computed, and no
 * buffer the kernel writes is read elsewhere by the group; it can move past a later group
 * when it neither reads what that group writes nor writes what that group reads or writes.
 */
export function groupKernels<K extends ElementwiseOf>(kernels: readonly K[]): K[][] {
  interface Group { shape: string; kernels: K[]; writes: Set<number>; reads: Map<number, boolean> }
  const groups: Group[] = [];
  for (const kk of kernels) {
    const reads = readsOf(mapSlots(kk.expr, (slot) => kk.inputs[slot]), kk.shape);
    const out = kk.outputs[0];
    const shape = kk.shape.join(',');
    let target: Group | null = null;
    for (let g = groups.length - 1; g >= 0; g--) {
      const G = groups[g];
      const joins = G.shape === shape && [...G.writes].every((b) => reads.get(b) !== false) && G.reads.get(out) !== false;
      if (joins) {
        target = G;
        break;
      }
      const passes = ![...reads.keys()].some((b) => G.writes.has(b)) && !G.reads.has(out) && !G.writes.has(out);
      if (!passes) break;
    }
    if (!target) groups.push((target = { shape, kernels: [], writes: new Set(), reads: new Map() }));
    target.kernels.push(kk);
    target.writes.add(out);
    for (const [b, id] of reads) target.reads.set(b, (target.reads.get(b) ?? true) && id);
  }
  return groups.map((g) => g.kernels);
}

/**
 * The kernels with each one-element kernel moved back to just after the last kernel it
 * depends on (reads the output of, or writes what it reads or writes): a step's scalar work
 * (a ring's position, a window's record count) then runs first, and the lane kernels around
 * it are free to share one loop.
 */
export function hoistScalars<K extends ElementwiseOf>(kernels: readonly K[]): K[] {
  const order: K[] = [];
  const conflict = (a: K, b: K) => a.inputs.includes(b.outputs[0]) || b.inputs.includes(a.outputs[0]) || a.outputs[0] === b.outputs[0];
  for (const kk of kernels) {
    let at = order.length;
    if (sizeOf(kk.shape) === 1) while (at > 0 && sizeOf(order[at - 1].shape) !== 1 && !conflict(kk, order[at - 1])) at--;
    order.splice(at, 0, kk);
  }
  return order;
}

/**
 * When `kk` is a patch (`.at[...]` update) of a carry that can run in place on the carried
 * array: the carry's index, and the position in the body's kernels after which the patch
 * runs (the last reader of the carry's old value, or the patch's own place). That needs its
 * base to be that carry's value read whole, its result to be only that carry's next value
 * (no other kernel reads it, it is no y), its indices and updates not to read the carry (a
 * patch in place must not see its own writes), and no kernel it moves past to write what it
 * reads. Else null. `readPatched`: other kernels may read the result (the carry's storage
 * after the update) when they all run after the patch's place.
 */
export function inPlaceCarry(kk: Kernel, k: ScanKernel, readPatched = false): { carry: number; after: number } | null {
  if (kk.kind !== 'patch' || kk.base === null || kk.base.op !== 'read') return null;
  const { body, numConsts, numCarry } = k;
  const b = kk.base;
  if (b.map.offset !== 0 || !walksFlat(b.map.strides, kk.shape)) return null;
  const baseBuf = kk.inputs[b.input];
  const binding = body.inputs.find((inp) => inp.buffer === baseBuf && inp.param !== null);
  const carry = binding ? binding.param! - numConsts : -1;
  if (carry < 0 || carry >= numCarry) return null;
  const out = kk.outputs[0];
  if (body.outputs[carry] !== out || body.outputs.filter((o) => o === out).length !== 1) return null;
  const firstReader = body.kernels.findIndex((other) => other !== kk && other.inputs.includes(out));
  if (firstReader >= 0 && !readPatched) return null;
  const at = body.kernels.indexOf(kk);
  const after = body.kernels.reduce((last, other, i) => (other !== kk && other.inputs.includes(baseBuf) ? Math.max(i, last) : last), at);
  if (firstReader >= 0 && firstReader <= after) return null;
  if (body.kernels.slice(at + 1, after + 1).some((other) => other.outputs.some((o) => kk.inputs.includes(o)))) return null;
  const readsBase = kk.patches.some((p) => [p.index, p.updates].some((e) => readsOf(mapSlots(e, (slot) => kk.inputs[slot]), p.shape).has(baseBuf)));
  if (readsBase) return null;
  // Then as late as it may run: past every kernel that neither reads the carry (old or new
  // value) nor writes what the patch reads (buffers are reused), nor is another patch whose
  // carry this one reads (that one runs after this one). A step's ring updates then meet at
  // its end, where they share one loop, and the kernels between them share theirs.
  const reads = new Set(kk.inputs);
  let late = after;
  for (let j = after + 1; j < body.kernels.length; j++) {
    const other = body.kernels[j];
    if (other.inputs.includes(out) || other.inputs.includes(baseBuf) || other.outputs.some((o) => reads.has(o))) break;
    if (other.kind === 'patch' && other.base?.op === 'read' && reads.has(other.inputs[other.base.input])) break;
    late = j;
  }
  return { carry, after: late };
}

/** One piece of a fused scan step, in run order. */
export type FusedStep =
  | { readonly kind: 'group'; readonly kernels: readonly ElementwiseOf[] }
  | { readonly kind: 'patch'; readonly patch: PatchOf; readonly carry: number }
  | { readonly kind: 'reduce'; readonly kernel: ReduceOf };

export interface StepOrderOptions {
  /** In-place carry patches (default true; false refuses every patch). */
  patches?: boolean;
  /** Admit reduce kernels (default false). */
  reductions?: boolean;
  /** Let kernels read a patched carry after its update (`inPlaceCarry`; default false). */
  readPatched?: boolean;
}

/**
 * The body's kernels in run order, with the carry each in-place patch updates: a patch runs
 * after the last reader of the carry it overwrites (`inPlaceCarry`); everything else keeps
 * the schedule's order. Null when some body kernel is neither elementwise nor an in-place
 * carry patch (nor, with `reductions`, a reduction). The CPU's fused scans use the defaults;
 * the WGSL scan (src/gpu/render_scan.ts) runs the order per lane, with reductions and
 * reads of patched carries.
 */
export function stepOrder(k: ScanKernel, opts: StepOrderOptions = {}): { order: StepKernel[]; inPlace: Map<Kernel, number> } | null {
  const { body } = k;
  const inPlace = new Map<Kernel, number>();
  const after = new Map<number, Kernel[]>();
  for (const kk of body.kernels) {
    const p = opts.patches !== false ? inPlaceCarry(kk, k, opts.readPatched) : null;
    if (p !== null) inPlace.set(kk, p.carry), after.set(p.after, [...(after.get(p.after) ?? []), kk]);
    else if (kk.kind !== 'elementwise' && !(opts.reductions && kk.kind === 'reduce')) return null;
  }
  const order = body.kernels.flatMap((kk, i) => [...(inPlace.has(kk) ? [] : [kk]), ...(after.get(i) ?? [])]) as StepKernel[];
  return { order, inPlace };
}

/**
 * The body of a fused scan as the pieces of one step, in run order (`stepOrder`): shared-loop
 * groups of elementwise kernels (`groupKernels`), in segments between the in-place carry
 * patches and the reductions (the buffers a patch reads may be reused by later kernels, so no
 * kernel moves across one). Null when `stepOrder` is.
 */
export function fusedSteps(k: ScanKernel, opts: StepOrderOptions = {}): FusedStep[] | null {
  const plan = stepOrder(k, opts);
  if (plan === null) return null;
  const steps: FusedStep[] = [];
  let segment: ElementwiseOf[] = [];
  const flush = () => {
    for (const kernels of groupKernels(hoistScalars(segment))) steps.push({ kind: 'group', kernels });
    segment = [];
  };
  for (const kk of plan.order) {
    const carry = plan.inPlace.get(kk);
    if (carry !== undefined) flush(), steps.push({ kind: 'patch', patch: kk as PatchOf, carry });
    else if (kk.kind === 'reduce') flush(), steps.push({ kind: 'reduce', kernel: kk });
    else segment.push(kk as ElementwiseOf);
  }
  flush();
  return steps;
}
