// Memory in plain loops on the CPU backend (issue 17): a loop of eager programs over big
// arrays stays bounded without anyone calling the garbage collector. np.arange and
// np.linspace made their data a hash-consed constant: its table entry (a WeakRef) and
// finalizer kept every node over it, and its 1 MiB of data, through young-generation
// collections until a full collection that a loop like this never triggers (800 reads of
// np.arange(2**18) held 811 MB). From 64 KiB their constants are unique nodes now.
// The bound: a loop that kept its arrays would hold 1-3 MiB more per iteration, so the peak
// of host array buffers plus live wasm-heap blocks over the last 300 of 900 iterations would
// pass the peak over the 600 before by 300 MiB or more; the bound is 128 MiB (garbage waiting
// for a collection reached 64 MiB once with two other test processes on the cores). A bounded loop's peaks level off once
// dead arrays come back (the CPU backend yields to finalizers past 256 MiB of live heap; how
// much garbage waits until then varies with load, so the earlier peak is the baseline).
// A loop that does keep its arrays fails this check (the last test).

import { describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { sharedHeapOrNull } from '../../src/cpu/wasm/memory.js';

const MiB = 2 ** 20;
const held = () => process.memoryUsage().arrayBuffers + (sharedHeapOrNull()?.liveBytes ?? 0);

/** Growth of the last third's peak over the peak before it, and of the whole run's over the start, in MiB. */
async function growth(step: (i: number) => Promise<unknown>, iterations = 900): Promise<{ late: number; total: number }> {
  for (let i = 0; i < 10; i++) await step(i); // warm up: compile, fill the pool
  const start = held();
  const peaks = [start, start];
  for (let i = 0; i < iterations; i++) {
    await step(i);
    const last = i >= (2 * iterations) / 3 ? 1 : 0;
    peaks[last] = Math.max(peaks[last], held());
  }
  return { late: (peaks[1] - peaks[0]) / MiB, total: (Math.max(...peaks) - start) / MiB };
}

const bounded = (g: { late: number; total: number }) => {
  expect(g.late).toBeLessThan(128);
  expect(g.total).toBeLessThan(512);
};

describe('plain loops on the CPU backend stay bounded', () => {
  it('await np.arange(2**18).data()', async () => {
    bounded(await growth(() => np.arange(2 ** 18).data()));
  });
  it('await np.arange(2**18).add(i).cumsum().data()', async () => {
    bounded(await growth((i) => np.arange(2 ** 18).add(i).cumsum().data()));
  });
  it('await np.linspace(0, i, 2**18).mul(2).sum().item()', async () => {
    bounded(await growth((i) => np.linspace(0, i, 2 ** 18).mul(2).sum().item()));
  });
  it("a loop chaining a scan's carry, each read while its ys (1 MiB, computed with it) is held", async () => {
    // reading the carry keeps the held ys's value too (realize.ts siblings); the scan must not
    // keep it after that, or each iteration's ys would stay with the chain of carries
    const xs = np.array(new Float32Array(64 * 4096).fill(0.5)).reshape([64, 4096]);
    let c: LaxArray = np.zeros([4096]);
    bounded(
      await growth(async () => {
        const [next, ys] = lax.scan((s: LaxArray, x: LaxArray) => [s.mul(0.9).add(x), s.sub(x)], c, xs);
        await next.data();
        c = next;
        return ys.shape;
      }),
    );
  });
  it('the check fails for a loop that keeps its arrays', async () => {
    const kept: unknown[] = [];
    const g = await growth(async (i) => kept.push(await np.arange(2 ** 18).add(i).data()), 540);
    expect(g.late).toBeGreaterThan(128);
  });
});
