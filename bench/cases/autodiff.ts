// Autodiff (issue 20): valueAndGrad of a least-squares loss over 2^20 points, its forward pass
// alone (the reverse pass's target is <= 3x the forward's time), and the gradient of a loss
// through a 2^14-step EMA scan with respect to every input and the decay.

import type { Jax, JaxArray } from '../peers/jaxjs.js';
import type { Laxflow } from '../peers/laxflow.js';
import type { Tf } from '../peers/tfjs.js';
import { uniform } from '../data.js';
import { defineCase, impl, na, type Prepared } from '../harness.js';

type Lf = typeof import('../../src/index.js');
type LfArray = import('../../src/index.js').Array;
// The columns load laxflow from the working tree; this is the same module instance.
const laxflow = (): Promise<Lf> => import('../../src/index.js');

const N = 1 << 20;
const D = 4;

interface Lsq {
  x: Float32Array; // [N, D] row-major
  y: Float32Array; // [N]
  w: Float32Array; // [D]
  b: number;
}

const makeLsq = (): Lsq => ({ x: uniform(N * D, -1, 1, 11), y: uniform(N, -1, 1, 12), w: Float32Array.of(0.5, -0.25, 1, 0.125), b: 0.1 });

/** loss = mean((X w + b - y)^2); grads 2/N X^T r and 2/N sum r, in float64 (the reference). */
function jsLsq({ x, y, w, b }: Lsq, withGrad: boolean): Float64Array {
  let loss = 0;
  const gw = new Float64Array(D);
  let gb = 0;
  for (let i = 0; i < N; i++) {
    let r = b - y[i]!;
    for (let d = 0; d < D; d++) r += x[i * D + d]! * w[d]!;
    loss += r * r;
    if (withGrad) {
      for (let d = 0; d < D; d++) gw[d] += r * x[i * D + d]!;
      gb += r;
    }
  }
  return withGrad ? Float64Array.of(loss / N, ...gw.map((g) => (2 * g) / N), (2 * gb) / N) : Float64Array.of(loss / N);
}

function laxflowLsq(withGrad: boolean) {
  return async ({ x, y, w, b }: Lsq, { np }: Laxflow): Promise<Prepared> => {
    const lf = await laxflow();
    const loss = (wa: LfArray, ba: LfArray, xa: LfArray, ya: LfArray) => lf.np.mean(lf.np.square(lf.np.matmul(xa, wa).add(ba).sub(ya)));
    const vg = lf.valueAndGrad(loss, { argnums: [0, 1] });
    const fresh = () => [lf.np.array(w), lf.np.array(b, { dtype: 'float32' }), lf.np.array(x).reshape([N, D]), lf.np.array(y)] as const;
    let args = fresh();
    void np;
    return {
      reset: () => void (args = fresh()),
      run: () => {
        if (!withGrad) return loss(...args).data();
        const [v, [gw, gb]] = vg(...args);
        return lf.np.concatenate([v.reshape([1]), gw, gb.reshape([1])]).data();
      },
    };
  };
}

function jaxLsq(withGrad: boolean) {
  return ({ x, y, w, b }: Lsq, { numpy: np, jit, valueAndGrad }: Jax): Prepared => {
    const loss = (wa: JaxArray, ba: JaxArray, xa: JaxArray, ya: JaxArray) => np.mean(np.square(np.subtract(np.add(np.matmul(xa, wa), ba), ya)));
    const f = withGrad
      ? jit((wa: JaxArray, ba: JaxArray, xa: JaxArray, ya: JaxArray) => {
          const [v, [gw, gb]] = valueAndGrad(loss, { argnums: [0, 1] })(wa, ba, xa, ya) as unknown as [JaxArray, [JaxArray, JaxArray]];
          return np.concatenate([v.reshape([1]), gw, gb.reshape([1])]);
        })
      : jit(loss);
    const wa = np.array(w);
    const ba = np.array(Float32Array.of(b)).reshape([]);
    const xa = np.array(x).reshape([N, D]);
    const ya = np.array(y);
    return {
      run: () => f(wa.ref, ba.ref, xa.ref, ya.ref).data(),
      dispose: () => {
        [wa, ba, xa, ya].forEach((a) => a.dispose());
        f.dispose();
      },
    };
  };
}

