// 16-17. A batched Kalman filter: 1000 sensors x 10^4 steps of a constant-velocity model
// (state [position, velocity], position measured), written twice in laxflow: with np.matmul
// on the 2x2 matrices in a vmapped `lax.scan` body (as a JAX user writes it), and with the
// 2x2 algebra spelled out per element over [sensors] arrays. Both output every step's
// position estimate [steps, sensors]; js: the scalar filter per sensor (float64).
// Target (issue 21): the matmul form within 1.5x of the scalar form.

import type { Laxflow, LfArray } from '../peers/laxflow.js';
import { uniform } from '../data.js';
import { defineCase, impl, na, type AnyCase, type Prepared } from '../harness.js';

const S = 1000;
const T = 10_000;
const DT = 0.1;
const Q = 1e-4;
const R = 0.01;

interface Inputs {
  /** Measurements [T, S]. */
  z: Float32Array;
}

const makeInputs = (): Inputs => {
  const noise = uniform(T * S, -0.05, 0.05, 51);
  return { z: Float32Array.from(noise, (e, i) => Math.sin(Math.floor(i / S) * 0.01 + (i % S)) + e) };
};

function jsKalman({ z }: Inputs): Prepared {
  return {
    run: () => {
      const out = new Float32Array(T * S);
      for (let s = 0; s < S; s++) {
        let [x0, x1, p00, p01, p11] = [0, 0, 1, 0, 1];
        for (let t = 0; t < T; t++) {
          const a0 = x0 + DT * x1;
          const q00 = p00 + 2 * DT * p01 + DT * DT * p11 + Q;
          const q01 = p01 + DT * p11;
          const q11 = p11 + Q;
          const k0 = q00 / (q00 + R);
          const k1 = q01 / (q00 + R);
          const y = z[t * S + s]! - a0;
          x0 = a0 + k0 * y;
          x1 = x1 + k1 * y;
          [p00, p01, p11] = [q00 - k0 * q00, q01 - k0 * q01, q11 - k1 * q01];
          out[t * S + s] = x0;
        }
      }
      return out;
    },
  };
}

type Np = Laxflow['np'] & { eye(n: number): LfArray; outer(a: LfArray, b: LfArray): LfArray; broadcastTo(a: LfArray, shape: number[]): LfArray };
type Slice = LfArray & { T: LfArray; slice(...i: (number | null)[]): LfArray };

function laxflowMatmul({ z }: Inputs, { np: np0, lax, vmap }: Laxflow): Prepared {
  const np = np0 as Np;
  const F = np.array(Float32Array.of(1, DT, 0, 1)).reshape([2, 2]) as Slice;
  const Qm = np.array(Float32Array.of(Q, 0, 0, Q)).reshape([2, 2]);
  const H = np.array(Float32Array.of(1, 0)).reshape([1, 2]) as Slice;
  const step = (x: LfArray, P: LfArray, zt: LfArray): [LfArray, LfArray, LfArray] => {
    const xp = np.matmul(F, x);
    const Pp = np.matmul(np.matmul(F, P), F.T).add(Qm);
    const s = (np.matmul(np.matmul(H, Pp), H.T) as Slice).reshape([]).add(R);
    const K = (np.matmul(Pp, H.T) as Slice).reshape([2]).div(s);
    const xn = xp.add(K.mul(zt.sub((np.matmul(H, xp) as Slice).reshape([]))));
    const Pn = np.matmul(np.eye(2).sub(np.outer(K, H.reshape([2]))), Pp);
    return [xn, Pn, (xn as Slice).slice(0)];
  };
  const batched = vmap(step as never) as unknown as (x: LfArray, P: LfArray, zt: LfArray) => [LfArray, LfArray, LfArray];
  let zs = np.array(z).reshape([T, S]);
  const scan = lax.scan as unknown as (f: (c: LfArray[], x: LfArray) => [LfArray[], LfArray], init: LfArray[], xs: LfArray) => [LfArray[], LfArray];
  return {
    reset: () => void (zs = np.array(z).reshape([T, S])),
    run: () => {
      const init = [np.zeros([S, 2]), np.broadcastTo(np.eye(2), [S, 2, 2])];
      const [, ys] = scan(([x, P], zt) => {
        const [xn, Pn, pos] = batched(x!, P!, zt);
        return [[xn, Pn], pos];
      }, init, zs);
      return ys.data();
    },
  };
}

function laxflowScalar({ z }: Inputs, { np, lax }: Laxflow): Prepared {
  let zs = np.array(z).reshape([T, S]);
  const scan = lax.scan as unknown as (f: (c: LfArray[], x: LfArray) => [LfArray[], LfArray], init: LfArray[], xs: LfArray) => [LfArray[], LfArray];
  return {
    reset: () => void (zs = np.array(z).reshape([T, S])),
    run: () => {
      const ones = np.zeros([S]).add(1);
      const init = [np.zeros([S]), np.zeros([S]), ones, np.zeros([S]), ones];
      const [, ys] = scan(([x0, x1, p00, p01, p11], zt) => {
        const a0 = x0!.add(x1!.mul(DT));
        const q00 = p00!.add(p01!.mul(2 * DT)).add(p11!.mul(DT * DT)).add(Q);
        const q01 = p01!.add(p11!.mul(DT));
        const q11 = p11!.add(Q);
        const s = q00.add(R);
        const k0 = q00.div(s);
        const k1 = q01.div(s);
        const y = zt.sub(a0);
        const n0 = a0.add(k0.mul(y));
        return [[n0, x1!.add(k1.mul(y)), q00.sub(k0.mul(q00)), q01.sub(k0.mul(q01)), q11.sub(k1.mul(q01))], n0];
      }, init, zs);
      return ys.data();
    },
  };
}

const kalmanCase = (id: string, form: string, run: typeof laxflowScalar): AnyCase =>
  defineCase<Inputs>({
    id,
    title: `Kalman ${S} sensors x ${T} steps (${form})`,
    description: `a constant-velocity Kalman filter per sensor, \`lax.scan\` over ${T} steps of [${S}] measurements, laxflow written ${form}; js: the scalar filter per sensor (float64)`,
    makeInputs,
    // float32 against float64 over 10^4 steps of a stable filter
    tolerance: { rtol: 1e-3, atol: 1e-3 },
    target: { column: 'laxflow-cpu', maxRatio: 1 },
    impls: {
      js: impl(jsKalman),
      'laxflow-cpu': impl(run, '`lax.scan`'),
      'jax-js': na('no lax.scan (nor any loop primitive) in jax-js'),
      'tfjs-cpu': na('no scan in tfjs'),
      'tfjs-wasm': na('no scan in tfjs'),
    },
  });

export const kalmanScalar = kalmanCase('kalman-scalar', 'with scalars', laxflowScalar);
export const kalmanMatmul = kalmanCase('kalman-matmul', 'with np.matmul in a vmapped body', laxflowMatmul);
