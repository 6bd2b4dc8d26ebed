// 5. vmap'd per-pair function: euclidean distance sqrt(sum((x - y)^2)) over 2^20 pairs of 2-d points.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { LfArray, Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, type Prepared } from '../harness.js';

const N = 1 << 20;
const D = 2;

interface Inputs {
  /** [N, 2] row-major */
  x: Float32Array;
  /** [N, 2] row-major */
  y: Float32Array;
}

export function laxflowEuclid({ x, y }: Inputs, { np, vmap }: Laxflow): Prepared {
  let xa = np.array(x).reshape([N, D]);
  let ya = np.array(y).reshape([N, D]);
  const dist = (p: LfArray, q: LfArray) => {
    const d = p.sub(q);
    return np.sqrt(np.sum(d.mul(d)));
  };
  const f = vmap(dist, { inAxes: [0, 0] });
  return {
    reset: () => {
      // laxflow keeps realized values: fresh input nodes per run
      xa = np.array(x).reshape([N, D]);
      ya = np.array(y).reshape([N, D]);
    },
    run: () => f(xa, ya).data(),
  };
}

function jaxEuclid({ x, y }: Inputs, { numpy: np, jit, vmap }: Jax): Prepared {
  const xa = np.array(x, { shape: [N, D] });
  const ya = np.array(y, { shape: [N, D] });
  const dist = (p: JaxArray, q: JaxArray) => {
    const d = p.sub(q);
    return np.sqrt(np.sum(d.ref.mul(d)));
  };
  const f = jit(vmap(dist, [0, 0]));
  return {
    run: () => f(xa.ref, ya.ref).data(),
    dispose: () => {
      xa.dispose();
      ya.dispose();
      f.dispose();
    },
  };
}

function tfEuclid({ x, y }: Inputs, tf: Tf): Prepared {
  const xt = tf.tensor2d(x, [N, D], 'float32');
  const yt = tf.tensor2d(y, [N, D], 'float32');
  return {
    run: async () => {
      const r = tf.tidy(() => {
        const d = tf.sub(xt, yt);
        return tf.sqrt(tf.sum(tf.mul(d, d), 1));
      });
      const out = await r.data();
      r.dispose();
      return out as Float32Array;
    },
    dispose: () => {
      xt.dispose();
      yt.dispose();
    },
  };
}

const tfNote = 'no vmap in tfjs: the same ops batched by hand (reduce over axis 1)';

export default defineCase<Inputs>({
  id: 'euclid',
  title: 'vmap euclid dist, 2^20 x 2-d',
  description: '`vmap(p, q => sqrt(sum((p - q)^2)))` over inputs [2^20, 2] float32 in [-1, 1); output [2^20]',
  makeInputs: () => ({ x: uniform(N * D, -1, 1, 5), y: uniform(N * D, -1, 1, 6) }),
  tolerance: { rtol: 1e-5, atol: 1e-6 },
  target: { column: 'laxflow-cpu', maxRatio: 1 },
  impls: {
    js: impl(({ x, y }) => ({
      run: () => {
        const out = new Float32Array(N);
        for (let i = 0; i < N; i++) {
          const dx = x[2 * i]! - y[2 * i]!;
          const dy = x[2 * i + 1]! - y[2 * i + 1]!;
          out[i] = Math.sqrt(dx * dx + dy * dy);
        }
        return out;
      },
    })),
    'laxflow-cpu': impl(laxflowEuclid, '`vmap`'),
    'jax-js': impl(jaxEuclid, '`jit(vmap(f))`'),
    'tfjs-cpu': impl(tfEuclid, tfNote),
    'tfjs-wasm': impl(tfEuclid, tfNote),
  },
});
