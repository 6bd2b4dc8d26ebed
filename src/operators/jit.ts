// jit: trace `f` once per input signature (pytree structure, shapes, dtypes, weak types)
// and replay the traced graph on later calls without running `f` again. The cache is
// bounded (least recently used entries are dropped).

import { lifetimeGroup, replayNode, sealLifetime, type Node } from '../graph/node.js';
import { unflatten, type TreeDef } from '../graph/pytree.js';
import { noteReplay } from '../graph/replay.js';
import { toposort } from '../graph/toposort.js';
import { LaxArray } from './array.js';
import { compiling } from './compiling.js';
import { wrap } from './nodes.js';
import { flattenNodes, paramNode } from './trace.js';

interface Trace {
  params: Node[];
  outputs: Node[];
  outDef: TreeDef;
  /** The trace's nodes the params reach, in topological order (sorted once): what a replay rebuilds. */
  order: Node[];
  /** Trace nodes that do not depend on the params (every replay shares them). */
  kept: Node[];
  /** Schedules of replays, by liveness (graph/replay.ts). */
  schedules: Map<string, unknown>;
}

/** The trace's nodes between the params and the outputs in topological order: those the params reach, and those they do not. */
function splitByParams(outputs: readonly Node[], params: readonly Node[]): { reached: Node[]; kept: Node[] } {
  const isParam = new Set(params);
  const order = toposort(outputs, (x) => isParam.has(x));
  const reach = new Set(params);
  for (const n of order) if (n.inputs.some((x) => reach.has(x))) reach.add(n);
  return { reached: order.filter((n) => reach.has(n) && !isParam.has(n)), kept: order.filter((n) => !reach.has(n)) };
}

/**
 * The argument nodes, and the pytree structure when it is not the common one (every argument
 * an array: `null`, keyed like the tuple of leaves it is without a pytree walk).
 */
function argNodes(args: readonly unknown[]): [Node[], TreeDef | null] {
  if (args.every((a) => a instanceof LaxArray)) return [args.map((a) => (a as LaxArray).node), null];
  return flattenNodes(args);
}

/** `JSON.stringify` of the treedef of a tuple of `n` leaves (what flattenNodes gives for n arrays). */
const leafTupleKeys: string[] = [];
const leafTupleKey = (n: number): string => (leafTupleKeys[n] ??= JSON.stringify({ kind: 'tuple', children: Array.from({ length: n }, () => ({ kind: 'leaf' })) }));

/**
 * The trace's graph over new input nodes. The inputs have the trace's avals (the cache key),
 * so every node keeps its traced avals; each node of `order` depends on a param, so each is
 * new. One token releases the users they count (node.ts `LifetimeGroup`).
 */
function replay(t: Trace, nodes: readonly Node[]): Node[] {
  const env = new Map<Node, Node>();
  t.params.forEach((p, i) => env.set(p, nodes[i]));
  const group = lifetimeGroup();
  for (const n of t.order) {
    const inputs = n.inputs.map((x) => env.get(x) ?? x);
    env.set(n, replayNode(n, inputs, group));
  }
  sealLifetime(group);
  return t.outputs.map((o) => env.get(o) ?? o);
}

export interface JitOptions {
  /** Maximum number of traces kept (default 64). */
  cacheSize?: number;
  /**
   * Positional arguments whose storage the call may reuse (JAX's `donate_argnums`): an
   * `.at` update of a donated array updates it in place even while it is still wrapped, and
   * the donated arrays must not be read after the call.
   */
  donateArgnums?: number | readonly number[];
}

export interface Jitted<F> {
  (...args: Parameters<F & ((...a: any[]) => any)>): ReturnType<F & ((...a: any[]) => any)>;
  /** Number of traces cached, for tests. */
  readonly cacheSize: number;
  /** Number of times `f` was traced. */
  readonly traceCount: number;
}

export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOptions = {}): Jitted<F> {
  if (typeof f !== 'function') throw new TypeError(`Expected a callable value, got ${String(f)}`);
  const limit = opts.cacheSize ?? 64;
  const donate = opts.donateArgnums === undefined ? [] : typeof opts.donateArgnums === 'number' ? [opts.donateArgnums] : [...opts.donateArgnums];
  if (donate.some((i) => !Number.isInteger(i) || i < 0)) throw new TypeError(`jit: donateArgnums must be non-negative integers, got ${JSON.stringify(opts.donateArgnums)}`);
  const cache = new Map<string, Trace>();
  let traces = 0;
  const call = (...args: unknown[]) => {
    for (const i of donate) if (i < args.length) for (const n of flattenNodes(args[i])[0]) n.donated = true;
    const [nodes, def] = argNodes(args);
    let key = def === null ? leafTupleKey(nodes.length) : JSON.stringify(def);
    for (const n of nodes) key += `${n.dtype}${n.weak ? '~' : ''}[${n.shape.join(',')}];`;
    let t = cache.get(key);
    if (t) {
      cache.delete(key); // move to most recently used
    } else {
      traces++;
      const params = nodes.map((n) => paramNode(n.shape, n.dtype));
      const out = compiling(() => f(...(unflatten(def ?? flattenNodes(args)[1], params.map(wrap)) as unknown[])));
      const [outputs, outDef] = flattenNodes(out);
      const { reached, kept } = splitByParams(outputs, params);
      t = { params, outputs, outDef, order: reached, kept, schedules: new Map() };
      if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, t);
    const outs = replay(t, nodes);
    // Outputs that are all new nodes let the scheduler key this replay by liveness alone.
    if (outs.every((o, i) => o !== t!.outputs[i] && !nodes.includes(o))) noteReplay({ inputs: nodes, kept: t.kept, outputs: outs, schedules: t.schedules });
    return unflatten(t.outDef, outs.map(wrap));
  };
  Object.defineProperty(call, 'cacheSize', { get: () => cache.size });
  Object.defineProperty(call, 'traceCount', { get: () => traces });
  return call as unknown as Jitted<F>;
}
