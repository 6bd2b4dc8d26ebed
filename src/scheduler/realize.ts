// Realization: the moment work runs, and the one module that writes a node's value
// (`node.buf`). A backend turns the graph reachable from some nodes into their values;
// realized nodes keep their buffer and act as leaves afterwards.
//
// A backend owns its storage. Buffers it hands back may be views of memory it recycles (the
// CPU backend's wasm heap); the realization layer tells the backend's `Storage` when a node
// keeps such a buffer and when it lets go of it, and copies a buffer before it leaves the
// engine. The user API and the stream operators call only this module, so one operator runs
// unchanged on the CPU, on WebGPU and on the oracle.

import { copyOf, storage as typedArrayOf, type DType, type TypedArray } from '../graph/dtype.js';
import { liveLoops, uniqueNode, withInputs, type Node, type PrimParams } from '../graph/node.js';
import { replayTrace, traceOf, type Trace } from '../graph/replay.js';
import { substitute, toposort } from '../graph/toposort.js';
import type { Schedule } from './kernel.js';
import { schedule } from './schedule.js';

/** Host memory a backend recycles. Every method is a no-op on buffers it does not own. */
export interface Storage {
  /** A copy of user data (np.array's), placed where this backend's kernels read it best. */
  copyIn(src: TypedArray, dtype: DType): TypedArray;
  /** An uninitialized buffer of `size` elements for the caller to fill and pass to a program, then `give`. */
  take(dtype: DType, size: number): TypedArray;
  /** `owner` keeps `buf` (its value or constant data): recycle it when `owner` is collected. */
  adopt(owner: object, buf: TypedArray): void;
  /** `owner` no longer keeps `buf`. */
  disown(owner: object, buf: TypedArray): void;
  /** Nothing reads `buf` any more. */
  give(buf: TypedArray): void;
  /** Is `buf` memory of this storage (a view that must be copied before it leaves the engine)? */
  owns(buf: TypedArray): boolean;
  /** Should an async read let the event loop turn first (many live buffers, maybe dead)? */
  crowded(): boolean;
}

export interface Backend {
  readonly name: string;
  /**
   * Values of `outputs` (distinct, unrealized nodes). Realized inputs are read from `node.buf`.
   * The values of nodes in `kept` stay with the caller for good (a stream's carry): a backend
   * gives them ordinary storage of their own instead of recyclable buffers.
   */
  run(outputs: readonly Node[], kept?: ReadonlySet<Node>): Promise<TypedArray[]> | TypedArray[];
  /**
   * Optionally, the value of the unrealized `node` computed straight into a new array that
   * the caller owns, the node staying unrealized; null where the backend would rather
   * realize the node (then the caller gets a copy of its value).
   */
  runFresh?(node: Node): TypedArray | null;
  /**
   * Optionally, run a schedule made over params (scheduler/program.ts) on `args`, one buffer
   * per param: the caller keeps the first `kept` outputs (ordinary arrays, or a donated
   * argument updated in place); the rest are lent (`giveBuffers`).
   */
  runProgram?(s: Schedule, args: readonly TypedArray[], kept: number): TypedArray[] | Promise<TypedArray[]>;
  /** Where the backend keeps host buffers; absent: ordinary arrays, left to the GC. */
  readonly storage?: Storage;
  /**
   * Optionally, the most bytes one array of a program may hold here (WebGPU: one storage
   * binding); a stream sizes its batches to it. Absent: no limit.
   */
  readonly maxArrayBytes?: number;
}

let backend: Backend | undefined;
let host: Backend | undefined;
/** The storages of every backend used so far (their buffers may outlive a switch of backend). */
const storages: Storage[] = [];

function register(b: Backend): void {
  if (b.storage && !storages.includes(b.storage)) storages.push(b.storage);
}

export function setBackend(b: Backend): void {
  register(b);
  backend = b;
}

/**
 * The synchronous host backend (the CPU): computes host values any backend needs at once (a
 * stream's initial carry) and runs what another backend cannot (`runOnHost`).
 */
export function setHostBackend(b: Backend): void {
  register(b);
  host = b;
}

