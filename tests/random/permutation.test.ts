// permutation (JAX's sort by random 32-bit keys, via the bitonic composite) and choice.

import { afterEach, describe, expect, it } from 'vitest';
import { config, np, random, type LaxArray } from '../../src/index.js';
import { argsortKeys } from '../../src/random/sort_keys.js';
import { permutationRef } from './reference.js';

const list = async (a: LaxArray) => Array.from(await a.data(), Number);
afterEach(() => config.reset());

describe('the sort composite', () => {
  it('argsorts rows stably, padding to a power of two', async () => {
    const keys = np.array([[5, 1, 5, 0, 4294967295, 1, 7], [3, 3, 3, 3, 2, 2, 9]], { dtype: 'uint32' });
    // np.argsort(keys, axis=1, kind='stable')
    expect(await argsortKeys(keys).tolist()).toEqual([[3, 1, 5, 0, 2, 6, 4], [4, 5, 0, 1, 2, 3, 6]]);
  });
});

describe.each([true, false])('permutation (partitionable=%s)', (partitionable) => {
  it('equals the reference stable sort by random words', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    for (const n of [1, 2, 10, 33]) expect(await list(random.permutation(random.key(7), n))).toEqual(permutationRef([0, 7], n, partitionable));
  });

  it('permutes rows of an array together, or each vector independently', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const x = np.arange(12).reshape([4, 3]);
    const perm = permutationRef([0, 1], 4, partitionable);
    expect(await random.permutation(random.key(1), x).tolist()).toEqual(perm.map((r) => [3 * r, 3 * r + 1, 3 * r + 2]));
    const cols = (await random.permutation(random.key(1), x, { axis: 1, independent: true }).tolist()) as number[][];
    cols.forEach((row, i) => expect([...row].sort((a, b) => a - b)).toEqual([3 * i, 3 * i + 1, 3 * i + 2]));
  });
});

describe('choice', () => {
  it('samples with replacement as randint indices', async () => {
    const a = np.array([10, 20, 30, 40]);
    const idx = await list(random.randint(random.key(4), [6], 0, 4));
    expect(await list(random.choice(random.key(4), a, [6]))).toEqual(idx.map((i) => 10 * (i + 1)));
  });
  it('samples without replacement as the head of a permutation', async () => {
    const got = await list(random.choice(random.key(5), 20, [2, 4], { replace: false }));
    expect(got).toEqual(permutationRef([0, 5], 20, true).slice(0, 8));
    expect(() => random.choice(random.key(5), 3, [4], { replace: false })).toThrow("Cannot take a larger sample (size 4) than population (size 3) when 'replace=False'");
  });
  it('follows the weights p', async () => {
    const got = await list(random.choice(random.key(6), 3, [20000], { p: [0.2, 0, 0.8] }));
    expect(got.includes(1)).toBe(false);
    expect(Math.abs(got.filter((v) => v === 2).length / 20000 - 0.8)).toBeLessThan(0.02);
  });
});
