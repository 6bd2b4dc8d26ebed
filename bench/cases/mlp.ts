// 14-15. Dense networks: a 784-512-256-10 MLP forward (relu, relu, linear) on a batch of 128,
// and `vmap(x => W @ x)(X)`: one [512, 784] layer applied per row of a [128, 784] batch,
// written per example and batched by vmap (the same products as the [128,784]x[784,512]
// matmul case, which is what vmap should cost). js: naive loops with float64 sums.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow, LfArray } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, na, type Prepared } from '../harness.js';

const B = 128;
const SIZES = [784, 512, 256, 10];

interface MlpInputs {
  x: Float32Array;
  /** Weights [in, out] and biases [out] per layer. */
  w: Float32Array[];
  b: Float32Array[];
}

/** Row-major [rows, inner] x [inner, cols] with float64 sums. */
function jsLayer(x: Float32Array, w: Float32Array, b: Float32Array, rows: number, inner: number, cols: number, relu: boolean): Float32Array {
  const out = new Float32Array(rows * cols);
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) acc[j] = b[j]!;
    for (let k = 0; k < inner; k++) {
      const xv = x[i * inner + k]!;
      for (let j = 0; j < cols; j++) acc[j] += xv * w[k * cols + j]!;
    }
    for (let j = 0; j < cols; j++) out[i * cols + j] = relu && acc[j]! < 0 ? 0 : acc[j]!;
  }
  return out;
}

export const mlp = defineCase<MlpInputs>({
  id: 'mlp',
  title: `MLP ${SIZES.join('-')} forward, batch ${B}`,
  description: `relu(relu(x W1 + b1) W2 + b2) W3 + b3 on float32 x [${B}, 784], weights uniform in [-1/sqrt(in), 1/sqrt(in)); js: loops (i-k-j, float64 sums)`,
  makeInputs: () => ({
    x: uniform(B * SIZES[0], 0, 1, 21),
    w: SIZES.slice(1).map((out, l) => uniform(SIZES[l] * out, -1 / Math.sqrt(SIZES[l]), 1 / Math.sqrt(SIZES[l]), 22 + l)),
    b: SIZES.slice(1).map((out, l) => uniform(out, -0.1, 0.1, 32 + l)),
  }),
  tolerance: { rtol: 1e-4, atol: 1e-4 },
  target: { column: 'laxflow-cpu', maxRatio: 0.2 },
  impls: {
    js: impl(({ x, w, b }) => ({
      run: () => {
        let h = x;
        for (let l = 0; l < 3; l++) h = jsLayer(h, w[l]!, b[l]!, B, SIZES[l]!, SIZES[l + 1]!, l < 2);
        return h;
      },
    })),
    'laxflow-cpu': impl(({ x, w, b }, { np }: Laxflow): Prepared => {
      const make = () => ({ xa: np.array(x).reshape([B, SIZES[0]]), ws: w.map((wl, l) => np.array(wl).reshape([SIZES[l], SIZES[l + 1]])), bs: b.map((bl) => np.array(bl)) });
      let p = make();
      const relu = (a: LfArray) => (np as unknown as { maximum(a: LfArray, b: number): LfArray }).maximum(a, 0);
      return {
        reset: () => void (p = make()),
        run: () => {
          let h = p.xa;
          for (let l = 0; l < 3; l++) {
            h = np.matmul(h, p.ws[l]).add(p.bs[l]);
            if (l < 2) h = relu(h);
          }
          return h.data();
        },
      };
    }),
    'jax-js': impl(({ x, w, b }, jax: Jax): Prepared => {
      const { numpy: np, jit } = jax;
      const xa = np.array(x, { shape: [B, SIZES[0]] });
      const ws = w.map((wl, l) => np.array(wl, { shape: [SIZES[l]!, SIZES[l + 1]!] }));
      const bs = b.map((bl) => np.array(bl));
      const f = jit((h: JaxArray, w1: JaxArray, b1: JaxArray, w2: JaxArray, b2: JaxArray, w3: JaxArray, b3: JaxArray) => {
        const h1 = np.maximum(np.matmul(h, w1).add(b1), 0);
        const h2 = np.maximum(np.matmul(h1, w2).add(b2), 0);
        return np.matmul(h2, w3).add(b3);
      });
      return {
        run: () => f(xa.ref, ws[0]!.ref, bs[0]!.ref, ws[1]!.ref, bs[1]!.ref, ws[2]!.ref, bs[2]!.ref).data(),
        dispose: () => [xa, ...ws, ...bs].forEach((a) => a.dispose()),
      };
    }, '`jit`'),
    'tfjs-cpu': impl(tfMlp),
    'tfjs-wasm': impl(tfMlp),
  },
});

