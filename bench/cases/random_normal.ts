// 8. Random normal: jax.random.normal(key, (2^22,)) float32, sqrt(2) * erfinv(u) for u uniform on
// (-1, 1) from threefry-2x32 bits (JAX's method; the erfinv is XLA's float32 polynomial, M. Giles).
//
// The js column is a plain scalar loop doing the same float32 steps (Math.fround after each).
// laxflow is checked element for element; jax-js (Box-Muller) and tfjs (their own generators) are
// checked only statistically: mean and variance within 6 standard errors of the js sample's.

import { defineCase, impl } from '../harness.js';
import { N, jaxSampler, laxflowSampler, momentsCheck, tfSampler, threefryBits } from './random_uniform.js';

const f = Math.fround;
const W_LT_5 = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941].map(f);
const W_GE_5 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682].map(f);
/** np.nextafter(np.float32(-1), 0): uniform's minval, so erfinv never sees -1. */
const LO = f(-1 + 2 ** -24);
const SPAN = f(1 - LO); // rounds to 2
const SQRT2 = f(Math.SQRT2);

const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = W_LT_5 as [number, number, number, number, number, number, number, number, number];
const [b0, b1, b2, b3, b4, b5, b6, b7, b8] = W_GE_5 as [number, number, number, number, number, number, number, number, number];

/** float32 erfinv for |x| < 1: w = -log1p(-x^2); Horner in (w - 2.5) or (sqrt(w) - 3); p * x. */
function erfinv(x: number): number {
  const w = -f(Math.log1p(f(x * -x)));
  let p: number;
  if (w < 5) {
    const t = f(w - 2.5);
    p = f(a1 + f(a0 * t));
    p = f(a2 + f(p * t)); p = f(a3 + f(p * t)); p = f(a4 + f(p * t)); p = f(a5 + f(p * t));
    p = f(a6 + f(p * t)); p = f(a7 + f(p * t)); p = f(a8 + f(p * t));
  } else {
    const t = f(f(Math.sqrt(w)) - 3);
    p = f(b1 + f(b0 * t));
    p = f(b2 + f(p * t)); p = f(b3 + f(p * t)); p = f(b4 + f(p * t)); p = f(b5 + f(p * t));
    p = f(b6 + f(p * t)); p = f(b7 + f(p * t)); p = f(b8 + f(p * t));
  }
  return f(p * x);
}

function normalLoop(): Float32Array {
  const words = threefryBits(0, 0, N, new Uint32Array(N));
  const out = new Float32Array(words.buffer);
  for (let i = 0; i < N; i++) {
    words[i] = (words[i]! >>> 9) | 0x3f800000;
    const u = Math.max(LO, f(f((out[i]! - 1) * SPAN) + LO));
    out[i] = SQRT2 * erfinv(u);
  }
  return out;
}

const statNote = (how: string) => `${how}: checked statistically (mean, variance), not element for element`;

export default defineCase<null>({
  id: 'random-normal',
  title: 'random normal 2^22',
  description: '`random.normal(key, [2^22])` float32: threefry-2x32 bits, uniform on (-1, 1), sqrt(2) * erfinv (js: the same float32 steps in a scalar loop)',
  makeInputs: () => null,
  // Same operations in float32; a backend that keeps an intermediate in float64 may differ by an ulp or so.
  tolerance: { rtol: 1e-5, atol: 1e-6 },
  impls: {
    js: impl(() => ({ run: normalLoop })),
    'laxflow-cpu': impl(laxflowSampler(({ random }, key) => random.normal(key, [N]))),
    'jax-js': impl(jaxSampler((jax, key) => jax.random.normal(key, [N])), statNote('jax-js uses Box-Muller'), momentsCheck(-Infinity, Infinity)),
    'tfjs-cpu': impl(tfSampler((tf) => tf.randomNormal([N], 0, 1, 'float32', 42)), statNote("tfjs's own generator"), momentsCheck(-Infinity, Infinity)),
    'tfjs-wasm': impl(tfSampler((tf) => tf.randomNormal([N], 0, 1, 'float32', 42)), statNote("tfjs's own generator"), momentsCheck(-Infinity, Infinity)),
  },
});
