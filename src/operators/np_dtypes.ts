// jax.numpy's dtype queries (finfo, iinfo, resultType, promoteTypes, canCast, isdtype,
// issubdtype) and array-introspection functions (shape, size, ndim, isscalar, real, imag,
// ...), over laxflow's four dtypes with JAX's promotion (x64 off).

import { dtypes, promoteAll, scalarType, type DType, type TypeInfo } from '../graph/dtype.js';
import { broadcastShapes as broadcastShapesOf } from '../graph/shape.js';
import { LaxArray, type ArrayLike } from './array.js';
import { fullLike, zeros, zerosLike } from './creation.js';
import { less, where } from './elementwise.js';
import { castNode, toNode, typeOf, wrap } from './nodes.js';
import { broadcastTo } from './shape_ops.js';
import { checkDType, describe } from './validate.js';

export interface FInfo {
  readonly dtype: 'float32';
  readonly bits: number;
  readonly eps: number;
  readonly epsneg: number;
  readonly max: number;
  readonly min: number;
  readonly tiny: number;
  readonly smallestNormal: number;
  readonly smallestSubnormal: number;
  readonly resolution: number;
  readonly precision: number;
  readonly nmant: number;
  readonly nexp: number;
  readonly maxexp: number;
  readonly minexp: number;
}
/** finfo('float32'): the limits of float32 (NumPy's np.finfo(np.float32) values). */
export function finfo(dtype: DType | LaxArray = 'float32'): FInfo {
  const d = dtype instanceof LaxArray ? dtype.dtype : checkDType('finfo', dtype);
  if (d !== 'float32') throw new TypeError(`finfo: data type ${d} not inexact`);
  return {
    dtype: 'float32', bits: 32, eps: 2 ** -23, epsneg: 2 ** -24, max: 3.4028234663852886e38, min: -3.4028234663852886e38,
    tiny: 2 ** -126, smallestNormal: 2 ** -126, smallestSubnormal: 2 ** -149, resolution: 1e-6, precision: 6,
    nmant: 23, nexp: 8, maxexp: 128, minexp: -126,
  };
}
export interface IInfo {
  readonly dtype: DType;
  readonly bits: number;
  readonly min: number;
  readonly max: number;
}
/** iinfo('int32' | 'uint32' | 'bool'): the range of an integer dtype. */
export function iinfo(dtype: DType | LaxArray): IInfo {
  const d = dtype instanceof LaxArray ? dtype.dtype : checkDType('iinfo', dtype);
  if (d === 'int32') return { dtype: d, bits: 32, min: -2147483648, max: 2147483647 };
  if (d === 'uint32') return { dtype: d, bits: 32, min: 0, max: 4294967295 };
  if (d === 'bool') return { dtype: d, bits: 8, min: 0, max: 1 };
  throw new TypeError(`iinfo: Invalid integer data type '${d}'.`);
}

