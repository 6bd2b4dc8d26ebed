// jax.random.gumbel: standard Gumbel samples -log(-log(u)), in JAX's "low" and "high" modes
// (jax/_src/random/core.py `_gumbel`). `choice(..., replace=false, p)` draws its Gumbel top-k
// keys from here, so these operations define which indices it picks.
//
//   low  (default):  u = uniform(key, shape, minval=tiny, maxval=1);   -log(-log(u))
//   high:            [hi, lo] = uniform(key, [2, ...shape]);
//                    x = hi >= 0.5 ? hi : hi + 2^-23 * lo + 2^-47;     -log(-log1p(-x))
//
// Every step is a float32 operation in JAX's order; `log`/`log1p` are the only ones whose last
// bit can differ from XLA's (XLA on CPU uses its own polynomial log), so values are JAX's to
// about an ulp. JAX's "highest" mode (64-bit fixed point via count-leading-zeros) is not here.

import type { LaxArray } from '../operators/array.js';
import * as np from '../operators/np.js';
import { checkShape, randomBits } from './bits.js';
import { floatDtype, uniformFromBits } from './distributions.js';
import { checkKey, type KeyArray } from './keys.js';

export type GumbelMode = 'low' | 'high';

/** The smallest positive normal float32 (np.finfo(np.float32).tiny). */
const TINY = 2 ** -126;

const f32 = (v: number): LaxArray => np.array(Math.fround(v), { dtype: 'float32' });

/** jax.random.gumbel(key, shape, dtype, mode): samples of density exp(-(x + exp(-x))). */
export function gumbel(k: KeyArray, shape: readonly number[] = [], opts: { dtype?: string; mode?: GumbelMode } = {}): LaxArray {
  const key = checkKey('gumbel', k);
  floatDtype('gumbel', opts.dtype);
  const mode = opts.mode ?? 'low';
  if (mode !== 'low' && mode !== 'high') throw new TypeError(`Must provide valid mode for gumbel got: ${String(mode)}`);
  const s = checkShape('gumbel', shape);
  if (mode === 'low') {
    const u = uniformFromBits(randomBits(key, s), TINY, 1);
    return np.negative(np.log(np.negative(np.log(u))));
  }
  const u = uniformFromBits(randomBits(key, [2, ...s]), 0, 1);
  const [hi, lo] = [u.slice(0), u.slice(1)];
  // max(2^-(2 * nmant + 1), tiny) = 2^-47: keeps x > 0 where both words are zero.
  const refined = np.add(np.add(hi, np.multiply(f32(2 ** -23), lo)), f32(2 ** -47));
  const x = np.where(np.greaterEqual(hi, f32(0.5)), hi, refined);
  return np.negative(np.log(np.negative(np.log1p(np.negative(x)))));
}
