// jax.config: global flags, set with `config.update(name, value)` as in JAX.

export interface Flags {
  /** JAX >= 0.5 default: random bits computed in the partitionable (per-element counter) layout. */
  jax_threefry_partitionable: boolean;
}

const defaults: Flags = { jax_threefry_partitionable: true };
const values: Flags = { ...defaults };

export const config = {
  update<K extends keyof Flags>(name: K, value: Flags[K]): void {
    if (!(name in defaults)) throw new Error(`Unrecognized config option: ${String(name)}`);
    if (typeof value !== typeof defaults[name]) throw new TypeError(`config.update: ${String(name)} expects a ${typeof defaults[name]}, got ${typeof value}`);
    values[name] = value;
  },
  read<K extends keyof Flags>(name: K): Flags[K] {
    return values[name];
  },
  /** Back to the defaults (for tests). */
  reset(): void {
    Object.assign(values, defaults);
  },
};
