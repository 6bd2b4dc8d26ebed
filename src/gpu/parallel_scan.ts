// The parallel prefix scan on WebGPU, written once for any associative combine over a
// tuple of scalars (TupleMonoid) and rendered for its two users:
//   cumulative ops (render_cumulative.ts): a 1-tuple and the op's monoid;
//   affine scan recurrences (render_affine_scan.ts): (a_j, b_j) per carry with
//     (a1, b1) ∘ (a2, b2) = (a1*a2, a2*b1 + b2)   ("apply 1, then 2").
// The combine need not commute: every step keeps left-to-right order.
//
// Three dispatches (reduce, then scan, then rescan), all in the same pass of the realize's
// single submit. `lanes` independent sequences of `length` positions each; a workgroup of
// SCAN_WG threads owns a block of SCAN_BLOCK consecutive positions of one lane, and thread
// i folds positions [i*PER_THREAD, (i+1)*PER_THREAD) of it serially.
//   phase 1: each block's total -> scratch slot lane * blocks + block;
//   phase 2: one workgroup per lane scans the block totals in chunks of SCAN_WG and stores
//            what enters each block (`entering` of its exclusive prefix) in its slot;
//   phase 3: each block re-folds its threads and scans them in the workgroup; each thread
//            then replays its positions from what enters its block and its exclusive
//            prefix inside the block (`replay`: the user's results).
// Scratch: `lanes * blocks` slots of one word per tuple component.

import type { DType } from '../graph/dtype.js';
import { groupId, type Dispatch } from './dispatch.js';
import { fromWord, opaqueBound, toWord, WgslWriter } from './wgsl_writer.js';

const SCAN_WG = 256;
const PER_THREAD = 16;
/** Positions per workgroup block. */
const SCAN_BLOCK = SCAN_WG * PER_THREAD;

/** An associative combine over a tuple of WGSL scalars (component k has type `types[k]`). */
export interface TupleMonoid {
  readonly types: readonly string[];
  readonly identity: readonly string[];
  /** Component expressions of `l ∘ r` (l first). */
  combine(l: readonly string[], r: readonly string[]): string[];
}

/** One parallel scan: what is combined, and what the results are. */
export interface ParallelScan {
  /** Independent sequences (the lines of a cumulative op, the lanes of a lax.scan). */
  readonly lanes: number;
  /** Positions per sequence. */
  readonly length: number;
  /** Sequences run from their last position to their first. */
  readonly reverse: boolean;
  /** Meta index of the scratch offset. */
  readonly scratchMeta: number;
  /** Dtype of every tuple component as a scratch word. */
  readonly dtype: DType;
  /** The combine, on `w` (its ops may pull helpers into w's shader). */
  monoid(w: WgslWriter): TupleMonoid;
  /** Statements run once per thread of phases 1 and 3, with `lane` (u32) in scope. */
  perLane?(w: WgslWriter): void;
  /** The tuple of the position at `pos` (a u32 WGSL expression, already reversed if need be). */
  element(w: WgslWriter, pos: string): string[];
  /**
   * Phase 2: what is stored for a block whose exclusive prefix is `pre` (`lane` in scope),
   * at most as many components as the tuple; by default the prefix itself.
   */
  entering?(pre: readonly string[]): string[];
  /** Phase 3: this thread's results. */
  replay(w: WgslWriter, r: Replay): void;
}

/** What phase 3 gives `replay`. */
export interface Replay {
  readonly monoid: TupleMonoid;
  /** Component `c` of what phase 2 stored for this thread's block (`entering`). */
  block(c: number): string;
  /** This thread's exclusive prefix inside its block. */
  readonly thread: readonly string[];
  /** Emits `body(pos)` for each of this thread's positions, in order (`pos` as in `element`). */
  each(body: (pos: string) => void): void;
  /** A WGSL bool: this thread holds the sequence's last position. */
  readonly holdsLast: string;
}

