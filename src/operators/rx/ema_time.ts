// `ema({ halflife: '10s' })`: pandas' `ewm(halflife='10s', times=t).mean()` as a step on
// event time. pandas (pandas/_libs/window/aggregations.pyx, `ewm` with `deltas`) then uses
// com = 1 (alpha = 0.5) and decays the old weight by 0.5 ** ((t_i - t_{i-1}) / halflife) at
// every row once a value has been seen (missing values included: ignore_na=False), so
//   old_wt *= 0.5 ** (dt / halflife)
//   if x is not NaN: weighted = (old_wt * weighted + x) / (old_wt + 1) unless weighted == x;
//                    old_wt += 1
// times with adjust=False is not supported by pandas, nor here. +-inf inputs are missing.

import type { LaxArray } from '../array.js';
import * as np from '../np.js';
import { parseDuration } from './duration.js';
import type { Step } from './step.js';

export interface EmaTimeCarry {
  weighted: LaxArray;
  oldWt: LaxArray;
  nobs: LaxArray;
  /** The previous row's time. */
  last: LaxArray;
}

export function emaTimeStep(o: { halflife: string; adjust?: boolean; minPeriods?: number; com?: number; span?: number; alpha?: number }): Step<EmaTimeCarry, LaxArray> {
  if (o.com !== undefined || o.span !== undefined || o.alpha !== undefined) throw new RangeError('ema: None of com, span, or alpha can be specified if times is provided (a halflife duration)');
  if (o.adjust === false) throw new RangeError('ema: times is not supported with adjust=False (a halflife duration)');
  const h = parseDuration(o.halflife, 'ema: halflife');
  if (!(h > 0)) throw new RangeError('ema: halflife must satisfy: halflife > 0');
  const minPeriods = Math.max(o.minPeriods ?? 0, 1);
  const rate = Math.log(0.5) / h; // per millisecond
  return {
    name: 'ema',
    time: true,
    options: { halflife: o.halflife, adjust: true, minPeriods },
    key: `ema(halflife ${h} ms, ${minPeriods})`,
    init: (xShape) => ({
      weighted: np.full([...xShape], NaN),
      oldWt: np.ones([...xShape]),
      nobs: np.zeros([...xShape], { dtype: 'int32' }),
      last: np.zeros([], { dtype: 'int32' }),
    }),
    f: ({ weighted, oldWt, nobs, last }, value, t) => {
      if (!t) throw new TypeError('ema: a halflife duration needs event times');
      const x = value.dtype === 'float32' ? np.where(np.isfinite(value), value, NaN) : value;
      const isObs = np.logicalNot(np.isnan(x));
      const hasWeighted = np.logicalNot(np.isnan(weighted));
      const decayed = oldWt.mul(np.exp(t.sub(last).astype('float32').mul(rate)));
      const blended = decayed.mul(weighted).add(x).div(decayed.add(1));
      const onObs = np.where(np.equal(weighted, x), weighted, blended);
      const w = np.where(hasWeighted, np.where(isObs, onObs, weighted), np.where(isObs, x, weighted));
      const wt = np.where(hasWeighted, np.where(isObs, decayed.add(1), decayed), oldWt);
      const n = nobs.add(isObs.astype('int32'));
      const y = minPeriods > 1 ? np.where(np.greaterEqual(n, minPeriods), w, NaN) : w;
      return [{ weighted: w, oldWt: wt, nobs: n, last: t }, y];
    },
  };
}
