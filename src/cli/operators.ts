// The CLI's `--op` list as one laxflow step (all operators in one scan body, so one
// schedule per batch computes them all), and the float32 formatting of its outputs.

import { emaStep, fanout, rollingStep, type Step } from '../rx.js';
import type { CliArgs } from './args.js';

export function cliStep(a: CliArgs): Step {
  const rolling = { window: a.window, minPeriods: a.minPeriods, ddof: a.ddof };
  const steps: Record<string, Step> = {};
  for (const op of a.ops) {
    if (op === 'ema') steps.ema = emaStep({ span: a.span, alpha: a.alpha, halflife: a.halflife, com: a.com, adjust: a.adjust });
    if (op === 'sma') steps.sma = rollingStep(rolling, 'mean', 'sma');
    if (op === 'var') steps.var = rollingStep(rolling, 'var', 'var');
    if (op === 'zscore') steps.zscore = rollingStep(rolling, 'zscore', 'zscore');
  }
  return fanout(steps);
}

/** A float32 value as the shortest decimal that reads back to it; NaN and infinities as null (JSON has none). */
export function f32json(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  for (let p = 1; p < 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === x) return v;
  }
  return Number(x.toPrecision(9));
}
