// The scheduler's entry: the schedule of some outputs (partition.ts), cached by the
// structure of their graph, and the schedules of scan bodies.

import { paramsKey, type Body, type Node } from '../graph/node.js';
import { toposort } from '../graph/toposort.js';
import type { Schedule } from './kernel.js';
import { partition, type ScheduleOptions } from './partition.js';
import { inPlaceLiveness, replaySchedule } from './replay_schedule.js';

export type { ScheduleOptions } from './partition.js';

const isLeaf = (n: Node) => n.buf !== undefined || n.prim === 'const' || n.prim === 'param';

// Schedules are cached by the *structure* of the graph, so running the same program on new
// inputs (a loop, `jit`, stream batches, an eager `lax.scan` traced again) schedules it once.
// The key holds everything the rules above look at: every node's primitive, params, shape,
// dtype and inputs (by position in the walk), which nodes are leaves and the liveness that
// in-place updates depend on (`handles === 0 && users === 1`, `consumed`). Leaf values are
// not in a top-level key (a hit re-binds the cached schedule's inputs to this graph's
// leaves); a scan body's key includes the values of its small constants, because a body's
// constants are compiled into its code.

const CACHE = 256;
const scheduleCache = new Map<string, { s: Schedule; leafAt: number[] }>();
const bodyCache = new Map<string, { s: Schedule; leafAt: number[] }>();
const bodyFingerprints = new WeakMap<Body, { key: string; leaves: Node[] }>();

/** The structure of the graph of `outputs`: its key, its leaves in walk order, and the walk's nodes. */
function fingerprint(outputs: readonly Node[], params: readonly Node[] | null): { key: string; leaves: Node[]; order: Node[] } {
  const order = toposort(outputs, isLeaf);
  const at = new Map<Node, number>();
  const leaves: Node[] = [];
  const parts: string[] = [];
  for (const n of order) {
    at.set(n, at.size);
    const live = inPlaceLiveness(n);
    if (isLeaf(n)) {
      leaves.push(n);
      const aval = `${n.dtype}[${n.shape.join(',')}]${live}`;
      const p = params && n.prim === 'param' && n.buf === undefined ? params.indexOf(n) : -1;
      if (p >= 0) parts.push(`p${p}:${aval}`);
      else if (n.buf === undefined && n.prim !== 'const') parts.push(`?${n.id}`); // unbound: let the builder say so
      else {
        const weak = n.prim === 'const' && (n as Node<'const'>).params.weak ? 'w' : '';
        const data = params === null ? '' : `=${leafValues(n)}`;
        parts.push(`${n.buf !== undefined ? 'b' : 'k'}${weak}${aval}${data}`);
      }
    } else {
      const pk = n.prim === 'scan' ? scanParamsKey(n as Node<'scan'>) : paramsKey(n.params);
      parts.push(`${n.prim}(${n.inputs.map((x) => at.get(x)).join(',')})${pk}${live}`);
    }
  }
  return { key: `${parts.join(';')}=>${outputs.map((o) => at.get(o)).join(',')}`, leaves, order };
}

/** A body leaf's values (small ones spelled out; large ones by identity). */
function leafValues(n: Node): string {
  const data = n.buf ?? (n as Node<'const'>).params.data;
  return data.length <= 16 ? Array.from(data, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',') : `@${paramsKey({ data, shape: n.shape, dtype: n.dtype, weak: false })}`;
}

function scanParamsKey(n: Node<'scan'>): string {
  const { body, length, reverse, numConsts, numCarry } = n.params;
  return `{${bodyFingerprint(body).key}|${length}|${reverse}|${numConsts}|${numCarry}}`;
}

/** The structure of a scan body (cached per body object: outer keys and scheduleBody share it). */
function bodyFingerprint(body: Body): { key: string; leaves: Node[] } {
  let fp = bodyFingerprints.get(body);
  if (fp === undefined) {
    const { key, leaves } = fingerprint(body.outputs, body.params);
    bodyFingerprints.set(body, (fp = { key, leaves }));
  }
  return fp;
}

function cached(cache: Map<string, { s: Schedule; leafAt: number[] }>, fp: { key: string; leaves: Node[] }, make: () => Schedule): Schedule {
  const hit = cache.get(fp.key);
  if (hit) {
    cache.delete(fp.key), cache.set(fp.key, hit); // most recent last
    return { ...hit.s, inputs: hit.s.inputs.map((b, i) => ({ ...b, node: fp.leaves[hit.leafAt[i]] })) };
  }
  const s = make();
  const at = new Map(fp.leaves.map((n, i) => [n, i]));
  // The cached copy holds no leaf node: a cache entry must not keep a program's inputs alive.
  const bare: Schedule = { ...s, inputs: s.inputs.map((b) => ({ ...b, node: undefined as unknown as Node })) };
  cache.set(fp.key, { s: bare, leafAt: s.inputs.map((b) => at.get(b.node)!) });
  if (cache.size > CACHE) cache.delete(cache.keys().next().value as string);
  return s;
}

const bodySchedules = new WeakMap<Body, Schedule>();

/** The schedule of a scan body (cached per body, and by structure across bodies). */
export function scheduleBody(body: Body): Schedule {
  let s = bodySchedules.get(body);
  if (!s) {
    s = cached(bodyCache, bodyFingerprint(body), () => build(body.outputs, { params: body.params, allowTake: false }));
    bodySchedules.set(body, s);
  }
  return s;
}

/** Partition the graph of `outputs` into kernels; see boundaries.ts for the rules. */
export function schedule(outputs: readonly Node[], opts: ScheduleOptions = {}): Schedule {
  if (opts.params !== undefined || opts.allowTake === false) return build(outputs, opts);
  const full = () => cached(scheduleCache, fingerprint(outputs, null), () => build(outputs, opts));
  return replaySchedule(outputs, full, (nodes) => fingerprint(nodes, null)) ?? full();
}


const build = (outputs: readonly Node[], opts: ScheduleOptions): Schedule => partition(outputs, opts, scheduleBody);
