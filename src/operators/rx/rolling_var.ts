// `rollingVar`: pandas' `rolling(window, min_periods).var(ddof)` as a stream operator,
// numerically stable in float32 (two-pass over the window buffer kept in the carry).

import { rollingStep, type RollingOptions } from './rolling.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';

export const rollingVarStep = (o: RollingOptions) => rollingStep(o, 'var', 'rollingVar');

export function rollingVar(opts: RollingOptions & StreamOptions): StreamOperator {
  return stepOperator(rollingVarStep(opts), opts);
}
