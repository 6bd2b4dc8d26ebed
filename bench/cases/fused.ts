// 1. Fused elementwise chain: sqrt((x*x + 1) * 0.5) over 2^22 float32.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, type Prepared } from '../harness.js';

const N = 1 << 22;

interface Inputs {
  x: Float32Array;
}

export function laxflowFused({ x }: Inputs, { np }: Laxflow): Prepared {
  let xa = np.array(x);
  return {
    reset: () => void (xa = np.array(x)), // laxflow keeps realized values: fresh input node per run
    run: () => np.sqrt(xa.mul(xa).add(1).mul(0.5)).data(),
  };
}

function jaxFused({ x }: Inputs, { numpy: np, jit }: Jax): Prepared {
  const xa = np.array(x);
  const f = jit((a: JaxArray) => np.sqrt(a.ref.mul(a).add(1).mul(0.5)));
  return {
    run: () => f(xa.ref).data(),
    dispose: () => {
      xa.dispose();
      f.dispose();
    },
  };
}

function tfFused({ x }: Inputs, tf: Tf): Prepared {
  const xt = tf.tensor1d(x, 'float32');
  return {
    run: async () => {
      const y = tf.tidy(() => tf.sqrt(tf.mul(tf.add(tf.mul(xt, xt), 1), 0.5)));
      const out = await y.data();
      y.dispose();
      return out as Float32Array;
    },
    dispose: () => xt.dispose(),
  };
}

export default defineCase<Inputs>({
  id: 'fused',
  title: 'fused sqrt((x*x+1)*0.5), 2^22',
  description: 'elementwise `sqrt((x*x + 1) * 0.5)` over 2^22 float32 in [-2, 2); output a new array',
  makeInputs: () => ({ x: uniform(N, -2, 2, 1) }),
  tolerance: { rtol: 1e-6, atol: 1e-6 },
  target: { column: 'laxflow-cpu', maxRatio: 0.5 },
  impls: {
    js: impl(({ x }) => ({
      run: () => {
        const out = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          out[i] = Math.sqrt((v * v + 1) * 0.5);
        }
        return out;
      },
    })),
    'laxflow-cpu': impl(laxflowFused),
    'jax-js': impl(jaxFused),
    'tfjs-cpu': impl(tfFused),
    'tfjs-wasm': impl(tfFused),
  },
});
