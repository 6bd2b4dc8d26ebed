// jit's donateArgnums (JAX's buffer donation): an `.at` update of a donated array runs in
// place even while Arrays still wrap it, also when the same program reads it first in an
// earlier kernel (a keyed stream's table: rows gathered, stepped, scattered back), but
// never when the patch's own kernel reads it, or when a node outside the program does.

import { describe, expect, it } from 'vitest';
import { jit, lax, np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { schedule } from '../../src/scheduler/schedule.js';

const table = () => np.arange(12).astype('float32').reshape([4, 3]).mul(1);

/** The rows `idx` gathered, doubled by a scan (its own kernel), scattered back. */
const stepRows = (t: LaxArray, idx: LaxArray) => {
  const rows = np.take(t, idx, { axis: 0, mode: 'clip' });
  const [, ys] = lax.scan((c, r) => [c, r.mul(2)], np.zeros([3]), rows);
  return t.at(idx).set(ys);
};

async function realizedTable(): Promise<LaxArray> {
  const t = table();
  await t.data();
  return t;
}

describe('donated arguments', () => {
  it('a gather in an earlier kernel does not stop the scatter from updating the donated table in place', async () => {
    const t = await realizedTable();
    const storage = t.node.buf;
    const f = jit(stepRows, { donateArgnums: 0 });
    const out = f(t, np.array([2, 0]));
    const s = schedule([out.node]);
    expect(s.inputs.find((i) => i.node === t.node)?.take).toBe(true);
    expect(Array.from(await out.data())).toEqual([0, 2, 4, 3, 4, 5, 12, 14, 16, 9, 10, 11]);
    expect(out.node.buf ?? (await np.add(out, 0).data(), out.node.buf)).toBe(storage);
    // a computed array keeps its recipe: read again, it is computed afresh
    expect(Array.from(await t.data())).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('a donated constant updated in place cannot be read again (JAX: the array has been deleted)', async () => {
    const c = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]], { dtype: 'float32' });
    const out = jit(stepRows, { donateArgnums: 0 })(c, np.array([3]));
    expect(Array.from(await out.data())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 18, 20, 22]);
    await expect(c.add(1).format()).rejects.toThrow(/Array has been deleted: float32\[4,3\] was donated to a jit call/);
  });

  it('without donation the table is copied (the Array still wraps it) and stays readable', async () => {
    const t = await realizedTable();
    const out = jit(stepRows)(t, np.array([2, 0]));
    expect(schedule([out.node]).inputs.find((i) => i.node === t.node)?.take).toBe(false);
    expect(Array.from(await out.data())).toEqual([0, 2, 4, 3, 4, 5, 12, 14, 16, 9, 10, 11]);
    expect(Array.from(await t.data())).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('a read inside the patch kernel itself (fused into its updates) keeps the copy', async () => {
    const t = await realizedTable();
    const f = jit((x: LaxArray) => x.at(np.array([0, 1])).set(x.slice(np.slice(2, 4)).mul(10)), { donateArgnums: 0 });
    const out = f(t);
    expect(schedule([out.node]).inputs.find((i) => i.node === t.node)?.take).toBe(false);
    expect(Array.from(await out.data())).toEqual([60, 70, 80, 90, 100, 110, 6, 7, 8, 9, 10, 11]);
  });

  it('a node outside the program that reads the donated array keeps the copy', async () => {
    const t = await realizedTable();
    const other = t.add(100); // not realized yet: it still needs t
    const out = jit(stepRows, { donateArgnums: 0 })(t, np.array([1]));
    expect(schedule([out.node]).inputs.find((i) => i.node === t.node)?.take).toBe(false);
    expect(Array.from(await out.data())).toEqual([0, 1, 2, 6, 8, 10, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(await other.data())).toEqual(Array.from({ length: 12 }, (_, i) => i + 100));
  });

  it('donateArgnums is checked', () => {
    expect(() => jit((x: LaxArray) => x, { donateArgnums: -1 })).toThrow('jit: donateArgnums must be non-negative integers, got -1');
  });
});
