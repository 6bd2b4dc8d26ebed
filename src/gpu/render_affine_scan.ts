// lax.scan with affine carries as a parallel scan: when every carry evolves as
// `c' = a*c + b` (affine_recurrence.ts), the carries at any step follow from composing the
// per-step pairs, (a1, b1) ∘ (a2, b2) = (a1*a2, a2*b1 + b2), which is associative. Three
// dispatches in the realize's one submit (block_scan.ts):
//   1. each workgroup composes the pairs of its block of steps (per lane);
//   2. per lane, the block totals are scanned and applied to the initial carry, giving the
//      carry entering every block;
//   3. each thread composes its own steps again, takes the carry entering them from its
//      block's carry and the workgroup's exclusive scan, then REPLAYS the original body
//      serially over its PER_THREAD steps (so the ys use the body exactly as written).
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
import { combineInto, declareExclusive, declareIdentity, emitBlockPrefixes, emitBlockScan, opaqueBound, PER_THREAD, SCAN_BLOCK, SCAN_WG, shared, sharedDecls, type TupleMonoid } from './block_scan.js';
import type { Dispatch } from './dispatch.js';
import { declareRegisters, emitFinalCarries, emitStep, scanBodyConsts, scanLayout, type ScanLayout } from './render_scan.js';
import { fromWord, WgslWriter } from './wgsl_writer.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** Shortest scan run as a parallel affine scan (shorter ones stay serial and bit-exact). */
export const AFFINE_MIN_LENGTH = 4096;
/** From this many lanes the serial kernel already fills the device. */
export const AFFINE_MAX_LANES = 1024;
const MAX_CARRIES = 4;

const groupId = '(wid.x + wid.y * nwg.x)';

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

  const T = k.length;
  const L = lay.L;
  const blocks = Math.ceil(T / SCAN_BLOCK);
  const groups = L * blocks;
  const scratchMeta = lay.constMeta + scanBodyConsts(k).length;
  const scratch = (i: string) => `mem[offs[${scratchMeta}] + ${i}]`;
  const pm = pairMonoid(m);
  const acc = pm.types.map((_, c) => `acc${c}`);

  const start = (w: WgslWriter) => {
    w.line(`let g = ${groupId};`);
    w.line(`if (g >= ${groups}u) { return; }`);
    w.line(`let lane = g / ${blocks}u;`);
    w.line(`let s0 = (g % ${blocks}u) * ${SCAN_BLOCK}u + lid.x * ${PER_THREAD}u;`);
  };
  const eachStep = (w: WgslWriter, body: () => void) => {
    w.open(`for (var i = 0u; i < ${opaqueBound(PER_THREAD)}; i++)`);
    w.line('let s = s0 + i;');
    w.open(`if (s < ${T}u)`);
    w.line(`let t = i32(${k.reverse ? `${T - 1}u - s` : 's'});`);
    body();
    w.close();
    w.close();
  };
  /** acc = composition of this thread's steps. */
  const threadFold = (w: WgslWriter) => {
    declareIdentity(w, pm, acc);
    eachStep(w, () => {
      const st = steps(w, lay)!;
      combineInto(w, pm, acc, acc, [...st.map((s) => s.a), ...st.map((s) => s.b)]);
    });
  };
  const initCarry = (j: number) => {
    const id = k.body.outputs[j];
    return fromWord(`mem[offs[${k.numConsts + j}] + ${lay.laneIdx(lay.sizeOfBuf(id))}]`, 'float32');
  };

  // Phase 1: the composed pair of each block of steps.
  const w1 = new WgslWriter();
  start(w1);
  threadFold(w1);
  emitBlockScan(w1, pm, acc);
  const total = shared(pm, SCAN_WG - 1);
  w1.line(`if (lid.x == 0u) { ${total.map((v, c) => `${scratch(`g * ${2 * m}u + ${c}u`)} = bitcast<u32>(${v});`).join(' ')} }`);

  // Phase 2: per lane, the carry entering each block.
  const w2 = new WgslWriter();
  w2.line(`let lane = ${groupId};`);
  w2.line(`if (lane >= ${L}u) { return; }`);
  const at = (blk: string, c: number) => scratch(`(lane * ${blocks}u + ${blk}) * ${2 * m}u + ${c}u`);
  emitBlockPrefixes(
    w2,
    pm,
    blocks,
    (blk) => pm.types.map((_, c) => fromWord(at(blk, c), 'float32')),
    (blk, pre) => {
      for (let j = 0; j < m; j++) w2.line(`${at(blk, j)} = bitcast<u32>(${pre[j]} * ${initCarry(j)} + ${pre[m + j]});`);
    },
  );

  // Phase 3: each thread's entering carry, then the body replayed over its steps.
  const w3 = new WgslWriter();
  start(w3);
  threadFold(w3);
  emitBlockScan(w3, pm, acc);
  const ex = pm.types.map((_, c) => `ex${c}`);
  declareExclusive(w3, pm, ex);
  declareRegisters(w3, lay, (j) => `${ex[j]} * ${fromWord(scratch(`g * ${2 * m}u + ${j}u`), 'float32')} + ${ex[m + j]}`);
  eachStep(w3, () => emitStep(w3, lay));
  w3.open(`if (s0 <= ${T - 1}u && ${T - 1}u < s0 + ${PER_THREAD}u)`);
  emitFinalCarries(w3, lay);
  w3.close();

  const header = sharedDecls(pm);
  return [
    { code: w1.source(SCAN_WG, header), workgroups: groups, scratch: groups * 2 * m },
    { code: w2.source(SCAN_WG, header), workgroups: L, scratch: groups * 2 * m },
    { code: w3.source(SCAN_WG, header), workgroups: groups, scratch: groups * 2 * m },
  ];
}
