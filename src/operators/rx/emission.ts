// What one emission of an unkeyed stream means, and how its output is shaped.
//
// Each operator knows `xShape`, the shape of one step's input. An emission whose shape is
// `xShape` is one step; one with a leading extra axis is a chunk (leading axis = time).
// Typed arrays are flat: one of size(xShape) elements is a step when xShape is not `[]`,
// otherwise (or when a multiple of it) a chunk. Outputs mirror inputs in kind (JS values,
// typed arrays, laxflow Arrays) and in step/chunk form.

import { allocate, castScalar, copyOf, storage, type DType, type TypedArray } from '../../graph/dtype.js';
import { fmtShape, shapesEqual, sizeOf } from '../../graph/shape.js';
import { LaxArray, type Nested } from '../array.js';
import { castNode, freshConstant, reshapeNode, wrap } from '../nodes.js';
import type { Node } from '../../graph/node.js';

export type Kind = 'js' | 'typed' | 'array';

export interface Emission {
  kind: Kind;
  /** One step (output is one step) or a chunk of `steps` steps. */
  chunk: boolean;
  steps: number;
  /** Host values, steps * size(xShape) elements in `dtype`, or a graph node of shape [steps, ...xShape]. */
  host?: TypedArray;
  node?: Node;
}

/** Makes the copy of an emitted typed array that a stream keeps until its batch has read it. */
export interface Copier {
  copy(v: TypedArray): TypedArray;
}

/**
 * Copies of emitted typed arrays in arrays used again once their batch has read them: a
 * stream must copy what it is given (the caller may fill its array again before the batch
 * runs), and in a steady stream those copies then cost no allocation (and no collection).
 * Keeps at most `maxBytes` of free arrays.
 */
export class CopyPool implements Copier {
  /** Free arrays by type and length. */
  private readonly free = new Map<string, TypedArray[]>();
  private readonly mine = new WeakSet<TypedArray>();
  private bytes = 0;
  constructor(private readonly maxBytes = 16 << 20) {}

  /** A copy of `v` (its own type and length). */
  copy(v: TypedArray): TypedArray {
    const a = this.free.get(`${v.constructor.name}${v.length}`)?.pop();
    if (a === undefined) {
      const c = copyOf(v);
      this.mine.add(c);
      return c;
    }
    this.bytes -= a.byteLength;
    this.mine.add(a);
    a.set(v as never);
    return a;
  }

  /** Nothing reads `a` any more: a copy this pool made is used again (anything else, or a second give, is left alone). */
  give(a: TypedArray | number): void {
    if (typeof a === 'number' || !this.mine.delete(a) || this.bytes + a.byteLength > this.maxBytes) return;
    this.bytes += a.byteLength;
    const key = `${a.constructor.name}${a.length}`;
    const list = this.free.get(key);
    if (list) list.push(a);
    else this.free.set(key, [a]);
  }
}

const isTyped = (v: unknown): v is TypedArray => ArrayBuffer.isView(v) && !(v instanceof DataView);

function nestedShape(v: unknown): number[] {
  const shape: number[] = [];
  for (let d = v; Array.isArray(d); d = d[0]) shape.push(d.length);
  return shape;
}

function flattenInto(v: unknown, out: TypedArray, dtype: DType, at: { i: number }, what: string): void {
  if (Array.isArray(v)) return v.forEach((e) => flattenInto(e, out, dtype, at, what));
  if (typeof v === 'number' || typeof v === 'boolean') out[at.i++] = castScalar(Number(v), dtype);
  else if (v === null) out[at.i++] = castScalar(NaN, dtype);
  else throw new TypeError(`${what}: expected numbers, got ${JSON.stringify(v)}`);
}

/** A typed array converted element by element to `dtype`. */
export function castHost(v: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, v.length);
  for (let i = 0; i < v.length; i++) out[i] = castScalar(v[i], dtype);
  return out;
}

/** Host data of a JS value (number, nested arrays; null is a missing value, NaN). */
export function jsToHost(v: unknown, dtype: DType, what: string): { shape: number[]; data: TypedArray } {
  const shape = nestedShape(v);
  const data = allocate(dtype, sizeOf(shape));
  const at = { i: 0 };
  flattenInto(v, data, dtype, at, what);
  if (at.i !== data.length) throw new TypeError(`${what}: the nested arrays are ragged (expected shape ${fmtShape(shape)})`);
  return { shape, data };
}

/** Classify an emission against `xShape` (throws a TypeError naming the shapes). */
export function readEmission(v: unknown, xShape: readonly number[], dtype: DType, what: string, pool?: Copier): Emission {
  const xs = sizeOf(xShape);
  const bad = (shape: readonly number[]) =>
    new TypeError(`${what}: an emission must have shape ${fmtShape(xShape)} (one step) or ${xShape.length ? `(k, ${xShape.join(', ')})` : '(k,)'} (a chunk of k steps), got shape ${fmtShape(shape)}`);
  const stepsOf = (shape: readonly number[]): { chunk: boolean; steps: number } => {
    if (shapesEqual(shape, xShape)) return { chunk: false, steps: 1 };
    if (shape.length === xShape.length + 1 && shapesEqual(shape.slice(1), xShape)) return { chunk: true, steps: shape[0] };
    throw bad(shape);
  };
  if (v instanceof LaxArray) {
    const s = stepsOf(v.shape);
    return { kind: 'array', ...s, node: castNode(reshapeNode(v.node, [s.steps, ...xShape]), dtype) };
  }
  if (isTyped(v)) {
    const n = v.length;
    let s: { chunk: boolean; steps: number };
    if (xShape.length > 0 && n === xs) s = { chunk: false, steps: 1 };
    else if (xs > 0 && n % xs === 0) s = { chunk: true, steps: n / xs };
    else throw bad([n]);
    // a copy: the caller may fill its array again once `next` returns, before the batch runs
    return { kind: 'typed', ...s, host: v instanceof storage[dtype] ? (pool ? pool.copy(v) : copyOf(v)) : castHost(v, dtype) };
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || Array.isArray(v)) {
    const { shape, data } = jsToHost(v, dtype, what);
    return { kind: 'js', ...stepsOf(shape), host: data };
  }
  throw new TypeError(`${what}: expected a number, an array, a typed array or a laxflow Array, got ${v === undefined ? 'undefined' : JSON.stringify(v)}`);
}

/** One output leaf for steps [from, from+steps) of a realized [L, ...yShape] buffer, copied out of it. */
export function mirrorLeaf(buf: TypedArray, yShape: readonly number[], dtype: DType, kind: Kind, chunk: boolean, from: number, steps: number): unknown {
  // one scalar step as a JS value: no view (the keyed engine's common case, once per record and leaf)
  if (kind === 'js' && !chunk && yShape.length === 0) return dtype === 'bool' ? buf[from] !== 0 : buf[from];
  const ys = sizeOf(yShape);
  const part = buf.subarray(from * ys, (from + steps) * ys);
  const shape = chunk ? [steps, ...yShape] : [...yShape];
  if (kind === 'typed') return part.slice();
  if (kind === 'array') return wrap(freshConstant(part.slice(), shape, dtype));
  return toJs(part, shape, dtype);
}

export function toJs(data: TypedArray, shape: readonly number[], dtype: DType): Nested {
  const conv = dtype === 'bool' ? (x: number) => x !== 0 : (x: number) => x;
  const rec = (offset: number, dim: number): Nested => {
    if (dim === shape.length) return conv(data[offset]);
    const stride = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: shape[dim] }, (_, i) => rec(offset + i * stride, dim + 1));
  };
  return rec(0, 0);
}