const typeInfo = (fn: string, x: unknown, i: number): TypeInfo => {
  if (typeof x === 'string') return { dtype: checkDType(fn, x)!, weak: false };
  if (typeof x === 'number' || typeof x === 'boolean') return scalarType(x);
  return typeOf(toNode(x as ArrayLike, fn, i));
};
/** resultType(...args): the dtype JAX's promotion gives the arguments (dtype names, arrays or JS numbers, weakly typed). */
export function resultType(...args: (ArrayLike | DType)[]): DType {
  if (args.length === 0) throw new TypeError('resultType: at least one array or dtype is required');
  return promoteAll(args.map((a, i) => typeInfo('resultType', a, i))).dtype;
}
/** promoteTypes(a, b): the promoted dtype of two dtypes. */
export const promoteTypes = (a: DType, b: DType): DType => promoteAll([typeInfo('promoteTypes', a, 0), typeInfo('promoteTypes', b, 1)]).dtype;
/** canCast(from, to, casting = 'safe'): whether promotion of `from` with `to` is `to`. */
export function canCast(from: DType | LaxArray, to: DType): boolean {
  const f = from instanceof LaxArray ? from.dtype : checkDType('canCast', from)!;
  return promoteTypes(f, checkDType('canCast', to)!) === to && !(f === 'int32' && to === 'uint32');
}
const KINDS: Record<string, readonly DType[]> = {
  bool: ['bool'], 'signed integer': ['int32'], 'unsigned integer': ['uint32'], integral: ['int32', 'uint32'],
  'real floating': ['float32'], 'complex floating': [], numeric: ['int32', 'uint32', 'float32'],
};
/** isdtype(dtype, kind): the array API's dtype-kind test (a kind name, a dtype, or a list of them). */
export function isdtype(dtype: DType, kind: string | string[]): boolean {
  const d = checkDType('isdtype', dtype)!;
  const kinds = Array.isArray(kind) ? kind : [kind];
  return kinds.some((k) => (k in KINDS ? KINDS[k].includes(d) : (dtypes as readonly string[]).includes(k) ? k === d : (() => { throw new TypeError(`isdtype: kind argument must be a dtype or a kind name, got ${describe(k)}`); })()));
}
const SUB: Record<string, readonly DType[]> = {
  generic: dtypes, number: ['int32', 'uint32', 'float32'], integer: ['int32', 'uint32'], signedinteger: ['int32'],
  unsignedinteger: ['uint32'], inexact: ['float32'], floating: ['float32'], bool: ['bool'],
};
/** issubdtype(dtype, category): category a dtype or one of NumPy's abstract names ('integer', 'floating', ...). */
export function issubdtype(dtype: DType, category: string): boolean {
  const d = checkDType('issubdtype', dtype)!;
  if (category in SUB) return SUB[category].includes(d);
  return checkDType('issubdtype', category) === d;
}

export const shape = (a: ArrayLike): number[] => [...toNode(a, 'shape').shape];
export const size = (a: ArrayLike): number => toNode(a, 'size').size;
export const ndim = (a: ArrayLike): number => toNode(a, 'ndim').shape.length;
/** isscalar: a JS number or boolean (NumPy: Python scalars; JAX also counts 0-d arrays). */
export const isscalar = (x: unknown): boolean => typeof x === 'number' || typeof x === 'boolean' || (x instanceof LaxArray && x.ndim === 0);
export const iterable = (x: unknown): boolean => (x instanceof LaxArray ? x.ndim > 0 : Array.isArray(x) || ArrayBuffer.isView(x));
/** laxflow's arrays are real: real is the array, imag zeros, conj the array, iscomplex false, isreal true. */
export const real = (a: ArrayLike): LaxArray => wrap(toNode(a, 'real'));
export const imag = (a: ArrayLike): LaxArray => zerosLike(a);
export const conj = (a: ArrayLike): LaxArray => wrap(toNode(a, 'conj'));
export const conjugate = conj;
export const iscomplex = (a: ArrayLike): LaxArray => zerosLike(a, { dtype: 'bool' });
export const isreal = (a: ArrayLike): LaxArray => fullLike(a, true, { dtype: 'bool' });
export const iscomplexobj = (_a: ArrayLike): boolean => false;
export const isrealobj = (_a: ArrayLike): boolean => true;
/** angle: 0 for non-negative values, pi for negative ones (real input). */
export const angle = (a: ArrayLike): LaxArray => where(less(wrap(castNode(toNode(a, 'angle'), 'float32')), 0), Math.PI, 0);
/** copy: the same immutable array. */
export const copy = (a: ArrayLike): LaxArray => wrap(toNode(a, 'copy'));
/** broadcastShapes(...shapes): the broadcast result shape. */
export const broadcastShapes = (...shapes: number[][]): number[] => [...broadcastShapesOf('broadcastShapes', ...shapes)];
/** broadcastArrays(...arrays): each broadcast to the common shape. */
export function broadcastArrays(...arrays: ArrayLike[]): LaxArray[] {
  const nodes = arrays.map((a, i) => toNode(a, 'broadcastArrays', i));
  const s = broadcastShapesOf('broadcastArrays', ...nodes.map((n) => n.shape));
  return nodes.map((n) => broadcastTo(wrap(n), [...s]));
}
/** empty, emptyLike: zeros (JAX's arrays are never uninitialized). */
export const empty = (s: number[], opts: { dtype?: DType } = {}): LaxArray => zeros(s, opts);
export const emptyLike = (a: ArrayLike, opts: { dtype?: DType } = {}): LaxArray => zerosLike(a, opts);
