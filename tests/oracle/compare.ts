// Comparison helpers shared by the correctness tests: float32 ulp distance, per-op
// tolerances (exact, ulps, relative) and a readable first-mismatch message.

import type { DType } from '../../src/graph/dtype.js';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Ordered integer of a float32's bits: adjacent floats differ by 1, -0 and +0 coincide. */
function ordinal(x: number): number {
  f32[0] = x;
  const b = i32[0];
  return b < 0 ? -2147483648 - b : b;
}

/** Distance in float32 ulps between two numbers (both rounded to float32). */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return Math.abs(ordinal(a) - ordinal(b));
}

/**
 * Tolerance of one op: `exact` (bit-for-bit, NaN equals NaN, the sign of zero counts),
 * `ulp: n` (at most n float32 ulps apart), or `rel: r` (|a - b| <= r * (scale + |b|) with
 * scale the magnitude of the summed terms, for reductions whose order may differ).
 */
export type Tolerance = { kind: 'exact' } | { kind: 'ulp'; ulp: number } | { kind: 'rel'; rel: number; atol?: number };
export const exact: Tolerance = { kind: 'exact' };
export const ulps = (ulp: number): Tolerance => ({ kind: 'ulp', ulp });
export const rel = (r: number, atol = 0): Tolerance => ({ kind: 'rel', rel: r, atol });

export function close(actual: number, expected: number, tol: Tolerance, scale = 0): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  switch (tol.kind) {
    case 'exact':
      return Object.is(actual, expected);
    case 'ulp':
      return actual === expected || ulpDistance(actual, expected) <= tol.ulp;
    case 'rel':
      return actual === expected || Math.abs(actual - expected) <= tol.rel * (Math.abs(expected) + scale) + (tol.atol ?? 0);
  }
}

/** Undefined when `actual` matches `expected` elementwise, else a message for the first mismatch. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, scales?: ArrayLike<number>): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} != expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!close(actual[i], expected[i], tol, scales ? scales[i] : 0)) {
      return `element ${i}: got ${Object.is(actual[i], -0) ? '-0' : actual[i]}, expected ${Object.is(expected[i], -0) ? '-0' : expected[i]} (${JSON.stringify(tol)})`;
    }
  }
  return undefined;
}

/** Store JS numbers the way `dtype` does (float32 rounding, integer wrap, bool 0/1). */
export function storeAs(dtype: DType, values: readonly number[]): number[] {
  const ctor = { float32: Float32Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array }[dtype];
  const out = ctor.from(dtype === 'bool' ? values.map((v) => (v ? 1 : 0)) : values);
  return Array.from(out);
}
