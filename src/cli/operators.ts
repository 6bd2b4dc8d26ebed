// The CLI's `--op` list as one laxflow step (all operators in one scan body, so one
// schedule per batch computes them all), and the float32 formatting of its outputs.

import { emaStep, fanout, resampleStep, rollingStep, timeRollingStep, type ResampleStat, type Step } from '../rx.js';
import type { CliArgs } from './args.js';

export function cliStep(a: CliArgs): Step {
  if (a.resample !== undefined) return resampleStep({ every: a.resample, stats: a.stats as ResampleStat[], ddof: a.ddof });
  const steps: Record<string, Step> = {};
  const rolling = (stat: 'mean' | 'var' | 'zscore', name: string): Step =>
    typeof a.window === 'string'
      ? timeRollingStep({ window: a.window, minPeriods: a.minPeriods, ddof: a.ddof, capacity: a.capacity }, stat, name)
      : rollingStep({ window: a.window, minPeriods: a.minPeriods, ddof: a.ddof }, stat, name);
  for (const op of a.ops) {
    if (op === 'ema') steps.ema = emaStep({ span: a.span, alpha: a.alpha, halflife: a.halflife, com: a.com, adjust: a.adjust });
    if (op === 'sma') steps.sma = rolling('mean', 'sma');
    if (op === 'var') steps.var = rolling('var', 'var');
    if (op === 'zscore') steps.zscore = rolling('zscore', 'zscore');
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
