// The engine of a keyed stream scan: per-key state lives in dense arrays (a table with a
// leading key axis, one per carry leaf) and the step is vmapped over keys.
//
// A batch of records for many keys becomes one schedule:
//   1. Each record gets its key's table row (new keys take new rows; the table grows by
//      doubling, new rows holding the initial carry) and a round: the number of earlier
//      records of the same key in this batch. Round r holds each key's (r+1)-th record,
//      so order is preserved per key.
//   2. The M distinct keys' rows are gathered from the table, `lax.scan` runs over the R
//      rounds with `vmap(f)` over the M rows (keys without a record in a round keep their
//      carry), and the final rows are scattered back into the table.
//   3. Table, outputs and all are realized together; R and M are padded to bucket sizes
//      (padding rows gather the last row and scatter out of bounds, i.e. nowhere).
// So the cost per batch is O(R * M) steps plus one gather and one scatter of M rows, never
// one subscription or one schedule per key.

import { allocate, type DType, type TypedArray } from '../../graph/dtype.js';
import { unflatten } from '../../graph/pytree.js';
import { sizeOf } from '../../graph/shape.js';
import type { LaxArray } from '../array.js';
import { jit } from '../jit.js';
import { take } from '../indexing.js';
import { freshConstant, wrap } from '../nodes.js';
import { scan as laxScan } from '../scan.js';
import { flattenNodes } from '../trace.js';
import { vmap } from '../vmap.js';
import type { Engine } from './batcher.js';
import { bucket } from './buckets.js';
import { carryTree, maskedStep } from './carry.js';
import { mirrorLeaf, type Kind } from './emission.js';
import { giveBack, realizeBatch, thenMaybe } from '../../scheduler/realize.js';
import { isRecordChunk, MalformedRecordError, recordValue, sendDeadLetter, type DeadLetter, type KeyedRecord } from './records.js';
import { commit, type Leaf } from './state.js';
import type { EngineContext } from './context.js';

interface Admitted {
  records: KeyedRecord[];
  rows: TypedArray[];
  kinds: Kind[];
  chunk: boolean;
  /** Malformed records sent to the dead-letter output since the previous admitted emission, this one's included. */
  dropped: number;
}

