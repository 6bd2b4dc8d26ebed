// Run-time checks inside a stream step (as JAX's checkify): a step calls `streamCheck(bad,
// message)` with a boolean array that is true where the step cannot give a correct result
// (a time window holding more records than its capacity). The stream's engine collects the
// checks while it traces the step, computes them with the batch, and fails the stream with
// the message, naming the first record whose step failed one. Outside a stream engine's
// trace a check is ignored.

import type { LaxArray } from '../array.js';

export interface Check {
  bad: LaxArray;
  message: string;
}

let collector: Check[] | null = null;

/** Declares that the current step fails where `bad` is true (scalar per step and key). */
export function streamCheck(bad: LaxArray, message: string): void {
  collector?.push({ bad, message });
}

/** Runs `trace` collecting the checks its steps declare. */
export function collectChecks<T>(trace: () => T): [T, Check[]] {
  const outer = collector;
  const mine: Check[] = [];
  collector = mine;
  try {
    return [trace(), mine];
  } finally {
    collector = outer;
  }
}