/** The three dispatches of `s`. */
export function renderParallelScan(s: ParallelScan): Dispatch[] {
  const { lanes, length } = s;
  const blocks = Math.ceil(length / SCAN_BLOCK);
  const groups = lanes * blocks;
  const scratch = (i: string) => `mem[offs[${s.scratchMeta}] + ${i}]`;
  const width = s.monoid(new WgslWriter()).types.length; // words per slot
  /** Word `c` of scratch slot `at` (a WGSL u32 term). */
  const slot = (at: string, c: number) => scratch(width === 1 ? at : `${at} * ${width}u + ${c}u`);
  /** One dispatch's shader: `body` emits its statements. */
  const phase = (body: (w: WgslWriter, m: TupleMonoid) => void) => {
    const w = new WgslWriter();
    const m = s.monoid(w);
    body(w, m);
    return w.source(SCAN_WG, sharedDecls(m));
  };

  /** Preamble of phases 1 and 3: which lane and block, and this thread's first position. */
  const start = (w: WgslWriter) => {
    w.line(`let g = ${groupId};`);
    w.line(`if (g >= ${groups}u) { return; }`);
    w.line(`let lane = g / ${blocks}u;`);
    s.perLane?.(w);
    w.line(`let s0 = (g % ${blocks}u) * ${SCAN_BLOCK}u + lid.x * ${PER_THREAD}u;`);
  };
  const each = (w: WgslWriter) => (body: (pos: string) => void) => {
    w.open(`for (var i = 0u; i < ${opaqueBound(PER_THREAD)}; i++)`);
    w.line('let s = s0 + i;');
    w.open(`if (s < ${length}u)`);
    body(s.reverse ? `(${length - 1}u - s)` : 's');
    w.close();
    w.close();
  };
  /** Folds this thread's positions and scans the folds across the workgroup. */
  const foldAndScan = (w: WgslWriter, m: TupleMonoid) => {
    const acc = m.types.map(() => w.fresh('acc'));
    declareIdentity(w, m, acc);
    each(w)((pos) => combineInto(w, m, acc, acc, s.element(w, pos)));
    emitBlockScan(w, m, acc);
  };

  // Phase 1: block totals.
  const phase1 = phase((w, m) => {
    start(w);
    foldAndScan(w, m);
    w.line(`if (lid.x == 0u) { ${shared(m, SCAN_WG - 1).map((v, c) => `${slot('g', c)} = ${toWord(v, s.dtype)};`).join(' ')} }`);
  });

  // Phase 2: what enters each block, per lane.
  const phase2 = phase((w, m) => {
    w.line(`let lane = ${groupId};`);
    w.line(`if (lane >= ${lanes}u) { return; }`);
    const at = (blk: string) => `(lane * ${blocks}u + ${blk})`;
    emitBlockPrefixes(
      w,
      m,
      blocks,
      (blk) => m.types.map((_, c) => fromWord(slot(at(blk), c), s.dtype)),
      (blk, pre) => (s.entering?.(pre) ?? pre).forEach((v, c) => w.line(`${slot(at(blk), c)} = ${toWord(v, s.dtype)};`)),
    );
  });

  // Phase 3: rescan each block, then the user's results from what enters each thread.
  const phase3 = phase((w, m) => {
    start(w);
    foldAndScan(w, m);
    const thread = m.types.map(() => w.fresh('ex'));
    declareExclusive(w, m, thread);
    const block = (c: number) => fromWord(slot('g', c), s.dtype);
    s.replay(w, { monoid: m, block, thread, each: each(w), holdsLast: `s0 <= ${length - 1}u && ${length - 1}u < s0 + ${PER_THREAD}u` });
  });

  const scratchWords = groups * width;
  return [
    { code: phase1, workgroups: groups, scratch: scratchWords },
    { code: phase2, workgroups: lanes, scratch: scratchWords },
    { code: phase3, workgroups: groups, scratch: scratchWords },
  ];
}

/** `var<workgroup>` arrays holding one tuple per thread. */
function sharedDecls(m: TupleMonoid): string {
  return m.types.map((t, k) => `var<workgroup> sh${k}: array<${t}, ${SCAN_WG}>;`).join('\n');
}

/** Declares `var`s named `names` holding the identity. */
export function declareIdentity(w: WgslWriter, m: TupleMonoid, names: readonly string[]): void {
  names.forEach((n, k) => w.line(`var ${n}: ${m.types[k]} = ${m.identity[k]};`));
}

