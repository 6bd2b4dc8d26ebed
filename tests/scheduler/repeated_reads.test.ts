// Rule 11 of scheduler/boundaries.ts (an expensive producer is never recomputed per repeated
// read) and the dot batching rule that keeps an unbatched operand unbroadcast: schedules
// with a lazy random.normal feeding a matmul, and an elementwise chain feeding a broadcast
// reduction, compute each expensive element once; the values agree with the oracle.

import { describe, expect, it } from 'vitest';
import { np, random, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { schedule } from '../../src/scheduler/schedule.js';
import type { Kernel } from '../../src/scheduler/kernel.js';
import { both, close, sameBits } from '../cpu/helpers.js';

const kernelsOf = (...arrays: LaxArray[]): readonly Kernel[] => schedule(arrays.map((a) => a.node)).kernels;
/** Elements a kernel computes. */
const size = (k: Kernel): number => ('shape' in k ? (k.shape as readonly number[]).reduce((a: number, b: number) => a * b, 1) : 0);

describe('repeated reads of an expensive producer (rule 11)', () => {
  it('a lazy random.normal W broadcast over a batched matmul is computed once', () => {
    const W = random.normal(random.key(0), [16, 24]);
    const X = random.normal(random.key(1), [8, 24, 5]);
    const y = np.matmul(W, X); // W broadcast to [8, 16, 24]
    const ks = kernelsOf(y);
    // W's normals are a kernel of their own, 16 * 24 elements; the [8, 16, 24] operand copies them
    expect(ks.filter((k) => k.kind === 'elementwise').map(size)).toContain(16 * 24);
    const [[cpu], [oracle]] = both(y);
    expect(sameBits(cpu, oracle)).toBeNull();
  });

  it('vmap(x => W @ x) with a lazy normal W: one dot over the batch, W never broadcast', () => {
    const W = random.normal(random.key(0), [32, 20]);
    const X = random.normal(random.key(1), [6, 20]);
    const y = vmap((x: LaxArray) => np.matmul(W, x))(X);
    expect(y.shape).toEqual([6, 32]);
    const ks = kernelsOf(y);
    expect(ks.filter((k) => k.kind === 'dot')).toHaveLength(1);
    expect(ks.every((k) => k.kind === 'dot' || size(k) <= 32 * 20)).toBe(true);
    const [[cpu], [oracle]] = both(y, np.matmul(X, W.T));
    expect(sameBits(cpu, oracle)).toBeNull();
    const [[viaT]] = both(np.matmul(X, W.T));
    expect(sameBits(cpu, viaT)).toBeNull();
  });

  it('vmap of matmul with either operand batched, or both, agrees with the stacked products', () => {
    const A = np.arange(24).reshape([2, 3, 4]).astype('float32');
    const B = np.arange(20).reshape([4, 5]).astype('float32');
    const left = vmap((a: LaxArray) => np.matmul(a, B))(A);
    const right = vmap((b: LaxArray) => np.matmul(B.T, b), { inAxes: 0 })(A.transpose([0, 2, 1]).reshape([2, 4, 3]).transpose([0, 1, 2]));
    const bothB = vmap((a: LaxArray) => np.matmul(a, a.T))(A);
    const [got, want] = both(left, right, bothB, np.matmul(A, B), np.matmul(B.T, A.transpose([0, 2, 1])), np.matmul(A, A.transpose([0, 2, 1])));
    for (let i = 0; i < 3; i++) {
      expect(sameBits(got[i], got[i + 3])).toBeNull();
      expect(sameBits(got[i], want[i])).toBeNull();
    }
  });

  it('an elementwise chain feeding a broadcast reduction: exp(x) once per element of x', () => {
    const x = np.linspace(-1, 1, 64);
    const yv = np.linspace(0, 1, 48);
    const e = np.exp(np.sin(x)); // cost 8 >= EXPENSIVE
    const s = np.sum(np.multiply(np.expandDims(e, 1), np.expandDims(yv, 0)), { axis: 0 });
    const ks = kernelsOf(s);
    expect(ks.map((k) => k.kind)).toEqual(['elementwise', 'reduce']);
    expect(size(ks[0])).toBe(64);
    const cheap = np.sum(np.multiply(np.expandDims(np.add(x, 1), 1), np.expandDims(yv, 0)), { axis: 0 });
    expect(kernelsOf(cheap).map((k) => k.kind)).toEqual(['reduce']); // an add is cheaper than a load: stays fused
    const [[cpu], [oracle]] = both(s);
    expect(close(cpu, oracle)).toBeNull();
  });
});
