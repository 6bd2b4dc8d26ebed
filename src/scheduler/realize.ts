// Realization: the moment work runs. A backend turns the graph reachable from some nodes
// into their values; realized nodes keep their buffer and act as leaves afterwards.

import { copyOf, type TypedArray } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import { adopt, heapCrowded, setHeapInputs } from './pool.js';

export interface Backend {
  readonly name: string;
  /**
   * Values of `outputs` (distinct, unrealized nodes). Realized inputs are read from `node.buf`.
   * The values of nodes in `kept` stay with the caller for good (a stream's carry): a backend
   * may give them ordinary storage of their own instead of recyclable buffers.
   */
  run(outputs: readonly Node[], kept?: ReadonlySet<Node>): Promise<TypedArray[]> | TypedArray[];
  /**
   * Optionally, the value of the unrealized `node` computed straight into a new array that
   * the caller owns, the node staying unrealized; null where the backend would rather
   * realize the node (then the caller gets a copy of its value).
   */
  runFresh?(node: Node): TypedArray | null;
  /**
   * Large np.array data is best placed in the CPU backend's heap (its kernels read it there
   * without a copy). Other backends leave it in ordinary arrays (the WebGPU backend uploads
   * it, and a shared heap would need a copy first).
   */
  readonly heapInputs?: boolean;
}

let backend: Backend | undefined;

export function setBackend(b: Backend): void {
  backend = b;
  setHeapInputs(b.heapInputs === true);
}

export function currentBackend(): Backend {
  if (!backend) throw new Error('laxflow: no backend registered');
  return backend;
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

function keep(todo: readonly Node[], bufs: readonly TypedArray[]): void {
  todo.forEach((n, i) => {
    n.buf = bufs[i];
    adopt(n, bufs[i]);
  });
}

/**
 * The value of `node` in a new array the caller owns (`data()`): computed straight into it
 * where the backend can (the node then stays unrealized, a recipe that a later read runs
 * again), else a copy of the node's realized value.
 */
export async function readFresh(node: Node): Promise<TypedArray> {
  if (heapCrowded()) await yieldToEventLoop();
  if (node.buf === undefined && !(node.prim === 'const' && !node.consumed)) {
    const out = currentBackend().runFresh?.(node);
    if (out) return out;
  }
  const [buf] = await realizePending([node]);
  return copyOf(buf);
}

/**
 * One event-loop turn: finalizers run (they give dead arrays' heap blocks back, pool.ts) and
 * so does Dawn's own work (gpu/backend.ts).
 */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** Compute (once) and return the host values of `nodes`, in one schedule. */
export async function realizeNodes(nodes: readonly Node[]): Promise<TypedArray[]> {
  if (heapCrowded()) await yieldToEventLoop();
  return realizePending(nodes);
}

/** `realizeNodes` without the turn for a crowded heap (the caller has taken it). */
async function realizePending(nodes: readonly Node[]): Promise<TypedArray[]> {
  const todo = distinctPending(nodes);
  if (todo.length) keep(todo, await currentBackend().run(todo));
  return nodes.map((n) => n.buf!);
}

/** Synchronous realize, for backends that can run synchronously (the CPU backend). */
export function realizeNodesSync(nodes: readonly Node[]): TypedArray[] {
  const todo = distinctPending(nodes);
  if (todo.length) {
    const out = currentBackend().run(todo);
    if (out instanceof Promise) throw new Error(`the ${currentBackend().name} backend cannot be read synchronously; use await`);
    keep(todo, out);
  }
  return nodes.map((n) => n.buf!);
}
