// @vitest-environment node
// `.at` updates run in place when the base can never be read again: after garbage
// collection drops the last handle on the base, its storage is taken instead of copied.

import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';
import { consTableSize, type Node } from '../../src/graph/node.js';
import type { LaxArray } from '../../src/operators/array.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { collectGarbage } from './helpers.js';

/** A realized base whose only trace, once this returns, is the chain built on it. */
async function chainOnDeadBase(k: number): Promise<{ z: LaxArray; storage: Float32Array; b: Node }> {
  const base = np.arange(1000).astype('float32');
  const storage = (await base.data(), base.node.buf as Float32Array);
  let z = base.at(0).add(1);
  for (let i = 1; i < k; i++) z = z.at(i).add(1);
  return { z, storage, b: base.node };
}

describe('in-place .at', () => {
  it('a chain on a dead realized base takes its buffer: no copy', async () => {
    const { z, storage, b } = await chainOnDeadBase(20);
    // the finalizer of the base's handle may come a few turns after the collection
    await collectGarbage(() => b.handles === 0);
    let first = z.node;
    while (first.prim === 'scatter') first = first.inputs[0];
    expect(first).toBe(b);
    expect(b.handles).toBe(0);
    expect(b.users).toBe(1);
    const s = schedule([z.node]);
    expect(s.kernels).toHaveLength(1);
    expect(s.kernels[0].kind === 'patch' && s.kernels[0].base).toBeNull();
    const out = (await z.data()) as Float32Array;
    expect(z.node.buf).toBe(storage); // the result lives in the base's old storage
    expect(b.buf).toBeUndefined();
    expect(Array.from(out.slice(0, 22))).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 20, 21]);
  });

  it('np.array copies are nodes of their own (no hash-consing entry); the dead one is updated in place, the live twin stays intact', async () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => i);
    const before = consTableSize();
    const twins = [np.array(data), np.array(data)];
    expect(twins[0].node).not.toBe(twins[1].node);
    expect(consTableSize()).toBe(before); // no table entry, weak reference or finalizer per copy
    const live = twins[0];
    const chain = (() => {
      const dead = twins.pop()!;
      const storage = (dead.node as unknown as { params: { data: Float32Array } }).params.data;
      return { z: dead.at(0).set(-5), storage, b: dead.node };
    })();
    await collectGarbage(() => chain.b.handles === 0);
    expect(chain.b.handles).toBe(0);
    const out = await chain.z.data();
    expect(out[0]).toBe(-5);
    expect(chain.z.node.buf).toBe(chain.storage); // the dead copy's data, updated in place
    expect(Array.from((await live.data()).slice(0, 3))).toEqual([0, 1, 2]);
  });

  it('a reshaped constant is a constant over the same data: the dead reshape is copied, never updated in place, and the original stays intact', async () => {
    const data = Float32Array.from({ length: 1000 }, (_, i) => i);
    const live = np.array(data);
    const chain = (() => {
      const dead = live.reshape([10, 100]);
      expect(dead.node.prim).toBe('const'); // no reshape node: a leaf over live's data
      expect((dead.node as Node<'const'>).params.data).toBe((live.node as Node<'const'>).params.data);
      return { z: dead.at(0, 0).set(-5), b: dead.node };
    })();
    await collectGarbage(() => chain.b.handles === 0);
    expect(chain.b.handles).toBe(0);
    expect(chain.b.users).toBe(1); // dead but for the patch: only the shared storage keeps it from being taken
    expect(schedule([chain.z.node]).inputs.some((i) => i.take)).toBe(false);
    const out = await chain.z.data();
    expect(Array.from(out.slice(0, 3))).toEqual([-5, 1, 2]);
    expect(Array.from((await live.data()).slice(0, 3))).toEqual([0, 1, 2]);
  });

  it('a chain on a live base copies it once and leaves it intact', async () => {
    const base = np.arange(1000).astype('float32');
    const before = await base.data();
    let z = base;
    for (let i = 0; i < 20; i++) z = z.at(i).add(1);
    await collectGarbage();
    const s = schedule([z.node]);
    expect(s.kernels.length).toBe(1);
    expect(s.kernels[0].kind === 'patch' && s.kernels[0].base).not.toBeNull();
    await z.data();
    expect(base.node.buf).toBeDefined();
    expect(await base.data()).toEqual(before);
  });
});
