// Runs one wasm kernel call on several threads: the calling thread and worker threads share
// the kernel heap (a shared WebAssembly.Memory, memory.ts) and each instantiates the
// kernel's module on it, so a part of a call is the same function on a range of its units
// (compile.ts `KernelParts`: output elements, or rows of a reduction). Parts write disjoint
// outputs and compute what the whole call computes, so the result does not depend on how
// many threads ran or which part each took.
//
// Protocol, over one SharedArrayBuffer (`ctrl`):
// - a run writes its arguments (addresses, lengths, constants) and resets the part counter,
//   then bumps each ready worker's sequence number and wakes it (Atomics.notify);
// - every thread, the caller included, takes parts from the counter (Atomics.add) until none
//   is left: a worker that wakes late takes none, a busy machine costs no more than one
//   thread would;
// - a worker acknowledges the sequence number when it finds no part left, and the caller
//   waits for every worker it woke before it returns (so the next run's arguments never
//   change under a part still running);
// - every finished part gets the run's sequence number in its DONE slot, so a piped run
//   (`runParts` with `piped`) hands parts to the caller's `consume` in order as they finish, the
//   caller computing parts not yet taken meanwhile.
// A second kind of run (`runCalls`) hands out whole calls instead: part k is the function
// called with the run's arguments and k (a fused scan over a range of its lanes, scan.ts).
// Modules go to a worker by message before the first run that needs them (it reads them with
// receiveMessageOnPort, never returning to its event loop); modules dropped from the
// compile cache are dropped by the workers too. Workers are unref'd: they never keep a
// process alive. Only calls with enough work run in parts (PARALLEL_MIN elements): waking a
// thread costs tens of microseconds.

import { onEvict, runPart, type KernelParts } from './compile.js';
import type { WasmHeap } from './memory.js';
import { threadCount, workerThreads } from './thread_count.js';
import { MATH_IMPORTS } from './math_imports.js';

/** Calls over fewer elements run on the calling thread alone. */
export const PARALLEL_MIN = 1 << 17;
/** Parts per thread of one call (a late or slow thread leaves its share to the others). */
const PARTS_PER_THREAD = 4;
/** Elements per part at least. */
const MIN_PART = 1 << 14;
/** How long the caller waits for a worker before it declares the workers broken. */
const TIMEOUT_MS = 30_000;

// ctrl layout (Int32 indices), then float64 arguments from ARGS_BYTE
const NEXT = 0;
const PARTS = 1;
const PART = 2;
const UNITS = 3;
const KID = 4;
const NPTR = 5;
const NFIXED = 6;
const NVAL = 7;
const FAILED = 8;
const WORKER_PARTS = 9;
const MODE = 10; // 0: kernel parts (KernelParts), 1: calls fn(...args, k)
const SLOTS = 16; // per worker (at most 63): [seq, ack, ready, unused]
const ARGS_BYTE = 2048;
const MAX_ARGS = 480;
const DONE_BYTE = 6144; // per part: the sequence number of the run that finished it
const MAX_PARTS = 8192;
const CTRL_BYTES = DONE_BYTE + MAX_PARTS * 4;
const DONE = DONE_BYTE / 4;

