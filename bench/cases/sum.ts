// 2. Full reduction: sum over 2^22 float32.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, type Prepared } from '../harness.js';

const N = 1 << 22;

interface Inputs {
  x: Float32Array;
}

export function laxflowSum({ x }: Inputs, { np }: Laxflow): Prepared {
  let xa = np.array(x);
  return {
    reset: () => void (xa = np.array(x)), // laxflow keeps realized values: fresh input node per run
    run: () => np.sum(xa).data(),
  };
}

function jaxSum({ x }: Inputs, { numpy: np, jit }: Jax): Prepared {
  const xa = np.array(x);
  const f = jit((a: JaxArray) => np.sum(a));
  return {
    run: () => f(xa.ref).data(),
    dispose: () => {
      xa.dispose();
      f.dispose();
    },
  };
}

function tfSum({ x }: Inputs, tf: Tf): Prepared {
  const xt = tf.tensor1d(x, 'float32');
  return {
    run: async () => {
      const y = tf.sum(xt);
      const out = await y.data();
      y.dispose();
      return out as Float32Array;
    },
    dispose: () => xt.dispose(),
  };
}

export default defineCase<Inputs>({
  id: 'sum',
  title: 'sum, 2^22',
  description: 'full `sum(x)` over 2^22 float32 in [0, 1) (js accumulates in a float64 number)',
  makeInputs: () => ({ x: uniform(N, 0, 1, 2) }),
  // Blocked/pairwise float32 accumulators land ~1e-5 relative from the float64 loop (tfjs-wasm,
  // jax-js: 1.3e-5); a dropped 1024-element block would be 2.4e-4 off.
  tolerance: { rtol: 1e-4, atol: 0 },
  target: { column: 'laxflow-cpu', maxRatio: 1 },
  impls: {
    js: impl(({ x }) => ({
      run: () => {
        let s = 0;
        for (let i = 0; i < x.length; i++) s += x[i]!;
        return s;
      },
    })),
    'laxflow-cpu': impl(laxflowSum),
    'jax-js': impl(jaxSum),
    'tfjs-cpu': impl(tfSum),
    'tfjs-wasm': impl(tfSum),
  },
});
