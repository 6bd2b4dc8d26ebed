// Validation of user arguments at the public boundary, once per kind of argument: array-likes,
// shapes, axes, dtypes, integer counts, scalars, choices and option objects. Each check takes
// the user's function name (`fn`), and its errors say it, the argument and the value, in
// JAX's or NumPy's words where they have some ("negative dimensions are not allowed", "axis 3
// is out of bounds for array of dimension 2"). The public functions call these once on what
// the user gave them; everything below them (node builders, shape rules, backends) may then
// trust its inputs. A check returns the value in the form the caller needs (a fresh shape
// array, a normalized axis), so validating and using are one step.

import { dtypes, isDType, type DType } from '../graph/dtype.js';
import { fmtShape } from '../graph/shape.js';
import { LaxArray } from './array.js';

/**
 * The most elements one array may have: offsets are int32 in every backend (and V8's typed
 * arrays stop near there). Beyond it a shape is refused at the call, not when reading it
 * tries to allocate.
 */
export const MAX_SIZE = 2 ** 31 - 1;

/** A short description of a bad value for an error message: its type and, for scalars, the value. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (typeof v === 'symbol') return `symbol ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  if (v instanceof LaxArray) return `Array of shape ${fmtShape(v.node.shape)} and dtype ${v.dtype}`;
  if (Array.isArray(v)) return `array [${v.slice(0, 8).map((x) => (typeof x === 'string' ? JSON.stringify(x) : typeof x === 'object' && x !== null ? (Array.isArray(x) ? '[...]' : '{...}') : String(x))).join(', ')}${v.length > 8 ? ', ...' : ''}]`;
  const ctor = (v as object).constructor?.name;
  return ctor && ctor !== 'Object' ? ctor : 'object';
}

/** Typed arrays laxflow reads: float32/64 become float32, integer ones int32 (uint32 stays uint32). */
const TYPED: readonly (abstract new (...args: never[]) => ArrayBufferView)[] = [Float32Array, Float64Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray];
export const isReadableTyped = (v: unknown): boolean => ArrayBuffer.isView(v) && TYPED.some((C) => v instanceof C);

/**
 * An array-like argument (an Array, a number, a boolean, a supported typed array, or nested
 * JS arrays of numbers and booleans): anything else is JAX's "f requires ndarray or scalar
 * arguments, got <type> at position i." Nested arrays are checked element by element by
 * np.array itself (ragged shapes, strings inside), with `fn` in its message.
 */
export function checkArrayLike(fn: string, v: unknown, position = 0): void {
  if (v instanceof LaxArray || typeof v === 'boolean' || Array.isArray(v)) return;
  if (typeof v === 'number') return;
  if (ArrayBuffer.isView(v)) {
    if (isReadableTyped(v)) return;
    throw new TypeError(`${fn}: unsupported array type ${describe(v)} at position ${position} (use a Float32Array, Int32Array, Uint32Array, Uint8Array or other number typed array)`);
  }
  throw new TypeError(`${fn} requires ndarray or scalar arguments, got ${describe(v)} at position ${position}.`);
}

/** A shape: a JS array of non-negative integers whose product fits an array. Returns a copy. */
export function checkShape(fn: string, shape: unknown, what = 'shape'): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${fn}: ${what} must be an array of non-negative integers, got ${describe(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d)) throw new TypeError(`${fn}: Shapes must be 1D sequences of concrete values of integer type, got ${describe(shape)} (${what})`);
  }
  if (shape.some((d: number) => d < 0)) throw new RangeError(`${fn}: negative dimensions are not allowed, got ${what} ${fmtShape(shape)}`);
  checkSize(fn, shape);
  return [...shape];
}

/** A shape whose product is at most MAX_SIZE. */
export function checkSize(fn: string, shape: readonly number[]): void {
  const size = shape.reduce((p, d) => p * d, 1);
  if (size > MAX_SIZE) throw new RangeError(`${fn}: an array of shape ${fmtShape(shape)} would have ${size} elements, more than laxflow's limit of ${MAX_SIZE}`);
}

