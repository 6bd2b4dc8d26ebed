// Nodes are hash-consed (graph/node.ts): one primitive over the same inputs with equal params
// is one node, and params that differ in any value are different nodes.

import { describe, expect, it } from 'vitest';
import { consTableSize, paramsKey } from '../../src/graph/node.js';
import { jit, lax, np, vmap, type LaxArray } from '../../src/index.js';
import { collectGarbage } from '../cpu/helpers.js';

describe('hash-consing', () => {
  const x = np.arange(24).astype('float32');

  it('is one node for equal params made anew (reshape, transpose, slice, reductions, casts)', () => {
    expect(x.reshape([4, 6]).node).toBe(x.reshape([4, 6]).node);
    expect(x.reshape([4, 6]).node).not.toBe(x.reshape([6, 4]).node);
    const m = x.reshape([2, 3, 4]);
    expect(m.transpose([2, 0, 1]).node).toBe(m.transpose([2, 0, 1]).node);
    expect(m.transpose([2, 0, 1]).node).not.toBe(m.transpose([1, 2, 0]).node);
    expect(np.sum(m, { axis: [0, 2] }).node).toBe(np.sum(m, { axis: [0, 2] }).node);
    expect(np.sum(m, { axis: [0, 2] }).node).not.toBe(np.sum(m, { axis: [0, 1] }).node);
    expect(lax.slice(x, [2], [10], [2]).node).toBe(lax.slice(x, [2], [10], [2]).node);
    expect(lax.slice(x, [2], [10], [2]).node).not.toBe(lax.slice(x, [2], [10], [3]).node);
    expect(x.astype('int32').node).toBe(x.astype('int32').node);
    expect(x.astype('int32').node).not.toBe(x.astype('uint32').node);
    expect(np.cumsum(m, { axis: 1 }).node).not.toBe(np.cumsum(m, { axis: 2 }).node);
  });

  it('keys plain params by every value, -0 apart from 0, and never like a JSON key', () => {
    expect(paramsKey({ shape: [2, 3] })).not.toBe(paramsKey({ shape: [23] }));
    expect(paramsKey({ shape: [2, 3] })).not.toBe(paramsKey({ shape: [3, 2] }));
    expect(paramsKey({ axis: 0 })).not.toBe(paramsKey({ axis: -0 }));
    expect(paramsKey({ dtype: 'int32' })).not.toBe(paramsKey({ dtype: 'int32', weak: false }));
    expect(paramsKey({ dtype: 'int32', weak: undefined })).toBe(paramsKey({ dtype: 'int32' })); // as JSON omits it
    expect(paramsKey({ a: 'x;b=1' })).not.toBe(paramsKey({ a: 'x', b: 1 }));
    // Params with other values (objects, nodes) take the JSON key.
    expect(paramsKey({ nested: { a: 1 } })).toBe('{"nested":{"a":1}}');
    expect(paramsKey({ axes: null })).toBe('{"axes":null}');
  });

  it('stops at unique nodes outside a trace (np.array data, JS scalars, jit replays), and covers every node of a trace', () => {
    const data = Float32Array.from({ length: 8 }, (_, i) => i);
    const f = jit((p: LaxArray) => p.mul(2));
    f(x); // traced now: its nodes are in the table
    const before = consTableSize();
    const a = np.array(data);
    // Over a unique node: two calls make two nodes, and neither enters the table.
    expect(a.reshape([2, 4]).node).not.toBe(a.reshape([2, 4]).node);
    expect(a.add(1).node.unique).toBe(true);
    expect(x.add(1).node.unique).toBe(true); // the scalar's constant is unique
    expect(f(x).node.unique).toBe(true);
    expect(consTableSize()).toBe(before);
    // In a trace every node is hash-consed, also over a captured unique array: common
    // subexpressions stay one node, so the fused kernel computes them once.
    let twice: [LaxArray, LaxArray] | null = null;
    const g = jit((p: LaxArray) => {
      twice = [p.mul(a), p.mul(a)];
      return twice[0].add(twice[1]);
    });
    g(np.array(data));
    expect(twice![0].node).toBe(twice![1].node);
  });

  it('releases the users a unique node and a jit replay counted once they are collected (through the tokens they hold)', async () => {
    const base = np.arange(8).astype('float32');
    const f = jit((p: LaxArray) => p.mul(2).add(1));
    const users = base.node.users;
    // In a function of its own, so that nothing on this frame keeps the arrays.
    (() => {
      const made = [base.reshape([2, 4]).add(np.array(new Float32Array(8)).reshape([2, 4])), f(base), f(base)];
      expect(base.node.users).toBe(users + 3);
      expect(made).toHaveLength(3);
    })();
    await collectGarbage(() => base.node.users === users);
    expect(base.node.users).toBe(users);
  });

  it('traces an eager vmap in a table of its own: common subexpressions stay one node, and nothing enters the global table', async () => {
    const rows = np.array(Float32Array.from({ length: 6 }, (_, i) => i)).reshape([3, 2]);
    const before = consTableSize();
    let twice: [LaxArray, LaxArray] | null = null;
    const out = vmap((p: LaxArray) => {
      twice = [p.mul(p), p.mul(p)];
      return twice[0].add(twice[1]);
    })(rows);
    expect(twice![0].node).toBe(twice![1].node);
    expect(consTableSize()).toBe(before);
    expect(Array.from(await out.data())).toEqual([0, 2, 8, 18, 32, 50]);
  });
});