const keyId = (k: string | number) => (typeof k === 'number' ? `n${k}` : `s${k}`);

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
  const { name, f, spec, xShape, dtype } = ctx;
  const xSize = sizeOf(xShape);
  const index = new Map<string, number>();
  ctx.getState().keys.forEach((k, i) => index.set(keyId(k), i));

  const step = maskedStep(vmap(f));
  // The table is donated: the batch's rows are scattered back into it in place (O(rows), not
  // O(table), per batch), its storage then being the new state's.
  const run = jit((table: unknown, idx: LaxArray, xs: LaxArray, valid: LaxArray) => {
    const [leaves, def] = flattenNodes(table);
    const rows = leaves.map((t) => take(wrap(t), idx, { axis: 0, mode: 'clip' }));
    const [final, ys] = laxScan(step, unflatten(def, rows), [xs, valid]);
    const [finalLeaves] = flattenNodes(final);
    const updated = leaves.map((t, i) => wrap(t).at(idx).set(wrap(finalLeaves[i])));
    return [unflatten(def, updated), ys];
  }, { donateArgnums: 0 });

  // Dead-lettered records count in the position (the records consumed): each is counted
  // with the next emission that enters a batch (or at the end of the stream), so a checkpoint's position is the index in
  // the input just after its batch's last record.
  let dead = 0;
  const check = (r: unknown): TypedArray | null => {
    try {
      return recordValue(r, xShape, dtype, name);
    } catch (e) {
      if (!(e instanceof MalformedRecordError) || !deadLetter) throw e;
      sendDeadLetter(deadLetter, e);
      dead++;
      return null;
    }
  };
  const kindOf = (r: KeyedRecord): Kind => (ArrayBuffer.isView(r.value) ? 'typed' : 'js');

  return {
    admit(input) {
      const chunk = Array.isArray(input) && (input.length === 0 || isRecordChunk(input));
      const list = chunk ? (input as unknown[]) : [input];
      const records: KeyedRecord[] = [];
      const rows: TypedArray[] = [];
      for (const r of list) {
        const row = check(r);
        if (row) records.push(r as KeyedRecord), rows.push(row);
      }
      if (!chunk && records.length === 0) return null;
      const dropped = dead;
      dead = 0;
      return { value: { records, rows, kinds: records.map(kindOf), chunk, dropped }, steps: records.length };
    },
    end() {
      // dead letters after the last emission that entered a batch
      if (dead) ctx.setState(...commit(ctx.getState(), (d) => void (d.position += dead)));
      dead = 0;
    },
    run(batch) {
      const state = ctx.getState();
      const records = batch.flatMap((b) => b.records);
      const rows = batch.flatMap((b) => b.rows);
      const dropped = batch.reduce((n, b) => n + b.dropped, 0);
      if (records.length === 0) {
        if (dropped) ctx.setState(...commit(state, (d) => void (d.position += dropped)));
        return batch.map(() => []);
      }
      // 1. table rows, slots (distinct keys of the batch) and rounds
      const newKeys: (string | number)[] = [];
      const slotOfRow = new Map<number, number>();
      const slotRows: number[] = [];
      const rounds: number[] = [];
      const slots: number[] = [];
      const counts: number[] = [];
      for (const r of records) {
        const id = keyId(r.key);
        let row = index.get(id);
        if (row === undefined) {
          row = state.keys.length + newKeys.length;
          index.set(id, row);
          newKeys.push(r.key);
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
      const capacity = keysAfter > oldCapacity ? Math.max(64, 2 ** Math.ceil(Math.log2(keysAfter))) : oldCapacity;
      const table = capacity > oldCapacity ? grow(state.carry, spec.leaves, capacity) : state.carry;
      // 2. dense inputs [R, M, ...xShape] and the mask [R, M]
      const idx = new Int32Array(M).fill(capacity);
      slotRows.forEach((row, s) => (idx[s] = row));
      const xs = allocate(dtype, R * M * xSize);
      const valid = allocate('bool', R * M);
      records.forEach((_, j) => {
        const at = rounds[j] * M + slots[j];
        xs.set(rows[j], at * xSize);
        valid[at] = 1;
      });
      // 3. one schedule: gather, scan over rounds, scatter
      const [newTable, ys] = run(
        carryTree(spec.def, table, true),
        wrap(freshConstant(idx, [M], 'int32')),
        wrap(freshConstant(xs, [R, M, ...xShape], dtype)),
        wrap(freshConstant(valid, [R, M], 'bool')),
      ) as [unknown, unknown];
      const [tableNodes] = flattenNodes(newTable);
      const [yNodes] = flattenNodes(ys);
      return thenMaybe(realizeBatch([...tableNodes, ...yNodes], tableNodes.length), (bufs) => {
        const yBufs = bufs.slice(tableNodes.length);
        const carry: Leaf[] = tableNodes.map((n, i) => ({ shape: [...n.shape], dtype: n.dtype as DType, data: bufs[i] }));
        const grown = capacity > oldCapacity;
        const [next, patches] = commit(state, (d) => {
          d.position += records.length + dropped;
          for (const k of newKeys) d.keys.push(k);
          if (grown) d.carry = carry as never;
        });
        // Without growth only the batch's rows changed: patch those (a copy, as the table
        // may be updated in place by the next batch).
        if (!grown) {
          carry.forEach((leaf, i) => {
            const rowSize = sizeOf(leaf.shape.slice(1));
            const value = allocate(leaf.dtype, slotRows.length * rowSize);
            slotRows.forEach((r, j) => value.set(leaf.data.subarray(r * rowSize, (r + 1) * rowSize), j * rowSize));
            patches.push({ op: 'rows', path: ['carry', i, 'data'], rows: [...slotRows], value });
          });
        }
        ctx.setState(grown ? next : { ...next, carry }, patches);
        let j = 0;
        const emitted = batch.map((b) => {
          const out = b.records.map((r, k) => {
            const at = rounds[j] * M + slots[j];
            j++;
            const leaves = yBufs.map((buf, l) => mirrorLeaf(buf, spec.yAvals[l].shape, spec.yAvals[l].dtype, b.kinds[k], false, at, 1));
            return { ...r, value: unflatten(spec.yDef, leaves) };
          });
          return b.chunk ? out : out[0];
        });
        giveBack(yNodes); // every record has its copy
        return emitted;
      });
    },
  };
}
