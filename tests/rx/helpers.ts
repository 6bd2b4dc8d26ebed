// Shared helpers for the stream tests: run an operator over a list of emissions and
// collect the outputs; compare float32 results with NaN-aware tolerances.

import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';
import { expect } from 'vitest';

export async function collect<I, O>(inputs: I[], op: OperatorFunction<I, O>): Promise<O[]> {
  return lastValueFrom(from(inputs).pipe(op, toArray()), { defaultValue: [] });
}

/** NaN-equal, relative tolerance `rtol` (float32 results against float64 references). */
export function expectClose(actual: ArrayLike<number | null>, expected: ArrayLike<number | null>, rtol = 2e-6, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] ?? NaN;
    const e = expected[i] ?? NaN;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      expect([i, a], `index ${i}`).toEqual([i, e]);
      continue;
    }
    if (!Number.isFinite(e)) {
      expect([i, a], `index ${i}`).toEqual([i, e]);
      continue;
    }
    expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
  }
}

/** Bitwise equality of float sequences, NaN equal to NaN. */
export function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(Array.from(actual, (v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(Array.from(expected, (v) => (Number.isNaN(v) ? 'NaN' : v)));
}