/** An integer in [min, max]: counts, repeats, sizes, seeds. */
export function checkInt(fn: string, name: string, v: unknown, opts: { min?: number; max?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(v)}`);
  if (opts.min !== undefined && v < opts.min) throw new RangeError(`${fn}: ${name} must be ${opts.min === 0 ? 'non-negative' : `>= ${opts.min}`}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new RangeError(`${fn}: ${name} must be <= ${opts.max}, got ${v}`);
  return v;
}

/** A JS number (finite unless `finite: false`): range ends, steps, fill values. */
export function checkNumber(fn: string, name: string, v: unknown, opts: { finite?: boolean } = {}): number {
  if (typeof v !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  if ((opts.finite ?? true) && !Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be finite, got ${v}`);
  return v;
}

/** A JS number or boolean (a scalar operand or fill value). */
export function checkScalar(fn: string, name: string, v: unknown): number | boolean {
  if (typeof v !== 'number' && typeof v !== 'boolean') throw new TypeError(`${fn}: ${name} must be a number or a boolean, got ${describe(v)}`);
  return v;
}

/** A boolean option. */
export function checkBool(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${fn}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

/** One of a few strings. */
export function checkChoice<T extends string>(fn: string, name: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new TypeError(`${fn}: invalid ${name} ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}; expected ${choices.map((c) => `'${c}'`).join(', ')}`);
  }
  return v as T;
}

/** A dtype name, or undefined when absent. */
export function checkDType(fn: string, dtype: unknown): DType | undefined {
  if (dtype === undefined) return undefined;
  if (!isDType(dtype)) throw new TypeError(`${fn}: dtype ${typeof dtype === 'string' ? dtype : describe(dtype)} is not supported (laxflow has ${dtypes.join(', ')})`);
  return dtype;
}

/** One axis of an array of `ndim` dimensions, normalized (negative from the end). */
export function checkAxis(fn: string, axis: unknown, ndim: number, name = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(axis)}`);
  if (axis < -ndim || axis >= ndim) throw new RangeError(`${fn}: ${name} ${axis} is out of bounds for array of dimension ${ndim}`);
  return axis < 0 ? axis + ndim : axis;
}

/**
 * An axis or list of axes, normalized and sorted; all of them when undefined or null (a
 * reduction's default). Repeated axes are refused, as NumPy's "repeated axis".
 */
export function checkAxes(fn: string, axis: unknown, ndim: number, name = 'axis'): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  if (!Array.isArray(axis) && typeof axis !== 'number') throw new TypeError(`${fn}: ${name} must be an integer or an array of integers, got ${describe(axis)}`);
  const out = list.map((a) => checkAxis(fn, a, ndim, name));
  if (new Set(out).size !== out.length) throw new RangeError(`${fn}: repeated axis in ${name} ${fmtShape(list as number[])}`);
  return out.sort((a, b) => a - b);
}

/**
 * An options object (or undefined): a plain object whose keys are among `known`. A typo
 * (`{ axes: 0 }`) is Python's "f() got an unexpected keyword argument", not a default.
 */
export function checkOptions<T extends object>(fn: string, opts: unknown, known: readonly string[]): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== 'object' || Array.isArray(opts) || opts instanceof LaxArray || ArrayBuffer.isView(opts)) {
    throw new TypeError(`${fn}: options must be an object like { ${known.join(', ')} }, got ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${fn} got an unexpected option '${k}' (it takes ${known.join(', ')})`);
  }
  return opts as T;
}

/**
 * A static integer index: an integer; beyond int32 it is out of bounds of any array, so it
 * is pinned to int32's ends (still out of bounds, never wrapped into range).
 */
export function checkIntIndex(fn: string, v: unknown, axis: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`${fn}: Indexer must be an integer, a slice, null or an integer array, got ${describe(v)} at position ${axis}`);
  }
  return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v));
}
