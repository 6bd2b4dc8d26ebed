// Seeding, split and fold_in in both of JAX's layouts: published JAX values (each with its JAX
// call), the plain-JS reference, and JAX's errors for misused keys.

import { afterEach, describe, expect, it } from 'vitest';
import { config, np, random, vmap, type LaxArray } from '../../src/index.js';
import { foldInRef, splitRef } from './reference.js';

const list = async (a: LaxArray) => Array.from(await a.data());
const legacy = () => config.update('jax_threefry_partitionable', false);

afterEach(() => config.reset());

describe('key / PRNGKey seeds (x64 off)', () => {
  // jax tests/random_test.py test_prng_seeds_and_keys, the jax_enable_x64=False column:
  //   random.key_data(random.PRNGKey(seed)) for each seed below.
  it.each([
    [0, [0, 0]],
    [1, [0, 1]],
    [42, [0, 42]], // the seed tutorial: print(jax.random.PRNGKey(42)) -> [ 0 42]
    [-1, [0, 4294967295]],
    [-2, [0, 4294967294]],
    [2147483647 + 100, [0, 2147483747]],
    [-2147483648 - 100, [0, 2147483548]],
    [-2147483648 - 101, [0, 2147483547]],
  ])('PRNGKey(%d) = %j', async (seed, expected) => {
    expect(await list(random.PRNGKey(seed))).toEqual(expected);
    expect(await list(random.key(seed))).toEqual(expected);
  });

  it('takes bigint seeds exactly and refuses seeds beyond int64', async () => {
    expect(await list(random.key(2n ** 40n + 5n))).toEqual([0, 5]);
    expect(await list(random.key(-(2n ** 63n)))).toEqual([0, 0]);
    expect(() => random.key(2n ** 63n)).toThrow(/Python int too large to convert to C long/);
  });

  it('refuses non-integer and array seeds in JAX words', () => {
    expect(() => random.key(1.5)).toThrow('PRNG key seed must be an integer; got 1.5');
    expect(() => random.PRNGKey([1, 2] as never)).toThrow('PRNGKey accepts a scalar seed, but was given an array of shape (2,) != (). Use jax.vmap for batching');
  });

  it('vmaps over integer seeds', async () => {
    const keys = vmap((s: LaxArray) => random.key(s))(np.array([3, -1]));
    expect(await keys.tolist()).toEqual([[0, 3], [0, 4294967295]]);
  });
});

describe('split and fold_in, legacy layout (jax_threefry_partitionable=False)', () => {
  it('reproduces the seed tutorial', async () => {
    legacy();
    const key = random.PRNGKey(42);
    // subkey1, subkey2 = jax.random.split(key) -> [2465931498 3679230171] [255383827 267815257]
    expect(await random.split(key).tolist()).toEqual([[2465931498, 3679230171], [255383827, 267815257]]);
    // jax.random.split(key, num=5)
    expect(await random.split(key, 5).tolist()).toEqual([
      [2765691542, 1385194879],
      [831049250, 3807460095],
      [3616728933, 824333390],
      [1482326074, 1083977345],
      [2713995981, 2812206153],
    ]);
  });

  it('matches jax testPRNGValues', async () => {
    legacy();
    // random.key_data(random.split(random.PRNGKey(0), 4))
    expect(await random.split(random.PRNGKey(0), 4).tolist()).toEqual([
      [2285895361, 1501764800],
      [1518642379, 4090693311],
      [433833334, 4221794875],
      [839183663, 3740430601],
    ]);
    // random.key_data(random.fold_in(random.PRNGKey(0), 4))
    expect(await list(random.foldIn(random.PRNGKey(0), 4))).toEqual([2285895361, 433833334]);
  });
});

describe('split and fold_in, partitionable layout (the default)', () => {
  it('split(PRNGKey(42)) = [[1832780943, 270669613], [64467757, 2916123636]]', async () => {
    expect(await random.split(random.PRNGKey(42)).tolist()).toEqual([[1832780943, 270669613], [64467757, 2916123636]]);
  });

  it('fold_in matches jax.experimental.random.stateful_rng(0).key() (fold_in(key(0), 0), then 1)', async () => {
    expect(await list(random.foldIn(random.key(0), 0))).toEqual([1797259609, 2579123966]);
    expect(await list(random.foldIn(random.key(0), 1))).toEqual([928981903, 3453687069]);
  });

  it('split(key, n)[i] == fold_in(key, i) (jax test_threefry_split_fold_in_symmetry)', async () => {
    const key = random.key(72);
    const keys = await random.split(key, 3).tolist();
    for (let i = 0; i < 3; i++) expect(await list(random.foldIn(key, i))).toEqual((keys as number[][])[i]);
  });

  it('split takes a shape of keys', async () => {
    const keys = random.split(random.key(5), [2, 3]);
    expect(keys.shape).toEqual([2, 3, 2]);
    expect((await keys.tolist() as number[][][]).flat()).toEqual(splitRef([0, 5], 6, true));
  });
});

describe.each([true, false])('against the plain-JS reference (partitionable=%s)', (partitionable) => {
  it('split and fold_in of several keys', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    for (const k of [[0, 0], [0, 42], [123456789, 4000000000]]) {
      const key = np.array(k, { dtype: 'uint32' });
      expect(await random.split(key, 7).tolist()).toEqual(splitRef(k, 7, partitionable));
      expect(await list(random.foldIn(key, 0xdeadbeef))).toEqual(foldInRef(k, 0xdeadbeef));
    }
  });

  it('vmap over keys equals a loop over keys', async () => {
    config.update('jax_threefry_partitionable', partitionable);
    const keys = random.split(random.key(9), 4);
    const batched = await vmap((k: LaxArray) => random.split(k, 3))(keys).tolist();
    const folded = await vmap((k: LaxArray, d: LaxArray) => random.foldIn(k, d))(keys, np.array([1, 2, 3, 4])).tolist();
    const rows = (await keys.tolist()) as number[][];
    expect(batched).toEqual(rows.map((k) => splitRef(k, 3, partitionable)));
    expect(folded).toEqual(rows.map((k, i) => foldInRef(k, i + 1)));
  });
});

describe('key misuse', () => {
  it('names the expected key array', () => {
    expect(() => random.split(np.array([1, 2, 3], { dtype: 'uint32' }))).toThrow(/expected key_data.shape to end with \(2,\); got shape=\(3,\).*shape \(\.\.\., 2\) and dtype uint32/);
    expect(() => random.uniform(np.array([0, 42]))).toThrow(/expected key_data.dtype = uint32; got dtype=int32/);
    expect(() => random.normal(np.array(0, { dtype: 'uint32' }))).toThrow(/expected key_data.ndim >= 1; got ndim=0/);
    expect(() => random.bits(42 as never)).toThrow('unexpected PRNG key type number');
  });

  it('refuses a batch of keys where one key is expected', () => {
    expect(() => random.split(random.split(random.key(0), 3))).toThrow('split accepts a single key, but was given a key array of shape (3, 2) != (). Use jax.vmap for batching.');
  });

  it('refuses array and out-of-range fold_in data', () => {
    expect(() => random.foldIn(random.key(0), np.array([1, 2]))).toThrow(/fold_in accepts a scalar, but was given an array of shape \(2,\)/);
    expect(() => random.foldIn(random.key(0), -1)).toThrow(/too large to convert to uint32/);
  });
});
