// WGSL for cumulative kernels (cumsum, cumprod, cummax, cummin along one axis).
//
// - Lines shorter than PARALLEL_MIN: one thread per line, a serial loop in the oracle's
//   order, so results are bit-exact (the oracle is a sequential float32 loop).
// - Longer lines: the 3-phase reduce-then-scan of block_scan.ts, three dispatches in the
//   same submit, each reading the fused input expression directly (nothing materialized),
//   so a long cumsum is bandwidth-bound rather than one thread walking 2^24 elements.
//   Integer ops and max/min are associative, so those results stay exact; float32 sums and
//   products are re-associated (a block tree instead of a left fold): the error bound is
//   the usual one for a different summation order, |Δ| <= 2·log2(n)·eps·Σ|x| for cumsum
//   (tests check |Δ| <= n·eps·max prefix of Σ|x|, with the statement in the test).
// Meta words: input slots, the output, then the scratch (block totals) offset.

import { sizeOf, stridesOf } from '../graph/shape.js';
import type { Kernel } from '../scheduler/kernel.js';
import { emitBlockPrefixes, emitBlockScan, declareExclusive, declareIdentity, combineInto, sharedDecls, shared, opaqueBound, PER_THREAD, SCAN_BLOCK, SCAN_WG, type TupleMonoid } from './block_scan.js';
import type { Dispatch } from './dispatch.js';
import { monoid, wgslType } from './wgsl_ops.js';
import { fromWord, toWord, WgslWriter } from './wgsl_writer.js';

type CumulativeKernel = Extract<Kernel, { kind: 'cumulative' }>;

/** Line length from which a cumulative op runs as a parallel scan (shorter: serial, bit-exact). */
export const PARALLEL_MIN = 4096;

const cumOf = { cumsum: 'add', cumprod: 'mul', cummax: 'max', cummin: 'min' } as const;

const groupId = '(wid.x + wid.y * nwg.x)';

export function renderCumulative(k: CumulativeKernel): Dispatch[] {
  const len = k.shape[k.axis];
  const d = k.expr.dtype;
  return len >= PARALLEL_MIN && d !== 'bool' ? renderParallel(k) : [renderSerial(k)];
}

function lineGeometry(k: CumulativeKernel) {
  const len = k.shape[k.axis];
  const stride = stridesOf(k.shape)[k.axis];
  const lines = len === 0 ? 0 : sizeOf(k.shape) / len;
  return { len, stride, lines, base: (l: string) => `(${l} / ${stride}u) * ${stride * len}u + ${l} % ${stride}u` };
}

function renderSerial(k: CumulativeKernel): Dispatch {
  const { len, stride, lines, base } = lineGeometry(k);
  const out = k.inputs.length;
  const w = new WgslWriter();
  const d = k.expr.dtype;
  const m = monoid(cumOf[k.op], d, w);
  w.line(`let l = (wid.x + wid.y * nwg.x) * 64u + lid.x;`);
  w.line(`if (l >= ${lines}u) { return; }`);
  w.line(`let base = ${base('l')};`);
  w.line(`var acc: ${wgslType[d]} = ${m.init};`);
  w.open(`for (var s = 0u; s < ${len}u; s++)`);
  w.line(`let j = base + ${k.reverse ? `(${len - 1}u - s)` : 's'} * ${stride}u;`);
  const v = w.expr(k.expr, w.coords('j', k.shape));
  w.line(`if (s == 0u) { acc = ${v}; } else { acc = ${m.combine('acc', v)}; }`);
  w.store(out, 'j', 'acc', d);
  w.close();
  return { code: w.source(64), workgroups: Math.ceil(lines / 64) };
}

function renderParallel(k: CumulativeKernel): Dispatch[] {
  const { len, stride, lines, base } = lineGeometry(k);
  const blocks = Math.ceil(len / SCAN_BLOCK);
  const out = k.inputs.length;
  const scratchMeta = out + 1;
  const d = k.expr.dtype;
  const scratch = (i: string) => `mem[offs[${scratchMeta}] + ${i}]`;

  /** Preamble of phases 1 and 3: which line and block, and this thread's first position. */
  const start = (w: WgslWriter) => {
    w.line(`let g = ${groupId};`);
    w.line(`if (g >= ${lines * blocks}u) { return; }`);
    w.line(`let line = g / ${blocks}u;`);
    w.line(`let base = ${base('line')};`);
    w.line(`let s0 = (g % ${blocks}u) * ${SCAN_BLOCK}u + lid.x * ${PER_THREAD}u;`);
  };
  /** Emits `body(value, j)` for each of this thread's positions inside the line. */
  const eachPosition = (w: WgslWriter, body: (v: string, j: string) => void) => {
    w.open(`for (var i = 0u; i < ${opaqueBound(PER_THREAD)}; i++)`);
    w.line('let s = s0 + i;');
    w.open(`if (s < ${len}u)`);
    w.line(`let j = base + ${k.reverse ? `(${len - 1}u - s)` : 's'} * ${stride}u;`);
    body(w.expr(k.expr, w.coords('j', k.shape)), 'j');
    w.close();
    w.close();
  };
  const monoidOf = (w: WgslWriter): TupleMonoid => {
    const m = monoid(cumOf[k.op], d, w);
    return { types: [wgslType[d]], identity: [m.init], combine: (l, r) => [m.combine(l[0], r[0])] };
  };
  const threadFold = (w: WgslWriter, m: TupleMonoid): string => {
    declareIdentity(w, m, ['acc']);
    eachPosition(w, (v) => combineInto(w, m, ['acc'], ['acc'], [v]));
    return 'acc';
  };

  // Phase 1: block totals.
  const w1 = new WgslWriter();
  const m1 = monoidOf(w1);
  start(w1);
  threadFold(w1, m1);
  emitBlockScan(w1, m1, ['acc']);
  w1.line(`if (lid.x == 0u) { ${scratch('g')} = ${toWord(shared(m1, SCAN_WG - 1)[0], d)}; }`);

  // Phase 2: exclusive prefix of each block, per line.
  const w2 = new WgslWriter();
  const m2 = monoidOf(w2);
  w2.line(`let line = ${groupId};`);
  w2.line(`if (line >= ${lines}u) { return; }`);
  emitBlockPrefixes(
    w2,
    m2,
    blocks,
    (blk) => [fromWord(scratch(`line * ${blocks}u + ${blk}`), d)],
    (blk, pre) => w2.line(`${scratch(`line * ${blocks}u + ${blk}`)} = ${toWord(pre[0], d)};`),
  );

  // Phase 3: rescan each block from its prefix.
  const w3 = new WgslWriter();
  const m3 = monoidOf(w3);
  start(w3);
  threadFold(w3, m3);
  emitBlockScan(w3, m3, ['acc']);
  declareExclusive(w3, m3, ['ex']);
  declareIdentity(w3, m3, ['run']);
  combineInto(w3, m3, ['run'], [fromWord(scratch('g'), d)], ['ex']);
  eachPosition(w3, (v, j) => {
    combineInto(w3, m3, ['run'], ['run'], [v]);
    w3.store(out, j, 'run', d);
  });

  const header = (m: TupleMonoid) => sharedDecls(m);
  const groups = lines * blocks;
  return [
    { code: w1.source(SCAN_WG, header(m1)), workgroups: groups, scratch: groups },
    { code: w2.source(SCAN_WG, header(m2)), workgroups: lines, scratch: groups },
    { code: w3.source(SCAN_WG, header(m3)), workgroups: groups, scratch: groups },
  ];
}
