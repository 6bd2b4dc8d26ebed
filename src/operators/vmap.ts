// vmap: trace the per-example function once, then batch its graph with the batching
// rules of src/operators/batching.ts (no JS loop over examples).

import { consingLocally, node, type Node } from '../graph/node.js';
import { broadcastPrefix, flatten, unflatten } from '../graph/pytree.js';
import { fmtShape, normalizeAxis } from '../graph/shape.js';
import { LaxArray } from './array.js';
import { batchGraph, moveIn, type BVal } from './batching.js';
import type { ArrayLike, Traced } from './array.js';
import { toNode, wrap } from './nodes.js';
import { isLeaf, paramNode } from './trace.js';

export type AxisSpec = number | null | AxisSpec[] | { [k: string]: AxisSpec };
export interface VmapOptions {
  inAxes?: AxisSpec;
  outAxes?: AxisSpec;
}

const isAxisLeaf = (x: unknown) => typeof x === 'number';

function moveAxis(n: Node, from: number, to: number): Node {
  if (from === to) return n;
  const perm = n.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return node('transpose', [n], { perm });
}

/** Vectorizing map: `vmap(f)(xs)` equals stacking `f(x_i)` over the mapped axis. */
export function vmap<F extends (...args: any[]) => unknown>(f: F, opts: VmapOptions | AxisSpec = {}): (...args: Parameters<F>) => Traced<ReturnType<F>> {
  const isOptions = typeof opts === 'object' && opts !== null && !Array.isArray(opts) && Object.keys(opts).every((k) => k === 'inAxes' || k === 'outAxes');
  if (typeof f !== 'function') throw new TypeError(`Expected a callable value, got ${String(f)}`);
  const { inAxes = 0, outAxes = 0 } = isOptions ? (opts as VmapOptions) : { inAxes: opts as AxisSpec };
  const batched = (...args: unknown[]): unknown => {
    const [leaves, def] = flatten<ArrayLike>(args, isLeaf);
    // A bare axis applies to every argument; a list is one entry per positional argument.
    const spec = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new TypeError(`vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments passed to the function, but got len(in_axes)=${inAxes.length}, len(args)=${args.length}`);
    }
    const axes = broadcastPrefix<number | null>(spec, def, isAxisLeaf, 'vmap in_axes');
    const nodes = leaves.map((l) => toNode(l));
    let size = -1;
    const sizes: string[] = [];
    nodes.forEach((n, i) => {
      const ax = axes[i];
      if (ax === null) return;
      if (n.shape.length === 0) {
        throw new TypeError(`vmap was requested to map its argument along axis ${ax}, which implies that its rank should be at least ${ax + 1}, but is only 0 (its shape is ())`);
      }
      const a = normalizeAxis(ax, n.shape.length, 'vmap in_axes');
      sizes.push(`axis ${ax} of argument ${i} of shape ${fmtShape(n.shape)} has size ${n.shape[a]}`);
      if (size === -1) size = n.shape[a];
      else if (size !== n.shape[a]) size = -2;
    });
    if (size === -1) throw new TypeError('vmap must have at least one non-None value in in_axes');
    if (size === -2) throw new TypeError(`vmap got inconsistent sizes for array axes to be mapped:\n  * ${sizes.join('\n  * ')}`);

    const env = new Map<Node, BVal>();
    // The trace is thrown away once batched: its nodes are hash-consed in a table of its own.
    const out = consingLocally(() => {
      const traceArgs = nodes.map((n, i) => {
        const ax = axes[i];
        if (ax === null) return leaves[i] instanceof LaxArray || typeof leaves[i] !== 'object' ? leaves[i] : wrap(n);
        const batchedIn = moveAxis(n, normalizeAxis(ax, n.shape.length), 0);
        const p = paramNode(batchedIn.shape.slice(1), n.dtype);
        env.set(p, { node: batchedIn, batched: true });
        return wrap(p);
      });
      return f(...(unflatten(def, traceArgs) as unknown[]));
    });
    const [outLeaves, outDef] = flatten<ArrayLike>(out, isLeaf);
    const outNodes = outLeaves.map((l) => toNode(l));
    const results = batchGraph(outNodes, env, size);
    const oaxes = broadcastPrefix<number | null>(outAxes, outDef, isAxisLeaf, 'vmap out_axes');
    const final = results.map((r, i) => {
      const ax = oaxes[i];
      if (ax === null) {
        if (r.batched) throw new TypeError('vmap has mapped output but out_axes is None');
        return wrap(r.node);
      }
      const b = moveIn(r, size);
      return wrap(moveAxis(b, 0, normalizeAxis(ax, b.shape.length, 'vmap out_axes')));
    });
    return unflatten(outDef, final);
  };
  return batched as (...args: Parameters<F>) => Traced<ReturnType<F>>;
}
