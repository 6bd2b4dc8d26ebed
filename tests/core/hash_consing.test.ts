// Nodes are hash-consed (graph/node.ts): one primitive over the same inputs with equal params
// is one node, and params that differ in any value are different nodes.

import { describe, expect, it } from 'vitest';
import { paramsKey } from '../../src/graph/node.js';
import { lax, np } from '../../src/index.js';

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
});
