// The type of what a stream operator emits, from the type of what it receives: outputs
// mirror inputs in kind (emission.ts), so a number in gives a number out, a typed array a
// Float32Array, a laxflow Array an Array, and a keyed record the same record with its
// `value` replaced by the statistics. `Y` is the step's output pytree (an Array, or an
// object of them for `fanout` and multi-statistic rolling steps).

import type { LaxArray, Nested } from '../array.js';
import type { KeyedRecord } from './records.js';

/** One output leaf for an input leaf of type `I`. */
export type OutputLeaf<I> = I extends LaxArray ? LaxArray : I extends number | boolean | null ? number : I extends ArrayBufferView ? Float32Array : I extends readonly unknown[] ? Nested : unknown;

/** The step's output pytree `Y` with each Array leaf replaced by `L`. */
export type Mirrored<L, Y> = Y extends LaxArray ? L : Y extends readonly unknown[] ? { [K in keyof Y]: Mirrored<L, Y[K]> } : Y extends object ? { [K in keyof Y]: Mirrored<L, Y[K]> } : L;

type RecordOutput<R extends KeyedRecord, Y> = Omit<R, 'value'> & { value: Mirrored<OutputLeaf<R['value']>, Y> };

/** What an operator with step output `Y` emits for an input `I` (a chunk of records gives a chunk). */
export type StreamOutput<I, Y> = I extends KeyedRecord ? RecordOutput<I, Y> : I extends readonly KeyedRecord[] ? RecordOutput<I[number], Y>[] : Mirrored<OutputLeaf<I>, Y>;