function tfMlp({ x, w, b }: MlpInputs, tf: Tf): Prepared {
  const xa = tf.tensor2d(x, [B, SIZES[0]!]);
  const ws = w.map((wl, l) => tf.tensor2d(wl, [SIZES[l]!, SIZES[l + 1]!]));
  const bs = b.map((bl) => tf.tensor1d(bl));
  return {
    run: async () => {
      const y = tf.tidy(() => {
        let h = xa;
        for (let l = 0; l < 3; l++) {
          h = tf.add(tf.matMul(h, ws[l]!), bs[l]!);
          if (l < 2) h = tf.relu(h);
        }
        return h;
      });
      const out = await y.data();
      y.dispose();
      return out as Float32Array;
    },
    dispose: () => [xa, ...ws, ...bs].forEach((t) => t.dispose()),
  };
}

interface VmapInputs {
  W: Float32Array;
  X: Float32Array;
}

const [N, K] = [512, 784];

export const vmapMatmul = defineCase<VmapInputs>({
  id: 'vmap-matmul',
  title: `vmap(x => W @ x), W [${N},${K}], ${B} rows`,
  description: `\`vmap(x => matmul(W, x))(X)\` with W [${N}, ${K}] and X [${B}, ${K}] uniform in [-1, 1): the products of the [${B},${K}]x[${K},${N}] matmul case, written per example; js: loops (float64 sums)`,
  makeInputs: () => ({ W: uniform(N * K, -1, 1, 41), X: uniform(B * K, -1, 1, 42) }),
  tolerance: { rtol: 1e-4, atol: 1e-4 },
  target: { column: 'laxflow-cpu', maxRatio: 0.2 },
  impls: {
    js: impl(({ W, X }) => ({
      run: () => {
        const out = new Float32Array(B * N);
        for (let i = 0; i < B; i++) {
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += W[j * K + k]! * X[i * K + k]!;
            out[i * N + j] = s;
          }
        }
        return out;
      },
    })),
    'laxflow-cpu': impl(({ W, X }, { np, vmap }: Laxflow): Prepared => {
      const make = () => ({ w: np.array(W).reshape([N, K]), x: np.array(X).reshape([B, K]) });
      let p = make();
      return {
        reset: () => void (p = make()),
        run: () => vmap((row: LfArray) => np.matmul(p.w, row))(p.x).data(),
      };
    }, '`vmap`'),
    'jax-js': impl(({ W, X }, jax: Jax): Prepared => {
      const { numpy: np, jit, vmap } = jax as Jax & { vmap: (f: (a: JaxArray) => JaxArray) => (a: JaxArray) => JaxArray };
      const w = np.array(W, { shape: [N, K] });
      const x = np.array(X, { shape: [B, K] });
      const f = jit((wa: JaxArray, xa: JaxArray) => vmap((row: JaxArray) => np.matmul(wa.ref, row))(xa));
      return { run: () => f(w.ref, x.ref).data(), dispose: () => [w, x].forEach((a) => a.dispose()) };
    }, '`jit(vmap)`'),
    'tfjs-cpu': na('no vmap in tfjs'),
    'tfjs-wasm': na('no vmap in tfjs'),
  },
});
