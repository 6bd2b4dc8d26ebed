// The engine of a record stream scan: per-key state lives in dense arrays (a table with a
// leading key axis, one per carry leaf) and the step is vmapped over keys. Records without
// a key share one row. On event time (event_time.ts) the records of a batch first pass the
// stream's clock, which puts them in time order and holds back what may still be overtaken;
// a step on event time gets each record's time.
//
// A batch of records for many keys becomes one schedule:
//   1. Each record gets its key's table row (new keys take new rows; the table grows by
//      doubling, new rows holding the initial carry) and a round: the number of earlier
//      records of the same key in this batch. Round r holds each key's (r+1)-th record,
//      so order is preserved per key.
//   2. The M distinct keys' rows are copied from the table into the program's carry inputs,
//      `lax.scan` runs over the R rounds with `vmap(f)` over the M rows (keys without a
//      record in a round keep their carry), and the final rows are copied back into the
//      table. The table is host data the stream owns (its state), so these are plain copies
//      of M rows, not kernels: one program per batch shape, whatever the table's size.
//   3. Carries and outputs are realized together; R and M are padded to bucket sizes
//      (padding rows carry a copy of the first row, are masked out of every round and are
//      not copied back).
// So the cost per batch is O(R * M) steps plus copies of M rows, never one subscription or
// one schedule per key.

import { allocate, type TypedArray } from '../../graph/dtype.js';
import { unflatten, unflattener } from '../../graph/pytree.js';
import { sizeOf } from '../../graph/shape.js';
import type { LaxArray } from '../array.js';
import { traceProgram } from '../jit.js';
import { wrap } from '../nodes.js';
import { scan as laxScan } from '../scan.js';
import { flattenNodes } from '../trace.js';
import { vmap } from '../vmap.js';
import type { Engine } from './batcher.js';
import { bucket } from './buckets.js';
import { checkedStep, maskedStep } from './carry.js';
import { CopyPool, mirrorLeaf, type Kind } from './emission.js';
import { giveBuffers, takeHost, thenGiving } from '../../scheduler/realize.js';
import { runProgram, sharedProgramCache, type Program } from '../../scheduler/program.js';
import { isRecordChunk, MalformedRecordError, recordInput, sendDeadLetter, describeRecord, type DeadLetter, type KeyedRecord } from './records.js';
import { commit, type Key, type Leaf } from './state.js';
import type { EngineContext } from './context.js';
import { EventClock, type Timed } from './event_time.js';
import { fmtTime } from './duration.js';
import { isWindowed } from './step.js';
import { windowOutputs } from './window_outputs.js';
import type { SchedulerLike, Subscription } from 'rxjs';

/** A valid record of an emission: its value as host data, its output kind, its time (NaN off event time). */
interface Entry extends Timed {
  record: KeyedRecord;
  row: TypedArray | number;
  kind: Kind;
}

interface Admitted {
  /** The emission's valid records. */
  entries: Entry[];
  chunk: boolean;
  /** Malformed records sent to the dead-letter output since the previous admitted emission, this one's included. */
  dropped: number;
  /** An idle tick (no records): the watermark moves on by this much wall-clock time. */
  idleMs?: number;
  /** The source completed: everything the clock holds is released. */
  final?: boolean;
}

/** Event times in the scan are int32 ms from the stream's time base; records must stay this close to it. */
const TIME_RANGE = 2 ** 30;

const keyId = (k: Key | undefined) => (k === undefined || k === null ? 'u' : typeof k === 'number' ? `n${k}` : `s${k}`);
const kindOf = (r: KeyedRecord): Kind => (ArrayBuffer.isView(r.value) ? 'typed' : 'js');

/** The table with capacity for `rows` keys: existing rows kept, new rows = initial carry. */
function grow(table: readonly Leaf[], init: readonly Leaf[], capacity: number): Leaf[] {
  return table.map((leaf, i) => {
    const rowSize = sizeOf(init[i].shape);
    const data = allocate(leaf.dtype, capacity * rowSize);
    data.set(leaf.data);
    for (let r = leaf.shape[0]; r < capacity; r++) data.set(init[i].data, r * rowSize);
    return { shape: [capacity, ...init[i].shape], dtype: leaf.dtype, data };
  });
}

