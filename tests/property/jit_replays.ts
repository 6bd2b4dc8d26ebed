// The jit replay property (tests/property/jit.property.test.ts on the CPU, tests/gpu/jit.test.ts
// on WebGPU): jit replays equal the oracle, whatever their arguments are and in whatever order results
// are read: fresh arrays, an array the function captured (itself, or a view of it), views
// and computed arrays made outside the jit, one array for both params, earlier results
// (read or not), updates of them (the old array kept or dropped, and garbage collected,
// so that a dead base may be updated in place). A replay's schedule is found by its liveness
// (scheduler/replay_schedule.ts), so these are the cases where two replays of one trace
// look alike and are not. Each result's expected value is the oracle's, taken when the
// result is made (before anything is read).

import fc from 'fast-check';
import { expect } from 'vitest';
import { realizedLeaves } from '../../src/cpu/oracle_backend.js';
import { evaluate } from '../../src/cpu/oracle.js';
import { jit, lax, np } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { mismatch, ulps } from '../oracle/compare.js';

// Small integers, and arguments below 2^10 (earlier results beyond are replaced by fresh
// arrays): every value of these programs is an integer below 2^24, so float32 computes it
// exactly in any order (a sum, a cumulative sum, repeated `.at` adds) and every backend must
// give the oracle's values exactly (the sign of a zero aside).
const TOL = ulps(0);
const ARG_MAX = 1024;

const N = 4;
type Arg = { kind: 'fresh' | 'busy' | 'captured' | 'capturedView' | 'capturedComputed' | 'view' | 'computed' } | { kind: 'earlier'; k: number; read: boolean };
type Step =
  | { kind: 'call'; prog: number; args: [Arg, Arg] }
  | { kind: 'read'; k: number }
  | { kind: 'update'; k: number; at: number; v: number; replace: boolean }
  | { kind: 'collect' };

const arbValues = fc.array(fc.integer({ min: -8, max: 8 }), { minLength: N, maxLength: N });
// Weighted toward what makes two calls look alike: the captured array, and a fresh one with
// as many users (their liveness codes are the same).
const arbArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Arg>({ kind: 'captured' }, { kind: 'busy' }) },
  { weight: 2, arbitrary: fc.constant<Arg>({ kind: 'fresh' }) },
  { weight: 2, arbitrary: fc.constantFrom<Arg>({ kind: 'capturedView' }, { kind: 'capturedComputed' }, { kind: 'view' }, { kind: 'computed' }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('earlier' as const), k: fc.nat(40), read: fc.boolean() }) },
);
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('call' as const), prog: fc.nat(1), args: fc.tuple(arbArg, arbArg) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), k: fc.nat(40) }) },
  // `replace`: the updated array takes the old one's place, whose handle is then dropped (after
  // a collection its buffer may be updated in place, if nothing else still reads it).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), k: fc.nat(40), at: fc.nat(N - 1), v: fc.integer({ min: -9, max: 9 }), replace: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'collect' }) },
);

/**
 * The property, on the current backend. With `jitted` false the same programs run eagerly:
 * their graphs are built anew each call and their schedules found by structure
 * (schedule.ts `fingerprint`), with the same sharing and liveness at stake.
 */
/** Full collections and event-loop turns, so that the liveness finalizers run (tests run with --expose-gc). */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('this property needs node --expose-gc (vitest.config.ts sets it)');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
}

