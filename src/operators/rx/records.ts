// Keyed records `{ key, value, t? }`: validation with errors that name the record, and
// the dead-letter output that takes malformed records instead of failing the stream.
// Validation happens on arrival, before any state is touched.

import { allocate, castScalar, storage, type DType, type TypedArray } from '../../graph/dtype.js';
import { fmtShape, sizeOf } from '../../graph/shape.js';
import { LaxArray } from '../array.js';
import { castHost, jsToHost, type Copier } from './emission.js';

export interface KeyedRecord<V = unknown> {
  /** Absent: the stream's records share one state (an unkeyed record stream). */
  key?: string | number;
  value: V;
  t?: unknown;
  [extra: string]: unknown;
}

/** Where malformed records go instead of failing the stream: a callback or any observer (a Subject). */
export type DeadLetter = ((record: unknown, error: MalformedRecordError) => void) | { next(v: { record: unknown; error: MalformedRecordError }): void };

export class MalformedRecordError extends TypeError {
  constructor(
    readonly record: unknown,
    reason: string,
    what: string,
  ) {
    super(`${what}: malformed record ${describeRecord(record)}: ${reason}`);
    this.name = 'MalformedRecordError';
  }
}

/** A record for messages: JSON, typed arrays by type and length, cut at 200 characters. */
export function describeRecord(r: unknown): string {
  try {
    const s = JSON.stringify(r, (_k, v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${(v as TypedArray).length})` : v === undefined ? '<undefined>' : v));
    return s === undefined ? String(r) : s.length > 200 ? `${s.slice(0, 200)}...` : s;
  } catch {
    return String(r);
  }
}

/** A record: `{ key, value, t? }`, or `{ value, t }` without a key (one state for all records). */
export const isRecordLike = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof LaxArray) && ('key' in v || 'value' in v);

export const isRecordChunk = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && isRecordLike(v[0]);

/** A record without a key, or with a string or finite number as its key. */
const validKey = (r: object): boolean => {
  if (!('key' in r)) return true;
  const { key } = r as KeyedRecord;
  return typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key));
};

/** The value of a valid record as `size(xShape)` host elements; throws MalformedRecordError. */
export function recordValue(r: unknown, xShape: readonly number[], dtype: DType, what: string, pool?: Copier): TypedArray {
  if (!isRecordLike(r)) throw new MalformedRecordError(r, 'expected an object { key?, value, t? }', what);
  const { key, value } = r as KeyedRecord;
  if (!validKey(r as object)) {
    throw new MalformedRecordError(r, `key must be a string or a finite number, got ${describeRecord(key)}`, what);
  }
  const size = sizeOf(xShape);
  if (ArrayBuffer.isView(value)) {
    const v = value as TypedArray;
    if (v.length !== size) throw new MalformedRecordError(r, `value must have ${size} elements (shape ${fmtShape(xShape)}), got ${v.length}${xShape.length === 0 ? ` (for rows of ${v.length} values, give the operator xShape: [${v.length}])` : ''}`, what);
    return v instanceof storage[dtype] ? (pool ? pool.copy(v) : v.slice()) : castHost(v, dtype);
  }
  if (value === undefined) throw new MalformedRecordError(r, 'value is missing', what);
  const bad = badElement(value, dtype);
  if (bad) {
    throw new MalformedRecordError(r, `value must be a number (null for missing) or an array of shape ${fmtShape(xShape)}${dtype === 'bool' ? ' (booleans)' : ''}, got ${typeName(bad.v)}${bad.v === value ? '' : ` in ${describeRecord(value)}`}`, what);
  }
  let host: { shape: number[]; data: TypedArray };
  try {
    host = jsToHost(value, dtype, what);
  } catch (e) {
    throw new MalformedRecordError(r, (e as Error).message.replace(`${what}: `, ''), what);
  }
  if (host.data.length !== size || host.shape.length !== xShape.length) {
    throw new MalformedRecordError(r, `value must have shape ${fmtShape(xShape)}, got ${fmtShape(host.shape)}`, what);
  }
  return host.data.length ? host.data : allocate(dtype, 0);
}

/**
 * `recordValue`, except that a scalar reading (xShape []) given as a number or null is that
 * number in `dtype` (NaN for null): no array per record, the common case of sensor streams.
 */
export function recordInput(r: unknown, xShape: readonly number[], dtype: DType, what: string, pool?: Copier): TypedArray | number {
  if (xShape.length === 0 && isRecordLike(r)) {
    const { value } = r as KeyedRecord;
    if (validKey(r as object) && (typeof value === 'number' || value === null)) return castScalar(value === null ? NaN : value, dtype);
  }
  return recordValue(r, xShape, dtype, what, pool);
}

/** The first element of a record's value that is not a reading (a number or null; a boolean in a bool stream). */
function badElement(v: unknown, dtype: DType): { v: unknown } | null {
  if (Array.isArray(v)) {
    for (const e of v) {
      const b = badElement(e, dtype);
      if (b) return b;
    }
    return null;
  }
  const ok = typeof v === 'number' || v === null || (typeof v === 'boolean' && dtype === 'bool');
  return ok ? null : { v };
}

/** A value's type and the value, for messages: 'a boolean (true)', 'a bigint (12n)', 'a string ("abc")'. */
function typeName(v: unknown): string {
  if (typeof v === 'bigint') return `a bigint (${v}n)`;
  if (typeof v === 'symbol') return `a symbol (${String(v)})`;
  if (typeof v === 'function') return 'a function';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return `an object (${describeRecord(v)})`;
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

export function sendDeadLetter(dl: DeadLetter, error: MalformedRecordError): void {
  if (typeof dl === 'function') dl(error.record, error);
  else dl.next({ record: error.record, error });
}
