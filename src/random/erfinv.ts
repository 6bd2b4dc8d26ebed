// The inverse error function in float32, written once as graph operations: XLA's ErfInv32 (Mike
// Giles, "Approximating the erfinv function", GPU Gems), as `lax.erf_inv` lowers it through
// CHLO. `normal` samples are sqrt(2) * erfinv(u), so this defines their last bits.
//
//   w = -log1p(-x * x)
//   w < 5:  p = poly_lo(w - 2.5)      else  p = poly_hi(sqrt(w) - 3)      (degree 8, Horner)
//   erfinv(x) = |x| == 1 ? x * inf : p * x
//
// XLA on CPU may contract `c + p * w` into a fused multiply-add and uses its own log1p, so a
// value can differ from JAX's in the last bit or so; every laxflow backend agrees with the oracle.

import type { LaxArray } from '../operators/array.js';
import * as lax from '../operators/lax.js';
import * as np from '../operators/np.js';

const W_LT_5 = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941];
const W_GE_5 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682];

const f32 = (v: number): LaxArray => np.array(Math.fround(v), { dtype: 'float32' });

export function erfinv(x: LaxArray): LaxArray {
  if (x.dtype !== 'float32') throw new TypeError(`erf_inv only accepts floating point dtypes, got ${x.dtype}`);
  let w = np.negative(np.log1p(np.multiply(x, np.negative(x))));
  const lt = np.less(w, f32(5));
  const full = (v: number) => np.broadcastTo(f32(v), x.shape);
  w = lax.select(lt, np.subtract(w, f32(2.5)), np.subtract(np.sqrt(w), f32(3)));
  const coefficient = (i: number) => lax.select(lt, full(W_LT_5[i]), full(W_GE_5[i]));
  let p = coefficient(0);
  for (let i = 1; i < W_LT_5.length; i++) p = np.add(coefficient(i), np.multiply(p, w));
  const edge = np.equal(np.abs(x), f32(1));
  return lax.select(edge, np.multiply(x, f32(Infinity)), np.multiply(p, x));
}
