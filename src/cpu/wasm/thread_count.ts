// How many threads the wasm kernels of the CPU backend run on, the calling thread included
// (threads.ts runs them). Decided once per process, before the shared heap is made, since a
// heap that worker threads can use must be a shared memory from the start.
//
// Node only (worker_threads, reached synchronously through `process.getBuiltinModule`,
// Node >= 20.16): browsers and older Node run every kernel on the calling thread.
// `LAXFLOW_CPU_THREADS=n` sets the count (1: no worker threads); the default is the
// machine's available parallelism, at most MAX_THREADS.

import type * as WorkerThreads from 'node:worker_threads';

export const MAX_THREADS = 8;

type GetBuiltin = (id: string) => unknown;
const getBuiltin = (): GetBuiltin | undefined => (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;

/** Node's worker_threads module, or null where there is none. */
export function workerThreads(): typeof WorkerThreads | null {
  return (getBuiltin()?.('node:worker_threads') as typeof WorkerThreads | undefined) ?? null;
}

let count: number | undefined;

/** Threads for wasm kernels (>= 1), fixed at the first call. */
export function threadCount(): number {
  if (count !== undefined) return count;
  count = 1;
  const get = getBuiltin();
  if (!get || typeof SharedArrayBuffer !== 'function' || !workerThreads()) return count;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.LAXFLOW_CPU_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`LAXFLOW_CPU_THREADS must be a positive integer, got '${env}'`);
    return (count = Math.min(n, 64));
  }
  const os = get('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] };
  return (count = Math.max(1, Math.min(MAX_THREADS, os.availableParallelism?.() ?? os.cpus().length)));
}
