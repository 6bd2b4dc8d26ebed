// Stream operator state as one immutable (immer) object, and its JSON-safe form.
//
// Each batch commits the new state with `produceWithPatches`, so a checkpoint can be the
// full snapshot or only the patches since the last one: the key table grows by `add`
// patches, an unkeyed carry is replaced, and a keyed table is patched by its changed rows
// (`rows` patches, our one addition to immer's ops), so a keyed checkpoint's size follows
// the keys a batch touched, not the number of keys. Typed arrays travel as base64 of their bytes, so NaN
// (empty window slots, missing values) and every float32 bit survive the round trip.

import { applyPatches, enablePatches, Immer, type Draft, type Patch } from 'immer';
import { storage, type DType, type TypedArray } from '../../graph/dtype.js';

enablePatches();

// An instance of our own, not immer's global one (whose settings are the app's): without
// auto-freezing, which walks each committed state (a cost per batch) and guards objects that
// never leave the operator (snapshots are copies: `toJson`).
const immer = new Immer({ autoFreeze: false });

/** One realized array of the state (a carry leaf, or a key table column). */
export interface Leaf {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;
}

/** A record's key; null for the one state of records without a key. */
export type Key = string | number | null;

export interface StreamState {
  readonly version: 1;
  /** Which operator body produced it (checked on restore). */
  readonly name: string;
  readonly xShape: readonly number[];
  readonly dtype: DType;
  /**
   * The step's options (`Step.options`), checked on restore. Absent in snapshots taken
   * before the check existed: those restore where the carry's shapes match.
   */
  readonly options?: { readonly [option: string]: Json };
  /** Steps consumed (records, in keyed streams). */
  readonly position: number;
  /** Unkeyed: the carry leaves. Keyed: the key table, one leaf per carry leaf, rows = capacity. */
  readonly carry: readonly Leaf[];
  /** Keyed streams: the keys in table-row order. */
  readonly keys: readonly Key[];
  readonly keyed: boolean;
  /** Record streams on event time: epoch ms that the steps' int32 times count from (null until the first record). */
  readonly timeBase?: number | null;
  /** Record streams on event time: the watermark and the records waiting to be put in order (event_time.ts). */
  readonly clock?: EngineClock;
}

/** The event-time stage's state: the clock's, and the emission counter that groups outputs. */
export interface EngineClock {
  /** Per key id ('' for the stream's): latest time seen and watermark. */
  readonly marks: readonly (readonly [string, number | null, number | null])[];
  readonly waiting: readonly { readonly record: unknown; readonly t: number; readonly chunk: boolean; readonly src: number }[];
  readonly emissions: number;
}

/** JSON-safe data (what `snapshot()` returns and `{ state }` accepts). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Snapshot = Json;

/** The rows `rows` of the leaf at `path` (a key table column) become `value`'s rows, in order. */
export interface RowsPatch {
  op: 'rows';
  path: (string | number)[];
  rows: number[];
  value: TypedArray;
}

export type StatePatch = Patch | RowsPatch;

/** The next state and, when `withPatches` (someone takes checkpoints), the patches that make it. */
export function commit(state: StreamState, recipe: (draft: Draft<StreamState>) => void, withPatches = true): [StreamState, StatePatch[]] {
  if (!withPatches) return [immer.produce(state, recipe), []];
  const [next, patches] = immer.produceWithPatches(state, recipe);
  return [next, patches];
}

const isPrefix = (q: readonly (string | number)[], p: readonly (string | number)[]) => q.length <= p.length && q.every((k, i) => k === p[i]);

/** Drop patches that a later `replace` overwrites (checkpoints taken every few batches). */
export function compactPatches(patches: readonly StatePatch[]): StatePatch[] {
  const replaced: (string | number)[][] = [];
  const kept: StatePatch[] = [];
  for (let i = patches.length - 1; i >= 0; i--) {
    const p = patches[i];
    if (replaced.some((q) => isPrefix(q, p.path))) continue;
    kept.push(p);
    if (p.op === 'replace') replaced.push(p.path);
  }
  return kept.reverse();
}

function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(s, 'base64'));
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

const dtypeOf = (a: TypedArray): DType =>
  a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : a instanceof Uint32Array ? 'uint32' : 'bool';

/** Deep copy with typed arrays as `{ $typed: dtype, base64 }`. */
export function encode(value: unknown): Json {
  if (ArrayBuffer.isView(value)) {
    const a = value as TypedArray;
    return { $typed: dtypeOf(a), base64: toBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value as Json;
}

export function decode(json: Json): unknown {
  if (Array.isArray(json)) return json.map(decode);
  if (json !== null && typeof json === 'object') {
    if (typeof json.$typed === 'string' && typeof json.base64 === 'string') {
      const bytes = fromBase64(json.base64);
      const ctor = storage[json.$typed as DType];
      if (!ctor) throw new TypeError(`snapshot: unknown dtype ${json.$typed}`);
      if (bytes.length % ctor.BYTES_PER_ELEMENT) throw new TypeError(`snapshot: damaged data: ${bytes.length} bytes is not a whole number of ${json.$typed} elements (${ctor.BYTES_PER_ELEMENT} bytes each)`);
      return new ctor(bytes.slice().buffer);
    }
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, decode(v)]));
  }
  return json;
}

export const encodePatches = (patches: readonly StatePatch[]): Json =>
  compactPatches(patches).map((p) => encode(p.op === 'rows' ? p : { op: p.op, path: p.path, ...(p.value === undefined ? {} : { value: p.value }) }));

