// Which fused scans can run as independent ranges of lanes (scan.ts): a stream of many
// sensors is a scan whose step treats each sensor (lane) alone, so lanes [lo, hi) can run
// the whole time loop by themselves, on another thread, and in blocks small enough that a
// block's carries stay in cache for all its steps.
//
// The scan's writable buffers (carries, intermediates, outputs: everything in scratch) must
// each be either shared, of fewer than L elements (a ring position, a stream's step counter,
// a time window's ring of record times), or split by lanes, of a multiple of L elements with
// element e owned by lane e mod L. Every
// loop runs over one element (it may read and write only shared buffers and read-only data;
// each range of lanes computes those itself, in a private copy) or over the L lanes (it
// writes its lane; it reads split buffers only at its own lane: an affine read walking the
// domain from a multiple of L; read-only data and shared buffers anywhere). Gathers and `.at`
// indices into a split buffer are data (a ring's row times L plus the lane): scan.ts checks
// them at run time, each lane's index against its lane, and a range that saw another lane's
// index makes the call run again as one range, which is the scan as written. So the split is
// never an assumption the results depend on: each lane sees exactly the operations, in the
// order, that the whole scan applies to it.

import { sizeOf, walksFlat } from '../../graph/shape.js';
import { mapSlots } from '../../scheduler/buffers.js';
import { exprChildren, type Expr as KExpr, type Kernel } from '../../scheduler/kernel.js';
import type { FusedStep } from '../../scheduler/scan_plan.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

export interface LaneSplit {
  /** Lanes (at least MIN_LANES; any count: the ranges are multiples of 4 lanes, the last one the rest). */
  readonly L: number;
  /** Writable buffers of fewer than L elements: every range of lanes keeps its own copy. */
  readonly shared: ReadonlySet<number>;
  /** Writable buffers split by lanes (size a multiple of L). */
  readonly split: ReadonlySet<number>;
}

/** Fewest lanes worth splitting. */
const MIN_LANES = 64;

/**
 * The lane split of a fused scan's step (`readOnly`: buffers read in place, never written:
 * consts, xs, the body's leaf constants), or the reason it has none.
 */
export function laneSplit(k: ScanKernel, steps: readonly FusedStep[], readOnly: (b: number) => boolean): LaneSplit | string {
  const domains: number[] = [];
  for (const st of steps) {
    if (st.kind === 'group') domains.push(...st.kernels.map((kk) => sizeOf(kk.shape)));
    else if (st.kind === 'patch') domains.push(...st.patch.patches.map((p) => sizeOf(p.shape)));
    else return 'reductions are not split by lanes';
  }
  const wide = [...new Set(domains.filter((n) => n > 1))];
  if (wide.length !== 1) return wide.length === 0 ? 'no lanes' : `loops of several sizes (${wide.join(', ')})`;
  const L = wide[0];
  if (L < MIN_LANES) return `${L} lanes (from ${MIN_LANES} they are split)`;
  const shared = new Set<number>();
  const split = new Set<number>();
  for (const b of k.body.buffers) {
    if (readOnly(b.id)) continue;
    if (b.size < L) shared.add(b.id);
    else if (b.size % L === 0) split.add(b.id);
    else return `buffer ${b.id} of ${b.size} elements is neither smaller than the ${L} lanes nor split by them`;
  }
  /** Why a loop over `n` elements writing `out` with `exprs` breaks the split, or null. */
  const check = (n: number, domain: readonly number[], out: number, exprs: readonly KExpr[]): string | null => {
    if (n === 1 ? !shared.has(out) : !split.has(out)) return `buffer ${out} is written by a loop of ${n}`;
    const seen = new Set<KExpr>();
    const visit = (e: KExpr): string | null => {
      if (seen.has(e)) return null;
      seen.add(e);
      if ((e.op === 'read' || e.op === 'gather') && split.has(e.input)) {
        if (n === 1) return `a one-element loop reads buffer ${e.input}, split by lanes`;
        if (e.op === 'read' && !(e.map.offset % L === 0 && walksFlat(e.map.strides, domain))) return `buffer ${e.input} is read across lanes`;
      }
      for (const c of exprChildren(e)) {
        const why = visit(c);
        if (why) return why;
      }
      return null;
    };
    for (const e of exprs) {
      const why = visit(e);
      if (why) return why;
    }
    return null;
  };
  const carryBuf = (c: number) => k.body.inputs.find((inp) => inp.param === k.numConsts + c)?.buffer;
  for (const st of steps) {
    if (st.kind === 'group') {
      for (const kk of st.kernels) {
        const why = check(sizeOf(kk.shape), kk.shape, kk.outputs[0], [mapSlots(kk.expr, (slot) => kk.inputs[slot])]);
        if (why) return why;
      }
    } else if (st.kind === 'patch') {
      const { patch } = st;
      for (const p of patch.patches) {
        const slots = (e: KExpr) => mapSlots(e, (slot) => patch.inputs[slot]);
        const why = check(sizeOf(p.shape), p.shape, carryBuf(st.carry)!, [slots(p.index), slots(p.updates)]);
        if (why) return why;
      }
    }
  }
  return { L, shared, split };
}