/**
 * The worker (plain JS, run with `eval`): the argument layout below must match `run`, and
 * a part's call `runPart` (compile.ts).
 * a = [ptrs..., out, fixed..., values..., inStride..., outStride, perUnit]
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, ctrl, slot, port } = workerData;
const c = new Int32Array(ctrl);
const a = new Float64Array(ctrl, ${ARGS_BYTE});
const fns = new Map();
const math = Object.fromEntries(${JSON.stringify(Object.keys(MATH_IMPORTS))}.map((n) => [n, Math[n]]));
const me = ${SLOTS} + 4 * slot;
const take = (m) => {
  if (m.forget !== undefined) fns.delete(m.forget);
  else fns.set(m.id, new WebAssembly.Instance(m.module, { env: { memory, ...math } }).exports.kernel);
};
const fnOf = (id) => {
  const t0 = Date.now();
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) take(m.message);
    const fn = fns.get(id);
    if (fn) return fn;
    if (!m) {
      if (Date.now() - t0 > 5000) throw new Error('laxflow worker: no module ' + id);
      Atomics.wait(c, ${FAILED}, c[${FAILED}], 0.05);
    }
  }
};
function work() {
  // modules sent since the last run (and forgotten ones) first
  for (let m; (m = receiveMessageOnPort(port)); ) take(m.message);
  const parts = c[${PARTS}];
  if (Atomics.load(c, ${NEXT}) >= parts) return;
  const fn = fnOf(c[${KID}]);
  if (c[${MODE}] === 1) return calls(fn, parts);
  const nPtr = c[${NPTR}], nFixed = c[${NFIXED}], nVal = c[${NVAL}], part = c[${PART}], units = c[${UNITS}];
  const args = new Array(nPtr + 3 + nFixed + nVal);
  const strides = nPtr + 1 + nFixed + nVal;
  for (;;) {
    const k = Atomics.add(c, ${NEXT}, 1);
    if (k >= parts) return;
    const b = k * part, n = Math.min(part, units - b);
    for (let i = 0; i < nPtr; i++) args[i] = a[i] + b * a[strides + i];
    args[nPtr] = a[nPtr] + b * a[strides + nPtr];
    args[nPtr + 1] = n;
    for (let i = 0; i < nFixed; i++) args[nPtr + 2 + i] = a[nPtr + 1 + i];
    args[nPtr + 2 + nFixed] = b * a[strides + nPtr + 1];
    for (let i = 0; i < nVal; i++) args[nPtr + 3 + nFixed + i] = a[nPtr + 1 + nFixed + i];
    fn(...args);
    Atomics.add(c, ${WORKER_PARTS}, 1);
    Atomics.store(c, ${DONE_BYTE / 4} + k, seq);
    Atomics.notify(c, ${DONE_BYTE / 4} + k);
  }
}
function calls(fn, parts) {
  const n = c[${NVAL}];
  const args = new Array(n + 1);
  for (let i = 0; i < n; i++) args[i] = a[i];
  for (;;) {
    const k = Atomics.add(c, ${NEXT}, 1);
    if (k >= parts) return;
    args[n] = k;
    fn(...args);
    Atomics.add(c, ${WORKER_PARTS}, 1);
  }
}
Atomics.store(c, me + 2, 1);
let seq = 0;
for (;;) {
  Atomics.wait(c, me, seq);
  seq = Atomics.load(c, me);
  try { work(); } catch (e) { Atomics.store(c, ${FAILED}, 1); }
  Atomics.store(c, me + 1, seq);
  Atomics.notify(c, me + 1);
}
`;

interface WorkerHandle {
  port: { postMessage(m: unknown): void };
  /** Module ids this worker has been sent. */
  has: Set<number>;
  dead: boolean;
}

class Pool {
  readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: WorkerHandle[] = [];
  private seq = 0;
  broken = false;

