// Deep graphs realize without recursion over the graph (issue 17): chains 10^4 nodes deep of
// elementwise ops, views, `.at` updates and kernels agree with the oracle on the CPU
// backend. Before the scheduler bounded fused depth (boundaries.ts rule 10) and built kernels
// inputs first, ~2,700 chained adds or ~4,600 chained `.at` updates overflowed the stack.

import { describe, expect, it } from 'vitest';
import { jit, lax, np, type LaxArray } from '../../src/index.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { MAX_FUSED_DEPTH, MAX_PATCHES } from '../../src/scheduler/boundaries.js';
import { both, close, sameBits } from './helpers.js';

const DEEP = 10_000;

function chain(x: LaxArray, step: (x: LaxArray, i: number) => LaxArray): LaxArray {
  for (let i = 0; i < DEEP; i++) x = step(x, i);
  return x;
}

function expectSame(x: LaxArray): void {
  const [cpu, oracle] = both(x);
  expect(sameBits(cpu[0], oracle[0])).toBeNull();
}

describe('deep graphs (10^4 nodes) on the CPU backend', { timeout: 180_000 }, () => {
  it('a chain of elementwise ops: kernels of bounded depth, the oracle\'s values', async () => {
    const x = chain(np.arange(1024).astype('float32'), (x, i) => (i % 3 === 0 ? np.maximum(x, 1).mul(0.5) : x.add(1)));
    expectSame(x);
    expect(schedule([x.node]).kernels.length).toBeGreaterThanOrEqual(Math.floor(DEEP / MAX_FUSED_DEPTH));
    const y = chain(np.arange(4).astype('float32'), (x) => x.add(1));
    expect(Array.from(await y.data())).toEqual([10000, 10001, 10002, 10003]);
  });

  it('a chain of .at updates: patch kernels of bounded length', async () => {
    const x = chain(np.zeros([64], { dtype: 'int32' }), (x, i) => x.at(i % 64).add(i));
    expectSame(x);
    expect(schedule([x.node]).kernels.length).toBeGreaterThanOrEqual(Math.floor(DEEP / MAX_PATCHES));
    const want = new Int32Array(64);
    for (let i = 0; i < DEEP; i++) want[i % 64] += i;
    expect(Array.from(await x.data())).toEqual(Array.from(want));
  });

  it('views and reductions interleaved, a kernel per step', () => {
    expectSame(chain(np.arange(12).astype('float32'), (x, i) => x.reshape(i % 2 ? [3, 4] : [4, 3]).add(1)));
    const [cpu, oracle] = both(chain(np.arange(8).astype('float32'), (x) => x.cumsum().mul(0.125)));
    expect(close(cpu[0], oracle[0])).toBeNull();
  });

  it('a scan body closing over a 10^4-deep chain of scalar constants', async () => {
    // closeOver decides which of them stay inline in the body (trace.ts), with a stack
    const c = chain(np.array(1, { dtype: 'float32' }), (x) => x.add(1));
    const [h] = lax.scan((h: LaxArray, x: LaxArray) => [h.add(x).add(c), h], np.zeros([2]), np.ones([3, 2])) as [LaxArray, LaxArray];
    expect(Array.from(await h.data())).toEqual([30006, 30006]);
  });

  it('a deep jit trace', async () => {
    const f = jit((x: LaxArray) => chain(x, (x) => x.mul(2).sub(x)));
    expect(Array.from(await f(np.arange(3)).data())).toEqual([0, 1, 2]);
  });
});
