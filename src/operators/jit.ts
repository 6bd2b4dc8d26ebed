// jit: trace `f` once per input signature (pytree structure, shapes, dtypes, weak types)
// and replay the traced graph on later calls without running `f` again. The cache is
// bounded (least recently used entries are dropped).

import { replayGroup, replayNode, sealReplay, type Node } from '../graph/node.js';
import { unflatten, type TreeDef } from '../graph/pytree.js';
import { noteReplay } from '../graph/replay.js';
import { substitute, toposort } from '../graph/toposort.js';
import { compiling } from './compiling.js';
import { wrap } from './np.js';
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

export interface JitOptions {
  /** Maximum number of traces kept (default 64). */
  cacheSize?: number;
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
  const cache = new Map<string, Trace>();
  let traces = 0;
  const call = (...args: unknown[]) => {
    const [nodes, def] = flattenNodes(args);
    const key = JSON.stringify(def) + nodes.map((n) => `${n.dtype}${n.weak ? '~' : ''}[${n.shape.join(',')}]`).join(';');
    let t = cache.get(key);
    if (t) {
      cache.delete(key); // move to most recently used
    } else {
      traces++;
      const params = nodes.map((n) => paramNode(n.shape, n.dtype));
      const out = compiling(() => f(...(unflatten(def, params.map(wrap)) as unknown[])));
      const [outputs, outDef] = flattenNodes(out);
      const { reached, kept } = splitByParams(outputs, params);
      t = { params, outputs, outDef, order: reached, kept, schedules: new Map() };
      if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, t);
    // The inputs have the trace's avals (the cache key), so every node keeps its traced avals.
    const group = replayGroup();
    const outs = substitute(t.outputs, new Map(t.params.map((p, i) => [p, nodes[i]])), (n, inputs) => replayNode(n, inputs, group), t.order);
    sealReplay(group);
    // Outputs that are all new nodes let the scheduler key this replay by liveness alone.
    if (outs.every((o, i) => o !== t!.outputs[i] && !nodes.includes(o))) noteReplay({ inputs: nodes, kept: t.kept, outputs: outs, schedules: t.schedules });
    return unflatten(t.outDef, outs.map(wrap));
  };
  Object.defineProperty(call, 'cacheSize', { get: () => cache.size });
  Object.defineProperty(call, 'traceCount', { get: () => traces });
  return call as unknown as Jitted<F>;
}