  constructor(heap: WasmHeap, size: number) {
    const wt = workerThreads()!;
    const sab = new SharedArrayBuffer(CTRL_BYTES);
    this.ctrl = new Int32Array(sab);
    this.args = new Float64Array(sab, ARGS_BYTE);
    for (let slot = 0; slot < size; slot++) {
      const { port1, port2 } = new wt.MessageChannel();
      const w = new wt.Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { memory: heap.memory, ctrl: sab, slot, port: port2 }, transferList: [port2] });
      w.unref();
      port1.unref();
      const h: WorkerHandle = { port: port1, has: new Set(), dead: false };
      w.on('error', () => (h.dead = true));
      w.on('exit', () => (h.dead = true));
      this.workers.push(h);
    }
    onEvict((id) => {
      for (const h of this.workers) if (h.has.delete(id)) h.port.postMessage({ forget: id });
    });
  }

  /** Workers that have started and are alive (those a run wakes). */
  ready(): number[] {
    const out: number[] = [];
    this.workers.forEach((h, w) => !h.dead && Atomics.load(this.ctrl, SLOTS + 4 * w + 2) === 1 && out.push(w));
    return out;
  }

  /**
   * Run the call in parts; with `consume`, parts of `pieceUnits` units, and `consume(b, n)`
   * is called on this thread for each part in order as soon as it is done (while the others
   * compute the next ones). False when it did not run.
   */
  run(p: KernelParts, inputs: readonly number[], out: number, units: number, values: readonly number[], consume?: (b: number, n: number) => void, pieceUnits = 0): boolean {
    const nPtr = inputs.length;
    const nArgs = nPtr + 1 + p.fixed.length + values.length + nPtr + 2;
    const woken = this.ready();
    if (woken.length === 0 || nArgs > MAX_ARGS) return false;
    const threads = woken.length + 1;
    const align = p.perUnit === 1 ? 8 : 1; // elementwise parts keep the 8-wide SIMD loop
    const minPart = consume ? Math.max(pieceUnits, Math.ceil(units / MAX_PARTS)) : Math.ceil(MIN_PART / p.perUnit);
    const part = Math.ceil(Math.max(minPart, consume ? 1 : Math.ceil(units / (threads * PARTS_PER_THREAD))) / align) * align;
    const parts = Math.ceil(units / part);
    if (parts < 2 || parts > MAX_PARTS) return false;
    const c = this.ctrl;
    const a = this.args;
    // arguments: [ptrs..., out, fixed..., values..., inStride..., outStride, perUnit]
    let j = 0;
    for (const x of inputs) a[j++] = x;
    a[j++] = out;
    for (const x of p.fixed) a[j++] = x;
    for (const x of values) a[j++] = x;
    for (const s of p.inStride) a[j++] = s;
    a[j++] = p.outStride;
    a[j++] = p.perUnit;
    c[MODE] = 0;
    c[PARTS] = parts;
    c[PART] = part;
    c[UNITS] = units;
    c[NPTR] = nPtr;
    c[NFIXED] = p.fixed.length;
    c[NVAL] = values.length;
    const seq = this.wake(woken, p);
    const args: number[] = [];
    const size = (k: number) => Math.min(part, units - k * part);
    try {
      if (!consume) {
        for (;;) {
          const k = Atomics.add(c, NEXT, 1);
          if (k >= parts) break;
          runPart(p, inputs, out, k * part, size(k), values, args);
        }
      } else {
        // hand each part over in order once done; meanwhile compute parts not yet taken
        const t0 = Date.now();
        for (let next = 0, spin = 0; next < parts; ) {
          if (Atomics.load(c, DONE + next) === seq) {
            consume(next * part, size(next));
            next++;
            continue;
          }
          const k = Atomics.load(c, NEXT) < parts ? Atomics.add(c, NEXT, 1) : parts;
          if (k < parts) {
            runPart(p, inputs, out, k * part, size(k), values, args);
            Atomics.store(c, DONE + k, seq);
          } else if (++spin > 200) {
            if (Date.now() - t0 > TIMEOUT_MS) throw this.unresponsive();
            Atomics.wait(c, DONE + next, Atomics.load(c, DONE + next), 1);
          }
        }
      }
    } finally {
      this.join(woken, seq);
    }
    if (Atomics.exchange(c, FAILED, 0) !== 0) {
      this.broken = true;
      throw new Error('laxflow: a CPU worker thread failed running a kernel; kernels run on one thread from now on');
    }
    return true;
  }

  /** Starts run `p` (its arguments written) on the `woken` workers; returns its sequence number. */
  private wake(woken: readonly number[], p: { id: number; module: WebAssembly.Module }): number {
    const c = this.ctrl;
    c[KID] = p.id;
    Atomics.store(c, NEXT, 0);
    const seq = ++this.seq;
    for (const w of woken) {
      const h = this.workers[w];
      if (!h.has.has(p.id)) h.port.postMessage({ id: p.id, module: p.module }), h.has.add(p.id);
      Atomics.store(c, SLOTS + 4 * w, seq);
      Atomics.notify(c, SLOTS + 4 * w);
    }
    return seq;
  }

  /** Calls `p.fn(...args, k)` for k in [0, parts) on this thread and the workers; false when it did not run. */
  runCalls(p: CallsModule, args: readonly number[], parts: number): boolean {
    const woken = this.ready();
    if (woken.length === 0 || args.length > MAX_ARGS || parts < 2) return false;
    const c = this.ctrl;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    c[MODE] = 1;
    c[PARTS] = parts;
    c[NVAL] = args.length;
    const seq = this.wake(woken, p);
    const call = [...args, 0];
    try {
      for (;;) {
        const k = Atomics.add(c, NEXT, 1);
        if (k >= parts) break;
        call[args.length] = k;
        p.fn(...call);
      }
    } finally {
      this.join(woken, seq);
    }
    if (Atomics.exchange(c, FAILED, 0) !== 0) {
      this.broken = true;
      throw new Error('laxflow: a CPU worker thread failed running a kernel; kernels run on one thread from now on');
    }
    return true;
  }

  private unresponsive(): Error {
    this.broken = true;
    return new Error('laxflow: a CPU worker thread stopped responding; kernels run on one thread from now on');
  }

  /** Wait until every woken worker has acknowledged `seq`. */
  private join(woken: readonly number[], seq: number): void {
    const c = this.ctrl;
    const t0 = Date.now();
    for (const w of woken) {
      const ack = SLOTS + 4 * w + 1;
      for (let spin = 0; Atomics.load(c, ack) !== seq; spin++) {
        if (spin < 200) continue;
        const left = TIMEOUT_MS - (Date.now() - t0);
        if (left <= 0) throw this.unresponsive();
        Atomics.wait(c, ack, Atomics.load(c, ack), Math.min(left, 100));
      }
    }
  }
}

