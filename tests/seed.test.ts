// The seed tutorial ("JAX patterns", /work/shared/seed/jax-patterns.txt): examples/seed.ts
// prints exactly what the tutorial shows JAX printing, line for line. The expected blocks
// below are copied from that page (the random-key examples are tested with random/).

import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedExamples } from '../examples/seed.js';
import { init } from '../src/index.js';

// Each entry is one print() of the tutorial, after the Python call that printed it.
const expected = [
  '[[1 1 1 1 1]\n [4 4 4 4 4]]', // print(vmap(square)(array))
  '[3 3 3 3 3]', // print(jnp.sum(array, axis=0))
  '[ 5 10]', // print(jnp.sum(array, axis=1))
  '[ 5 10]', // print(jax.vmap(sum_array, in_axes=0)(array))
  '[3 3 3 3 3]', // print(jax.vmap(sum_array, in_axes = 1)(array))
  '[5.8309517 1.4142135 5.8309517]', // print(vmap(euclidean_distance, in_axes=(0, 0))(points_1, points_2))
  '[[10. 15. 20.]\n [14. 21. 28.]\n [18. 27. 36.]]', // print(add_and_multiply_vector(x, y, scalar))
  'Cumulative Sum: 15', // print("Cumulative Sum:", cumulative_sum)
  'Moving averages: [ 3.3333335  6.222223   8.8148155 11.209877  13.473251 ]', // print("Moving averages:", moving_averages)
];

const SEED = '/work/shared/seed/jax-patterns.txt';

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

describe('seed examples (JAX patterns tutorial)', () => {
  it('prints exactly the tutorial output, in order', async () => {
    const lines: string[] = [];
    await seedExamples((line) => lines.push(line));
    expect(lines).toEqual(expected);
  });

  it.skipIf(!existsSync(SEED))('every expected block appears verbatim in the tutorial text', () => {
    const text = readFileSync(SEED, 'utf8');
    for (const block of expected) expect(text).toContain(block);
  });
});
