// WGSL for cumulative kernels (cumsum, cumprod, cummax, cummin along one axis).
//
// - Lines shorter than PARALLEL_MIN: one thread per line, a serial loop in the oracle's
//   order, so results are bit-exact (the oracle is a sequential float32 loop).
// - Longer lines: the parallel scan of parallel_scan.ts (three dispatches in the same
//   submit), each phase reading the fused input expression directly (nothing materialized),
//   so a long cumsum is bandwidth-bound rather than one thread walking 2^24 elements.
//   Integer ops and max/min are associative, so those results stay exact; float32 sums and
//   products are re-associated (a block tree instead of a left fold): the error bound is
//   the usual one for a different summation order, |Δ| <= 2·log2(n)·eps·Σ|x| for cumsum
//   (tests/gpu/parallel_scan.test.ts checks that bound).
// Meta words: input slots, the output, then the scratch (block totals) offset.

import { sizeOf, stridesOf } from '../graph/shape.js';
import type { Kernel } from '../scheduler/kernel.js';
import { threadId, WG, type Dispatch } from './dispatch.js';
import { combineInto, declareIdentity, renderParallelScan, type TupleMonoid } from './parallel_scan.js';
import { monoid, wgslType } from './wgsl_ops.js';
import { WgslWriter } from './wgsl_writer.js';

type CumulativeKernel = Extract<Kernel, { kind: 'cumulative' }>;

/** Line length from which a cumulative op runs as a parallel scan (shorter: serial, bit-exact). */
export const PARALLEL_MIN = 4096;


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
  const m = monoid(k.op, d, w);
  w.line(`let l = ${threadId(WG)};`);
  w.line(`if (l >= ${lines}u) { return; }`);
  w.line(`let base = ${base('l')};`);
  w.line(`var acc: ${wgslType[d]} = ${m.init};`);
  w.open(`for (var s = 0u; s < ${len}u; s++)`);
  w.line(`let j = base + ${k.reverse ? `(${len - 1}u - s)` : 's'} * ${stride}u;`);
  const v = w.expr(k.expr, w.coords('j', k.shape));
  w.line(`if (s == 0u) { acc = ${v}; } else { acc = ${m.combine('acc', v)}; }`);
  w.store(out, 'j', 'acc', d);
  w.close();
  return { code: w.source(WG), workgroups: Math.ceil(lines / WG) };
}

/** The parallel scan of parallel_scan.ts over each line, with the op's monoid as a 1-tuple. */
function renderParallel(k: CumulativeKernel): Dispatch[] {
  const { len, stride, lines, base } = lineGeometry(k);
  const out = k.inputs.length;
  const d = k.expr.dtype;
  /** The input at position `pos` of this line; `j` names its flat index. */
  const value = (w: WgslWriter, pos: string) => {
    w.line(`let j = base + ${pos} * ${stride}u;`);
    return w.expr(k.expr, w.coords('j', k.shape));
  };
  return renderParallelScan({
    lanes: lines,
    length: len,
    reverse: k.reverse,
    scratchMeta: out + 1,
    dtype: d,
    monoid: (w): TupleMonoid => {
      const m = monoid(k.op, d, w);
      return { types: [wgslType[d]], identity: [m.init], combine: (l, r) => [m.combine(l[0], r[0])] };
    },
    perLane: (w) => w.line(`let base = ${base('lane')};`),
    element: (w, pos) => [value(w, pos)],
    replay: (w, { monoid: m, block, thread, each }) => {
      const run = [w.fresh('run')];
      declareIdentity(w, m, run);
      combineInto(w, m, run, [block(0)], thread);
      each((pos) => {
        combineInto(w, m, run, run, [value(w, pos)]);
        w.store(out, 'j', run[0], d);
      });
    },
  });
}
