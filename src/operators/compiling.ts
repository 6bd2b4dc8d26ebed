// Whether user code is being traced for compilation (a `lax.scan` body or a `jit`
// function). XLA compiles those as a whole and constant-folds them, which changes some
// float32 results (division by a constant becomes multiplication by its reciprocal);
// np reproduces that only where JAX would compile.

import { consingAll } from '../graph/node.js';

let depth = 0;

export const isCompiling = () => depth > 0;

/** Run `f` as code that JAX would compile as a whole (every node it makes hash-consed). */
export function compiling<T>(f: () => T): T {
  depth++;
  try {
    return consingAll(f);
  } finally {
    depth--;
  }
}
