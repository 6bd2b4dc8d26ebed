// The outputs of a windowed step (resample) in the keyed engine: a window record per closed
// window, from the scan's per-record outputs or from a flush of the whole key table when a
// watermark passes window ends (each table row by its key's watermark, or the stream's).

import type { DType, TypedArray } from '../../graph/dtype.js';
import { unflatten } from '../../graph/pytree.js';
import { giveBack, realizeBatch, thenMaybe } from '../../scheduler/realize.js';
import type { LaxArray } from '../array.js';
import { jit } from '../jit.js';
import { freshConstant, wrap } from '../nodes.js';
import { flattenNodes } from '../trace.js';
import { vmap } from '../vmap.js';
import { carryTree } from './carry.js';
import type { EngineContext } from './context.js';
import { mirrorLeaf, type Kind } from './emission.js';
import type { EventClock } from './event_time.js';
import { commit, type Key, type Leaf } from './state.js';
import type { WindowedStep } from './step.js';

export function windowOutputs(ctx: EngineContext, win: WindowedStep, clock: EventClock, timeRange: number) {
  const { spec } = ctx;
  // every key's window that ends at or before its watermark closes
  const flushRun = jit((table: unknown, watermarks: LaxArray) => {
    const [leaves, def] = flattenNodes(table);
    return vmap(win.flush)(unflatten(def, leaves.map((l) => wrap(l))), watermarks);
  }, { donateArgnums: 0 });
  let flushedTo = -Infinity; // the watermark boundaries (in windows since the epoch, summed over keys) at the last flush

  /** A window's output record: its key (none for records without), start time and statistics. */
  const record = (key: Key, t: number, yBufs: readonly TypedArray[], at: number, kind: Kind) => {
    const value = Object.fromEntries(win.windows.stats.map((s, i) => [s, mirrorLeaf(yBufs[2 + i], spec.yAvals[2 + i].shape, spec.yAvals[2 + i].dtype, kind, false, at, 1)]));
    return key === null ? { t, value } : { key, t, value };
  };

  /** After a batch: the windows whose end their watermark has passed since the last flush, appended to `emitted`. */
  const flush = (emitted: unknown[]): unknown[] | Promise<unknown[]> => {
    const state = ctx.getState();
    if (state.keys.length === 0 || state.timeBase == null) return emitted;
    const base = state.timeBase;
    // each table row's watermark, relative to the time base
    const rows = state.carry[0].shape[0];
    const marks = new Int32Array(rows).fill(-timeRange);
    let boundary = 0; // grows when any key's watermark passes a window boundary
    state.keys.forEach((key, row) => {
      const wm = clock.watermarkOf({ key: key ?? undefined });
      if (Number.isFinite(wm)) boundary += Math.floor(wm / win.windows.every);
      else if (wm === Infinity) boundary = Infinity;
      marks[row] = Math.max(-timeRange, Math.min(2 ** 31 - 1, wm - base));
    });
    if (!(boundary > flushedTo)) return emitted;
    flushedTo = boundary;
    const [newTable, ys] = flushRun(carryTree(spec.def, state.carry, true), wrap(freshConstant(marks, [rows], 'int32'))) as [unknown, unknown];
    const [tableNodes] = flattenNodes(newTable);
    const [yNodes] = flattenNodes(ys);
    return thenMaybe(realizeBatch([...tableNodes, ...yNodes], tableNodes.length), (bufs) => {
      const yBufs = bufs.slice(tableNodes.length);
      const carry: Leaf[] = tableNodes.map((n, i) => ({ shape: [...n.shape], dtype: n.dtype as DType, data: bufs[i] }));
      ctx.setState(...commit(state, (d) => void (d.carry = carry as never)));
      const closed = state.keys.flatMap((key, row) => (yBufs[0][row] ? [record(key, base + yBufs[1][row], yBufs, row, 'js')] : []));
      giveBack(yNodes);
      return emitted.concat(closed);
    });
  };
  return { record, flush };
}