export function currentBackend(): Backend {
  if (!backend) throw new Error('laxflow: no backend registered');
  return backend;
}

function hostBackend(): Backend {
  if (!host) throw new Error('laxflow: no host backend registered');
  return host;
}

// ---- storage, whichever backend owns it -------------------------------------------------------

const ownerOf = (buf: TypedArray): Storage | undefined => {
  for (const s of storages) if (s.owns(buf)) return s;
  return undefined;
};

/** Is `buf` a backend's recyclable memory (so never aliased by a second node)? */
export const isBackendStorage = (buf: TypedArray): boolean => ownerOf(buf) !== undefined;

/** np.array's copy of user data: where the current backend reads it best, else an ordinary copy. */
export function hostCopy(src: TypedArray, dtype: DType): TypedArray {
  const s = currentBackend().storage;
  return s ? s.copyIn(src, dtype) : new typedArrayOf[dtype](src as never);
}

/**
 * A buffer for a program's argument that the caller fills (a stream's batch of steps): the
 * current backend's storage, where its kernels read it in place, or an ordinary array.
 * Give it back with `giveBuffers` once the program has run.
 */
export function takeHost(dtype: DType, size: number): TypedArray {
  const s = currentBackend().storage;
  return s ? s.take(dtype, size) : new typedArrayOf[dtype](size);
}

/** `owner` (a constant node) keeps `data` for good: recycled when the owner is collected. */
export function holdStorage(owner: object, data: TypedArray): void {
  ownerOf(data)?.adopt(owner, data);
}

const crowded = (): boolean => {
  for (const s of storages) if (s.crowded()) return true;
  return false;
};

// ---- node values --------------------------------------------------------------------------

function setValue(n: Node, buf: TypedArray): void {
  n.buf = buf;
  ownerOf(buf)?.adopt(n, buf);
}

/**
 * A backend updated the storage of `n` (a leaf input) in place: that storage is the update's
 * output now, so `n` has no value any more (a constant is marked consumed: its data is gone).
 */
export function surrender(n: Node): void {
  const b = n.buf ?? (n.prim === 'const' ? (n as Node<'const'>).params.data : undefined);
  if (b !== undefined) ownerOf(b)?.disown(n, b);
  n.buf = undefined;
  if (n.prim === 'const') n.consumed = true;
}

/** The nodes that need computing. A constant needs none: its data is its value (no copy kernel). */
function distinctPending(nodes: readonly Node[]): Node[] {
  const todo = new Set<Node>();
  for (const n of nodes) {
    if (n.buf !== undefined) continue;
    if (n.prim === 'const' && !n.consumed) n.buf = (n as Node<'const'>).params.data;
    else todo.add(n);
  }
  return [...todo];
}

const keep = (todo: readonly Node[], bufs: readonly TypedArray[]): void => todo.forEach((n, i) => setValue(n, bufs[i]));

/**
 * The value of `node` in a new array the caller owns (`data()`): computed straight into it
 * where the backend can (the node then stays unrealized, a recipe that a later read runs
 * again), else a copy of the node's realized value.
 */
export async function readFresh(node: Node): Promise<TypedArray> {
  if (crowded()) await yieldToEventLoop();
  if (node.buf === undefined && !(node.prim === 'const' && !node.consumed)) {
    const b = currentBackend();
    // runFresh schedules the graph: its loops run first (no await, so no extra tick, without one)
    const loops = b.runFresh ? runLoops([node], b) : undefined;
    if (loops) await loops;
    const out = b.runFresh?.(node);
    if (out) return out;
  }
  const [buf] = await realizePending([node]);
  return copyOf(buf);
}