type Tensor = import('@tensorflow/tfjs-core').Tensor;

/**
 * tfjs-core's Node bundle ships no gradient configs (the @tensorflow/tfjs union package
 * registers them from tfjs-core/src/gradients/*): the loss's six kernels get theirs here, as
 * those files write them (broadcast inputs summed back to their shape).
 */
function registerTfGradients(tf: Tf): void {
  if (tf.getGradient('Mean')) return;
  const reduceTo = (dy: Tensor, shape: number[]): Tensor => {
    let g = dy;
    while (g.rank > shape.length) g = tf.sum(g, 0);
    const axes = shape.map((d, i) => (d === 1 && g.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
    return tf.reshape(axes.length ? tf.sum(g, axes, true) : g, shape);
  };
  const reg = (kernelName: string, inputsToSave: string[], gradFunc: (dy: Tensor, saved: Tensor[]) => Record<string, () => Tensor>) =>
    tf.registerGradient({ kernelName, inputsToSave, gradFunc: gradFunc as never });
  reg('Square', ['x'], (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x!, 2)) }));
  reg('Add', ['a', 'b'], (dy, [a, b]) => ({ a: () => reduceTo(dy, a!.shape), b: () => reduceTo(dy, b!.shape) }));
  reg('Sub', ['a', 'b'], (dy, [a, b]) => ({ a: () => reduceTo(dy, a!.shape), b: () => tf.neg(reduceTo(dy, b!.shape)) }));
  reg('Mean', ['x'], (dy, [x]) => ({ x: () => tf.div(tf.mul(tf.onesLike(x!), dy), x!.size) }));
  reg('Reshape', ['x'], (dy, [x]) => ({ x: () => tf.reshape(dy, x!.shape) }));
  reg('BatchMatMul', ['a', 'b'], (dy, [a, b]) => ({ a: () => tf.matMul(dy, b!, false, true), b: () => tf.matMul(a!, dy, true, false) }));
}

function tfLsq(withGrad: boolean) {
  return ({ x, y, w, b }: Lsq, tf: Tf): Prepared => {
    registerTfGradients(tf);
    const xt = tf.tensor2d(x, [N, D]);
    const yt = tf.tensor1d(y);
    const wt = tf.tensor2d(w, [D, 1]);
    const bt = tf.scalar(b);
    const loss = (wv: Tensor, bv: Tensor) => tf.mean(tf.square(tf.sub(tf.add(tf.reshape(tf.matMul(xt, wv as never), [N]), bv), yt)));
    const vg = tf.valueAndGrads(loss as never);
    return {
      run: async () => {
        const out = tf.tidy(() => {
          if (!withGrad) return tf.reshape(loss(wt, bt), [1]);
          const { value, grads } = vg([wt, bt]);
          return tf.concat([tf.reshape(value, [1]), tf.reshape(grads[0]!, [D]), tf.reshape(grads[1]!, [1])]);
        });
        const data = await out.data();
        out.dispose();
        return data as Float32Array;
      },
      dispose: () => [xt, yt, wt, bt].forEach((t) => t.dispose()),
    };
  };
}

// Float32 sums over 2^20 terms against float64: jax-js and tfjs-wasm are 5e-4 off in the mean.
const lsqTolerance = { rtol: 2e-3, atol: 1e-5 };

export const lsqForward = defineCase<Lsq>({
  id: 'lsq_loss',
  title: 'least-squares loss, 2^20 x 4',
  description: 'mean((X w + b - y)^2) over X of 2^20 x 4 float32, the forward pass alone (for the ratio to lsq_grad)',
  makeInputs: makeLsq,
  tolerance: lsqTolerance,
  impls: {
    js: impl((i) => ({ run: () => jsLsq(i, false) })),
    'laxflow-cpu': impl(laxflowLsq(false)),
    'jax-js': impl(jaxLsq(false), 'jit'),
    'tfjs-cpu': impl(tfLsq(false)),
    'tfjs-wasm': impl(tfLsq(false)),
  },
});

