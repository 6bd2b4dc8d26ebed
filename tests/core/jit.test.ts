// jit: traces once per input signature (pytree structure, shapes, dtypes, weak types),
// keeps a bounded LRU cache of traces (`cacheSize`), and gives the same values as the
// un-jitted function.

import { beforeAll, describe, expect, it } from 'vitest';
import { init, jit, lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

const f = (x: LaxArray, y: LaxArray) => np.sum(np.multiply(np.sin(x), y), { axis: -1 }).add(1);

describe('jit', () => {
  it('traces once per shape/dtype signature and replays on later calls', async () => {
    let calls = 0;
    const g = jit((x: LaxArray, y: LaxArray) => {
      calls++;
      return f(x, y);
    });
    const a = np.arange(6).astype('float32').reshape([2, 3]);
    const b = np.ones([3]);
    const first = await g(a, b).data();
    expect(calls).toBe(1);
    await g(a.add(1), b.mul(2)).data(); // same signature: no retrace
    await g(np.zeros([2, 3]), np.ones([3])).data();
    expect(calls).toBe(1);
    expect(g.traceCount).toBe(1);
    g(np.zeros([4, 3]), np.ones([3])); // new shape
    expect(calls).toBe(2);
    g(np.zeros([2, 3], { dtype: 'int32' }), np.ones([3])); // new dtype
    expect(calls).toBe(3);
    g(np.zeros([2, 3]), np.ones([3])); // first signature again: cached
    expect(calls).toBe(3);
    expect(g.cacheSize).toBe(3);
    expect(Array.from(first)).toEqual(Array.from(await f(a, b).data()));
  });

  it('weak types and pytree structure are part of the signature', () => {
    let calls = 0;
    const g = jit((t: { a: LaxArray | number; b: LaxArray }) => {
      calls++;
      return np.add(t.a, t.b);
    });
    g({ a: 1, b: np.ones([2]) });
    g({ a: 2, b: np.ones([2]) });
    expect(calls).toBe(1);
    g({ a: np.array(1), b: np.ones([2]) }); // strong int32 0-d instead of a weak int
    expect(calls).toBe(2);
    const h = jit((xs: LaxArray[]) => {
      calls++;
      return np.stack(xs);
    });
    h([np.ones([2])]);
    h([np.ones([2]), np.ones([2])]);
    expect(h.traceCount).toBe(2);
  });

  it('the cache is bounded (cacheSize) and least-recently-used traces are dropped', () => {
    let calls = 0;
    const g = jit((x: LaxArray) => {
      calls++;
      return x.mul(2);
    }, { cacheSize: 2 });
    for (let n = 1; n <= 5; n++) g(np.zeros([n]));
    expect(calls).toBe(5);
    expect(g.cacheSize).toBe(2);
    g(np.zeros([5])); // most recent: cached
    g(np.zeros([4]));
    expect(calls).toBe(5);
    g(np.zeros([1])); // evicted long ago: retraced
    expect(calls).toBe(6);
    expect(g.cacheSize).toBe(2);
    g(np.zeros([5])); // evicted by [1] (LRU was [5] after touching [4])
    expect(calls).toBe(7);
  });

  it('results equal the un-jitted function (elementwise, reductions, vmap and scan inside)', async () => {
    const body = (x: LaxArray, y: LaxArray) => {
      const [c, ys] = lax.scan((c: LaxArray, r: LaxArray) => [c.add(r), np.max(r)], np.zeros([x.shape[1]]), x);
      return { c, ys, v: vmap((r: LaxArray) => np.dot(r, y))(x), s: f(x, y) };
    };
    const g = jit(body);
    for (const [m, n] of [[3, 4], [1, 2], [3, 4]]) {
      const x = np.arange(m * n).astype('float32').reshape([m, n]).mul(0.37).sub(1);
      const y = np.linspace(-1, 1, n);
      const want = body(x, y);
      const got = g(x, y);
      for (const k of ['c', 'ys', 'v', 's'] as const) {
        expect(got[k].shape).toEqual(want[k].shape);
        expect(Array.from(await got[k].data())).toEqual(Array.from(await want[k].data()));
      }
    }
    expect(g.traceCount).toBe(2);
  });

  it('closes over outer arrays as constants', async () => {
    const w = np.array([1, 2, 3], { dtype: 'float32' });
    const g = jit((x: LaxArray) => x.mul(w));
    expect(await g(np.ones([3])).tolist()).toEqual([1, 2, 3]);
    expect(await g(np.full([3], 2)).tolist()).toEqual([2, 4, 6]);
  });
});
