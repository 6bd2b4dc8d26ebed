// A traced program scheduled once and run again on new values of its params: JAX's compiled
// executable (`jit(f).lower(*args).compile()`). A jit call replays its trace into new nodes
// and finds their schedule on every call; a program skips both: a run binds the argument
// buffers to the schedule's params and runs its kernels. That is what a stream's per-batch
// step needs (a batch of 64 records is tens of microseconds of kernel work, and building and
// finding its graph cost more).
//
// Params may be donated (JAX's `donate_argnums`): an `.at` update of a donated param then
// writes into the argument's buffer, which is also that output's buffer.
//
// A backend runs programs itself (`Backend.runProgram`: the CPU backend binds the buffers
// directly) or, without that, each run replays the trace over constants of the arguments
// and realizes it as any graph (WebGPU).

import { uniqueNode, type Node } from '../graph/node.js';
import type { TypedArray } from '../graph/dtype.js';
import { replayTrace, traceOf, type Trace } from '../graph/replay.js';
import type { Schedule } from './kernel.js';
import { LRU } from '../graph/lru.js';
import { currentBackend, realizeBatch } from './realize.js';
import { schedule } from './schedule.js';

export interface Program {
  readonly trace: Trace;
  /** Per param: is its argument donated? */
  readonly donated: readonly boolean[];
  /** The schedule over the params (made when a backend that runs programs first runs it). */
  schedule?: Schedule;
}

/** The program computing `outputs` from `params` (param nodes of a trace; `donated` per param). */
export function compileProgram(params: readonly Node[], outputs: readonly Node[], donated: readonly boolean[] = []): Program {
  return { trace: traceOf(params, outputs), donated: params.map((_, i) => donated[i] ?? false) };
}

/**
 * The program's outputs for `args` (one buffer per param, of its aval), synchronously where
 * the backend is synchronous. The caller keeps the first `kept` outputs (ordinary arrays; a
 * donated argument updated in place is its own output); the rest are lent, to be given back
 * with `giveBuffers` once copied. Donated arguments must not be read after the call.
 */
export function runProgram(p: Program, args: readonly TypedArray[], kept: number): TypedArray[] | Promise<TypedArray[]> {
  const backend = currentBackend();
  if (backend.runProgram) {
    if (p.schedule === undefined) {
      p.trace.params.forEach((n, i) => (n.donated = p.donated[i]));
      p.schedule = schedule(p.trace.outputs, { params: p.trace.params, allowTake: true });
    }
    return backend.runProgram(p.schedule, args, kept);
  }
  const inputs = args.map((data, i) => {
    const { shape, dtype } = p.trace.params[i];
    const n = uniqueNode('const', { data, shape, dtype, weak: false });
    n.donated = p.donated[i];
    return n;
  });
  return realizeBatch(replayTrace(p.trace, inputs), kept);
}

/**
 * A bounded cache of programs by key: `get(key, make)` gives the program made for `key`, making
 * it the first time; past `limit` programs the oldest made is dropped (a stream engine keeps
 * one per batch shape).
 */
export function programCache(limit = 64): (key: string, make: () => Program) => Program {
  const programs = new Map<string, Program>();
  return (key, make) => {
    let p = programs.get(key);
    if (p === undefined) {
      p = make();
      if (programs.size >= limit) programs.delete(programs.keys().next().value!);
      programs.set(key, p);
    }
    return p;
  };
}

/**
 * The program cache for `shared` (a key naming everything its programs depend on): one cache
 * per key, kept for the most recently used SHARED_CACHES keys, so engines built for the same
 * computation share their programs; a fresh cache of its own without a key.
 */
export function sharedProgramCache(shared: string | undefined): (key: string, make: () => Program) => Program {
  if (shared === undefined) return programCache();
  let cache = sharedCaches.get(shared);
  if (cache === undefined) sharedCaches.set(shared, (cache = programCache()));
  return cache;
}
const SHARED_CACHES = 32;
const sharedCaches = new LRU<string, (key: string, make: () => Program) => Program>(SHARED_CACHES);
