// The oracle as a backend: evaluates a graph one primitive at a time with src/cpu/oracle.ts.

import type { TypedArray } from '../graph/dtype.js';
import { consumedError, type Node } from '../graph/node.js';
import { toposort } from '../graph/toposort.js';
import type { Backend } from '../scheduler/realize.js';
import { evaluate } from './oracle.js';

/** Bind realized nodes as leaves; a consumed node (its buffer given to an in-place update) cannot be read. */
export function realizedLeaves(outputs: readonly Node[]): Map<Node, TypedArray> {
  const env = new Map<Node, TypedArray>();
  for (const n of toposort(outputs, (x) => x.buf !== undefined)) {
    if (n.buf !== undefined) env.set(n, n.buf);
    else if (n.consumed) throw consumedError(n);
  }
  return env;
}

export const oracleBackend: Backend = {
  name: 'oracle',
  run: (outputs) => evaluate(outputs, realizedLeaves(outputs)),
};
