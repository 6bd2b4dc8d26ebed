// What a jit replay made (src/operators/jit.ts), so that the scheduler can find the
// schedule of its outputs without walking their graph (scheduler/replay_schedule.ts).
//
// A replay's graph is its trace's, over new input nodes: only its leaves and the liveness
// the scheduler's in-place rules read can differ between two replays of one trace. Those
// are the replay's inputs, the trace nodes shared by every replay (`kept`: constants and
// whatever does not depend on the params) and its outputs; the nodes between are new to
// each replay, reachable only from its outputs, and their liveness is the trace's.

import type { Node, Replay } from './node.js';

/** Records a replay on its outputs (nodes it created; a field, not a WeakMap: see node.ts on young graphs). */
export function noteReplay(r: Replay): void {
  for (const o of r.outputs) o.replay = r;
}

export const replayOf = (n: Node): Replay | undefined => n.replay;
