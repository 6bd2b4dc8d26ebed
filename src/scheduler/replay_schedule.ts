// The schedule of a jit replay's outputs, found by the replay's liveness instead of a walk
// of its graph (graph/replay.ts says why that determines it): for a small program the walk
// (schedule.ts `fingerprint`) is most of the scheduler's cost per call, and a stream's
// per-batch program repeats one trace. A miss takes the full path once and remembers where
// its leaves are among the replay's inputs, shared nodes and outputs.
//
// Inputs that are not leaves (`f(x.reshape(...))`: work made outside the jit) are walked,
// and only they: their structure (schedule.ts `fingerprint` of the inputs) joins the key and
// their leaves the leaf list. An input that is, or reaches, a shared trace node (a captured
// array passed in again) takes the full path: the key does not say that the two are one.

import type { Node } from '../graph/node.js';
import { replayOf } from '../graph/replay.js';
import type { Schedule } from './kernel.js';

interface Entry {
  /** Holds no leaf node (a cache entry must not keep a program's inputs alive). */
  s: Schedule;
  leafAt: number[];
}

/** Lookups found by a replay's liveness, and those that took the full path (for tests). */
export const replayStats = { hits: 0, misses: 0 };

/** Schedules kept per trace. */
const PER_TRACE = 16;

/**
 * What the in-place rules (partition.ts `patchKernel`) read of a node, as bits: handles (0 or
 * more), consumed, aliased, donated, and users: 0 / 1 / more, or for a donated node the
 * count up to MAX_USERS (its other readers in the program may let a patch take it). Both
 * schedule keys spell it with this.
 */
export const inPlaceLiveness = (n: Node): number =>
  (n.handles === 0 ? 0 : 1) | (n.consumed ? 2 : 0) | (n.aliased ? 4 : 0) | (n.donated ? 8 : 0) | ((n.donated ? Math.min(n.users, MAX_USERS + 1) : n.users === 0 ? 0 : n.users === 1 ? 1 : 2) << 4);

/** A donated leaf read by more nodes than this is never taken in place (its count is not in the key). */
export const MAX_USERS = 15;

/**
 * What the scheduler reads of a node besides structure, as one character code: value or not,
 * and its in-place liveness. A stream's batch program shares hundreds of trace nodes, so the
 * key is one string of codes, not a string per node.
 */
const code = (n: Node): number => 65 + ((n.buf !== undefined ? 1 : n.prim === 'const' ? 2 : 0) | (inPlaceLiveness(n) << 2));

/** The structure of the graph of some nodes (schedule.ts `fingerprint`): its key, its leaves in walk order, the walk's nodes. */
export type Walk = (nodes: readonly Node[]) => { key: string; leaves: Node[]; order: readonly Node[] };

/** The shared trace nodes of a trace (by its `kept` array), as a set. */
const keptSets = new WeakMap<readonly Node[], Set<Node>>();
const keptSet = (kept: readonly Node[]): Set<Node> => {
  let s = keptSets.get(kept);
  if (s === undefined) keptSets.set(kept, (s = new Set(kept)));
  return s;
};

const inOrder = (a: readonly Node[], b: readonly Node[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

/** Does a node occur twice? (A few inputs: no set.) */
function repeats(nodes: readonly Node[]): boolean {
  if (nodes.length > 16) return new Set(nodes).size < nodes.length;
  for (let i = 1; i < nodes.length; i++) for (let j = 0; j < i; j++) if (nodes[i] === nodes[j]) return true;
  return false;
}

/**
 * The schedule of `outputs` when they are outputs of one jit replay, else null. Inputs that
 * are not leaves are described by `walk` (their graph alone).
 */
export function replaySchedule(outputs: readonly Node[], full: () => Schedule, walk: Walk): Schedule | null {
  const r = outputs.length > 0 ? replayOf(outputs[0]) : undefined;
  if (r === undefined || outputs.some((o) => replayOf(o) !== r)) return null;
  let front: readonly Node[] = r.inputs;
  let key = '';
  const kept = keptSet(r.kept);
  if (r.inputs.some((n) => n.consumed || kept.has(n))) return null;
  if (r.inputs.some((n) => n.buf === undefined && n.prim !== 'const')) {
    // Every input, so that the key says which walk node each param is (and which are one
    // node). The key starts '#', which no liveness code is (they are 'A' and up).
    const fp = walk(r.inputs);
    if (kept.size > 0 && fp.order.some((n) => kept.has(n))) return null;
    front = fp.leaves;
    key = `#${fp.key}|`;
  }
  const leaves = [...front, ...r.kept, ...r.outputs];
  const codes = new Uint16Array(leaves.length);
  for (let i = 0; i < leaves.length; i++) codes[i] = code(leaves[i]);
  for (let i = 0; i < codes.length; i += 4096) key += String.fromCharCode.apply(null, codes.subarray(i, i + 4096) as unknown as number[]);
  // Which outputs are asked for ('*': all, in order: the common read).
  key += inOrder(outputs, r.outputs) ? '|*' : `|${outputs.map((o) => r.outputs.indexOf(o)).join(',')}`;
  // One node passed for two params is one leaf: the pattern is part of the structure.
  if (front === r.inputs && repeats(r.inputs)) key += `|${r.inputs.map((n) => r.inputs.indexOf(n)).join(',')}`;
  const cache = r.schedules as Map<string, Entry>;
  const hit = cache.get(key);
  if (hit) {
    replayStats.hits++;
    if (cache.size > 1) cache.delete(key), cache.set(key, hit); // most recent last
    return { ...hit.s, inputs: hit.s.inputs.map((b, i) => ({ ...b, node: leaves[hit.leafAt[i]] })) };
  }
  replayStats.misses++;
  const s = full();
  const leafAt = s.inputs.map((b) => leaves.indexOf(b.node));
  if (leafAt.every((i) => i >= 0)) {
    cache.set(key, { s: { ...s, inputs: s.inputs.map((b) => ({ ...b, node: undefined as unknown as Node })) }, leafAt });
    if (cache.size > PER_TRACE) cache.delete(cache.keys().next().value as string);
  }
  return s;
}
