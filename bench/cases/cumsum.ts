// 3. Prefix sum: cumsum over 2^20 float32.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, type Prepared } from '../harness.js';

const N = 1 << 20;

interface Inputs {
  x: Float32Array;
}

export function laxflowCumsum({ x }: Inputs, { np }: Laxflow): Prepared {
  let xa = np.array(x);
  return {
    reset: () => void (xa = np.array(x)), // laxflow keeps realized values: fresh input node per run
    run: () => np.cumsum(xa).data(),
  };
}

function jaxCumsum({ x }: Inputs, { numpy: np, jit }: Jax): Prepared {
  const xa = np.array(x);
  const f = jit((a: JaxArray) => np.cumsum(a));
  return {
    run: () => f(xa.ref).data(),
    dispose: () => {
      xa.dispose();
      f.dispose();
    },
  };
}

function tfCumsum({ x }: Inputs, tf: Tf): Prepared {
  const xt = tf.tensor1d(x, 'float32');
  return {
    run: async () => {
      const y = tf.cumsum(xt);
      const out = await y.data();
      y.dispose();
      return out as Float32Array;
    },
    dispose: () => xt.dispose(),
  };
}

export default defineCase<Inputs>({
  id: 'cumsum',
  title: 'cumsum, 2^20',
  description: '`cumsum(x)` over 2^20 float32 in [-1, 1) (js accumulates in a float64 number, stores float32)',
  makeInputs: () => ({ x: uniform(N, -1, 1, 3) }),
  // Zero-mean data keeps the partial sums O(sqrt(n)); a float32 running sum drifts by a few ulps of
  // the largest partial sum, so the absolute tolerance scales with max |ref|.
  tolerance: (ref) => {
    let m = 0;
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]!));
    return { rtol: 1e-4, atol: 1e-4 * m };
  },
  target: { column: 'laxflow-cpu', maxRatio: 1.5 },
  impls: {
    js: impl(({ x }) => ({
      run: () => {
        const out = new Float32Array(x.length);
        let s = 0;
        for (let i = 0; i < x.length; i++) {
          s += x[i]!;
          out[i] = s;
        }
        return out;
      },
    })),
    'laxflow-cpu': impl(laxflowCumsum),
    'jax-js': impl(jaxCumsum),
    'tfjs-cpu': impl(tfCumsum),
    'tfjs-wasm': impl(tfCumsum),
  },
});
