// Host arrays for reference computations: a shape, a dtype and plain JS numbers in
// row-major order, with the index arithmetic the reference loops need and fast-check
// arbitraries for random shapes (0-d and size-0 included), broadcast pairs and values.

import fc from 'fast-check';
import { np, type DType } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { storeAs } from './compare.js';

export interface Host {
  shape: number[];
  dtype: DType;
  data: number[];
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let k = 1;
  for (let i = shape.length - 1; i >= 0; i--) (s[i] = k), (k *= shape[i]);
  return s;
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

export const ravel = (idx: readonly number[], shape: readonly number[]) => idx.reduce((j, v, k) => j * shape[k] + v, 0);

/** Element of `h` at output multi-index `idx` under NumPy broadcasting. */
export function bget(h: Host, idx: readonly number[]): number {
  const off = idx.length - h.shape.length;
  let j = 0;
  for (let k = 0; k < h.shape.length; k++) j = j * h.shape[k] + (h.shape[k] === 1 ? 0 : idx[k + off]);
  return h.data[j];
}

/** NumPy broadcast of shapes that are known to be compatible. */
export function broadcastShapes(...shapes: number[][]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: nd }, (_, i) => shapes.map((s) => s[i - nd + s.length] ?? 1).find((d) => d !== 1) ?? 1);
}

/** A Host from a computed function of the output multi-index, stored as `dtype`. */
export function build(shape: number[], dtype: DType, f: (idx: number[]) => number): Host {
  const data = Array.from({ length: sizeOf(shape) }, (_, i) => f(unravel(i, shape)));
  return { shape, dtype, data: storeAs(dtype, data) };
}

export function toLax(h: Host): LaxArray {
  return np.reshape(np.array(h.data, { dtype: h.dtype }), h.shape);
}

export async function fromLax(x: LaxArray): Promise<Host> {
  return { shape: x.shape, dtype: x.dtype, data: Array.from(await x.data()) };
}

// ---- arbitraries ------------------------------------------------------------------------------

export const arbShape = (maxRank = 3, maxDim = 4, minDim = 0) => fc.array(fc.integer({ min: minDim, max: maxDim }), { maxLength: maxRank });
export const arbNonEmptyShape = (maxRank = 3, maxDim = 4) => arbShape(maxRank, maxDim, 1);

/** Two shapes that broadcast together: dims dropped from the front or set to 1. */
export const arbBroadcastShapes = (n = 2, maxRank = 3) =>
  arbShape(maxRank, 4).chain((out) =>
    fc.tuple(
      ...Array.from({ length: n }, () =>
        fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })).map(([drop, ones]) =>
          out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)),
        ),
      ),
    ),
  );

const F32_SPECIALS = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45];

/** Values of `dtype`; `domain` narrows floats to [lo, hi] (finite) and ints to [lo, hi]. */
export function arbValue(dtype: DType, domain?: [number, number]): fc.Arbitrary<number> {
  const [lo, hi] = domain ?? [NaN, NaN];
  switch (dtype) {
    case 'float32':
      if (domain) return fc.oneof(fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true }), fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }).map(Math.fround));
      return fc.oneof(fc.float(), fc.constantFrom(...F32_SPECIALS), fc.integer({ min: -8, max: 8 }), fc.float({ min: -10, max: 10, noNaN: true }));
    case 'int32':
      return domain ? fc.integer({ min: lo, max: hi }) : fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -8, max: 8 }));
    case 'uint32':
      return domain ? fc.integer({ min: Math.max(lo, 0), max: hi }) : fc.oneof(fc.integer({ min: 0, max: 4294967295 }), fc.integer({ min: 0, max: 8 }));
    case 'bool':
      return fc.integer({ min: 0, max: 1 });
  }
}

export const arbHost = (shape: number[], dtype: DType, domain?: [number, number]) =>
  fc.array(arbValue(dtype, domain), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }).map((data): Host => ({ shape, dtype, data: storeAs(dtype, data) }));