export function emptyTable(init: readonly Leaf[]): Leaf[] {
  return init.map((l) => ({ shape: [0, ...l.shape], dtype: l.dtype, data: allocate(l.dtype, 0) }));
}

export function keyedEngine(ctx: EngineContext, deadLetter?: DeadLetter): Engine<unknown, Admitted, unknown> {
  const { name, f, spec, xShape, dtype, events } = ctx;
  const xSize = sizeOf(xShape);
  // Table row by key (a Map tells 1 from '1'; a missing key is null).
  const index = new Map<Key, number>();
  ctx.getState().keys.forEach((k, i) => index.set(k, i));
  const timed = ctx.timed;
  const checked = spec.checks.length > 0;
  // The table's first capacity: 64 keys, fewer when a key's state is large (a ring of rows
  // of sensors), so that a stream of one key does not carry 63 unused copies of it.
  const rowElements = spec.leaves.reduce((n, l) => n + sizeOf(l.shape), 0);
  const minRows = Math.max(1, Math.min(64, 2 ** Math.floor(Math.log2(Math.max(1, (1 << 16) / Math.max(1, rowElements))))));
  const win = isWindowed(ctx.step) ? ctx.step : null;
  // records' values are copied when admitted (the caller may fill its array again), into
  // arrays used again once their batch has read them
  const copies = new CopyPool();
  const quantum = ctx.step.timeQuantum ?? 1;

  const step = maskedStep(vmap(checked ? checkedStep(f) : f));
  // A stream of one key (records without a key share one state) steps its state directly:
  // no key axis, no gather and scatter, and a mask per step, which the scan's code branches
  // on once per step instead of selecting per value.
  const singleStep = maskedStep(checked ? checkedStep(f) : f);
  // One batch: a scan over its rounds (`step` over M rows, or `singleStep` over the one
  // key's state), from the carry rows the engine copies in; traced and scheduled once per
  // batch shape (rounds R, rows M).
  const nCarry = spec.leaves.length;
  const batchOf = (stepFn: typeof step) => (...args: LaxArray[]) => {
    const [xs, valid, ts] = args.slice(nCarry);
    const [final, ys] = laxScan(stepFn, unflatten(spec.def, args.slice(0, nCarry)), ts ? [xs, valid, ts] : [xs, valid]);
    return [flattenNodes(final)[0].map(wrap), ys];
  };
  const multiBatch = batchOf(step);
  const singleBatch = batchOf(singleStep);
  // An output record's value, built from the batch's output buffers at its index.
  const makeValue = unflattener(spec.yDef);
  const scalarYs = spec.yAvals.every((a) => a.shape.length === 0);
  const yBools = spec.yAvals.map((a) => a.dtype === 'bool');
  const rowSizes = spec.leaves.map((l) => sizeOf(l.shape));
  const programs = sharedProgramCache(ctx.step.key && `keyed ${ctx.step.key} ${JSON.stringify(xShape)} ${dtype}`);
  /** The program of a batch of R rounds of M rows; M = 0: the one-key form (`singleStep`). */
  const programFor = (R: number, M: number): Program =>
    programs(`${R}|${M}`, () => {
      const perStep = M === 0 ? [R] : [R, M];
      const avals = [
        ...spec.leaves.map((l) => ({ shape: M === 0 ? l.shape : [M, ...l.shape], dtype: l.dtype })),
        { shape: [...perStep, ...xShape], dtype },
        { shape: perStep, dtype: 'bool' as const },
        ...(timed ? [{ shape: perStep, dtype: 'int32' as const }] : []),
      ];
      return traceProgram(M === 0 ? singleBatch : multiBatch, avals).program;
    });
  // The carry rows handed to a program, per batch width M: reused from batch to batch (taken
  // while a program runs, so a batch on an asynchronous backend never shares them).
  const carryIns = new Map<number, TypedArray[]>();
  /** The carry rows of a batch: row `rows[s]` of each table leaf at slot s, padding slots a copy of slot 0. */
  const gatherRows = (table: readonly Leaf[], rows: readonly number[], M: number): TypedArray[] => {
    const outs = carryIns.get(M) ?? table.map((leaf, i) => allocate(leaf.dtype, M * rowSizes[i]));
    carryIns.delete(M);
    table.forEach((leaf, i) => {
      const size = rowSizes[i];
      const src = leaf.data;
      const out = outs[i];
      if (size === 1) for (let s = 0; s < M; s++) out[s] = src[s < rows.length ? rows[s] : rows[0]];
      else {
        // (element by element: a subarray per row would be an allocation per row and leaf)
        for (let s = 0; s < M; s++) {
          const from = (s < rows.length ? rows[s] : rows[0]) * size;
          for (let e = 0; e < size; e++) out[s * size + e] = src[from + e];
        }
      }
    });
    return outs;
  };
  /** Writes each slot's final carry row back into its table row. */
  const scatterRows = (table: readonly Leaf[], finals: readonly TypedArray[], rows: readonly number[]): void =>
    table.forEach((leaf, i) => {
      const size = rowSizes[i];
      const dst = leaf.data;
      const src = finals[i];
      for (let s = 0; s < rows.length; s++) {
        const to = rows[s] * size;
        if (size === 1) dst[to] = src[s];
        else for (let e = 0; e < size; e++) dst[to + e] = src[s * size + e];
      }
    });
  const clock = events ? new EventClock(name, events.maxLateness, events.late, events.time ?? ((r: any) => r?.t), events.perKey ? (r) => keyId((r as KeyedRecord).key) : undefined) : null;
  const saved = ctx.getState().clock;
  if (clock && saved) clock.restore({ marks: saved.marks.map(([id, l, w]) => [id, l, w]), waiting: saved.waiting.map((w) => ({ ...w })) });
  let emissions = saved?.emissions ?? 0;
  const windows = win && clock ? windowOutputs(ctx, win, clock, TIME_RANGE) : null;
  const flush = (emitted: unknown[]) => (windows ? windows.flush(emitted) : emitted);
  let push: ((value: Admitted, steps: number) => void) | undefined;
  let scheduler: SchedulerLike | undefined;
  let idleTimer: Subscription | null = null;
  let lastInput = 0;
  const armIdle = () => {
    if (!events?.idleTimeout || !scheduler || !push) return;
    idleTimer?.unsubscribe();
    idleTimer = scheduler.schedule(() => {
      idleTimer = null;
      push!({ entries: [], chunk: false, dropped: 0, idleMs: scheduler!.now() - lastInput }, 0);
    }, events.idleTimeout);
  };

  // Dead-lettered records count in the position (the records consumed): each is counted
  // with the next emission that enters a batch (or at the end of the stream), so a checkpoint's position is the index in
  // the input just after its batch's last record.
  let dead = 0;
  const divert = (e: unknown): null => {
    if (!(e instanceof MalformedRecordError) || !deadLetter) throw e;
    sendDeadLetter(deadLetter, e);
    dead++;
    return null;
  };
  const entryOf = (r: unknown, chunk: boolean, src: number): Entry | null => {
    try {
      const row = recordInput(r, xShape, dtype, name, copies);
      const t = clock ? clock.timeOfRecord(r) : NaN;
      return { record: r as KeyedRecord, row, kind: kindOf(r as KeyedRecord), t, chunk, src };
    } catch (e) {
      return divert(e);
    }
  };
  /** A record released by the clock, as an entry (a restored one gets its value again). */
  const released = (w: Timed): Entry => (w.row !== undefined ? (w as Entry) : { ...w, record: w.record as KeyedRecord, row: recordInput(w.record, xShape, dtype, name, copies), kind: kindOf(w.record as KeyedRecord) });

  return {
    attach(p, s) {
      push = p;
      scheduler = s;
      lastInput = s.now();
      if (clock?.pending) armIdle();
    },
    detach() {
      idleTimer?.unsubscribe();
      idleTimer = null;
    },
    finish: () => (clock ? { entries: [], chunk: false, dropped: 0, final: true } : null),
    admit(input) {
      const chunk = Array.isArray(input) && (input.length === 0 || isRecordChunk(input));
      const list = chunk ? (input as unknown[]) : [input];
      const src = emissions++;
      const entries: Entry[] = [];
      for (const r of list) {
        const e = entryOf(r, chunk, src);
        if (e) entries.push(e);
      }
      if (scheduler) lastInput = scheduler.now();
      armIdle();
      if (!chunk && entries.length === 0) return null;
      const dropped = dead;
      dead = 0;
      return { value: { entries, chunk, dropped }, steps: entries.length };
    },
    end() {
      // dead letters after the last emission that entered a batch
      if (dead) ctx.setState(...commit(ctx.getState(), (d) => void (d.position += dead)));
      dead = 0;
    },
    run(batch) {
      const state = ctx.getState();
      const offered = batch.reduce((n, b) => n + b.entries.length, 0);
      const dropped = batch.reduce((n, b) => n + b.dropped, 0);
      let entries: Entry[];
      if (clock) {
        for (const b of batch) {
          for (const e of b.entries) clock.offer(e); // a late record is diverted (or throws)
          if (b.idleMs !== undefined) clock.advance(b.idleMs);
          if (b.final) clock.advance(Infinity);
        }
        entries = clock.release().map(released);
        if (clock.pending && batch.some((b) => b.idleMs !== undefined)) armIdle();
      } else {
        // (read only below: one emission's entries as they are, the common batch of a chunk)
        entries = batch.length === 1 ? batch[0].entries : batch.flatMap((b) => b.entries);
      }
      const clockState = () => ({ ...clock!.state(), emissions });
      const touched = offered + dropped > 0 || clock !== null;
      if (entries.length === 0) {
        if (touched) ctx.setState(...commit(state, (d) => {
          d.position += offered + dropped;
          if (clock) d.clock = clockState() as never;
        }));
        return clock ? flush([]) : batch.map(() => []);
      }
      // 1. table rows, slots (distinct keys of the batch) and rounds
      const newKeys: Key[] = [];
      const slotOfRow = new Map<number, number>();
      const slotRows: number[] = [];
      const rounds: number[] = [];
      const slots: number[] = [];
      const counts: number[] = [];
      for (const { record: r } of entries) {
        const key = r.key ?? null;
        let row = index.get(key);
        if (row === undefined) {
          row = state.keys.length + newKeys.length;
          index.set(key, row);
          newKeys.push(key);
        }
        let slot = slotOfRow.get(row);
        if (slot === undefined) slotOfRow.set(row, (slot = slotRows.length)), slotRows.push(row), counts.push(0);
        slots.push(slot);
        rounds.push(counts[slot]++);
      }
      const M = bucket(slotRows.length);
      const R = bucket(counts.reduce((a, b) => Math.max(a, b), 0));
      const keysAfter = state.keys.length + newKeys.length;
      const oldCapacity = state.carry[0]?.shape[0] ?? 0;
      const capacity = keysAfter > oldCapacity ? Math.max(minRows, 2 ** Math.ceil(Math.log2(keysAfter))) : oldCapacity;
      // A table of one row (one key whose state is large) takes the batch's final carry as
      // it is, so nothing writes into it: the first one is the initial carry itself. A larger
      // one gets the rows the batch touched written back.
      const whole = capacity === 1;
      const table = whole && oldCapacity === 0 ? spec.leaves.map((l) => ({ ...l, shape: [1, ...l.shape] })) : capacity > oldCapacity ? grow(state.carry, spec.leaves, capacity) : state.carry;
      // 2. dense inputs [R, M, ...xShape], the mask [R, M] and the times [R, M]
      // (in the backend's storage, where the scan reads it in place; given back after the run)
      const xs = takeHost(dtype, R * M * xSize);
      if (entries.length < R * M) xs.fill(0); // padding slots
      const valid = allocate('bool', R * M);
      const timeBase = timed ? (state.timeBase ?? Math.floor(entries[0].t / quantum) * quantum) : null;
      const ts = timed ? new Int32Array(R * M) : null;
      entries.forEach((e, j) => {
        const at = rounds[j] * M + slots[j];
        if (typeof e.row === 'number') xs[at] = e.row;
        else xs.set(e.row, at * xSize), copies.give(e.row); // (the record's copy is read)
        valid[at] = 1;
        if (ts) {
          const rel = Math.round(e.t - timeBase!);
          if (!(Math.abs(rel) < TIME_RANGE)) throw new RangeError(`${name}: event time ${fmtTime(e.t)} is more than 2^30 ms (12.4 days) from the stream's first record (${fmtTime(timeBase!)}); the time windows count int32 milliseconds from it`);
          ts[at] = rel;
        }
      });
      // 3. one program: the scan over rounds, from the batch's carry rows (one key: its state)
      const single = keysAfter === 1;
      const rowOf = (l: Leaf, i: number) => l.data.subarray(0, rowSizes[i]);
      const rowsIn = single ? null : gatherRows(table, slotRows, M);
      const args = [...(rowsIn ?? table.map(rowOf)), xs, valid, ...(ts ? [ts] : [])];
      // (the batch's inputs go back once it has run, also when a check failed; a promise of
      // a promise is one promise)
      return thenGiving([xs], () => runProgram(programFor(R, single ? 0 : M), args, nCarry), (bufs): unknown[] | Promise<unknown[]> => {
        if (rowsIn) carryIns.set(M, rowsIn), scatterRows(table, bufs, slotRows);
        else if (!whole) table.forEach((l, i) => l.data !== bufs[i] && l.data.set(bufs[i]));
        const yBufs = bufs.slice(nCarry, checked ? -1 : undefined);
        if (checked) {
          const fail = bufs[bufs.length - 1];
          entries.forEach((e, j) => {
            const code = fail[rounds[j] * M + slots[j]];
            if (code) throw new RangeError(`${name}: ${spec.checks[code - 1]}, at record ${describeRecord(e.record)}`);
          });
        }
        const carry = whole ? table.map((l, i) => ({ ...l, data: bufs[i] })) : table;
        const grown = whole || capacity > oldCapacity;
        const [next, patches] = commit(state, (d) => {
          d.position += offered + dropped;
          for (const k of newKeys) d.keys.push(k);
          if (grown) d.carry = carry as never;
          if (timed) d.timeBase = timeBase;
          if (clock) d.clock = clockState() as never;
        }, ctx.wantsPatches);
        // Without growth only the batch's rows changed: patch those (a copy, as the table
        // may be updated in place by the next batch).
        if (!grown && ctx.wantsPatches) {
          carry.forEach((leaf, i) => {
            const rowSize = sizeOf(leaf.shape.slice(1));
            const value = allocate(leaf.dtype, slotRows.length * rowSize);
            slotRows.forEach((r, j) => value.set(leaf.data.subarray(r * rowSize, (r + 1) * rowSize), j * rowSize));
            patches.push({ op: 'rows', path: ['carry', i, 'data'], rows: [...slotRows], value });
          });
        }
        ctx.setState(grown ? next : { ...next, carry }, patches);
        const outputOf = (e: Entry, j: number) => {
          const at = rounds[j] * M + slots[j];
          const value = e.kind === 'js' && scalarYs
            ? makeValue((l) => (yBools[l] ? yBufs[l][at] !== 0 : yBufs[l][at]))
            : makeValue((l) => mirrorLeaf(yBufs[l], spec.yAvals[l].shape, spec.yAvals[l].dtype, e.kind, false, at, 1));
          return { ...e.record, value };
        };
        let emitted: unknown[];
        if (win) {
          // the windows this batch's records closed, in record order
          emitted = [];
          entries.forEach((e, j) => {
            const at = rounds[j] * M + slots[j];
            if (yBufs[0][at]) emitted.push(windows!.record(e.record.key ?? null, timeBase! + yBufs[1][at], yBufs, at, e.kind));
          });
        } else if (clock) {
          // Outputs in release order: a record that came alone goes out alone; records that
          // came in one chunk and are released together go out as one chunk.
          emitted = [];
          let group: unknown[] | null = null;
          let groupSrc = -1;
          entries.forEach((e, j) => {
            const out = outputOf(e, j);
            if (!e.chunk) return void ((group = null), emitted.push(out));
            if (group && groupSrc === e.src) return void group.push(out);
            group = [out];
            groupSrc = e.src;
            emitted.push(group);
          });
        } else {
          let j = 0;
          emitted = batch.map((b) => {
            const out = b.entries.map((e) => outputOf(e, j++));
            return b.chunk ? out : out[0];
          });
        }
        giveBuffers(bufs.slice(nCarry)); // every record has its copy
        return flush(emitted);
      }) as unknown[] | Promise<unknown[]>;
    },
  };
}
