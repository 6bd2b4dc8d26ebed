// The CPU backend: schedule the graph into fused kernels (src/scheduler) and run them as
// generated JavaScript or wasm SIMD (cpu/wasm/kernels.ts, on heap-resident buffers), synchronously.

import { allocate, storage, type TypedArray } from '../graph/dtype.js';
import type { Kernel, Schedule } from '../scheduler/kernel.js';
import { runLoops, type Backend } from '../scheduler/realize.js';
import { schedule } from '../scheduler/schedule.js';
import { zeroedBuffers } from './bind.js';
import { runSchedule } from './executor.js';
import { heapStorage, takeKept } from './pool.js';

/** Intermediates of a program under this size are its own, used again by each run. */
const SMALL_BYTES = 1 << 16;
/** Smaller results are realized and copied as usual (the copy is cheap). */
const FRESH_FROM = 1 << 14;
/** Kernels that cost about one pass over their output (recomputing them costs about a copy). */
const SINGLE_PASS = new Set<Kernel['kind']>(['elementwise', 'patch', 'cumulative', 'concat']);

/** One allocation for the outputs `i` with `isKept(i)` (16-byte aligned views), except buffers the schedule reads or updates in place. */
function keptStorage(s: Schedule, isKept: (i: number) => boolean): Map<number, TypedArray> {
  return storageFor(s, keptIds(s, isKept));
}

function keptIds(s: Schedule, isKept: (i: number) => boolean): number[] {
  const inputs = new Set(s.inputs.map((i) => i.buffer));
  return [...new Set(s.outputs.filter((b, i) => isKept(i) && !inputs.has(b)))];
}

function storageFor(s: Schedule, ids: readonly number[]): Map<number, TypedArray> {
  if (ids.length === 0) return new Map();
  let bytes = 0;
  const at = ids.map((b) => {
    const o = bytes;
    bytes += Math.ceil((s.buffers[b].size * storage[s.buffers[b].dtype].BYTES_PER_ELEMENT) / 16) * 16;
    return o;
  });
  const block = new ArrayBuffer(bytes);
  return new Map(ids.map((b, k) => [b, new storage[s.buffers[b].dtype](block, at[k], s.buffers[b].size)]));
}

/**
 * A program's storage besides its arguments: the kept outputs not updated in place (one
 * allocation per run: the caller keeps them), and its small intermediates, allocated once
 * per program in the wasm heap and used again by every run (runs are synchronous; the pool
 * would allocate them afresh each time, outside the heap, and wasm kernels would stage
 * copies of them). Large intermediates come from the pool as usual.
 */
const programArenas = new WeakMap<Schedule, { kept: number; keptIds: number[]; small: Map<number, TypedArray>; zeroed: number[] }>();

function programStorage(s: Schedule, kept: number): Map<number, TypedArray> {
  let a = programArenas.get(s);
  if (a === undefined || a.kept !== kept) {
    const small = new Map<number, TypedArray>();
    const needsZeros = zeroedBuffers(s);
    const zeroed: number[] = [];
    for (const b of s.buffers) {
      if (b.role !== 'intermediate' || b.size * storage[b.dtype].BYTES_PER_ELEMENT >= SMALL_BYTES) continue;
      small.set(b.id, takeKept(small, b.dtype, b.size));
      if (needsZeros[b.id]) zeroed.push(b.id);
    }
    programArenas.set(s, (a = { kept, keptIds: keptIds(s, (i) => i < kept), small, zeroed }));
  }
  for (const id of a.zeroed) a.small.get(id)!.fill(0);
  const preset = storageFor(s, a.keptIds);
  a.small.forEach((b, id) => preset.set(id, b));
  return preset;
}

export const cpuBackend: Backend = {
  name: 'cpu',
  storage: heapStorage,
  // Values the caller keeps (a stream's carry) are written into views of one ordinary
  // allocation: no heap block to copy out and no allocation per value (a stream step with
  // many small carries allocated a dozen arrays per batch, and V8 collected garbage for them).
  run: (outputs, kept) => {
    if (runLoops(outputs, cpuBackend) instanceof Promise) throw new Error('internal error: a loop on the cpu backend ran asynchronously');
    const s = schedule(outputs);
    return runSchedule(s, [], kept?.size ? keptStorage(s, (i) => kept.has(outputs[i])) : undefined);
  },
  runProgram: (s, args, kept) => runSchedule(s, args, programStorage(s, kept)),
  // A program of single-pass kernels (elementwise, `.at` patches, cumulative sums and
  // products, concatenations) writes its result straight into the array handed out (a wasm
  // kernel in cache-sized pieces through the heap; a patch copies its base there) instead of
  // into a heap block that is then copied: one pass over memory less. Not for programs that
  // update a dead input in place (the node would then have nothing to be recomputed from),
  // nor for scans, reductions and dots, whose recomputation on a second read could cost more
  // than a copy.
  runFresh: (node) => {
    if (node.size < FRESH_FROM) return null;
    const s = schedule([node]);
    const out = s.outputs[0];
    if (!s.kernels.every((k) => SINGLE_PASS.has(k.kind)) || s.inputs.some((i) => i.take || i.buffer === out)) return null;
    return runSchedule(s, [], new Map([[out, allocate(node.dtype, node.size)]]))[0];
  },
};