/** target = l ∘ r, through temporaries (target may alias l or r). */
export function combineInto(w: WgslWriter, m: TupleMonoid, target: readonly string[], l: readonly string[], r: readonly string[]): void {
  const parts = m.combine(l, r);
  const tmp = parts.map((p, k) => {
    const t = w.fresh('q');
    w.line(`let ${t}: ${m.types[k]} = ${p};`);
    return t;
  });
  target.forEach((t, k) => w.line(`${t} = ${tmp[k]};`));
}

/**
 * Inclusive scan of the tuple in `v` across the workgroup (Hillis-Steele, order kept). After
 * it `v` holds the thread's inclusive prefix and sh* every thread's, so `shared(m, SCAN_WG - 1)`
 * is the block total and `declareExclusive` the thread's exclusive prefix. Must be reached by
 * every thread of the workgroup (uniform control flow).
 */
function emitBlockScan(w: WgslWriter, m: TupleMonoid, v: readonly string[]): void {
  v.forEach((x, k) => w.line(`sh${k}[lid.x] = ${x};`));
  w.line('workgroupBarrier();');
  w.open(`for (var d = 1u; d < ${opaqueBound(SCAN_WG)}; d = d << 1u)`);
  const q = v.map((x, k) => {
    const n = w.fresh('p');
    w.line(`var ${n}: ${m.types[k]} = ${x};`);
    return n;
  });
  w.line(`if (lid.x >= d) { ${q.map((n, k) => `${n} = sh${k}[lid.x - d];`).join(' ')} }`);
  w.line('workgroupBarrier();');
  w.open('if (lid.x >= d)');
  combineInto(w, m, v, q, v);
  v.forEach((x, k) => w.line(`sh${k}[lid.x] = ${x};`));
  w.close();
  w.line('workgroupBarrier();');
  w.close();
}

/** Component expressions of thread `i`'s entry in shared memory. */
const shared = (m: TupleMonoid, i: string | number): string[] => m.types.map((_, k) => `sh${k}[${i}]`);

/** Declares `names` = this thread's exclusive prefix (after emitBlockScan). */
function declareExclusive(w: WgslWriter, m: TupleMonoid, names: readonly string[]): void {
  names.forEach((n, k) => w.line(`var ${n}: ${m.types[k]} = ${m.identity[k]};`));
  w.line(`if (lid.x > 0u) { ${names.map((n, k) => `${n} = sh${k}[lid.x - 1u];`).join(' ')} }`);
}

/**
 * Phase 2 for one lane of `blocks` tuples: `load(blk)` gives block `blk`'s total (component
 * expressions; `blk` a WGSL u32) and `storePrefix(blk, pre)` is emitted with the names of its
 * exclusive prefix, for every block. Each thread owns ceil(blocks / SCAN_WG) consecutive
 * blocks: fold them, scan the folds across the workgroup, replay them from the prefix.
 */
function emitBlockPrefixes(
  w: WgslWriter,
  m: TupleMonoid,
  blocks: number,
  load: (blk: string) => string[],
  storePrefix: (blk: string, pre: readonly string[]) => void,
): void {
  const per = Math.max(1, Math.ceil(blocks / SCAN_WG));
  const each = (body: () => void) => {
    w.open(`for (var i = 0u; i < ${opaqueBound(per)}; i++)`);
    w.line(`let blk = lid.x * ${per}u + i;`);
    w.open(`if (blk < ${blocks}u)`);
    body();
    w.close();
    w.close();
  };
  const acc = m.types.map(() => w.fresh('acc'));
  declareIdentity(w, m, acc);
  each(() => combineInto(w, m, acc, acc, load('blk')));
  emitBlockScan(w, m, acc);
  const run = m.types.map(() => w.fresh('run'));
  declareExclusive(w, m, run);
  each(() => {
    const tot = load('blk').map((x, k) => {
      const n = w.fresh('tot');
      w.line(`let ${n}: ${m.types[k]} = ${x};`);
      return n;
    });
    storePrefix('blk', run);
    combineInto(w, m, run, run, tot);
  });
}
