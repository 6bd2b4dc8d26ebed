// @vitest-environment node
// Schedules are cached by graph structure (src/scheduler/schedule.ts, `fingerprint`): the same
// program on new inputs is scheduled once; what the rules depend on (leaf sharing, liveness
// for in-place updates) is part of the key, the leaves' values are not.

import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/cpu/oracle.js';
import { jit, lax, np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { replayStats } from '../../src/scheduler/replay_schedule.js';
import { schedule } from '../../src/scheduler/schedule.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const program = (a: LaxArray) => np.sqrt(a.mul(a).add(1).mul(0.5));

describe('schedule cache', () => {
  it('schedules a program once and re-binds it to new inputs', async () => {
    const x1 = np.array(Float32Array.of(1, 2, 3));
    const x2 = np.array(Float32Array.of(4, 5, 6));
    const s1 = schedule([program(x1).node]);
    const y2 = program(x2);
    const s2 = schedule([y2.node]);
    expect(s2.kernels).toBe(s1.kernels);
    expect(s2.inputs.map((b) => b.node)).toContain(x2.node);
    expect(s2.inputs.map((b) => b.node)).not.toContain(x1.node);
    const [want] = evaluate([y2.node]);
    expect(Array.from(await y2.data())).toEqual(Array.from(want));
  });

  it('tells apart graphs that share a leaf from graphs that do not', () => {
    const a = np.array(Float32Array.of(1, 2));
    const b = np.array(Float32Array.of(3, 4));
    const same = schedule([a.mul(a).node]);
    const two = schedule([a.mul(b).node]);
    expect(two.kernels).not.toBe(same.kernels);
    expect(same.kernels[0].inputs).toHaveLength(1);
    expect(two.kernels[0].inputs).toHaveLength(2);
  });

  it('keys on liveness: a dead base is updated in place, a live one copied', async () => {
    const live = np.arange(100).astype('float32');
    await live.data();
    const copied = schedule([live.at(3).add(1).node]);
    expect(copied.kernels[0].kind === 'patch' && copied.kernels[0].base).not.toBeNull();
    const make = async () => {
      const base = np.arange(100).astype('float32');
      await base.data();
      return base.at(3).add(1);
    };
    const z = await make();
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 0));
    }
    const inPlace = schedule([z.node]);
    expect(inPlace.kernels[0].kind === 'patch' && inPlace.kernels[0].base).toBeNull();
    expect((await z.data())[3]).toBe(4);
  });

  it('schedules a scan body once across traces, but keys on the values of its constants', async () => {
    const run = (a: number) => {
      const [, ys] = lax.scan((c: LaxArray, x: LaxArray) => {
        const n = c.mul(a).add(x);
        return [n, n];
      }, np.zeros([3]), np.array(Float32Array.from({ length: 12 }, (_, i) => i)).reshape([4, 3]));
      return ys;
    };
    const scanOf = (y: LaxArray) => schedule([y.node]).kernels.find((k) => k.kind === 'scan') as Extract<ReturnType<typeof schedule>['kernels'][number], { kind: 'scan' }>;
    const [h1, h2, q] = [run(0.5), run(0.5), run(0.25)];
    expect(h2.node).not.toBe(h1.node); // two traces, two scan nodes
    expect(scanOf(h2).body.kernels).toBe(scanOf(h1).body.kernels);
    expect(scanOf(q).body.kernels).not.toBe(scanOf(h1).body.kernels);
    for (const y of [h1, h2, q]) {
      const [want] = evaluate([y.node]);
      expect(Array.from(await y.data())).toEqual(Array.from(want));
    }
  });
});

