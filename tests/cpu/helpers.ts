// Shared test helpers: run the same graph on the CPU backend and on the oracle.

import v8 from 'node:v8';
import vm from 'node:vm';
import type { TypedArray } from '../../src/graph/dtype.js';
import type { Node } from '../../src/graph/node.js';
import { cpuBackend } from '../../src/cpu/backend.js';
import { oracleBackend } from '../../src/cpu/oracle_backend.js';
import type { LaxArray } from '../../src/operators/array.js';

/** [cpu, oracle] values of `arrays` (neither realizes them). */
export function both(...arrays: LaxArray[]): [TypedArray[], TypedArray[]] {
  const nodes: Node[] = arrays.map((a) => a.node);
  return [cpuBackend.run(nodes) as TypedArray[], oracleBackend.run(nodes) as TypedArray[]];
}

/** Bitwise equality (NaN equals NaN; -0 differs from 0), with a readable failure. */
export function sameBits(a: TypedArray, b: TypedArray): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return `at ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}

/**
 * Closeness for programs with float32 sums: the CPU backend accumulates float32 sums in
 * float64 (one rounding per output), the oracle rounds every step; both are within the
 * oracle's error bound n * 2^-24 * sum(|x|) of the exact sum.
 */
export function close(a: TypedArray, b: TypedArray, tol = 1e-4): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    if (!(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])))) return `at ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Collect garbage and let FinalizationRegistry callbacks run: three rounds, then more (up to
 * 50, a few ms apart) until `done` holds, since on a busy machine the callbacks of one
 * collection may come a few turns later.
 */
export async function collectGarbage(done: () => boolean = () => true): Promise<void> {
  for (let i = 0; i < 50 && (i < 3 || !done()); i++) {
    gc();
    await new Promise((r) => setTimeout(r, i < 3 ? 0 : 5));
  }
}
