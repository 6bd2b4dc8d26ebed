// Tracing: call a user function once on parameter nodes to capture its graph. Arrays are
// already lazy graph nodes, so tracing is just calling `f` with Arrays over `param` nodes.

import type { DType } from '../graph/dtype.js';
import { node, withInputs, type Body, type Node } from '../graph/node.js';
import { flatten, type TreeDef } from '../graph/pytree.js';
import type { Shape } from '../graph/shape.js';
import { substitute, toposort } from '../graph/toposort.js';
import { fusionClass, primCost } from '../scheduler/boundaries.js';
import { LaxArray } from './array.js';
import type { ArrayLike } from './array.js';
import { toNode } from './nodes.js';

let nextParam = 0;

export function paramNode(shape: Shape, dtype: DType): Node {
  return node('param', [], { id: nextParam++, shape, dtype });
}

export const isLeaf = (x: unknown): boolean => x instanceof LaxArray || typeof x === 'number' || typeof x === 'boolean' || ArrayBuffer.isView(x);

/** Flatten a pytree of user values into nodes. */
export function flattenNodes(tree: unknown): [Node[], TreeDef] {
  const [leaves, def] = flatten<ArrayLike>(tree, isLeaf);
  return [leaves.map((l) => toNode(l)), def];
}


/**
 * Close a traced body over its free values: every node that does not depend on `params`
 * but feeds one that does (or is an output) becomes an explicit input ("const"), replaced
 * in the body by a fresh parameter. Small constants stay inline.
 */
export function closeOver(params: readonly Node[], outputs: readonly Node[]): { body: Body; consts: Node[] } {
  const paramSet = new Set(params);
  const dependent = new Set<Node>();
  for (const n of toposort(outputs)) {
    if (paramSet.has(n) || n.inputs.some((x) => dependent.has(x))) dependent.add(n);
  }
  // Small constants stay inline, and so do cheap elementwise/view expressions of them
  // (a scalar broadcast to the step's shape, iota arithmetic): lifted, each would be a full
  // array the step reads instead of a literal.
  // (inputs first, with a stack: a chain of thousands of such nodes must not overflow it)
  const inlineMemo = new Map<Node, boolean>();
  const inline = (root: Node): boolean => {
    const stack = [root];
    while (stack.length > 0) {
      const n = stack[stack.length - 1];
      if (inlineMemo.has(n)) {
        stack.pop();
        continue;
      }
      const cheap = (fusionClass[n.prim] === 'elementwise' || fusionClass[n.prim] === 'view') && primCost(n.prim) <= 1;
      const leaf = (n.prim === 'const' && n.size <= 1) || n.prim === 'iota';
      if (leaf || !cheap || n.inputs.length === 0) {
        inlineMemo.set(n, leaf);
        stack.pop();
        continue;
      }
      const pending = n.inputs.filter((x) => !inlineMemo.has(x));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      inlineMemo.set(n, n.inputs.every((x) => inlineMemo.get(x)));
      stack.pop();
    }
    return inlineMemo.get(root)!;
  };
  const frontier = new Set<Node>();
  const consider = (x: Node) => {
    // A view of a closed-over array stays in the body, where it is free, and the array it
    // views is lifted: lifted, `broadcast(W)` (vmap of `x + W` in a step) would be a full
    // [lanes, ...] copy of W made outside and read per lane.
    while (!dependent.has(x) && !inline(x) && fusionClass[x.prim] === 'view' && x.buf === undefined) x = x.inputs[0];
    if (!dependent.has(x) && !inline(x)) frontier.add(x);
  };
  for (const n of dependent) n.inputs.forEach(consider);
  outputs.forEach(consider);
  const consts = [...frontier];
  const constParams = consts.map((c) => paramNode(c.shape, c.dtype));
  const outs = substitute(outputs, new Map(consts.map((c, i) => [c, constParams[i]])), withInputs);
  return { body: { params: [...constParams, ...params], outputs: outs }, consts };
}