/**
 * One event-loop turn: finalizers run (they give dead arrays' storage back) and so does
 * Dawn's own work (gpu/backend.ts).
 */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * The other outputs of the tuple nodes (scans, while loops) that `todo` projects, not yet
 * computed and still wrapped by an Array: computed and kept with them, so reading a scan's
 * outputs one after another runs it once. The tuple node then forgets its projections (a
 * kept output must not keep the others' values alive through it).
 */
function siblings(todo: readonly Node[]): Node[] {
  const more: Node[] = [];
  for (const n of todo) {
    if (n.prim !== 'proj') continue;
    const t = n.inputs[0];
    for (const s of t.projections ?? []) {
      if (s.buf === undefined && !s.consumed && s.live.handles > 0 && !todo.includes(s) && !more.includes(s)) more.push(s);
    }
    t.projections = undefined;
  }
  return more;
}

/** Compute (once) and return the host values of `nodes`, in one schedule. */
export async function realizeNodes(nodes: readonly Node[]): Promise<TypedArray[]> {
  // A loop of awaits on the synchronous CPU backend never runs the finalizers that recycle
  // dead arrays' storage; a crowded storage gets one event-loop turn first.
  if (crowded()) await yieldToEventLoop();
  return realizePending(nodes);
}

async function realizePending(nodes: readonly Node[]): Promise<TypedArray[]> {
  return computeOn(nodes, currentBackend(), false);
}

/**
 * The values of `nodes` computed by backend `b`; each node
 * keeps its value (as its own, `own`: ordinary arrays no storage adopts). Synchronous where
 * `b` is.
 */
function computeOn(nodes: readonly Node[], b: Backend, own: boolean): TypedArray[] | Promise<TypedArray[]> {
  const todo = distinctPending(nodes);
  if (todo.length === 0) return nodes.map((n) => n.buf!);
  if (!own) todo.push(...siblings(todo));
  return thenMaybe(b.run(todo, own ? new Set(todo) : undefined), (bufs) => {
    if (own) todo.forEach((n, i) => (n.buf = bufs[i]));
    else keep(todo, bufs);
    return nodes.map((n) => n.buf!);
  });
}

/** Values of `outputs` computed by the host backend (for a backend that cannot run them). */
export const runOnHost = (outputs: readonly Node[], kept?: ReadonlySet<Node>): TypedArray[] | Promise<TypedArray[]> => hostBackend().run(outputs, kept);

/**
 * Host values of `nodes`, computed synchronously by the host backend into ordinary arrays
 * the caller keeps; the nodes stay unrealized (a stream's initial carry, on any backend).
 */
export function computeOnHost(nodes: readonly Node[]): TypedArray[] {
  const distinct = [...new Set(nodes)];
  const values = hostBackend().run(distinct, new Set(distinct));
  if (values instanceof Promise) throw new Error(`internal error: the ${hostBackend().name} host backend is not synchronous`);
  return nodes.map((n) => values[distinct.indexOf(n)]);
}

// ---- a stream batch: kept state and lent outputs --------------------------------------------

/**
 * The buffer to hand out of the engine for `n` (someone outside keeps it): backend memory is
 * replaced by an ordinary copy, which becomes the node's value, and goes back. A constant's
 * data stays its storage (the node's params hold it): the caller gets a copy only.
 */
function handOut(n: Node, buf: TypedArray): TypedArray {
  const s = ownerOf(buf);
  if (!s) return buf;
  const copy = copyOf(buf);
  if (n.prim === 'const') return copy;
  s.disown(n, buf);
  if (n.buf === buf) n.buf = copy;
  s.give(buf);
  return copy;
}

/**
 * The values of `nodes`, synchronously where the backend is synchronous (so a stream emits a
 * batch's outputs in the tick its inputs arrived) and as a promise otherwise. The caller keeps
 * the buffers of the first `kept` nodes (stream state): those are ordinary arrays. The rest
 * are lent as they are: the caller copies what it needs at once and returns them with
 * `giveBack` or `giveBuffers` (a batch's outputs, sliced into the records it emits, need no copy first).
 */
export function realizeBatch(nodes: readonly Node[], kept = nodes.length): TypedArray[] | Promise<TypedArray[]> {
  const todo = [...new Set(nodes.filter((n) => n.buf === undefined))];
  const done = () => nodes.map((n, i) => (i < kept ? handOut(n, n.buf!) : n.buf!));
  if (todo.length === 0) return done();
  const out = currentBackend().run(todo, new Set(nodes.slice(0, kept)));
  // No adoption: every value is handed out or given back by the caller within the batch.
  const finish = (bufs: TypedArray[]) => {
    todo.forEach((n, i) => (n.buf = bufs[i]));
    return done();
  };
  return out instanceof Promise ? out.then(finish) : finish(out);
}

/**
 * Give back the storage of nodes lent by `realizeBatch` (nodes made for one batch, never read
 * again: a later read would compute them afresh). Constants keep theirs.
 */
export function giveBack(nodes: readonly Node[]): void {
  for (const n of nodes) {
    const b = n.buf;
    if (b === undefined || n.prim === 'const') continue;
    const s = ownerOf(b);
    if (!s) continue;
    s.disown(n, b);
    n.buf = undefined;
    s.give(b);
  }
}

/** Give back lent buffers (a program's outputs, `realizeBatch`'s) once their values are copied. */
export function giveBuffers(bufs: readonly TypedArray[]): void {
  for (const b of new Set(bufs)) ownerOf(b)?.give(b);
}

/**
 * `run()`, then `then` on its result, giving back `held` (buffers from `takeHost` that the run
 * reads) and calling `done` once both are done, also when either throws or the run's promise
 * rejects.
 */
export function thenGiving<A, B>(held: readonly TypedArray[], run: () => A | Promise<A>, then: (a: A) => B, done?: () => void): B | Promise<B> {
  const give = () => {
    giveBuffers(held);
    done?.();
  };
  const finish = (a: A): B => {
    try {
      return then(a);
    } finally {
      give();
    }
  };
  let ran: A | Promise<A>;
  try {
    ran = run();
  } catch (err) {
    give();
    throw err;
  }
  return ran instanceof Promise ? ran.then(finish, (err) => (give(), Promise.reject(err))) : finish(ran);
}

/** `thenMaybe` for an `f` that may itself return a promise (a promise's `then` flattens it). */
const chain = <A, B>(v: A | Promise<A>, f: (a: A) => B | Promise<B>): B | Promise<B> => thenMaybe(v, f) as B | Promise<B>;

/** `then` that stays synchronous for synchronous values. */
export function thenMaybe<A, B>(v: A | Promise<A>, f: (a: A) => B): B | Promise<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}

