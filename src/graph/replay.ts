// What a jit replay made (src/operators/jit.ts), so that the scheduler can find the
// schedule of its outputs without walking their graph (scheduler/replay_schedule.ts).
//
// A replay's graph is its trace's, over new input nodes: only its leaves and the liveness
// the scheduler's in-place rules read can differ between two replays of one trace. Those
// are the replay's inputs, the trace nodes shared by every replay (`kept`: constants and
// whatever does not depend on the params) and its outputs; the nodes between are new to
// each replay, reachable only from its outputs, and their liveness is the trace's.

import { lifetimeGroup, replayNode, sealLifetime, type Node, type Replay } from './node.js';
import { toposort } from './toposort.js';

/** Records a replay on its outputs (nodes it created; a field, not a WeakMap: see node.ts on young graphs). */
export function noteReplay(r: Replay): void {
  for (const o of r.outputs) o.replay = r;
}

export const replayOf = (n: Node): Replay | undefined => n.replay;

/** A traced graph from params to outputs, ready to be replayed over new inputs. */
export interface Trace {
  readonly params: readonly Node[];
  readonly outputs: readonly Node[];
  /** The nodes the params reach, in topological order (sorted once): what a replay rebuilds. */
  readonly order: readonly Node[];
  /** Trace nodes that do not depend on the params (every replay shares them). */
  readonly kept: readonly Node[];
  /** Schedules of replays, by liveness (scheduler/replay_schedule.ts). */
  readonly schedules: Map<string, unknown>;
}

/** The trace of `outputs` over `params`: its nodes between them, split into those the params reach and those they do not. */
export function traceOf(params: readonly Node[], outputs: readonly Node[]): Trace {
  const isParam = new Set(params);
  const order = toposort(outputs, (x) => isParam.has(x));
  const reach = new Set(params);
  for (const n of order) if (n.inputs.some((x) => reach.has(x))) reach.add(n);
  return {
    params,
    outputs,
    order: order.filter((n) => reach.has(n) && !isParam.has(n)),
    kept: order.filter((n) => !reach.has(n)),
    schedules: new Map(),
  };
}

/**
 * The trace's graph over new input nodes, recorded as a replay of it (`noteReplay`) when its
 * outputs are all new nodes. The inputs have the trace's avals, so every node keeps its traced
 * avals; each node of `order` depends on a param, so each is new. One token releases the
 * users they count (node.ts `LifetimeGroup`).
 */
export function replayTrace(t: Trace, inputs: readonly Node[]): Node[] {
  const env = new Map<Node, Node>();
  t.params.forEach((p, i) => env.set(p, inputs[i]));
  const group = lifetimeGroup();
  for (const n of t.order) env.set(n, replayNode(n, n.inputs.map((x) => env.get(x) ?? x), group));
  sealLifetime(group);
  const outs = t.outputs.map((o) => env.get(o) ?? o);
  // Outputs that are all new nodes let the scheduler key this replay by liveness alone.
  if (outs.every((o, i) => o !== t.outputs[i] && !inputs.includes(o))) noteReplay({ inputs, kept: t.kept, outputs: outs, schedules: t.schedules });
  return outs;
}