let pool: Pool | null | undefined;
let enabled = true;

/** For tests: run every kernel on the calling thread (false) or in parts again (true). */
export function configureThreads(on: boolean): void {
  enabled = on;
}

function poolFor(heap: WasmHeap): Pool | null {
  if (pool === undefined) {
    try {
      pool = heap.shared && threadCount() > 1 ? new Pool(heap, threadCount() - 1) : null;
    } catch {
      pool = null; // a runtime whose workers cannot start: one thread
    }
  }
  return pool && !pool.broken ? pool : null;
}

/** Runs of `runParts` that ran in parts, and parts that worker threads ran (tests, benchmarks). */
export const threadStats = {
  runs: 0,
  get workerParts(): number {
    return pool ? Atomics.load(pool.ctrl, WORKER_PARTS) : 0;
  },
};

/**
 * Run a kernel call over `units` on the threads there are, when it is large enough; false
 * when it did not run (the caller runs it whole). With `piped`, in parts of about
 * `pieceUnits` units, calling `consume(b, n)` on the calling thread for each part in order
 * once it is done (the caller copies a part out while the threads compute the next).
 */
export function runParts(heap: WasmHeap, p: KernelParts, inputs: readonly number[], out: number, units: number, values: readonly number[], piped?: { pieceUnits: number; consume: (b: number, n: number) => void }): boolean {
  if (units * p.perUnit < PARALLEL_MIN || !heap.shared || !enabled) return false;
  const pl = poolFor(heap);
  if (!pl || !pl.run(p, inputs, out, units, values, piped?.consume, piped?.pieceUnits)) return false;
  threadStats.runs++;
  return true;
}

/** A module whose function `runCalls` calls once per part, the part index last. */
export interface CallsModule {
  readonly fn: (...args: number[]) => void;
  readonly module: WebAssembly.Module;
  /** Its id in the module cache (compile.ts `cached`: evicted modules are dropped by the workers). */
  readonly id: number;
}

/**
 * Call `p.fn(...args, k)` for every part k in [0, parts), spread over the threads there are;
 * false when it did not run (no worker threads: the caller makes the calls itself). Parts
 * must write disjoint memory, so the result does not depend on which thread ran which.
 */
export function runCalls(heap: WasmHeap, p: CallsModule, args: readonly number[], parts: number): boolean {
  if (!heap.shared || !enabled) return false;
  const pl = poolFor(heap);
  if (!pl || !pl.runCalls(p, args, parts)) return false;
  threadStats.runs++;
  return true;
}

/** Starts the worker threads (if any) and resolves once they are ready (tests, benchmarks). */
export async function threadsReady(heap: WasmHeap, timeoutMs = 10_000): Promise<number> {
  const pl = poolFor(heap);
  if (!pl) return 0;
  const t0 = Date.now();
  while (pl.ready().length < threadCount() - 1 && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 5));
  return pl.ready().length;
}
