// Rule 12 of scheduler/boundaries.ts: in a scan body, a dot contracting at most SMALL_DOT_K
// elements per output is an elementwise expression (the oracle's sum, in its order), fused
// with its operands and consumers. Its values are the oracle's, bit for bit, and a Kalman
// filter written with np.matmul in a vmapped scan body runs as one fused scan.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { SMALL_DOT_K } from '../../src/scheduler/boundaries.js';
import type { Kernel } from '../../src/scheduler/kernel.js';
import { fusedSteps } from '../../src/scheduler/scan_plan.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { both, close, sameBits } from '../cpu/helpers.js';

const kernelsOf = (...arrays: LaxArray[]): readonly Kernel[] => schedule(arrays.map((a) => a.node)).kernels;

describe('small dots are fused elementwise expressions (rule 12)', () => {
  const size = (k: Kernel) => ('shape' in k ? (k.shape as number[]).reduce((p, d) => p * d, 1) : 0);
  /** The kernels of the body of a scan whose step computes `f(x)` (x a [4, 3] step input), but the copy of its scalar carry. */
  const bodyKernels = (f: (x: LaxArray) => LaxArray): readonly Kernel[] => {
    const [, ys] = lax.scan((c: LaxArray, x: LaxArray) => [c, f(x)] as [LaxArray, LaxArray], np.zeros([]), np.zeros([2, 4, 3]));
    const scan = kernelsOf(ys as LaxArray).find((k) => k.kind === 'scan');
    return scan?.kind === 'scan' ? scan.body.kernels.filter((k) => size(k) > 1) : [];
  };

  it(`in a scan body a matmul contracting ${SMALL_DOT_K} or fewer elements is one kernel with its operands; a longer one, or one outside a scan, is a dot kernel`, () => {
    const a = np.arange(12).reshape([3, 4]).astype('float32');
    expect(bodyKernels((x) => np.matmul(x.add(1), x.T).mul(2)).map((k) => k.kind)).toEqual(['elementwise']);
    const b = np.arange(3 * (SMALL_DOT_K + 1)).reshape([SMALL_DOT_K + 1, 3]).astype('float32');
    expect(bodyKernels((x) => np.matmul(np.matmul(x, b.T), b)).map((k) => k.kind)).toContain('dot');
    expect(kernelsOf(np.matmul(a.add(1), a.T)).map((k) => k.kind)).toContain('dot');
  });

  it('an expensive fused operand is computed once, not once per output reading it', () => {
    const ks = bodyKernels((x) => np.matmul(np.exp(np.sin(x)), np.ones([3, 50]))); // cost 8 >= EXPENSIVE
    expect(ks.map(size)).toEqual([12, 200]);
  });

  it('dot_general of random shapes, batch dims and values (zeros of both signs, NaN, int32) equals the oracle bit for bit', () => {
    const dim = fc.integer({ min: 1, max: 3 });
    const arb = fc.record({
      batch: fc.array(dim, { maxLength: 2 }),
      m: fc.array(dim, { maxLength: 1 }),
      n: fc.array(dim, { maxLength: 1 }),
      k: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }).filter((k) => k.reduce((p, d) => p * d, 1) <= SMALL_DOT_K),
      int: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(
      fc.property(arb, ({ batch, m, n, k, int, seed }) => {
        // lhs [batch, m, k], rhs [batch, k, n] (as dot_general dimension numbers)
        let s = seed;
        const pick = [0, -0, 1.5, -2.25, 3, Number.NaN, 0.1, -7];
        const fill = (size: number) => Array.from({ length: size }, () => pick[(s = (s * 1103515245 + 12345) % 2 ** 31) % (int ? 5 : pick.length)]);
        const lShape = [...batch, ...m, ...k];
        const rShape = [...batch, ...k, ...n];
        const dtype = int ? 'int32' : 'float32';
        const size = (sh: number[]) => sh.reduce((p, d) => p * d, 1);
        const a = np.array(fill(size(lShape)), { dtype }).reshape(lShape);
        const b = np.array(fill(size(rShape)), { dtype }).reshape(rShape);
        const nb = batch.length;
        const bd = batch.map((_, i) => i);
        const lc = k.map((_, i) => nb + m.length + i);
        const rc = k.map((_, i) => nb + i);
        // in a scan body of two steps, fused into a consumer (-0 stays -0)
        const dotOf = (x: LaxArray) => lax.dotGeneral(x, b, [[lc, rc], [bd, bd]]).mul(1);
        const [, y] = lax.scan((c: LaxArray, x: LaxArray) => [c, dotOf(x)] as [LaxArray, LaxArray], np.zeros([]), np.stack([a, a.mul(-1)]));
        const scan = kernelsOf(y as LaxArray).find((kk) => kk.kind === 'scan');
        expect(scan?.kind === 'scan' && scan.body.kernels.every((kk) => kk.kind === 'elementwise')).toBe(true);
        const [[cpu], [oracle]] = both(y as LaxArray);
        expect(sameBits(cpu, oracle)).toBeNull();
      }),
      { numRuns: 60 },
    );
  });

  describe('a Kalman filter written with np.matmul in a vmapped scan body', () => {
    const S = 16;
    const T = 40;
    const zs = np.array(Float32Array.from({ length: T * S }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) * 0.01)).reshape([T, S]);
    const dt = 0.1;
    const q = 1e-4;
    const R = 0.01;
    const F = np.array([[1, dt], [0, 1]]);
    const Q = np.array([[q, 0], [0, q]]);
    const H = np.array([[1, 0]]);
    // constant-velocity model: state [position, velocity], position measured
    const matmulStep = ([x, P]: LaxArray[], z: LaxArray): [LaxArray[], LaxArray] => {
      const xp = np.matmul(F, x);
      const Pp = np.matmul(np.matmul(F, P), F.T).add(Q);
      const s = np.matmul(np.matmul(H, Pp), H.T).reshape([]).add(R);
      const K = np.matmul(Pp, H.T).reshape([2]).div(s);
      const xn = xp.add(K.mul(z.sub(np.matmul(H, xp).reshape([]))));
      const Pn = np.matmul(np.eye(2).sub(np.outer(K, H.reshape([2]))), Pp);
      return [[xn, Pn], xn.slice(0)];
    };
    // the same filter with the 2x2 algebra written out per element
    const scalarStep = ([x0, x1, p00, p01, p11]: LaxArray[], z: LaxArray): [LaxArray[], LaxArray] => {
      const a0 = x0.add(x1.mul(dt));
      const q00 = p00.add(p01.mul(2 * dt)).add(p11.mul(dt * dt)).add(q);
      const q01 = p01.add(p11.mul(dt));
      const q11 = p11.add(q);
      const s = q00.add(R);
      const k0 = q00.div(s);
      const k1 = q01.div(s);
      const y = z.sub(a0);
      const n0 = a0.add(k0.mul(y));
      return [[n0, x1.add(k1.mul(y)), q00.sub(k0.mul(q00)), q01.sub(k0.mul(q01)), q11.sub(k1.mul(q01))], n0];
    };
    const viaMatmul = lax.scan((c: any, z: LaxArray) => vmap(matmulStep)(c, z) as any, [np.zeros([S, 2]), np.broadcastTo(np.eye(2), [S, 2, 2])], zs)[1] as LaxArray;
    const viaScalars = lax.scan(scalarStep as any, [np.zeros([S]), np.zeros([S]), np.ones([S]), np.zeros([S]), np.ones([S])], zs)[1] as LaxArray;

    it('is one scan whose body is elementwise kernels only (the CPU fused scan takes it)', () => {
      const ks = kernelsOf(viaMatmul);
      const scan = ks.find((k) => k.kind === 'scan');
      expect(scan).toBeDefined();
      if (scan?.kind !== 'scan') return;
      expect(scan.body.kernels.map((k) => k.kind).filter((k) => k !== 'elementwise')).toEqual([]);
      expect(fusedSteps(scan)).not.toBeNull();
    });

    it('matches the oracle bit for bit, and the scalar filter within float32 rounding', () => {
      const [[cpu, cpuScalar], [oracle]] = both(viaMatmul, viaScalars);
      expect(sameBits(cpu, oracle)).toBeNull();
      // (the two forms sum the same products in different orders)
      expect(close(cpu, cpuScalar, 1e-5)).toBeNull();
    });
  });
});
