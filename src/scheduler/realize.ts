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
import type { Node } from '../graph/node.js';
import type { Schedule } from './kernel.js';

/** Host memory a backend recycles. Every method is a no-op on buffers it does not own. */
export interface Storage {
  /** A copy of user data (np.array's), placed where this backend's kernels read it best. */
  copyIn(src: TypedArray, dtype: DType): TypedArray;
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
    const out = currentBackend().runFresh?.(node);
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

/** Compute (once) and return the host values of `nodes`, in one schedule. */
export async function realizeNodes(nodes: readonly Node[]): Promise<TypedArray[]> {
  // A loop of awaits on the synchronous CPU backend never runs the finalizers that recycle
  // dead arrays' storage; a crowded storage gets one event-loop turn first.
  if (crowded()) await yieldToEventLoop();
  return realizePending(nodes);
}

async function realizePending(nodes: readonly Node[]): Promise<TypedArray[]> {
  const todo = distinctPending(nodes);
  if (todo.length) keep(todo, await currentBackend().run(todo));
  return nodes.map((n) => n.buf!);
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

/** `then` that stays synchronous for synchronous values. */
export function thenMaybe<A, B>(v: A | Promise<A>, f: (a: A) => B): B | Promise<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}
