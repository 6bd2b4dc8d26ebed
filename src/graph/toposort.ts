// Topological order of the graph reachable from some outputs (iterative: edit chains of
// thousands of nodes must not overflow the stack).

import type { Node } from './node.js';

/** Nodes reachable from `outputs`, inputs before users. `stop(n)` nodes are included but not entered. */
export function toposort(outputs: readonly Node[], stop: (n: Node) => boolean = () => false): Node[] {
  const order: Node[] = [];
  const state = new Map<Node, 1 | 2>(); // 1: on the stack, 2: done
  const stack: [Node, number][] = [];
  for (const root of outputs) {
    if (state.has(root)) continue;
    stack.push([root, 0]);
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      const inputs = stop(n) ? [] : n.inputs;
      if (i < inputs.length) {
        top[1]++;
        const x = inputs[i];
        if (!state.has(x)) {
          state.set(x, 1);
          stack.push([x, 0]);
        }
      } else {
        stack.pop();
        state.set(n, 2);
        order.push(n);
      }
    }
  }
  return order;
}

/**
 * Rebuild the graph of `outputs` with some nodes replaced, via `rebuild` for the rest.
 * `order`: the topological order of that graph stopping at the replaced nodes, when the
 * caller keeps it (jit replays one trace many times); it may leave out nodes that no
 * replaced node reaches (they stay themselves).
 */
export function substitute(outputs: readonly Node[], replace: Map<Node, Node>, rebuild: (n: Node, inputs: Node[]) => Node, order?: readonly Node[]): Node[] {
  const env = new Map(replace);
  for (const n of order ?? toposort(outputs, (x) => env.has(x))) {
    if (env.has(n)) continue;
    const inputs = n.inputs.map((x) => env.get(x) ?? x);
    env.set(n, inputs.every((x, i) => x === n.inputs[i]) ? n : rebuild(n, inputs));
  }
  return outputs.map((o) => env.get(o) ?? o);
}
