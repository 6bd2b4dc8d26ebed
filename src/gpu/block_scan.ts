// WGSL building blocks of the 3-phase parallel prefix scan (reduce, then scan, then
// rescan), written once for any associative combine over a tuple of scalars:
//   cumulative ops (render_cumulative.ts): a 1-tuple and the op's monoid;
//   affine scan recurrences (render_affine_scan.ts): (a_j, b_j) per carry with
//     (a1, b1) ∘ (a2, b2) = (a1*a2, a2*b1 + b2)   ("apply 1, then 2").
// The combine need not commute: every step keeps left-to-right order.
//
// Layout: a workgroup of SCAN_WG threads owns a block of SCAN_WG * PER_THREAD consecutive
// positions of one line; thread i folds positions [i*PER_THREAD, (i+1)*PER_THREAD) serially.
//   phase 1: each block's total -> scratch[line * blocks + block]
//   phase 2: one workgroup per line scans the block totals in chunks of SCAN_WG and stores
//            each block's exclusive prefix back in place
//   phase 3: each block re-folds its threads, scans them in the workgroup, and each thread
//            replays its positions from (block prefix ∘ thread prefix), storing results.
// All three dispatches go in the same pass of the realize's single submit.

import type { WgslWriter } from './wgsl_writer.js';

export const SCAN_WG = 256;
export const PER_THREAD = 16;
/** Positions per workgroup block. */
export const SCAN_BLOCK = SCAN_WG * PER_THREAD;

/**
 * A loop bound of `n` the shader compiler cannot see through (`arrayLength(&mem)` is a run-time
 * value, and the arena of a scan always holds more than n words): llvmpipe fully unrolls
 * constant-trip loops, and unrolled scan bodies took it seconds to compile.
 */
export const opaqueBound = (n: number) => `min(${n}u, arrayLength(&mem))`;

/**
 * Exactly `n`, as a loop bound the compiler cannot see through (for loops whose arena may
 * hold fewer than n words, e.g. a scan's time loop): arrayLength(&mem) <= 2^30 words, so
 * the sum never wraps.
 */
export const opaqueCount = (n: number) => `min(${n}u, arrayLength(&mem) + ${n}u)`;

/** An associative combine over a tuple of WGSL scalars (component k has type `types[k]`). */
export interface TupleMonoid {
  readonly types: readonly string[];
  readonly identity: readonly string[];
  /** Component expressions of `l ∘ r` (l first). */
  combine(l: readonly string[], r: readonly string[]): string[];
}

/** `var<workgroup>` arrays holding one tuple per thread. */
export function sharedDecls(m: TupleMonoid): string {
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
export function emitBlockScan(w: WgslWriter, m: TupleMonoid, v: readonly string[]): void {
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
export const shared = (m: TupleMonoid, i: string | number): string[] => m.types.map((_, k) => `sh${k}[${i}]`);

/** Declares `names` = this thread's exclusive prefix (after emitBlockScan). */
export function declareExclusive(w: WgslWriter, m: TupleMonoid, names: readonly string[]): void {
  names.forEach((n, k) => w.line(`var ${n}: ${m.types[k]} = ${m.identity[k]};`));
  w.line(`if (lid.x > 0u) { ${names.map((n, k) => `${n} = sh${k}[lid.x - 1u];`).join(' ')} }`);
}

/**
 * Phase 2 for one line of `blocks` tuples: `load(blk)` gives block `blk`'s total (component
 * expressions; `blk` a WGSL u32) and `storePrefix(blk, pre)` is emitted with the names of its
 * exclusive prefix, for every block. Each thread owns ceil(blocks / SCAN_WG) consecutive
 * blocks: fold them, scan the folds across the workgroup, replay them from the prefix.
 */
export function emitBlockPrefixes(
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
