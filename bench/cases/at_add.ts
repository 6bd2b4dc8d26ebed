// 6. Functional scatter-add: x.at[idx].add(1) with 2^10 random indices into 2^20 float32.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { randomIndices, uniform } from '../data.js';
import { defineCase, impl, type Prepared } from '../harness.js';

const N = 1 << 20;
const K = 1 << 10;

interface Inputs {
  x: Float32Array;
  /** K random indices in [0, N), duplicates possible (they accumulate, as in JAX) */
  idx: Int32Array;
}

export function laxflowAtAdd({ x, idx }: Inputs, { np }: Laxflow): Prepared {
  let xa = np.array(x);
  let ia = np.array(idx);
  return {
    reset: () => {
      // laxflow keeps realized values: fresh input nodes per run
      xa = np.array(x);
      ia = np.array(idx);
    },
    run: () => xa.at(ia).add(1).data(),
  };
}

/**
 * jax-js has no public `.at[]` / scatter API (0.1.x). Its scatter-add primitive is reachable as the
 * transpose of gather: the VJP of `z => take(z, idx)` applied to a cotangent of ones is exactly
 * `zeros.at[idx].add(1)` (duplicates accumulate). Under `jit` the cotangent must be a real array
 * argument (a broadcast constant fails with "routine primitive scatter input is not imm").
 */
function jaxAtAdd({ x, idx }: Inputs, jax: Jax): Prepared {
  const { numpy: np, jit, vjp } = jax;
  const xa = np.array(x);
  const ia = np.array(idx, { dtype: np.int32 });
  const ones = np.ones([idx.length]);
  const f = jit((a: JaxArray, i: JaxArray, u: JaxArray) => {
    const [gathered, back] = vjp((z: JaxArray) => np.take(z, i), [np.zerosLike(a.ref)]);
    gathered.dispose();
    const [counts] = back(u);
    back.dispose();
    return a.add(counts);
  });
  return {
    run: () => f(xa.ref, ia.ref, ones.ref).data(),
    dispose: () => {
      xa.dispose();
      ia.dispose();
      ones.dispose();
      f.dispose();
    },
  };
}

/** tfjs: `scatterND` into zeros (duplicates are summed), then add; the ones vector is an input. */
function tfAtAdd({ x, idx }: Inputs, tf: Tf): Prepared {
  const xt = tf.tensor1d(x, 'float32');
  const it = tf.tensor2d(idx, [idx.length, 1], 'int32');
  const ones = tf.ones([idx.length], 'float32');
  return {
    run: async () => {
      const r = tf.tidy(() => tf.add(xt, tf.scatterND(it, ones, [x.length])));
      const out = await r.data();
      r.dispose();
      return out as Float32Array;
    },
    dispose: () => {
      xt.dispose();
      it.dispose();
      ones.dispose();
    },
  };
}

export default defineCase<Inputs>({
  id: 'at-add',
  title: '.at[idx].add(1), 2^10 into 2^20',
  description: '`x.at[idx].add(1)`: 2^10 random int32 indices into 2^20 float32 in [0, 1), result is a new array (js: `out = x.slice(); for (i of idx) out[i] += 1`)',
  makeInputs: () => ({ x: uniform(N, 0, 1, 7), idx: randomIndices(K, N, 8) }),
  tolerance: { rtol: 1e-6, atol: 1e-6 },
  target: { column: 'laxflow-cpu', maxRatio: 2 },
  impls: {
    js: impl(({ x, idx }) => ({
      run: () => {
        const out = x.slice();
        for (let k = 0; k < idx.length; k++) out[idx[k]!] += 1;
        return out;
      },
    })),
    'laxflow-cpu': impl(laxflowAtAdd),
    'jax-js': impl(jaxAtAdd, 'no public `.at`/scatter in jax-js: `x + vjp(z => take(z, idx))(ones)` under `jit`'),
    'tfjs-cpu': impl(tfAtAdd, '`x + scatterND(idx, ones, [n])`'),
    'tfjs-wasm': impl(tfAtAdd, '`x + scatterND(idx, ones, [n])`'),
  },
});
