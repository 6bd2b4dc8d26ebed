// The seed tutorial's random section prints exactly what JAX printed
// (/work/shared/seed/jax-patterns.txt, "Random keys with jax.random.PRNGKey(seed)").

import { expect, it } from 'vitest';
import { config } from '../../src/index.js';
import { seedRandomExamples } from '../../examples/seed.js';

it('prints the seed key, its split and a 5-way split', async () => {
  const lines: string[] = [];
  await seedRandomExamples((l) => lines.push(l));
  expect(lines.join('\n')).toBe(
    [
      '[ 0 42]', // print(jax.random.PRNGKey(42))
      '[2465931498 3679230171] [255383827 267815257]', // print(subkey1, subkey2)
      '[[2765691542 1385194879]\n [ 831049250 3807460095]\n [3616728933  824333390]\n [1482326074 1083977345]\n [2713995981 2812206153]]', // print(jax.random.split(key, num=5))
    ].join('\n'),
  );
  expect(config.read('jax_threefry_partitionable')).toBe(true); // the flag is restored
});
