// Nodes from user values, and the node builders every jax.numpy function shares: wrapping a
// node in an Array, constants (np.array's copy of user data), casts, broadcasts and reshapes.
// Internal to laxflow: the public namespace is np.ts.

import { allocate, castScalar, scalarType, type DType, type TypeInfo, type TypedArray } from '../graph/dtype.js';
import { node, uniqueNode, type Node } from '../graph/node.js';
import { fmtShape, shapesEqual, type Shape } from '../graph/shape.js';
import { holdStorage, hostCopy, isBackendStorage } from '../scheduler/realize.js';
import { LaxArray, type ArrayLike, type Nested } from './array.js';
import { checkArrayLike, checkDType, checkOptions, checkSize, describe } from './validate.js';

export const wrap = (n: Node) => new LaxArray(n);

export function constant(data: TypedArray, shape: Shape, dtype: DType, weak = false): Node {
  const n = node('const', [], { data, shape, dtype, weak });
  holdStorage(n, data); // backend storage (np.array's copy) is recycled with its node
  return n;
}

/** `constant` over data just made for it, which no other node can hold: not hash-consed (`uniqueNode`). */
export function freshConstant(data: TypedArray, shape: Shape, dtype: DType, weak = false): Node {
  const n = uniqueNode('const', { data, shape, dtype, weak });
  holdStorage(n, data);
  return n;
}

const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

/**
 * JAX converts a Python int to an integer dtype only within its range
 * (dtypes._scalar_type_to_dtype): outside it is an OverflowError, never a wrapped value.
 */
export function checkIntRange(x: number | boolean, dtype: DType, fn?: string): void {
  const range = INT_RANGE[dtype];
  if (range && typeof x === 'number' && Number.isInteger(x) && (x < range[0] || x > range[1])) {
    throw new RangeError(`${fn ? `${fn}: ` : ''}OverflowError: Python int ${x} too large to convert to ${dtype}`);
  }
}

/** A JS scalar as a 0-d constant: weakly typed (as JAX's Python scalars) unless a dtype is given. */
export function scalarNode(x: number | boolean, dtype?: DType, weak = dtype === undefined): Node {
  const d = dtype ?? scalarType(x).dtype;
  if (dtype === undefined) checkIntRange(x, d);
  const data = allocate(d, 1);
  data[0] = castScalar(Number(x), d);
  return freshConstant(data, [], d, weak);
}

/**
 * A user's array-like argument as a node. `fn` and `position` name the public function and
 * the argument in errors (`add requires ndarray or scalar arguments, got string "abc" at
 * position 1.`).
 */
export function toNode(x: ArrayLike, fn = 'asarray', position = 0): Node {
  if (x instanceof LaxArray) return x.node;
  if (typeof x === 'number' || typeof x === 'boolean') return scalarNode(x);
  checkArrayLike(fn, x, position);
  return arrayOf(x as Nested | TypedArray, undefined, fn).node;
}

export const typeOf = (n: Node): TypeInfo => ({ dtype: n.dtype, weak: n.weak });

/** lax.convert_element_type; folds casts of constant scalars. `weak`: the result is weakly typed. */
export function castNode(n: Node, dtype: DType, weak = false): Node {
  if (n.dtype === dtype) return n;
  if (n.prim === 'const' && n.size === 1) {
    const p = (n as Node<'const'>).params;
    const data = allocate(dtype, 1);
    data[0] = p.dtype === 'float32' || dtype === 'float32' || dtype === 'bool' ? castScalar(p.data[0], dtype) : dtype === 'int32' ? p.data[0] | 0 : p.data[0] >>> 0;
    return freshConstant(data, p.shape, dtype, p.weak || weak);
  }
  return node('cast', [n], weak ? { dtype, weak } : { dtype });
}

/** NumPy broadcasting of `n` to `shape` (already checked compatible). */
export function broadcastNode(n: Node, shape: Shape): Node {
  if (shapesEqual(n.shape, shape)) return n;
  const offset = shape.length - n.shape.length;
  return node('broadcast', [n], { shape, dims: n.shape.map((_, i) => i + offset) });
}

export function reshapeNode(n: Node, shape: Shape): Node {
  if (shapesEqual(n.shape, shape)) return n;
  return n.prim === 'const' ? constantView(n as Node<'const'>, shape) : node('reshape', [n], { shape });
}

