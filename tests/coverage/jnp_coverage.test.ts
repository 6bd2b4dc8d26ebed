// Coverage of jax.numpy by name: tests/coverage/jnp_names.json lists jax.numpy's public
// functions (from jax/numpy/__init__.py of the JAX version it names, by jnp_names.py); each
// is looked up in laxflow's `np` under its camelCase name (nan_to_num -> nanToNum,
// atleast_1d -> atleast1d). The test prints what is covered and missing, and holds coverage
// at the target of 60%.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { np } from '../../src/index.js';

const list = JSON.parse(readFileSync(new URL('./jnp_names.json', import.meta.url), 'utf8')) as { jax: string; commit: string; names: string[] };

/** jax.numpy's snake_case name as laxflow spells it. */
export const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe(`jax.numpy ${list.jax} coverage by name`, () => {
  const have = new Set(Object.keys(np));
  const covered = list.names.filter((n) => have.has(camel(n)));
  const missing = list.names.filter((n) => !have.has(camel(n)));

  it('maps names to camelCase', () => {
    expect([camel('nan_to_num'), camel('atleast_1d'), camel('take_along_axis'), camel('sum')]).toEqual(['nanToNum', 'atleast1d', 'takeAlongAxis', 'sum']);
  });

  it('covers at least 60% of the public functions', () => {
    const share = covered.length / list.names.length;
    console.log(`jax.numpy ${list.jax}: ${covered.length} of ${list.names.length} functions (${(100 * share).toFixed(1)}%); missing: ${missing.join(' ')}`);
    expect(list.names.length).toBeGreaterThan(300);
    expect(share).toBeGreaterThanOrEqual(0.6);
  });

  it('every covered name is a function or a constant of np', () => {
    for (const n of covered) expect(['function', 'number']).toContain(typeof (np as Record<string, unknown>)[camel(n)]);
  });
});
