// Capturing the stream operators a pipeline function builds. laxflow/nats runs a user's
// pipeline (`(records$) => records$.pipe(zscore(...))`) once per partition and must restore,
// snapshot and await every laxflow/rx operator in it without the user wiring each one:
// while `captureOperators(capture, build)` runs `build`, each `stepOperator` asks the capture
// for its restored state (by creation order), lets it watch its engine (work admitted and
// delivered, to know when a fed batch has produced all its outputs) and registers itself.

import type { Engine } from './batcher.js';
import type { Snapshot } from './state.js';

/** What the capture keeps of an operator. */
export interface CapturedOperator {
  snapshot(): Snapshot;
  readonly position: number;
}

export interface OperatorCapture {
  /** The state for the next operator built (creation order), or undefined for a fresh one. */
  state(name: string): Snapshot | undefined;
  /** The engine factory the operator runs with: the given one, watched. */
  engine<I, Q, O>(make: () => Engine<I, Q, O>): () => Engine<I, Q, O>;
  /** The operator, once built. */
  add(op: CapturedOperator): void;
}

let active: OperatorCapture | null = null;

/** The capture in progress (null outside `captureOperators`). */
export const capturing = (): OperatorCapture | null => active;

/** Runs `build` with `capture` receiving every stream operator it creates. */
export function captureOperators<T>(capture: OperatorCapture, build: () => T): T {
  const outer = active;
  active = capture;
  try {
    return build();
  } finally {
    active = outer;
  }
}
