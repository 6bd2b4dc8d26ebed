// 4. Sequential recurrence: EMA `c = (2*c + x) / 3` over 2^16 steps, emitting every c.

import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, na, type Prepared } from '../harness.js';

const N = 1 << 16;
const INIT = 0.25;

interface Inputs {
  x: Float32Array;
  init: number;
}

export function laxflowEma({ x, init }: Inputs, { np, lax }: Laxflow): Prepared {
  let xa = np.array(x);
  let c0 = np.array(Float32Array.of(init)).reshape([]);
  return {
    reset: () => {
      // laxflow keeps realized values: fresh input nodes per run
      xa = np.array(x);
      c0 = np.array(Float32Array.of(init)).reshape([]);
    },
    run: () => {
      const [, ys] = lax.scan(
        (c, xi) => {
          const next = c.mul(2).add(xi).div(3);
          return [next, next];
        },
        c0,
        xa,
      );
      return ys.data();
    },
  };
}

/**
 * tfjs has no scan/loop primitive, so the recurrence is written as the linear scan it is:
 * y_t = a*y_{t-1} + b*x_t with a = 2/3, b = 1/3 and y_{-1} = init. A Hillis-Steele (log-depth)
 * prefix scan does it in log2(n) = 16 steps of `y += a^d * shift(y, d)`, each over the whole array
 * (exact up to float32 rounding: the a^d terms that underflow are below float32 resolution anyway).
 */
function tfEma({ x, init }: Inputs, tf: Tf): Prepared {
  const n = x.length;
  const a = 2 / 3;
  const xt = tf.tensor1d(x, 'float32');
  // The carry enters as an extra a*init on the first element.
  const first = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i === 0 ? a * init : 0)), 'float32');
  return {
    run: async () => {
      const y = tf.tidy(() => {
        let y = tf.add(tf.div(xt, 3), first);
        for (let d = 1; d < n; d *= 2) {
          const shifted = tf.pad(tf.slice(y, 0, n - d), [[d, 0]]);
          y = tf.add(y, tf.mul(shifted, Math.pow(a, d)));
        }
        return y;
      });
      const out = await y.data();
      y.dispose();
      return out as Float32Array;
    },
    dispose: () => {
      xt.dispose();
      first.dispose();
    },
  };
}

export default defineCase<Inputs>({
  id: 'ema',
  title: 'EMA scan (2c+x)/3, 2^16',
  description: 'EMA `c = (2*c + x) / 3` over 2^16 float32 steps in [0, 1) from c = 0.25, output all 2^16 carries (`lax.scan` in laxflow)',
  makeInputs: () => ({ x: uniform(N, 0, 1, 4), init: INIT }),
  tolerance: { rtol: 1e-5, atol: 1e-6 },
  target: { column: 'laxflow-cpu', maxRatio: 3 },
  impls: {
    js: impl(({ x, init }) => ({
      run: () => {
        const ys = new Float32Array(x.length);
        let c = init;
        for (let i = 0; i < x.length; i++) {
          c = (2 * c + x[i]!) / 3;
          ys[i] = c;
        }
        return ys;
      },
    })),
    'laxflow-cpu': impl(laxflowEma, '`lax.scan`'),
    'jax-js': na('no lax.scan (nor any loop primitive) in jax-js'),
    'tfjs-cpu': impl(tfEma, 'no scan in tfjs: log-depth (Hillis-Steele) linear scan, 16 x (slice, pad, mul, add)'),
    'tfjs-wasm': impl(tfEma, 'no scan in tfjs: log-depth (Hillis-Steele) linear scan, 16 x (slice, pad, mul, add)'),
  },
});
