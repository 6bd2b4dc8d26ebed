// jit: trace `f` once per input signature (pytree structure, shapes, dtypes, weak types)
// and replay the traced graph on later calls without running `f` again. The cache is
// bounded (least recently used entries are dropped).

import type { DType } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import { unflatten, type TreeDef } from '../graph/pytree.js';
import { replayTrace, traceOf, type Trace } from '../graph/replay.js';
import { compileProgram, type Program } from '../scheduler/program.js';
import { LaxArray } from './array.js';
import { compiling } from './compiling.js';
import { wrap } from './nodes.js';
import { flattenNodes, paramNode } from './trace.js';

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
  const cache = new Map<string, { trace: Trace; outDef: TreeDef }>();
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
      t = { trace: traceOf(params, outputs), outDef };
      if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    }
    cache.set(key, t);
    return unflatten(t.outDef, replayTrace(t.trace, nodes).map(wrap));
  };
  Object.defineProperty(call, 'cacheSize', { get: () => cache.size });
  Object.defineProperty(call, 'traceCount', { get: () => traces });
  return call as unknown as Jitted<F>;
}

/**
 * `f` traced once over params of the given avals into a program (scheduler/program.ts) that
 * runs on buffers: the compiled form of `jit(f, { donateArgnums })` for callers that hold
 * host buffers and call it many times with one signature (a keyed stream's batch step).
 */
export function traceProgram(
  f: (...args: LaxArray[]) => unknown,
  avals: readonly { shape: readonly number[]; dtype: DType }[],
  donated: readonly boolean[] = [],
): { program: Program; outDef: TreeDef } {
  const params = avals.map((a) => paramNode([...a.shape], a.dtype));
  const [outputs, outDef] = flattenNodes(compiling(() => f(...params.map(wrap))));
  return { program: compileProgram(params, outputs, donated), outDef };
}
