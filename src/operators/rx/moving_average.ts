// `movingAverage`: pandas' `rolling(window, min_periods).mean()` as a stream operator
// (NaN inputs are skipped in the window; default min_periods = window).

import type { RollingOptions } from './rolling.js';
import { windowStep, type TimeRollingOptions } from './time_window.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';

export type MovingAverageOptions = Omit<RollingOptions, 'ddof' | 'minStd'> | Omit<TimeRollingOptions, 'ddof' | 'minStd'>;

export const movingAverageStep = (o: MovingAverageOptions) => windowStep(o, 'mean', 'movingAverage');

export function movingAverage(opts: MovingAverageOptions & StreamOptions): StreamOperator {
  return stepOperator(movingAverageStep(opts), opts);
}
