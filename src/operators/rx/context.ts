// What an engine (unkeyed or keyed) needs from its operator: the step, the carry layout,
// the input shape, and the operator's current state with the way to commit a new one.

import type { DType } from '../../graph/dtype.js';
import type { CarrySpec } from './carry.js';
import type { StatePatch, StreamState } from './state.js';
import type { Step, StepFn } from './step.js';
import type { LateSink } from './event_time.js';

export interface EngineContext {
  name: string;
  /** The operator's step (its event-time needs, and whether it emits windows). */
  step: Step;
  /** The step reads event time (`Step.time`). */
  timed: boolean;
  /** The event-time stage (record streams): present when the step is timed or an event-time option is given. */
  events?: { maxLateness: number; idleTimeout?: number; late?: LateSink; time?: (record: any) => unknown; perKey: boolean };
  f: StepFn;
  spec: CarrySpec;
  xShape: readonly number[];
  dtype: DType;
  /** The most steps a batch takes (the operator's `maxBatch`). */
  maxBatch: number;
  getState(): StreamState;
  setState(s: StreamState, patches: StatePatch[]): void;
  /** Whether anyone reads the patches (`onCheckpoint`): without, an engine need not make them. */
  readonly wantsPatches: boolean;
}
