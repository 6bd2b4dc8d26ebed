// The fused scan path (src/cpu/scan.ts): one generated loop for a whole scan, body kernels of
// one shape sharing loops, array carries swapped, `.at` updates of a carry done in place,
// reductions (a window's mean). Every case is checked to take the fused path and compared
// with the oracle: bit for bit, or within the stated bound where the body sums floats.

import { describe, expect, it } from 'vitest';
import { fusedScanCode } from '../../src/cpu/scan.js';
import { lax, np } from '../../src/index.js';
import { optimizationBarrier } from '../../src/operators/control_flow.js';
import type { LaxArray } from '../../src/operators/array.js';
import { fusedSteps } from '../../src/scheduler/scan_plan.js';
import { schedule } from '../../src/scheduler/schedule.js';
import { both, close, sameBits } from './helpers.js';

function expectFusedAndExact(...arrays: LaxArray[]): void {
  const s = schedule(arrays.map((a) => a.node));
  const scans = s.kernels.filter((k) => k.kind === 'scan');
  expect(scans.length).toBeGreaterThan(0);
  for (const k of scans) expect(fusedScanCode(k as never), 'fused path').not.toBeNull();
  const [cpu, oracle] = both(...arrays);
  cpu.forEach((c, i) => expect(sameBits(c, oracle[i])).toBeNull());
}

/**
 * As expectFusedAndExact, for bodies with float32 sums: the CPU backend sums in float64 and
 * rounds once per output (cpu/codegen.ts `reduceCode`), the oracle rounds every step; both
 * are within n * 2^-24 * sum(|x|) of the exact sum, here 1e-5 relative.
 */
function expectFusedAndClose(...arrays: LaxArray[]): void {
  const s = schedule(arrays.map((a) => a.node));
  for (const k of s.kernels.filter((kk) => kk.kind === 'scan')) expect(fusedScanCode(k as never), 'fused path').not.toBeNull();
  const [cpu, oracle] = both(...arrays);
  cpu.forEach((c, i) => expect(close(c, oracle[i], 1e-5)).toBeNull());
}

const xs = (t: number, n: number) => np.array(Float32Array.from({ length: t * n }, (_, i) => Math.sin(i * 0.37) * 10 + (i % 7))).reshape([t, n]);

