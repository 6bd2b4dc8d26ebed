// Threefry-2x32 built from graph operations against Random123's known answers, against a plain-JS
// scalar reference, and the CPU backend against the oracle, bit for bit.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { config, np, random } from '../../src/index.js';
import { cpuBackend } from '../../src/cpu/backend.js';
import { oracleBackend } from '../../src/cpu/oracle_backend.js';
import { threefryRounds } from '../../src/random/threefry.js';
import { threefryCounts, threefryPair } from './reference.js';

const u32 = (xs: number[]) => np.array(xs, { dtype: 'uint32' });
const hex = (xs: ArrayLike<number>) => Array.from(xs, (x) => '0x' + x.toString(16).padStart(8, '0'));

afterEach(() => config.reset());

describe('threefry2x32', () => {
  // Random123 known-answer tests (test_threefry.cpp, also jax tests/random_test.py testThreefry2x32):
  //   threefry_2x32(np.uint32([0, 0]), np.uint32([0, 0])) -> 0x6b200159 0x99ba4efe
  //   threefry_2x32(np.uint32([u32_max] * 2), np.uint32([u32_max] * 2)) -> 0x1cb996fc 0xbb002be7
  //   threefry_2x32(np.uint32([0x13198a2e, 0x03707344]), np.uint32([0x243f6a88, 0x85a308d3]))
  //     -> 0xc4923a9c 0x483df7a0   (the digits of pi)
  const kats: [number[], number[], string[]][] = [
    [[0, 0], [0, 0], ['0x6b200159', '0x99ba4efe']],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], ['0x1cb996fc', '0xbb002be7']],
    [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], ['0xc4923a9c', '0x483df7a0']],
  ];

  it.each(kats)('graph threefry_2x32(key=%j, count=%j) is the Random123 answer', async (key, count, expected) => {
    expect(hex(await random.threefry2x32(u32(key), u32(count)).data())).toEqual(expected);
  });

  it.each(kats)('the plain-JS reference agrees on key=%j count=%j', (key, count, expected) => {
    expect(hex(threefryPair(key[0], key[1], count[0], count[1]))).toEqual(expected);
  });

  it('hashes many counters at once, as jax testThreefry2x32Large (halves paired)', async () => {
    const n = 1000;
    const counts = np.concatenate([np.full([n], 0x243f6a88, { dtype: 'uint32' }), np.full([n], 0x85a308d3, { dtype: 'uint32' })]);
    const out = await random.threefry2x32(u32([0x13198a2e, 0x03707344]), counts).data();
    expect(new Set(out.slice(0, n))).toEqual(new Set([0xc4923a9c]));
    expect(new Set(out.slice(n))).toEqual(new Set([0x483df7a0]));
  });

  it('matches the scalar reference on random keys and counters (odd and even lengths)', async () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    await fc.assert(
      fc.asyncProperty(fc.tuple(word, word), fc.array(word, { minLength: 1, maxLength: 9 }), async (key, counts) => {
        const got = Array.from(await random.threefry2x32(u32(key), u32(counts)).data());
        expect(got).toEqual(threefryCounts(key, counts));
      }),
      { numRuns: 30 },
    );
  });

  it('is elementwise over broadcast operands', async () => {
    const [a, b] = threefryRounds(u32([7]).reshape([]), u32([9]).reshape([]), np.zeros([3], { dtype: 'uint32' }), u32([0, 1, 2]));
    const [da, db] = [await a.data(), await b.data()];
    [0, 1, 2].forEach((i) => expect([da[i], db[i]]).toEqual(threefryPair(7, 9, 0, i)));
  });

  it('refuses non-uint32 operands', () => {
    expect(() => random.threefry2x32(np.array([0, 0]), u32([1, 2]))).toThrow(/threefry_2x32 requires uint32 arguments/);
  });
});

describe('CPU backend and oracle agree bit for bit', () => {
  it.each([true, false])('bits and uniform (partitionable=%s)', async (partitionable) => {
    config.update('jax_threefry_partitionable', partitionable);
    const key = random.key(1234);
    for (const arr of [random.bits(key, [37, 3]), random.uniform(key, [101], { minval: -2, maxval: 3 }), random.normal(key, [64])]) {
      const [cpu] = await cpuBackend.run([arr.node]);
      const [oracle] = await oracleBackend.run([arr.node]);
      expect(new Uint32Array(cpu.buffer, cpu.byteOffset, cpu.length)).toEqual(new Uint32Array(oracle.buffer, oracle.byteOffset, oracle.length));
    }
  });
});
