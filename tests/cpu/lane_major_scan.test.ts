// The lane-major form of fused scans (src/cpu/wasm/scan_scalarize.ts): a vmapped step over
// small per-lane matrices runs as one loop over the lanes, with the carries' rows
// transposed in and out. Results equal the oracle bit for bit on random shapes; a step that
// reads across lanes keeps the original form.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { laneMajorStats } from '../../src/cpu/wasm/scan_scalarize.js';
import { lax, np, vmap, type LaxArray } from '../../src/index.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { both, sameBits } from './helpers.js';

describe('lane-major fused scans', () => {
  it('a vmapped step over [S, d, d] and [S, d] carries, with [S] and [S, d] outputs, equals the oracle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1000 }), (S, d, T, seed) => {
        const vals = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * (seed + k) * 0.37));
        const A0 = np.array(vals(S * d * d, 1)).reshape([S, d, d]);
        const v0 = np.array(vals(S * d, 2)).reshape([S, d]);
        const xs = np.array(vals(T * S, 3)).reshape([T, S]);
        const perLane = ([A, v]: LaxArray[], x: LaxArray): [LaxArray[], LaxArray[]] => {
          const v2 = np.matmul(A, v).mul(0.5).add(x);
          const A2 = A.mul(0.9).add(np.outer(v2, v2).mul(0.01)).sub(np.eye(d).mul(x));
          return [[A2, v2], [v2.slice(0), np.where(np.greater(v2, 0), v2, v2.mul(-2))]];
        };
        const before = laneMajorStats.runs;
        const [[A, v], [first, whole]] = lax.scan((c: any, x: LaxArray) => vmap(perLane)(c, x) as any, [A0, v0], xs) as any;
        const [cpu, oracle] = both(A, v, first, whole);
        cpu.forEach((c, i) => expect(sameBits(c, oracle[i])).toBeNull());
        expect(laneMajorStats.runs).toBe(before + 1);
      }),
      { numRuns: 25 },
    );
  });

  it("a closed-over array broadcast against the lanes is a scan const of its own shape, viewed in the body", () => {
    const S = 300;
    const W = np.array(Float32Array.from({ length: 6 }, (_, i) => i + 0.5)).reshape([3, 2]);
    const [, ys] = lax.scan((c: LaxArray, x: LaxArray) => {
      const next = vmap((ci: LaxArray, xi: LaxArray) => ci.mul(0.5).add(W).add(xi))(c, x); // W broadcast to [S, 3, 2] by vmap
      return [next, next.slice(null, 0, 0)];
    }, np.zeros([S, 3, 2]), np.ones([4, S]));
    const scan = schedule([(ys as LaxArray).node]).kernels.find((k) => k.kind === 'scan');
    expect(scan?.kind).toBe('scan');
    if (scan?.kind !== 'scan') return;
    const constShapes = scan.body.inputs.filter((i) => i.param !== null && i.param < scan.numConsts).map((i) => i.node.shape);
    expect(constShapes).toEqual([[3, 2]]);
    const [[cpu], [oracle]] = both(ys as LaxArray);
    expect(sameBits(cpu, oracle)).toBeNull();
  });

  it('a step that reads another lane keeps the original form and equals the oracle', () => {
    const S = 16;
    const c0 = np.array(Float32Array.from({ length: S * 2 }, (_, i) => i * 0.5)).reshape([S, 2]);
    const before = laneMajorStats.runs;
    const [c, ys] = lax.scan((c: LaxArray, x: LaxArray) => {
      const next = c.mul(0.5).add(np.roll(c, 1, { axis: 0 })).add(x.reshape([S, 1]));
      return [next, next];
    }, c0, np.ones([3, S]));
    const [cpu, oracle] = both(c, ys);
    cpu.forEach((a, i) => expect(sameBits(a, oracle[i])).toBeNull());
    expect(laneMajorStats.runs).toBe(before);
  });
});
