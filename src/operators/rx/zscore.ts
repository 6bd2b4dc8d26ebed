// `zscore`: (x - rolling mean) / rolling std over the same window, as pandas computes
// `(s - s.rolling(window).mean()) / s.rolling(window).std(ddof)`: the current value is in
// its own window; NaN until min_periods values, and NaN (0/0) for a constant window.

import { windowStep, type WindowOptions } from './time_window.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';

export const zscoreStep = (o: WindowOptions) => windowStep(o, 'zscore', 'zscore');

export function zscore(opts: WindowOptions & StreamOptions): StreamOperator {
  return stepOperator(zscoreStep(opts), opts);
}