describe('schedules of jit replays (found by liveness, scheduler/replay_schedule.ts)', () => {
  const oracleOf = (x: LaxArray) => Array.from(evaluate([x.node])[0]);

  it('a replay on new inputs finds its schedule without walking the graph, and computes what the oracle does', async () => {
    const f = jit((a: LaxArray) => np.sqrt(a.mul(a).add(1).mul(0.5)));
    const first = f(np.array(Float32Array.of(1, 2, 3)));
    const s1 = schedule([first.node]);
    const before = { ...replayStats };
    for (let i = 0; i < 5; i++) {
      const y = f(np.array(Float32Array.of(i, i + 1, i + 2)));
      expect(schedule([y.node]).kernels).toBe(s1.kernels);
      expect(Array.from(await y.data())).toEqual(oracleOf(y));
    }
    expect(replayStats.hits - before.hits).toBe(10); // schedule() and the realize in data()
  });

  it('keys on the inputs liveness: a live base is copied, a dead one updated in place, call after call', async () => {
    const bump = jit((a: LaxArray, i: LaxArray) => a.at(i).add(1));
    const idx = np.array([0, 2, 2], { dtype: 'int32' });
    const isInPlace = (y: LaxArray) => schedule([y.node]).kernels.some((k) => k.kind === 'patch' && k.base === null);
    const deadBase = async () => {
      const y = bump(np.array(Float32Array.of(1, 2, 3, 4)), idx); // the base's only handle is gone
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 0));
      }
      return y;
    };
    for (let round = 0; round < 3; round++) {
      const kept = np.array(Float32Array.of(1, 2, 3, 4));
      const y = bump(kept, idx);
      expect(isInPlace(y)).toBe(false);
      expect(Array.from(await y.data())).toEqual([2, 2, 5, 4]);
      expect(Array.from(await kept.data())).toEqual([1, 2, 3, 4]); // the live base is intact
      const z = await deadBase();
      expect(isInPlace(z)).toBe(true);
      expect(Array.from(await z.data())).toEqual([2, 2, 5, 4]);
    }
  });

  it('one array passed for two params, a realized output feeding another, a shared node realized in between', async () => {
    const c = np.arange(4).astype('float32').mul(3); // captured, computed: a node every replay shares
    const f = jit((a: LaxArray, b: LaxArray) => {
      const y = a.mul(b).add(c);
      return [y, y.mul(2)];
    });
    const a = np.array(Float32Array.of(1, 2, 3, 4));
    const b = np.array(Float32Array.of(5, 6, 7, 8));
    const [y1] = f(a, b) as LaxArray[];
    const [y2] = f(a, a) as LaxArray[];
    expect(schedule([y2.node]).inputs.length).toBeLessThan(schedule([y1.node]).inputs.length);
    expect(Array.from(await y1.data())).toEqual(oracleOf(y1));
    expect(Array.from(await y2.data())).toEqual(oracleOf(y2));
    await c.data();
    const [z1, z2] = f(b, b) as LaxArray[];
    await z1.data(); // realized: a leaf of z2's schedule
    expect(schedule([z2.node]).kernels).toHaveLength(1);
    expect(Array.from(await z2.data())).toEqual(oracleOf(z2));
  });

  it('inputs made outside the jit (views, arithmetic) are walked alone: their structure is in the key', async () => {
    const f = jit((a: LaxArray, b: LaxArray) => np.sqrt(np.sum(a.sub(b).mul(a.sub(b)), { axis: 1 })));
    const m = () => np.array(Float32Array.from({ length: 6 }, () => Math.random()));
    const before = { ...replayStats };
    const ys: LaxArray[] = [];
    for (let i = 0; i < 3; i++) {
      const p = m().reshape([2, 3]); // a reshaped constant is a constant (np.ts constantView)
      ys.push(f(p.T, m().reshape([2, 3]).T)); // two views
      ys.push(f(m().reshape([3, 2]), m().reshape([2, 3]).T)); // the same avals, another structure
      const v = p.T;
      ys.push(f(v, v)); // one node for both params
      ys.push(f(p.T, m().reshape([3, 2]).mul(2))); // a computed input
      ys.push(f(m().reshape([2, 3]).T, m().reshape([2, 3]).T)); // the first, but its leaves have one user each (p has three)
    }
    // The CPU backend sums in float64, the oracle in float32.
    for (const y of ys) {
      const want = oracleOf(y);
      expect(Math.max(...Array.from(await y.data(), (v, i) => Math.abs(v - want[i])))).toBeLessThanOrEqual(1e-6);
    }
    // One miss per structure and liveness (the first round), then hits: one lookup per data().
    expect(replayStats.misses - before.misses).toBe(5);
    expect(replayStats.hits - before.hits).toBe(ys.length - 5);
  });

  it('an input that is, or reaches, a captured array takes the full path (the key cannot say they are one)', async () => {
    const c1 = np.array(Float32Array.of(1, 2, 3, 4));
    const c2 = np.array(Float32Array.of(10, 20, 30, 40));
    const f = jit((a: LaxArray) => a.reshape([4]).add(c1));
    const keep = [c1.mul(3), c2.mul(3)]; // c1 and c2: the same liveness
    // The captured array itself, arithmetic on it, and a reshape of it (a constant over its data).
    for (const [a1, a2] of [[c1, c2], [c1.mul(1), c2.mul(1)], [c1.reshape([2, 2]), c2.reshape([2, 2])]]) {
      const y1 = f(a1);
      const y2 = f(a2);
      expect(Array.from(await y1.data())).toEqual([2, 4, 6, 8]);
      expect(Array.from(await y2.data())).toEqual([11, 22, 33, 44]);
    }
    // The premise, held all along by `keep`: c1 and c2 both have more than one user.
    for (const k of keep) expect(k.node.inputs[0].users).toBeGreaterThan(1);
  });
});
