// Realize several nodes in one schedule, synchronously when the backend can (the CPU
// backends) and as a promise otherwise (WebGPU). Streams use the synchronous path so a
// batch's outputs are emitted in the same tick as its inputs where possible, which keeps
// virtual-time (marble) tests exact; with an async backend, arrivals during the await
// coalesce into the next batch.

import type { TypedArray } from '../../graph/dtype.js';
import type { Node } from '../../graph/node.js';
import { handOut } from '../../scheduler/pool.js';
import { currentBackend } from '../../scheduler/realize.js';

/** The callers keep the buffers (stream state), so they are handed out of the buffer pool. */
export function realizeNow(nodes: readonly Node[]): TypedArray[] | Promise<TypedArray[]> {
  const todo = [...new Set(nodes.filter((n) => n.buf === undefined))];
  const done = () => nodes.map((n) => handOut(n, n.buf!));
  if (todo.length === 0) return done();
  const keep = (bufs: TypedArray[]) => {
    todo.forEach((n, i) => (n.buf = bufs[i]));
    return done();
  };
  const out = currentBackend().run(todo);
  return out instanceof Promise ? out.then(keep) : keep(out);
}

/** `then` that stays synchronous for synchronous values. */
export function thenMaybe<A, B>(v: A | Promise<A>, f: (a: A) => B): B | Promise<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}