// ---- while loops ------------------------------------------------------------------------------
//
// A `while` node (lax.whileLoop) runs here as one unit, before a backend schedules a graph
// (each backend's `run`, and `readFresh`, call `runLoops` first): its inputs are realized,
// then a host loop runs the loop's step until the predicate is false, and its projections
// become leaves holding the final carry. The step is one program,
// `carry => [cond(body(carry)), ...body(carry)]`, after one run of `cond(init)`: each
// iteration is one backend run and one read of a boolean. The CPU backend runs the step as a
// compiled program over params (scheduler/program.ts's path: no graph per iteration);
// another backend (WebGPU) realizes a replay of it over the carry's values, one submit and
// one readback per iteration, since values between runs live on the host. A loop in the
// step (a nested whileLoop) takes the replay path on every backend, so it runs here too.
// The oracle backend evaluates `while` by its rule instead (the reference loop), and never
// calls this.

interface LoopPlan {
  /** [...condConsts, ...carry] -> [pred]. */
  readonly first: Trace;
  /** [...condConsts, ...bodyConsts, ...carry] -> [cond(next), ...next] with next = body(carry). */
  readonly step: Trace;
  /** Does a step hold a loop (so it must run by replay)? */
  readonly nested: boolean;
  /** Their schedules over params, for a backend that runs programs. */
  readonly schedules: Map<Trace, Schedule>;
}

/** Per `while` params object (shared by a jit replay's copies of the node). */
const loopPlans = new WeakMap<object, LoopPlan>();

/** Final carries of loops that ran; `given[k]`: output k was handed to a projection (a second one gets a copy). */
const loopValues = new WeakMap<Node, { values: TypedArray[]; given: boolean[] }>();

