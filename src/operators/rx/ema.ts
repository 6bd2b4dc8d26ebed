// `ema`: pandas' `Series.ewm(...).mean()` as a stream operator, with ignore_na=False.
//
// The step is pandas' own recurrence (pandas/_libs/window/aggregations.pyx, `ewm`), kept
// branch for branch so NaN handling and `adjust` match:
//   alpha = 1 / (1 + com); old_wt_factor = 1 - alpha; new_wt = 1 if adjust else alpha
//   if weighted is not NaN:
//     old_wt *= old_wt_factor                 (also for missing values: ignore_na=False)
//     if x is not NaN:
//       if weighted != x: weighted = (old_wt * weighted + new_wt * x) / (old_wt + new_wt)
//       old_wt = old_wt + new_wt if adjust else 1
//   elif x is not NaN: weighted = x
//   output weighted if (observations so far) >= min_periods else NaN
// starting from weighted = NaN, old_wt = 1 (which gives pandas' first element). +-inf
// inputs are missing values, as pandas converts them to NaN first. Computed in float32
// where pandas uses float64.

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import { stepOperator, type StreamOperator, type StreamOptions } from './scan.js';
import type { Step } from './step.js';
import { isDuration } from './duration.js';
import { emaTimeStep, type EmaTimeCarry } from './ema_time.js';

export interface EmaOptions {
  /** Exactly one of com, span, halflife, alpha (pandas' definitions). */
  com?: number;
  span?: number;
  /** A number of steps, or a duration ('10s'): pandas' `ewm(halflife='10s', times=t)` on event time (ema_time.ts). */
  halflife?: number | string;
  alpha?: number;
  /** Default true, as pandas. */
  adjust?: boolean;
  /** Observations needed before a value is given; default 1 (pandas' min_periods=0). */
  minPeriods?: number;
}

/** pandas' get_center_of_mass, then alpha = 1 / (1 + com). Same errors as pandas. */
export function emaAlpha(o: EmaOptions): number {
  const given = [o.com, o.span, o.halflife, o.alpha].filter((v) => v !== undefined).length;
  if (given > 1) throw new RangeError('ema: comass, span, halflife, and alpha are mutually exclusive');
  let com: number;
  if (o.com !== undefined) {
    if (!(o.com >= 0)) throw new RangeError('ema: comass must satisfy: comass >= 0');
    com = o.com;
  } else if (o.span !== undefined) {
    if (!(o.span >= 1)) throw new RangeError('ema: span must satisfy: span >= 1');
    com = (o.span - 1) / 2;
  } else if (o.halflife !== undefined) {
    if (typeof o.halflife !== 'number' || !(o.halflife > 0)) throw new RangeError('ema: halflife must satisfy: halflife > 0');
    com = 1 / (1 - Math.exp(Math.log(0.5) / (o.halflife as number))) - 1;
  } else if (o.alpha !== undefined) {
    if (!(o.alpha > 0 && o.alpha <= 1)) throw new RangeError('ema: alpha must satisfy: 0 < alpha <= 1');
    com = (1 - o.alpha) / o.alpha;
  } else {
    throw new RangeError('ema: Must pass one of comass, span, halflife, or alpha');
  }
  return 1 / (1 + com);
}

export interface EmaCarry {
  weighted: LaxArray;
  oldWt: LaxArray;
  nobs: LaxArray;
}

/** pandas' `ewm(...).mean()` as a step: over steps, or over event time for a halflife duration. */
export function emaStep(o: EmaOptions): Step<EmaCarry, LaxArray> | Step<EmaTimeCarry, LaxArray> {
  return isDuration(o.halflife) ? emaTimeStep({ ...o, halflife: o.halflife }) : countEmaStep(o);
}

function countEmaStep(o: EmaOptions): Step<EmaCarry, LaxArray> {
  const alpha = emaAlpha(o);
  const adjust = o.adjust ?? true;
  const minPeriods = Math.max(o.minPeriods ?? 0, 1);
  const factor = Math.fround(1 - alpha);
  const newWt = adjust ? 1 : Math.fround(alpha);
  const decay = (['com', 'span', 'halflife', 'alpha'] as const).find((k) => o[k] !== undefined)!;
  return {
    name: 'ema',
    options: { [decay]: o[decay]!, adjust, minPeriods },
    key: `ema(${factor}, ${newWt}, ${adjust}, ${minPeriods})`,
    init: (xShape) => ({
      weighted: np.full([...xShape], NaN),
      oldWt: np.ones([...xShape]),
      nobs: np.zeros([...xShape], { dtype: 'int32' }),
    }),
    f: ({ weighted, oldWt, nobs }, value) => {
      const x = value.dtype === 'float32' ? np.where(np.isfinite(value), value, NaN) : value; // +-inf is missing, as in pandas (BaseWindow._prep_values)
      const isObs = np.logicalNot(np.isnan(x));
      const hasWeighted = np.logicalNot(np.isnan(weighted));
      const decayed = oldWt.mul(factor);
      const blended = decayed.mul(weighted).add(x.mul(newWt)).div(decayed.add(newWt));
      const onObs = np.where(np.equal(weighted, x), weighted, blended);
      const w = np.where(hasWeighted, np.where(isObs, onObs, weighted), np.where(isObs, x, weighted));
      const wt = np.where(hasWeighted, np.where(isObs, adjust ? decayed.add(newWt) : np.onesLike(decayed), decayed), oldWt);
      const n = nobs.add(isObs.astype('int32'));
      const y = minPeriods > 1 ? np.where(np.greaterEqual(n, minPeriods), w, NaN) : w;
      return [{ weighted: w, oldWt: wt, nobs: n }, y];
    },
  };
}

/** pandas `ewm(com | span | halflife | alpha, adjust).mean()` over the stream (per key for records). */
export function ema(opts: EmaOptions & StreamOptions): StreamOperator {
  return stepOperator(emaStep(opts), opts);
}
