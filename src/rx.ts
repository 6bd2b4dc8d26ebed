// laxflow/rx: RxJS operators that run laxflow scans over streams, micro-batched so the
// engine runs one schedule per batch. This is the only entry that imports rxjs (a peer
// dependency); the core (`laxflow`) does not. Importing it selects the default backend,
// as importing `laxflow` does.

import './devices.js';

export { scan, stepOperator, type StreamOperator, type StreamOptions } from './operators/rx/scan.js';
export type { StreamOutput } from './operators/rx/output_types.js';
export { ema, emaStep, emaAlpha, type EmaOptions } from './operators/rx/ema.js';
export { movingAverage, movingAverageStep, type MovingAverageOptions } from './operators/rx/moving_average.js';
export { rollingVar, rollingVarStep } from './operators/rx/rolling_var.js';
export { zscore, zscoreStep } from './operators/rx/zscore.js';
export { rollingStep, type RollingOptions, type RollingStat } from './operators/rx/rolling.js';
export { fanout, type Step, type StepFn } from './operators/rx/step.js';
export { MalformedRecordError, type DeadLetter, type KeyedRecord } from './operators/rx/records.js';
export { LateRecordError, type EventTimeOptions, type LateSink } from './operators/rx/event_time.js';
export { timeRollingStep, type TimeRollingOptions, type WindowOptions } from './operators/rx/time_window.js';
export { resample, resampleStep, type ResampleOptions, type ResampleStat, type WindowOperator, type WindowRecord } from './operators/rx/resample.js';
export { applyCheckpoint, type Snapshot, type Json } from './operators/rx/state.js';
export type { BatchInfo, BatchOptions } from './operators/rx/batcher.js';
export { mahalanobis, mahalanobisStep, type MahalanobisOptions, type MahalanobisOutput, type MahalanobisCarry } from './operators/rx/mahalanobis.js';