export const lsqGrad = defineCase<Lsq>({
  id: 'lsq_grad',
  title: 'valueAndGrad least squares, 2^20 x 4',
  description: 'valueAndGrad of mean((X w + b - y)^2) with respect to w and b over X of 2^20 x 4 float32: value and 5 gradient entries',
  makeInputs: makeLsq,
  tolerance: lsqTolerance,
  impls: {
    js: impl((i) => ({ run: () => jsLsq(i, true) }), 'the gradient written by hand, one loop'),
    'laxflow-cpu': impl(laxflowLsq(true), '`valueAndGrad`'),
    'jax-js': impl(jaxLsq(true), '`jit(valueAndGrad)`'),
    'tfjs-cpu': impl(tfLsq(true), '`tf.valueAndGrads`'),
    'tfjs-wasm': impl(tfLsq(true), '`tf.valueAndGrads`'),
  },
});

const T = 1 << 14;

interface Ema {
  x: Float32Array;
  a: number;
}

/** loss = sum_t c_t^2 with c_t = a c_{t-1} + (1 - a) x_t, c_{-1} = 0: dL/dx (T values) and dL/da by the adjoint recurrence. */
function jsEmaGrad({ x, a }: Ema): Float64Array {
  const c = new Float64Array(T);
  let p = 0;
  for (let t = 0; t < T; t++) c[t] = p = a * p + (1 - a) * x[t]!;
  const out = new Float64Array(T + 1);
  let lam = 0;
  let da = 0;
  for (let t = T - 1; t >= 0; t--) {
    lam = 2 * c[t]! + a * lam;
    out[t] = lam * (1 - a);
    da += lam * ((t > 0 ? c[t - 1]! : 0) - x[t]!);
  }
  out[T] = da;
  return out;
}

async function laxflowEmaGrad({ x, a }: Ema): Promise<Prepared> {
  const lf = await laxflow();
  const loss = (xs: LfArray, al: LfArray) => {
    const [, ys] = lf.lax.scan((c: LfArray, xi: LfArray) => {
      const n = c.mul(al).add(xi.mul(lf.np.subtract(1, al)));
      return [n, n];
    }, lf.np.array(0, { dtype: 'float32' }), xs);
    return lf.np.sum(lf.np.square(ys));
  };
  const g = lf.grad(loss, { argnums: [0, 1] });
  const fresh = () => [lf.np.array(x), lf.np.array(a, { dtype: 'float32' })] as const;
  let args = fresh();
  return {
    reset: () => void (args = fresh()),
    run: () => {
      const [gx, ga] = g(...args);
      return lf.np.concatenate([gx, ga.reshape([1])]).data();
    },
  };
}

export const emaGrad = defineCase<Ema>({
  id: 'ema_grad',
  title: 'grad through EMA scan, 2^14 steps',
  description: 'gradient of sum_t c_t^2, c_t = a c_{t-1} + (1 - a) x_t over 2^14 float32 steps, with respect to all x and a (`grad` of `lax.scan`)',
  makeInputs: () => ({ x: uniform(T, 0, 1, 13), a: 0.9 }),
  // The adjoint sums 2^14 terms of a geometric series: float32 against float64.
  tolerance: { rtol: 1e-3, atol: 1e-3 },
  impls: {
    js: impl((i) => ({ run: () => jsEmaGrad(i) }), 'the adjoint recurrence written by hand'),
    'laxflow-cpu': impl(laxflowEmaGrad, '`grad` of `lax.scan`'),
    'jax-js': na('no lax.scan (nor any loop primitive) in jax-js to differentiate'),
    'tfjs-cpu': na('no loop primitive in tfjs: tf.grad of 2^14 unrolled steps'),
    'tfjs-wasm': na('no loop primitive in tfjs: tf.grad of 2^14 unrolled steps'),
  },
});
