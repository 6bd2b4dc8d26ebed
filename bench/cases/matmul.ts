// 9-10. Matrix products: [128, 784] x [784, 512] (an MLP layer on a batch of 128) and
// [1024, 1024] x [1024, 1024]; the js column is the naive triple loop (i-j-k, float64 sum).

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, type AnyCase, type Prepared } from '../harness.js';

interface Inputs {
  a: Float32Array;
  b: Float32Array;
}

function matmulCase(id: string, M: number, K: number, N: number, seed: number): AnyCase {
  function laxflowMatmul({ a, b }: Inputs, { np }: Laxflow): Prepared {
    let [x, y] = [np.array(a).reshape([M, K]), np.array(b).reshape([K, N])];
    return {
      reset: () => void ([x, y] = [np.array(a).reshape([M, K]), np.array(b).reshape([K, N])]),
      run: () => np.matmul(x, y).data(),
    };
  }
  function jaxMatmul({ a, b }: Inputs, { numpy: np, jit }: Jax): Prepared {
    const x = np.array(a, { shape: [M, K] });
    const y = np.array(b, { shape: [K, N] });
    const f = jit((p: JaxArray, q: JaxArray) => np.matmul(p, q));
    return {
      run: () => f(x.ref, y.ref).data(),
      dispose: () => {
        x.dispose();
        y.dispose();
        f.dispose();
      },
    };
  }
  function tfMatmul({ a, b }: Inputs, tf: Tf): Prepared {
    const x = tf.tensor2d(a, [M, K], 'float32');
    const y = tf.tensor2d(b, [K, N], 'float32');
    return {
      run: async () => {
        const r = tf.matMul(x, y);
        const out = await r.data();
        r.dispose();
        return out as Float32Array;
      },
      dispose: () => {
        x.dispose();
        y.dispose();
      },
    };
  }
  return defineCase<Inputs>({
    id,
    title: `matmul [${M},${K}]x[${K},${N}]`,
    description: `\`matmul(a, b)\` of float32 [${M}, ${K}] and [${K}, ${N}] in [-1, 1); js: the naive triple loop`,
    makeInputs: () => ({ a: uniform(M * K, -1, 1, seed), b: uniform(K * N, -1, 1, seed + 1) }),
    // float32 sums of K products vs the float64 loop: ~sqrt(K) * 2^-24 * sum|a b| per element
    tolerance: { rtol: 1e-4, atol: 1e-4 },
    target: { column: 'laxflow-cpu', maxRatio: 0.2 },
    impls: {
      js: impl(({ a, b }) => ({
        run: () => {
          const out = new Float32Array(M * N);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              let s = 0;
              for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!;
              out[i * N + j] = s;
            }
          }
          return out;
        },
      })),
      'laxflow-cpu': impl(laxflowMatmul),
      'jax-js': impl(jaxMatmul, '`jit(matmul)`'),
      'tfjs-cpu': impl(tfMatmul),
      'tfjs-wasm': impl(tfMatmul),
    },
  });
}

export const matmulMlp = matmulCase('matmul', 128, 784, 512, 11);
export const matmul1024 = matmulCase('matmul1024', 1024, 1024, 1024, 13);