export async function jitReplaysMatchTheOracle(numRuns: number, jitted = true): Promise<void> {
  await fc.assert(
    // Each run calls two of the programs (the same trace again and again is the point).
    fc.asyncProperty(fc.array(arbStep, { minLength: 1, maxLength: 10 }), fc.tuple(fc.nat(5), fc.nat(5)), arbValues, fc.infiniteStream(arbValues), async (steps, pair, cValues, fresh) => {
      const c = np.array(Float32Array.from(cValues));
      const cc = c.mul(2).add(1); // captured and computed: a node every replay shares
      const idx = np.array([0, 2, 2], { dtype: 'int32' });
      type Program = (a: LaxArray, b: LaxArray) => LaxArray[];
      const wrap = (f: Program): Program => (jitted ? (jit(f) as unknown as Program) : f);
      const programs = [
        wrap((a: LaxArray, b: LaxArray) => [a.mul(b).add(c)]),
        wrap((a: LaxArray, b: LaxArray) => [a.add(cc), np.sum(b.mul(c))]),
        wrap((a: LaxArray, b: LaxArray) => [a.at(idx).add(lax.slice(b, [0], [3], [1]).mul(2))]),
        wrap((a: LaxArray, b: LaxArray) => [np.cumsum(a.sub(b)), a]), // an input as an output
        wrap((a: LaxArray, b: LaxArray) => [cc.mul(3), b]), // an output no param reaches
        wrap((a: LaxArray, b: LaxArray) => {
          const y = a.mul(b);
          return [y, y.at(1).set(0)];
        }),
      ];
      const made: { x: LaxArray; want: number[] }[] = [];
      // From the realized values: a dead input may have been updated in place since (its data
      // is then the update's), so the graph below a realized node cannot be evaluated again.
      const note = (x: LaxArray) => made.push({ x, want: Array.from(evaluate([x.node], realizedLeaves([x.node]))[0]) });
      const freshArray = () => np.array(Float32Array.from(fresh.next().value));
      // Other users of an argument, kept alive: the liveness a captured array has.
      const users: LaxArray[] = [];
      const vectors = () => made.filter((m) => m.x.shape.length === 1 && m.x.shape[0] === N && m.want.every((v) => Math.abs(v) <= ARG_MAX));
      const argOf = async (a: Arg): Promise<LaxArray> => {
        switch (a.kind) {
          case 'fresh':
            return freshArray();
          case 'busy': {
            const x = freshArray();
            users.push(x.mul(1), x.add(1));
            return x;
          }
          case 'captured':
            return c;
          case 'capturedView':
            return c.reshape([2, 2]).T.reshape([N]);
          case 'capturedComputed':
            return cc;
          case 'view':
            return freshArray().reshape([2, 2]).T.reshape([N]);
          case 'computed':
            return freshArray().mul(2);
          case 'earlier': {
            const pool = vectors();
            if (pool.length === 0) return freshArray();
            const { x } = pool[a.k % pool.length];
            if (a.read) await x.data();
            return x;
          }
        }
      };
      const check = async (m: { x: LaxArray; want: number[] }, what: string) => {
        const bad = mismatch(Array.from(await m.x.data()), m.want, TOL);
        expect(bad, `${what}: ${JSON.stringify(steps)}`).toBeUndefined();
      };
      // In a function of its own: the block variables of this async loop would stay alive in
      // its context, and with them the dropped array's handle.
      const update = (s: Extract<Step, { kind: 'update' }>) => {
        const pool = vectors();
        if (pool.length === 0) return;
        const old = pool[s.k % pool.length];
        const y = old.x.at(s.at).set(s.v);
        if (s.replace) made.splice(made.indexOf(old), 1);
        note(y);
      };
      const call = (prog: number, args: LaxArray[]) => {
        for (const y of programs[pair[prog]](args[0], args[1]) as LaxArray[]) note(y);
      };
      for (const s of steps) {
        if (s.kind === 'call') {
          call(s.prog, [await argOf(s.args[0]), await argOf(s.args[1])]);
        } else if (s.kind === 'read' && made.length > 0) {
          await check(made[s.k % made.length], 'read');
        } else if (s.kind === 'update') {
          update(s);
        } else if (s.kind === 'collect') {
          await collectGarbage();
        }
      }
      for (const m of made) await check(m, 'final read');
      expect(Array.from(await c.data())).toEqual(Array.from(Float32Array.from(cValues))); // the captured array is intact
      // The premise, held all along by `users`: a busy argument has more than one user.
      for (const u of users) expect(u.node.inputs[0].users).toBeGreaterThan(1);
    }),
    {
      numRuns,
      // Always tried: the captured array passed in, then another array of its liveness
      // (before the fix this read the second array for both params: 20 instead of 11).
      examples: [[[{ kind: 'call', prog: 0, args: [{ kind: 'captured' }, { kind: 'fresh' }] }, { kind: 'call', prog: 0, args: [{ kind: 'busy' }, { kind: 'fresh' }] }], [0, 0], [1, 2, 3, 4], fc.Stream.of([1, 1, 1, 1], [10, 10, 10, 10], [1, 1, 1, 1])]],
    },
  );
}
