// `rollingVar`: pandas' `rolling(window, min_periods).var(ddof)` as a stream operator,
// numerically stable in float32 (two-pass over the window buffer kept in the carry).

import { windowStep, type WindowOptions } from './time_window.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';

export const rollingVarStep = (o: WindowOptions) => windowStep(o, 'var', 'rollingVar');

export function rollingVar(opts: WindowOptions & StreamOptions): StreamOperator {
  return stepOperator(rollingVarStep(opts), opts);
}