/**
 * A reshape of a constant: a constant over the same data, as XLA folds it (no kernel, and a
 * leaf, so a jit replay over `np.array(x).reshape(...)` finds its schedule without a walk).
 * The two share storage, so neither is ever updated in place (`aliased`). A unique constant's
 * view is unique, a hash-consed one's is hash-consed. Kept a reshape node: a constant taken
 * in place already, and backend storage (recycled with the node that holds it).
 */
function constantView(n: Node<'const'>, shape: Shape): Node {
  const p = n.params;
  if (n.consumed || isBackendStorage(p.data)) return node('reshape', [n], { shape });
  const view = n.unique ? uniqueNode('const', { data: p.data, shape, dtype: p.dtype, weak: p.weak }) : node('const', [], { data: p.data, shape, dtype: p.dtype, weak: p.weak });
  n.aliased = view.aliased = true;
  return view;
}

function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let d = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

function flatten(fn: string, data: unknown, shape: number[], out: (number | boolean)[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new TypeError(`${fn}: setting an array element with a sequence. The requested array has an inhomogeneous shape after ${dim} dimensions`);
    if (typeof data !== 'number' && typeof data !== 'boolean') throw new TypeError(`${fn}: array elements must be numbers or booleans, got ${describe(data)}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`${fn}: setting an array element with a sequence. The requested array has an inhomogeneous shape after ${dim} dimensions. The detected shape was ${fmtShape(shape.slice(0, dim))} + inhomogeneous part.`);
  }
  for (const x of data) flatten(fn, x, shape, out, dim + 1);
}

function typedDtype(x: TypedArray | ArrayBufferView): DType {
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Uint32Array) return 'uint32';
  if (x instanceof Float32Array || x instanceof Float64Array) return 'float32';
  return 'int32';
}

/** jnp.array: nested JS arrays, typed arrays, numbers or booleans (copied). */
export function array(data: ArrayLike | Float64Array, opts: { dtype?: DType } = {}): LaxArray {
  const { dtype } = checkOptions<{ dtype?: DType }>('array', opts, ['dtype']);
  checkArrayLike('array', data);
  return arrayOf(data, checkDType('array', dtype), 'array');
}
export const asarray = array;

/** np.array's work on checked arguments; `fn` names the user's function in errors about nested data. */
function arrayOf(data: ArrayLike | Float64Array, dtype0: DType | undefined, fn: string): LaxArray {
  if (data instanceof LaxArray) return dtype0 ? astype(data, dtype0) : data;
  if (ArrayBuffer.isView(data)) {
    const dtype = dtype0 ?? typedDtype(data);
    checkSize(fn, [data.length]);
    // The typed-array constructor copies (and converts) natively; `.from` walks an iterator.
    const src = data as unknown as globalThis.ArrayLike<number>;
    const buf = dtype === 'bool' ? Uint8Array.from(src, (v) => (v !== 0 ? 1 : 0)) : hostCopy(data as TypedArray, dtype);
    return wrap(freshConstant(buf, [data.length], dtype));
  }
  const opts = { dtype: dtype0 };
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(fn, data, shape, flat);
  const dtype =
    opts.dtype ??
    // JS has one number type: integers that fit int32 are int32, anything else is float32
    (flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : flat.every((v) => typeof v === 'boolean' || (Number.isInteger(v) && v >= INT_RANGE.int32![0] && v <= INT_RANGE.int32![1])) ? 'int32' : 'float32');
  const buf = allocate(dtype, flat.length);
  flat.forEach((v, i) => (buf[i] = castScalar(Number(v), dtype)));
  return wrap(freshConstant(buf, shape, dtype));
}

/** int32 coordinates along `axis` of an array of `shape` (lax.iota broadcast). */
export function iotaNode(shape: Shape, axis: number): Node {
  return node('iota', [], { shape, dtype: 'int32', axis });
}

export function astype(a: ArrayLike, dtype: DType): LaxArray {
  if (dtype === undefined) throw new TypeError('astype: dtype must be given (laxflow has float32, int32, uint32, bool)');
  const d = checkDType('astype', dtype)!;
  return wrap(castNode(toNode(a, 'astype'), d));
}
