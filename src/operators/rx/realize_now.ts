// Realize several nodes in one schedule, synchronously when the backend can (the CPU
// backends) and as a promise otherwise (WebGPU). Streams use the synchronous path so a
// batch's outputs are emitted in the same tick as its inputs where possible, which keeps
// virtual-time (marble) tests exact; with an async backend, arrivals during the await
// coalesce into the next batch.

import type { TypedArray } from '../../graph/dtype.js';
import type { Node } from '../../graph/node.js';
import { disown, give, handOut, heapResident } from '../../scheduler/pool.js';
import { currentBackend } from '../../scheduler/realize.js';

/**
 * The values of `nodes`. The callers keep the buffers of the first `kept` (stream state),
 * so those are handed out of the buffer pool; the rest are lent as they are (heap views
 * possibly): the caller copies what it needs from them at once and gives them back with
 * `giveBack` (a batch's outputs, sliced into the records it emits, need no copy first).
 */
export function realizeNow(nodes: readonly Node[], kept = nodes.length): TypedArray[] | Promise<TypedArray[]> {
  const todo = [...new Set(nodes.filter((n) => n.buf === undefined))];
  const done = () => nodes.map((n, i) => (i < kept ? handOut(n, n.buf!) : n.buf!));
  if (todo.length === 0) return done();
  const keep = (bufs: TypedArray[]) => {
    todo.forEach((n, i) => (n.buf = bufs[i]));
    return done();
  };
  const out = currentBackend().run(todo, new Set(nodes.slice(0, kept)));
  return out instanceof Promise ? out.then(keep) : keep(out);
}

/** `then` that stays synchronous for synchronous values. */
export function thenMaybe<A, B>(v: A | Promise<A>, f: (a: A) => B): B | Promise<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/**
 * Give back the heap storage of nodes lent by `realizeNow` (nodes made for one batch, never
 * read again: a later read would compute them afresh). Constants keep theirs.
 */
export function giveBack(nodes: readonly Node[]): void {
  for (const n of nodes) {
    const b = n.buf;
    if (b === undefined || n.prim === 'const' || !heapResident(b)) continue;
    disown(n, b);
    n.buf = undefined;
    give(b);
  }
}