function loopPlan(p: PrimParams['while']): LoopPlan {
  let plan = loopPlans.get(p);
  if (plan) return plan;
  const { cond, body, numCondConsts: nc } = p;
  const [predNext] = substitute(cond.outputs, new Map(cond.params.slice(nc).map((q, i) => [q, body.outputs[i]])), withInputs);
  const first = traceOf(cond.params, cond.outputs);
  const step = traceOf([...cond.params.slice(0, nc), ...body.params], [predNext, ...body.outputs]);
  const nested = [first, step].some((t) => [...t.order, ...t.kept].some((n) => n.prim === 'while'));
  plan = { first, step, nested, schedules: new Map() };
  loopPlans.set(p, plan);
  return plan;
}

/** Outputs of trace `t` of a loop on `args` (one buffer per param), as arrays the loop owns. */
function runTrace(plan: LoopPlan, t: Trace, args: readonly TypedArray[], b: Backend): TypedArray[] | Promise<TypedArray[]> {
  if (b.runProgram && !plan.nested) {
    let s = plan.schedules.get(t);
    if (s === undefined) plan.schedules.set(t, (s = schedule(t.outputs, { params: t.params })));
    return b.runProgram(s, args, t.outputs.length);
  }
  const inputs = args.map((data, i) => uniqueNode('const', { data, shape: t.params[i].shape, dtype: t.params[i].dtype, weak: false }));
  return computeOn(replayTrace(t, inputs), b, true);
}

/** Repeat `step` from `state` until `done(state)`: synchronous while every step is. */
function repeat<S>(state: S | Promise<S>, done: (s: S) => boolean, step: (s: S) => S | Promise<S>): S | Promise<S> {
  while (!(state instanceof Promise)) {
    if (done(state)) return state;
    state = step(state);
  }
  return (async () => {
    let s = await state;
    while (!done(s)) s = await step(s);
    return s;
  })();
}

/** The final carry of loop `w` on backend `b` (ordinary arrays). */
function runLoop(w: Node<'while'>, b: Backend): TypedArray[] | Promise<TypedArray[]> {
  const plan = loopPlan(w.params);
  const { numCondConsts: nc, numBodyConsts: nb } = w.params;
  return chain(computeOn(w.inputs, b, false), (ins) => {
    const init = ins.slice(nc + nb);
    const start = chain(runTrace(plan, plan.first, [...ins.slice(0, nc), ...init], b), ([pred]) => [pred, ...init]);
    const last = repeat(start, (s) => !s[0][0], (s) => runTrace(plan, plan.step, [...ins.slice(0, nc + nb), ...s.slice(1)], b));
    // A carry the body never changed is still an input's storage: the loop's value is a copy.
    return thenMaybe(last, (s) => s.slice(1).map((buf) => (isBackendStorage(buf) || init.includes(buf) ? copyOf(buf) : buf)));
  });
}

/**
 * Run the loops that the unrealized graph of `nodes` reads on backend `b` (each once, inner
 * ones first) and give their projections their values, so `b` schedules a graph without
 * loops. Nothing to do while no `while` node lives. Synchronous where `b` is.
 */
export function runLoops(nodes: readonly Node[], b: Backend): void | Promise<void> {
  if (!liveLoops()) return;
  const projs = toposort(nodes, (x) => x.buf !== undefined).filter((n) => n.buf === undefined && n.prim === 'proj' && n.inputs[0].prim === 'while');
  let i = 0;
  const next = (): void | Promise<void> => {
    for (; i < projs.length; i++) {
      const p = projs[i] as Node<'proj'>;
      const w = p.inputs[0] as Node<'while'>;
      if (!loopValues.has(w)) {
        const r = runLoop(w, b);
        const store = (values: TypedArray[]) => void loopValues.set(w, { values, given: values.map(() => false) });
        if (r instanceof Promise) {
          return r.then((v) => {
            store(v);
            return next();
          });
        }
        store(r);
      }
      if (p.buf !== undefined) continue;
      const e = loopValues.get(w)!;
      const k = p.params.index;
      setValue(p, e.given[k] ? copyOf(e.values[k]) : e.values[k]);
      e.given[k] = true;
    }
  };
  return next();
}
