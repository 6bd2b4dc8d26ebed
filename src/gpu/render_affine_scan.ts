// lax.scan with affine carries as a parallel scan: when every carry evolves as
// `c' = a*c + b` (affine_recurrence.ts), the carries at any step follow from composing the
// per-step pairs, (a1, b1) ∘ (a2, b2) = (a1*a2, a2*b1 + b2), which is associative: the
// parallel scan of parallel_scan.ts over those pairs, three dispatches in the realize's one
// submit:
//   1. each workgroup composes the pairs of its block of steps (per lane);
//   2. per lane, the block totals are scanned and applied to the initial carry, giving the
//      carry entering every block;
//   3. each thread composes its own steps again, takes the carry entering them from its
//      block's carry and the workgroup's exclusive scan, then REPLAYS the original body
//      serially over its own steps (so the ys use the body exactly as written).
// Only scans of at least AFFINE_MIN_LENGTH steps over fewer than AFFINE_MAX_LANES lanes take
// this path; shorter scans keep the serial kernel and stay bit-exact with the oracle.
//
// Rounding: within a thread the body runs as written; only the carry entering each thread's
// steps comes from the re-associated composition. For |a| <= 1 (averages, EMAs, sums) the
// difference from the oracle's sequential float32 loop is bounded by a few ulps of the
// largest |carry| times log2(length) (tests assert <= 64 float32 ulps of max|carry|).
// Meta words: inputs, outputs, body constants, then the scratch offset.

import type { Kernel } from '../scheduler/kernel.js';
import { affineStep, type AffineStep } from './affine_recurrence.js';
import type { Dispatch } from './dispatch.js';
import { renderParallelScan, type TupleMonoid } from './parallel_scan.js';
import { declareRegisters, emitFinalCarries, emitStep } from './render_scan.js';
import { scanBodyConsts, scanLayout, type ScanLayout } from './scan_layout.js';
import { fromWord, WgslWriter } from './wgsl_writer.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** Shortest scan run as a parallel affine scan (shorter ones stay serial and bit-exact). */
export const AFFINE_MIN_LENGTH = 4096;
/** From this many lanes the serial kernel already fills the device. */
const AFFINE_MAX_LANES = 1024;
const MAX_CARRIES = 4;

/** The pair monoid over m carries: components [a_0..a_{m-1}, b_0..b_{m-1}]. */
function pairMonoid(m: number): TupleMonoid {
  return {
    types: Array(2 * m).fill('f32'),
    identity: [...Array(m).fill('1.0'), ...Array(m).fill('0.0')],
    combine: (l, r) => [...Array.from({ length: m }, (_, j) => `${l[j]} * ${r[j]}`), ...Array.from({ length: m }, (_, j) => `${r[j]} * ${l[m + j]} + ${r[m + j]}`)],
  };
}

/** Per-step pairs of every carry, or null when some carry is not affine. */
function steps(w: WgslWriter, lay: ScanLayout): AffineStep[] | null {
  const out: AffineStep[] = [];
  for (let j = 0; j < lay.k.numCarry; j++) {
    const s = affineStep(w, lay, j);
    if (!s) return null;
    out.push(s);
  }
  return out;
}

/** The three dispatches, or null when the scan is short, wide, or not affine. */
export function renderAffineScan(k: ScanKernel): Dispatch[] | null {
  const m = k.numCarry;
  if (k.length < AFFINE_MIN_LENGTH || m === 0 || m > MAX_CARRIES) return null;
  const lay = scanLayout(k);
  if (lay.L >= AFFINE_MAX_LANES || lay.memory.size > 0 || lay.order.some((kb) => kb.kind === 'reduce')) return null;
  if (k.body.buffers.some((b) => b.size !== 1 && b.size !== lay.L)) return null; // per-key values of several lanes
  const probe = new WgslWriter();
  probe.line('let t = 0;');
  if (!steps(probe, lay)) return null;

  const pm = pairMonoid(m);
  const initCarry = (j: number) => {
    const id = k.body.outputs[j];
    return fromWord(`mem[offs[${k.numConsts + j}] + ${lay.laneIdx(lay.sizeOfBuf(id))}]`, 'float32');
  };
  const time = (w: WgslWriter, pos: string) => w.line(`let t = i32(${pos});`);
  return renderParallelScan({
    lanes: lay.L,
    length: k.length,
    reverse: k.reverse,
    scratchMeta: lay.constMeta + scanBodyConsts(k).length,
    dtype: 'float32',
    monoid: () => pm,
    // The step's pair of every carry.
    element: (w, pos) => {
      time(w, pos);
      const st = steps(w, lay)!;
      return [...st.map((s) => s.a), ...st.map((s) => s.b)];
    },
    // The carry entering each block: its prefix applied to the initial carry.
    entering: (pre) => Array.from({ length: m }, (_, j) => `${pre[j]} * ${initCarry(j)} + ${pre[m + j]}`),
    // The carry entering this thread's steps, then the body replayed over them.
    replay: (w, { block, thread, each, holdsLast }) => {
      declareRegisters(w, lay, (j) => `${thread[j]} * ${block(j)} + ${thread[m + j]}`);
      each((pos) => {
        time(w, pos);
        emitStep(w, lay);
      });
      w.open(`if (${holdsLast})`);
      emitFinalCarries(w, lay);
      w.close();
    },
  });
}
