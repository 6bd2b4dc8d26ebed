// @vitest-environment node
// `data()` on the CPU backend (readFresh / runFresh): a program of single-pass kernels
// (elementwise, `.at` patches, cumulative sums, concatenations) is computed straight into
// the array handed out and the array stays a recipe; anything else (scans, reductions, an
// in-place update of a dead base, small arrays) is realized and copied. Either way the
// caller owns what it gets.

import { beforeAll, describe, expect, it } from 'vitest';
import { init, lax, np, realize } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { heapResident } from '../../src/cpu/pool.js';
import { wasmScanStats } from '../../src/cpu/wasm/scan.js';
import { both, close, collectGarbage, sameBits } from './helpers.js';

const N = 1 << 16;
const input = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.1) * 5);

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

/**
 * data() twice, each an ordinary array equal to the oracle (bit for bit, or `close` for float
 * sums, which the CPU backend accumulates in float64), the second unaffected by changes to the first.
 */
async function readTwice(y: LaxArray, same = sameBits): Promise<void> {
  const [want] = both(y)[1];
  const a = await y.data();
  expect(heapResident(a)).toBe(false);
  expect(same(a, want)).toBeNull();
  a.fill(3);
  const b = await y.data();
  expect(b).not.toBe(a);
  expect(same(b, want)).toBeNull();
}

describe('data() on the CPU backend', () => {
  it('an .at patch of a live base is computed into the array handed out; the base is unchanged', async () => {
    const xs = input(N);
    const x = np.array(xs);
    const idx = np.array(Int32Array.from({ length: 300 }, (_, i) => (i * 7919) % N - (i % 3 === 0 ? N : 0))); // negative ones too
    const y = x.at(idx).add(2).mul(3);
    await readTwice(y);
    expect(y.node.buf).toBeUndefined();
    expect(sameBits((await x.data()) as Float32Array, xs)).toBeNull();
  });

  it('an .at patch that may take its dead base in place is realized (the recipe would lose its input)', async () => {
    let base: LaxArray | undefined = np.array(input(N)).add(1);
    const [storage] = (await realize(base)) as Float32Array[]; // realized: a leaf with storage
    const z = base.at(5).set(-1);
    base = undefined;
    await collectGarbage(() => z.node.inputs[0].handles === 0);
    expect(z.node.inputs[0].handles).toBe(0);
    const got = (await z.data()) as Float32Array;
    storage[5] = -1;
    expect(sameBits(got, storage)).toBeNull();
    expect(z.node.buf).toBeDefined(); // realized in place, then copied
  });

  it('scans, reductions and small arrays are realized, then copied (cumulative sums are not)', async () => {
    const x = np.array(input(N));
    // float32 sums over 2^16 steps: the oracle's rounding per step drifts by up to ~n * 2^-24 * 5
    const loose = (a: Parameters<typeof close>[0], b: Parameters<typeof close>[1]) => close(a, b, 2e-2);
    const c = np.cumsum(x); // one pass: computed into the array handed out, as elementwise work
    await readTwice(c, loose);
    expect(c.node.buf).toBeUndefined();
    const [, ys] = lax.scan((s: LaxArray, v: LaxArray) => [s.add(v), s.mul(v)], np.array(0, { dtype: 'float32' }), x);
    await readTwice(ys, loose);
    expect(ys.node.buf).toBeDefined();
    const r = np.max(x.reshape([256, 256]), { axis: 1 });
    await readTwice(r);
    expect(r.node.buf).toBeDefined();
    const small = np.array(input(1000)).mul(2);
    await readTwice(small);
    expect(small.node.buf).toBeDefined();
  });

  it("a scan's outputs read one after another run the scan once, as JAX computes them together", async () => {
    const L = 1024;
    const xs = np.array(input(64 * L)).reshape([64, L]);
    const step = (c: { s: LaxArray; n: LaxArray }, x: LaxArray): [{ s: LaxArray; n: LaxArray }, LaxArray] => [{ s: c.s.mul(0.5).add(x), n: c.n.add(1) }, c.s.sub(x)];
    const [c, ys] = lax.scan(step, { s: np.zeros([L]), n: np.zeros([L], { dtype: 'int32' }) }, xs);
    const want = both(c.s, c.n, ys)[1];
    const calls = wasmScanStats.calls;
    expect(sameBits(await c.s.data(), want[0])).toBeNull();
    expect(sameBits(await ys.data(), want[2])).toBeNull();
    expect(sameBits(await c.n.data(), want[1])).toBeNull();
    expect(wasmScanStats.calls - calls).toBe(1);
    // (each output keeps its value; a second scan over the first's carry runs once more)
    const [c2] = lax.scan(step, c, xs);
    await c2.s.data();
    await c2.n.data();
    expect(wasmScanStats.calls - calls).toBe(2);
  });

  it('an elementwise program read fresh equals the oracle bit for bit and stays a recipe', async () => {
    const x = np.array(input(N + 3));
    const y = np.where(np.greater(x, 0), np.sqrt(x), x.mul(x).neg());
    await readTwice(y);
    expect(y.node.buf).toBeUndefined();
  });
});
