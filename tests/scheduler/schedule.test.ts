// How many kernels programs need, and what the schedule says about buffers and `.at` chains.

import { describe, expect, it } from 'vitest';
import { lax, np, vmap } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { describeSchedule } from '../../src/scheduler/describe.js';
import { schedule } from '../../src/scheduler/schedule.js';

const sched = (...arrays: LaxArray[]) => schedule(arrays.map((a) => a.node));
const kinds = (...arrays: LaxArray[]) => sched(...arrays).kernels.map((k) => k.kind);

describe('kernel boundaries', () => {
  const x = np.array(new Float32Array(16));
  it('a fused elementwise chain is one kernel', () => {
    expect(kinds(np.sqrt(x.mul(x).add(1).mul(0.5)))).toEqual(['elementwise']);
  });
  it('vmapped euclidean distance over [N, 2] is one reduction with its sqrt epilogue', () => {
    const p = np.array(new Float32Array(8)).reshape([4, 2]);
    const d = vmap((a: LaxArray, b: LaxArray) => np.sqrt(np.sum(a.sub(b).pow(2))), { inAxes: [0, 0] })(p, p.add(1));
    const s = sched(d);
    expect(s.kernels.map((k) => k.kind)).toEqual(['reduce']);
    expect(s.kernels[0].kind === 'reduce' && s.kernels[0].epilogue).toBeTruthy();
  });
  it('the seed moving-average scan is one kernel whose body is one elementwise kernel per output', () => {
    const [, ys] = lax.scan(([prev]: LaxArray[], v: LaxArray) => {
      const avg = np.divide(np.add(np.multiply(prev, 2), v), 3);
      return [[avg, v], avg];
    }, [0.0, 0.0], np.array([10, 12, 14, 16, 18], { dtype: 'float32' }));
    const s = sched(ys);
    expect(s.kernels.map((k) => k.kind)).toEqual(['scan']);
    const body = s.kernels[0].kind === 'scan' ? s.kernels[0].body : null;
    expect(body!.kernels.every((k) => k.kind === 'elementwise')).toBe(true);
  });
  it('views fuse; a reshape of a transpose that strides cannot express materializes its operand', () => {
    const a = np.arange(6).reshape([2, 3]);
    expect(kinds(a.T.add(1), a.flip(1).slice(0))).toEqual(['elementwise', 'elementwise']);
    expect(kinds(a.T.reshape([6]).add(1))).toEqual(['elementwise', 'elementwise']);
  });
  it('a cheap node shared by two kernels is recomputed; an expensive one is materialized once', () => {
    const cheap = x.add(1);
    expect(kinds(cheap.mul(2), np.sum(cheap))).toHaveLength(2);
    const dear = np.exp(np.sin(x));
    expect(kinds(dear.mul(2), np.sum(dear))).toHaveLength(3);
  });
  it('reductions, cumulative ops, dot and concat end kernels', () => {
    const a = np.arange(12).reshape([3, 4]).astype('float32');
    expect(kinds(np.cumsum(np.sum(a, { axis: 0 })))).toEqual(['reduce', 'cumulative']);
    const wide = np.arange(36).reshape([3, 12]).astype('float32'); // 12 products per element: a dot kernel (rule 12 fuses 8 or fewer)
    expect(kinds(np.matmul(wide.add(1), wide.T))).toEqual(['elementwise', 'elementwise', 'dot']);
    expect(kinds(np.concatenate([a, a.mul(2)]).add(1))).toEqual(['concat', 'elementwise']);
  });
});

describe('.at chains', () => {
  it('k edits of a live base are one patch kernel that copies the base once', () => {
    const base = np.arange(100).astype('float32');
    let z = base;
    for (let i = 0; i < 50; i++) z = z.at(i).add(1);
    const s = sched(z);
    expect(s.kernels).toHaveLength(1);
    const k = s.kernels[0];
    expect(k.kind).toBe('patch');
    if (k.kind !== 'patch') return;
    expect(k.patches).toHaveLength(50);
    expect(k.base).not.toBeNull(); // one copy: `base` is still referenced (handles > 0)
    expect(s.inputs.some((i) => i.take)).toBe(false);
  });
  it('a patch over a dead intermediate updates it in place', () => {
    const a = np.arange(12).reshape([3, 4]).astype('float32');
    const r = np.sum(a, { axis: 0 }).at(1).set(0);
    const s = sched(r);
    expect(s.kernels.map((k) => k.kind)).toEqual(['reduce', 'patch']);
    const p = s.kernels[1];
    expect(p.kind === 'patch' && p.base).toBeNull();
    expect(p.outputs[0]).toBe(p.inputs[0]);
    expect(describeSchedule(s)).toContain('in place');
  });
  it('plans buffers: a dead intermediate of the same dtype and size is reused', () => {
    const a = np.arange(16).astype('float32');
    const c1 = np.cumsum(a);
    const c2 = np.cumsum(c1.mul(2));
    const c3 = np.cumsum(c2.mul(3));
    const s = sched(c3);
    expect(s.kernels).toHaveLength(3);
    expect(s.buffers.filter((b) => b.role === 'intermediate')).toHaveLength(2);
    // Four kernels, three intermediates (c1, c2, cumsum(c2 * 3)): c1 is dead once c2 is
    // computed, so the third takes c1's buffer.
    const c4 = np.cumsum(np.cumsum(c2.mul(3)).mul(4));
    expect(sched(c4).buffers.filter((b) => b.role === 'intermediate')).toHaveLength(2);
  });
});
