// Memory in plain loops on the CPU backend (issue 17): a loop of eager programs over big
// arrays stays bounded without anyone calling the garbage collector. np.arange and
// np.linspace made their data a hash-consed constant: its table entry (a WeakRef) and
// finalizer kept every node over it, and its 1 MiB of data, through young-generation
// collections until a full collection that a loop like this never triggers (800 reads of
// np.arange(2**18) held 811 MB). From 64 KiB their constants are unique nodes now.
// The bound: host array buffers plus live wasm-heap blocks grow by less than 128 MiB over 300
// iterations that each make 1-3 MiB (over 300 MiB before; ~70 MiB now, more under load).

import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import { sharedHeapOrNull } from '../../src/cpu/wasm/memory.js';

const MiB = 2 ** 20;
const held = () => process.memoryUsage().arrayBuffers + (sharedHeapOrNull()?.liveBytes ?? 0);

async function growth(step: (i: number) => Promise<unknown>, iterations = 300): Promise<number> {
  for (let i = 0; i < 10; i++) await step(i); // warm up: compile, fill the pool
  const start = held();
  let peak = start;
  for (let i = 0; i < iterations; i++) {
    await step(i);
    peak = Math.max(peak, held());
  }
  return (peak - start) / MiB;
}

describe('plain loops on the CPU backend stay bounded', () => {
  it('await np.arange(2**18).data()', async () => {
    expect(await growth(() => np.arange(2 ** 18).data())).toBeLessThan(128);
  });
  it('await np.arange(2**18).add(i).cumsum().data()', async () => {
    expect(await growth((i) => np.arange(2 ** 18).add(i).cumsum().data())).toBeLessThan(128);
  });
  it('await np.linspace(0, i, 2**18).mul(2).sum().item()', async () => {
    expect(await growth((i) => np.linspace(0, i, 2 ** 18).mul(2).sum().item())).toBeLessThan(128);
  });
});
