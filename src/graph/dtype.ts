// Dtypes, their storage, and JAX's type promotion (x64 disabled).
//
// JS numbers are *weakly typed* as in JAX: an integer-valued number is a weak int32, any
// other number a weak float32. A weak operand never widens a strong one:
// `int32 + 1` is int32, `int32 + 1.5` is float32, `float32 * 2` is float32.

export type DType = 'float32' | 'int32' | 'uint32' | 'bool';
export const dtypes: readonly DType[] = ['float32', 'int32', 'uint32', 'bool'];

export type TypedArray = Float32Array | Int32Array | Uint32Array | Uint8Array;

type TypedArrayCtor = Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor;
export const storage: { [D in DType]: TypedArrayCtor } = {
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
};

export function allocate(dtype: DType, size: number): TypedArray {
  return new storage[dtype](size);
}

/**
 * A fresh copy of a typed array. The copy constructor: in V8 it skips the zero-filling that
 * `slice()` and `new` + `set` pay (a 4 MiB copy takes about two thirds of their time).
 */
export function copyOf<T extends TypedArray>(a: T): T {
  return new (a.constructor as new (src: T) => T)(a);
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (dtypes as readonly string[]).includes(x);
}

/** A dtype with JAX's weak-type flag (only JS number literals are weak). */
export interface TypeInfo {
  dtype: DType;
  weak: boolean;
}

// Join of two strong dtypes on JAX's lattice, canonicalized for x64 disabled
// (int32 ∨ uint32 = int64 -> int32).
const strongJoin: { [A in DType]: { [B in DType]: DType } } = {
  bool: { bool: 'bool', int32: 'int32', uint32: 'uint32', float32: 'float32' },
  int32: { bool: 'int32', int32: 'int32', uint32: 'int32', float32: 'float32' },
  uint32: { bool: 'uint32', int32: 'int32', uint32: 'uint32', float32: 'float32' },
  float32: { bool: 'float32', int32: 'float32', uint32: 'float32', float32: 'float32' },
};

/** jnp.result_type for two operands. */
export function promote(a: TypeInfo, b: TypeInfo): TypeInfo {
  if (a.weak === b.weak) return { dtype: strongJoin[a.dtype][b.dtype], weak: a.weak };
  const [strong, weak] = a.weak ? [b, a] : [a, b];
  // JAX's lattice: b1 < i* < f*, with i* below every integer and f* below every float. The join
  // is the strong dtype when it is above the weak one, else the weak type itself (still weak):
  // bool + 1 is i*, int32 + 1.5 is f* (both canonicalize to 32 bits).
  if (weak.dtype === 'bool') return strong;
  if (weak.dtype === 'float32') return strong.dtype === 'float32' ? strong : { dtype: 'float32', weak: true };
  return strong.dtype === 'bool' ? { dtype: 'int32', weak: true } : strong;
}

export function promoteAll(types: TypeInfo[]): TypeInfo {
  return types.reduce((a, b) => promote(a, b));
}

/** The weak type of a JS scalar. */
export function scalarType(x: number | boolean): TypeInfo {
  if (typeof x === 'boolean') return { dtype: 'bool', weak: true };
  return { dtype: Number.isInteger(x) ? 'int32' : 'float32', weak: true };
}

/**
 * Float to int32 as XLA converts (and JAX with it): toward zero, saturating at the type's
 * range, NaN to 0 (`float32[3e9, 1e20] -> int32` is `[2147483647 2147483647]`).
 */
export const saturateI32 = (x: number): number => (x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : x === x ? Math.trunc(x) | 0 : 0);

/** Float to uint32 as XLA converts: toward zero, saturating at [0, 4294967295], NaN to 0. */
export const saturateU32 = (x: number): number => (x >= 4294967295 ? 4294967295 : x > -1 ? Math.trunc(x) >>> 0 : 0);

/** Convert a JS number to the value stored for `dtype` (float32 rounding, saturating float-to-int). */
export function castScalar(x: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(x);
    case 'int32':
      return saturateI32(x);
    case 'uint32':
      return saturateU32(x);
    case 'bool':
      return x !== 0 ? 1 : 0;
  }
}