describe('fused scans', () => {
  it('strong scalar constants of the body are compiled in: the same structure with other values is another kernel', () => {
    // a ring of window w: the window enters the body as strong int32 scalars (np.array(w)),
    // which the generated code holds as literals; w = 3 and w = 4 must not share code
    const ring = (w: number) => (c: { buf: LaxArray; pos: LaxArray }, x: LaxArray): [{ buf: LaxArray; pos: LaxArray }, LaxArray] => {
      const leaving = np.take(c.buf, c.pos, { axis: 0, mode: 'clip' });
      const next = c.buf.at(c.pos).set(x);
      const last = np.array(w - 1, { dtype: 'int32' });
      const p = np.where(np.equal(c.pos, last), np.array(0, { dtype: 'int32' }), c.pos.add(np.array(1, { dtype: 'int32' })));
      return [{ buf: next, pos: p }, x.sub(leaving).mul(np.array(w, { dtype: 'float32' }))];
    };
    for (const w of [3, 4, 3]) {
      const init = { buf: np.zeros([4, 6]), pos: np.array(0, { dtype: 'int32' }) };
      const [c, ys] = lax.scan(ring(w), init, xs(11, 6));
      expectFusedAndExact(ys, c.buf, c.pos);
    }
  });

  it('a ring buffer carried and updated with .at[pos].set, read back with take', () => {
    const W = 5;
    const step = ({ buf, pos }: { buf: LaxArray; pos: LaxArray }, x: LaxArray) => {
      const leaving = np.take(buf, pos, { axis: 0, mode: 'clip' });
      const next = buf.at(pos).set(x);
      const p = np.where(np.equal(pos, W - 1), 0, pos.add(1));
      return [{ buf: next, pos: p }, x.sub(leaving)] as [{ buf: LaxArray; pos: LaxArray }, LaxArray];
    };
    const init = { buf: np.zeros([W, 6]), pos: np.zeros([], { dtype: 'int32' }) };
    const [final, ys] = lax.scan(step, init, xs(23, 6));
    expectFusedAndExact(ys, final.buf, final.pos);
  });

  it('many small kernels sharing sub-expressions and intermediates, with array carries', () => {
    const step = ([a, b]: [LaxArray, LaxArray], x: LaxArray) => {
      const d = x.sub(a);
      const m = a.add(d.div(3));
      const v = b.add(d.mul(x.sub(m)));
      const z = np.where(np.greater(v, 0), d.div(np.sqrt(v)), 0);
      return [[m, v], [z, m.mul(2), np.isnan(z)]] as [[LaxArray, LaxArray], LaxArray[]];
    };
    const [[m, v], [z, m2, nan]] = lax.scan(step, [np.zeros([9]), np.zeros([9])], xs(40, 9)) as unknown as [[LaxArray, LaxArray], LaxArray[]];
    expectFusedAndExact(m, v, z, m2, nan);
  });

  it('gives the same answer for every length (the compiled loop takes the length as an argument)', () => {
    const step = (c: LaxArray, x: LaxArray) => {
      const n = c.mul(0.5).add(x);
      return [n, n.mul(n)] as [LaxArray, LaxArray];
    };
    for (const t of [1, 2, 7, 30]) {
      const [c, ys] = lax.scan(step, np.zeros([4]), xs(t, 4));
      expectFusedAndExact(c, ys);
    }
  });

  it('a naive rolling window: the ring read after its in-place update and reduced every step (mean, var, max, a cumulative sum of the lane-wise result)', () => {
    type Carry = { buf: LaxArray; pos: LaxArray; acc: LaxArray };
    for (const [w, n] of [[5, 6], [1, 3], [8, 1]] as const) {
      const step = ({ buf, pos, acc }: Carry, x: LaxArray): [Carry, LaxArray[]] => {
        const next = buf.at(pos).set(x);
        const mean = np.mean(next, { axis: 0 });
        return [{ buf: next, pos: np.remainder(pos.add(1), w), acc: acc.add(mean) }, [mean, np.var(next, { axis: 0 }), np.max(next, { axis: 0 })]];
      };
      const init = { buf: np.zeros([w, n]), pos: np.array(0, { dtype: 'int32' }), acc: np.zeros([n]) };
      const [c, ys] = lax.scan(step, init, xs(13, n));
      expectFusedAndClose(...(ys as LaxArray[]), c.buf, c.acc);
    }
  });

  it('the old and the updated ring both read in one step (the update runs in place between them)', () => {
    type Carry = { buf: LaxArray; pos: LaxArray };
    const step = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray] => {
      const next = buf.at(pos).set(x);
      return [{ buf: next, pos: np.remainder(pos.add(1), 4) }, np.sum(next, { axis: 0 }).sub(np.sum(buf, { axis: 0 }))];
    };
    const [c, ys] = lax.scan(step, { buf: np.zeros([4, 3]), pos: np.array(0, { dtype: 'int32' }) }, xs(9, 3));
    expectFusedAndClose(ys, c.buf);
  });

  it("a step's rings, each read at its own index and written at the step's position, with barriers between: the scalar work first, one loop for the lanes, the ring updates together at the end", () => {
    // as a time window's step (src/operators/rx/time_window.ts): a ring of prefix sums per
    // statistic, read at the window's start, written at the newest slot; optimizationBarrier
    // splits the lane work into many kernels, whose buffers the schedule would otherwise reuse
    type Carry = { a: LaxArray; b: LaxArray; c: LaxArray; pos: LaxArray; sa: LaxArray; sb: LaxArray };
    const W = 5;
    const step = (k: Carry, x: LaxArray): [Carry, LaxArray[]] => {
      const back = np.where(np.less(k.pos, 2), k.pos.add(W - 2), k.pos.sub(2));
      const sa = optimizationBarrier(k.sa.add(x));
      const sb = optimizationBarrier(k.sb.add(x.mul(x)));
      const sc = optimizationBarrier(sa.sub(k.sa.mul(0.5)));
      const da = sa.sub(np.take(k.a, back, { axis: 0, mode: 'clip' }));
      const db = sb.sub(np.take(k.b, back, { axis: 0, mode: 'clip' }));
      const dc = optimizationBarrier(da.mul(db)).sub(np.take(k.c, back, { axis: 0, mode: 'clip' }));
      const put = (ring: LaxArray, v: LaxArray) => ring.at(k.pos).set(v);
      return [{ a: put(k.a, sa), b: put(k.b, sb), c: put(k.c, sc), pos: np.where(np.equal(k.pos, W - 1), 0, k.pos.add(1)), sa, sb }, [da, db, dc]];
    };
    const n = 6;
    const init: Carry = { a: np.zeros([W, n]), b: np.zeros([W, n]), c: np.zeros([W, n]), pos: np.zeros([], { dtype: 'int32' }), sa: np.zeros([n]), sb: np.zeros([n]) };
    const [c, ys] = lax.scan(step, init, xs(17, n));
    const scan = schedule([...ys, c.a, c.b, c.c].map((a) => a.node)).kernels.find((k) => k.kind === 'scan');
    if (scan?.kind !== 'scan') throw new Error('no scan kernel');
    const steps = fusedSteps(scan, { patches: true, reductions: true, readPatched: true })!;
    const kinds = steps.map((st) => (st.kind === 'group' ? `group[${st.kernels[0].shape}]` : st.kind));
    expect(kinds).toEqual(['group[]', `group[${n}]`, 'patch', 'patch', 'patch']);
    expectFusedAndExact(...ys, c.a, c.b, c.c, c.pos, c.sa, c.sb);
  });

  it('a ring update that a later kernel reads (its new value) stays before that kernel', () => {
    type Carry = { buf: LaxArray; pos: LaxArray };
    const step = ({ buf, pos }: Carry, x: LaxArray): [Carry, LaxArray[]] => {
      const old = np.take(buf, pos, { axis: 0, mode: 'clip' });
      const next = buf.at(pos).set(optimizationBarrier(x.mul(2)));
      const after = np.take(next, pos, { axis: 0, mode: 'clip' }).add(old);
      return [{ buf: next, pos: np.remainder(pos.add(1), 3) }, [after, x.sub(old)]];
    };
    const [c, ys] = lax.scan(step, { buf: np.zeros([3, 4]), pos: np.array(0, { dtype: 'int32' }) }, xs(10, 4));
    expectFusedAndExact(...ys, c.buf, c.pos);
  });

  it('one body with xs = null and with an xs it never reads: two compiled scans (they once shared one and read the xs as a literal)', () => {
    // found by tests/property/scan.property.test.ts: an unused xs is not in the body's
    // schedule, so only the scan's input count tells the two apart
    // (a JS number as the initial carry, weakly typed, as the property found it)
    const step = (c: LaxArray | number): [LaxArray, LaxArray] => {
      const n = np.add(c, 1);
      return [n, n.mul(2)];
    };
    const [, a] = lax.scan(step, 0.25 as LaxArray | number, null, { length: 5 });
    expectFusedAndExact(a);
    const [, b] = lax.scan(step, 0.25 as LaxArray | number, np.zeros([5, 3]));
    expectFusedAndExact(b);
  });
});