/** A snapshot's leaf at `path` with the rows of a `rows` patch written into it. */
function patchRows(snapshot: Json, p: { path: (string | number)[]; rows: number[]; value: Json }): Json {
  const leaf = p.path.slice(0, -1).reduce<any>((o, k) => o[k], snapshot) as { shape: number[] };
  const data = decode((leaf as any)[p.path.at(-1)!]) as TypedArray;
  const value = decode(p.value) as TypedArray;
  const rowSize = leaf.shape.slice(1).reduce((a, b) => a * b, 1);
  p.rows.forEach((r, j) => data.set(value.subarray(j * rowSize, (j + 1) * rowSize), r * rowSize));
  return applyPatches(snapshot as object, [{ op: 'replace', path: p.path, value: encode(data) }]) as Json;
}

/** A full snapshot brought forward by incremental checkpoints (`onCheckpoint` patches), in order. */
export function applyCheckpoint(snapshot: Snapshot, ...patchLists: Json[]): Snapshot {
  let s = snapshot;
  for (const patches of patchLists) {
    for (const p of patches as unknown as (Patch | { op: 'rows'; path: (string | number)[]; rows: number[]; value: Json })[]) {
      s = p.op === 'rows' ? patchRows(s, p) : (applyPatches(s as object, [p]) as Json);
    }
  }
  return s;
}

/** Options as `name value` pairs, nested ones (fanout) as `outer.inner`. */
function flatOptions(o: Json | undefined, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return out;
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [kk, vv] of flatOptions(v, `${prefix}${k}.`)) out.set(kk, vv);
    else out.set(`${prefix}${k}`, JSON.stringify(v));
  }
  return out;
}

/** "span 20, this operator has span 10" for each option that differs (empty when none do). */
function optionDiffs(taken: Json, now: Json): string[] {
  const a = flatOptions(taken);
  const b = flatOptions(now);
  const onlyA = [...a].filter(([k, v]) => b.get(k) !== v);
  const onlyB = [...b].filter(([k, v]) => a.get(k) !== v);
  if (!onlyA.length && !onlyB.length) return [];
  const fmt = (l: [string, string][]) => (l.length ? l.map(([k, v]) => `${k} ${v}`).join(', ') : 'none of them');
  return [`it was taken with ${fmt(onlyA)}, this operator has ${fmt(onlyB)}`];
}

/**
 * Check a decoded snapshot against what the operator expects, with a message naming what
 * differs: the operator, keyed or not, xShape, dtype, the step's options, then the carry.
 */
export function checkRestored(
  s: unknown,
  expect: { name: string; keyed: boolean; xShape: readonly number[]; dtype: DType; options: { [option: string]: Json }; carry: readonly Leaf[] },
): StreamState {
  const st = s as StreamState;
  const what = `snapshot for ${expect.name}`;
  if (!st || st.version !== 1) throw new TypeError(`cannot restore ${what}: not a laxflow stream snapshot (version ${String(st?.version)})`);
  if (st.name !== expect.name) throw new TypeError(`cannot restore ${what}: it was taken from ${st.name}`);
  const keyedness = (k: boolean) => (k ? 'keyed ({ key, value } records)' : 'unkeyed');
  if (st.keyed !== expect.keyed) throw new TypeError(`cannot restore ${what}: it was taken ${keyedness(st.keyed)}, this operator is ${keyedness(expect.keyed)} (option keyed)`);
  if (JSON.stringify(st.xShape) !== JSON.stringify(expect.xShape)) {
    throw new TypeError(`cannot restore ${what}: it was taken with xShape ${JSON.stringify(st.xShape)}, this operator has xShape ${JSON.stringify(expect.xShape)}`);
  }
  if (st.dtype !== expect.dtype) throw new TypeError(`cannot restore ${what}: it was taken with dtype ${st.dtype}, this operator has dtype ${expect.dtype}`);
  if (st.options !== undefined) {
    const diffs = optionDiffs(st.options as Json, expect.options);
    if (diffs.length) throw new TypeError(`cannot restore ${what}: ${diffs.join('; ')}`);
  }
  if (st.carry.length !== expect.carry.length) throw new TypeError(`cannot restore ${what}: ${st.carry.length} carry leaves, expected ${expect.carry.length}`);
  st.carry.forEach((leaf, i) => {
    const want = expect.carry[i];
    const rowShape = st.keyed ? leaf.shape.slice(1) : leaf.shape;
    if (!want || want.dtype !== leaf.dtype || JSON.stringify(rowShape) !== JSON.stringify(want.shape)) {
      throw new TypeError(`cannot restore ${what}: carry leaf ${i} is ${leaf.dtype}${JSON.stringify(leaf.shape)}, expected ${want?.dtype}${JSON.stringify(want?.shape)}`);
    }
    const size = leaf.shape.reduce((a, b) => a * b, 1);
    if (!ArrayBuffer.isView(leaf.data) || (leaf.data as TypedArray).length !== size) {
      const got = ArrayBuffer.isView(leaf.data) ? `${(leaf.data as TypedArray).length} elements` : typeof leaf.data;
      throw new TypeError(`cannot restore ${what}: carry leaf ${i} of shape ${JSON.stringify(leaf.shape)} holds ${got}, expected ${size} (a damaged snapshot)`);
    }
  });
  if (st.keyed && st.carry.length && st.keys.length > st.carry[0].shape[0]) throw new TypeError(`cannot restore ${what}: ${st.keys.length} keys but a table of ${st.carry[0].shape[0]} rows (a damaged snapshot)`);
  return st;
}
