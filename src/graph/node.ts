// The one IR node type: immutable and hash-consed, so identical subgraphs are the same
// object and caches can key on `id`. Shape and dtype are inferred at construction by the
// primitive's shape rule, so bad input throws at the user's call.
//
// Liveness (for in-place `.at` updates): `users` counts live consumer nodes and `handles`
// counts live user-facing Arrays; both go down when the garbage collector reclaims them
// (FinalizationRegistry). A realized node with no handles and a single user can give its
// buffer to that user.
//
// Young graphs: V8 (Node 20) keeps every object that is a WeakRef's or a
// FinalizationRegistry's target, or a WeakMap key, through young-generation collections, and
// with it all it reaches. A loop of `f(np.array(x)).data()` makes a small graph per call; had
// its nodes such registrations, each graph (and its typed arrays) would be promoted and wait
// for a full collection, and the collector would take much of such a loop's host time. So the
// nodes a call makes are registered by proxy: a node that is not hash-consed (`unique`) holds
// a `lifetime` token, and the token is what the registry watches (a jit replay's nodes share
// one); the graph dies young and only the tokens wait. Nodes over a unique node are not
// hash-consed outside a trace (they can only equal a node made by the same call on the same
// node again); in a trace (`consingAll`) every node is.

import type { DType, TypedArray } from './dtype.js';
import type { BodyOf, Prim, PrimParamsOf } from './prims.js';
import type { Shape } from './shape.js';
import { shapeRules, type Aval } from './shape_rules.js';

/** The params of each primitive (prims.ts), over this file's Node. */
export type PrimParams = PrimParamsOf<Node>;
/** A closed traced function (a scan's body): `outputs` depend on nothing but `params` and constants. */
export type Body = BodyOf<Node>;

/**
 * What a jit replay made (src/operators/jit.ts; recorded by graph/replay.ts), so that the
 * scheduler can find the schedule of its outputs without walking their graph. Here, next to
 * Node, because each refers to the other.
 */
export interface Replay {
  /** The replay's input nodes, in the trace's param order. */
  readonly inputs: readonly Node[];
  /** Trace nodes every replay shares (not depending on the params), in a fixed order. */
  readonly kept: readonly Node[];
  /** The replay's outputs (new nodes), in the trace's output order. */
  readonly outputs: readonly Node[];
  /** Schedules of this trace's replays by liveness key (owned by the trace, bounded). */
  readonly schedules: Map<string, unknown>;
}

let nextId = 0;

/**
 * Every live `while` node, weakly: while there is one, the realization layer looks for loops
 * to run in the graphs it is given (scheduler/realize.ts); while there is none, it need not
 * walk them.
 */
const loops = new Set<WeakRef<Node>>();

/** Are there live `while` nodes (so a graph to realize may hold a loop)? */
export function liveLoops(): boolean {
  for (const r of loops) if (r.deref() === undefined) loops.delete(r);
  return loops.size > 0;
}

/**
 * A node's liveness counters, in an object of their own: finalizers of its users and of its
 * Arrays hold this (tiny) object, not the node, so they update the counts without keeping
 * the node alive and without a WeakRef each (a realize of a small program makes a dozen
 * nodes and Arrays; a WeakRef and a registration apiece cost the WebGPU backend a third of
 * its per-realize time).
 */
export interface Liveness {
  /** Live Arrays wrapping the node. */
  handles: number;
  /** Live nodes that take the node as an input. */
  users: number;
}

export class Node<P extends Prim = Prim> {
  readonly id = nextId++;
  /** Realized value on the host, when computed and kept. */
  buf: TypedArray | undefined = undefined;
  readonly live: Liveness = { handles: 0, users: 0 };
  /** Set when an in-place update took this node's buffer and it can no longer be read. */
  consumed = false;
  /** Not in the hash-consing table (nor is a node over it, outside a trace). */
  unique = false;
  /** Its storage is another node's too (a constant and its reshape): never updated in place. */
  aliased = false;
  /**
   * Donated to a jit call (`donateArgnums`, as JAX's buffer donation): its storage may be
   * updated in place even while Arrays still wrap it; reading it afterwards is an error.
   */
  donated = false;
  /** The token whose collection releases this node's inputs' users (unique nodes with inputs). */
  lifetime: object | undefined = undefined;
  /** The jit replay that made this node as one of its outputs (graph/replay.ts). */
  replay: Replay | undefined = undefined;
  /**
   * A tuple node's (scan, while) projections made so far, until one of them is realized:
   * realizing one also computes the others still wrapped by an Array (scheduler/realize.ts),
   * as JAX computes a scan's outputs together. Strong references (a WeakRef would keep the
   * young graph alive, see above), dropped at that realization.
   */
  projections: Node[] | undefined = undefined;

  constructor(
    readonly prim: P,
    readonly inputs: readonly Node[],
    readonly params: PrimParams[P],
    readonly shape: Shape,
    readonly dtype: DType,
    readonly weak: boolean,
    /** Output avals of a tuple node (scan, while); empty otherwise. */
    readonly tuple: readonly Aval[],
  ) {
    if (prim === 'while') loops.add(new WeakRef(this));
  }

  /** Live Arrays wrapping this node. */
  get handles(): number {
    return this.live.handles;
  }
  set handles(n: number) {
    this.live.handles = n;
  }
  /** Live nodes that take this node as an input. */
  get users(): number {
    return this.live.users;
  }
  set users(n: number) {
    this.live.users = n;
  }

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  toString(): string {
    return `${this.prim}#${this.id}:${this.dtype}[${this.shape.join(',')}]`;
  }
}

const table = new Map<string, WeakRef<Node>>();
// When a node dies: its table entry goes (unless a new node took the key) and its inputs
// lose a user. The held value holds the inputs' counters, never the inputs: a strong
// reference to them would keep them alive until the callback ran, so a chain of d nodes
// would need d garbage collections to go away.
const finalized = new FinalizationRegistry<{ key: string | null; inputs: Liveness[] }>(({ key, inputs }) => {
  const ref = key === null ? undefined : table.get(key);
  if (ref && ref.deref() === undefined) table.delete(key!);
  for (const l of inputs) l.users--;
});

// Objects without structure (host data, bodies) get a stable identity number for keys.
const identities = new WeakMap<object, number>();
let nextIdentity = 0;
function identity(o: object): number {
  let i = identities.get(o);
  if (i === undefined) identities.set(o, (i = nextIdentity++));
  return i;
}

const emptyParams = (params: object): boolean => {
  for (const _ in params) return false;
  return true;
};

// Params objects are immutable and shared by every node made with them (a jit replay reuses
// its trace's), so their key is computed once per object.
const paramsKeys = new WeakMap<object, string>();

/**
 * The key of params whose values are all numbers, booleans, strings or arrays of numbers
 * (a reshape's shape, a reduction's axes: new objects call after call), else null. It
 * cannot equal a JSON key (those start `{"`).
 */
function flatParamsKey(params: Record<string, unknown>): string | null {
  let key = '{';
  for (const k in params) {
    const v = params[k];
    if (typeof v === 'number') key += `${k}=${Object.is(v, -0) ? '-0' : v};`;
    else if (typeof v === 'boolean') key += `${k}=${v};`;
    else if (typeof v === 'string') key += `${k}=${JSON.stringify(v)};`;
    else if (v === undefined) continue;
    else if (Array.isArray(v)) {
      key += `${k}=[`;
      for (const x of v) {
        if (typeof x !== 'number') return null;
        key += `${Object.is(x, -0) ? '-0' : x},`;
      }
      key += '];';
    } else return null;
  }
  return key + '}';
}

export function paramsKey(params: object): string {
  // Fast paths for the most frequent cases: elementwise ops (no params), host data, and
  // params of plain values (no JSON replacer call per value).
  if (emptyParams(params)) return '{}';
  const c = params as Partial<PrimParams['const']>;
  if (ArrayBuffer.isView(c.data) && c.shape !== undefined) return `{@${identity(c.data)};${c.shape.join(',')};${c.dtype};${c.weak}}`;
  let key = paramsKeys.get(params) ?? flatParamsKey(params as Record<string, unknown>) ?? undefined;
  if (key === undefined) {
    key = JSON.stringify(params, (_k, v) => {
      if (v instanceof Node) return `#${v.id}`;
      if (ArrayBuffer.isView(v)) return `@${identity(v)}`;
      return v;
    });
    paramsKeys.set(params, key);
  }
  return key;
}

let consing = 0;

/** Run `f` with every node hash-consed, also those over unique nodes (tracing: common subexpressions stay one node). */
export function consingAll<T>(f: () => T): T {
  consing++;
  try {
    return f();
  } finally {
    consing--;
  }
}

/**
 * Unique nodes whose inputs' users one token releases: a jit replay's nodes, a throwaway
 * trace's (`consingLocally`), or one node alone (`uniqueOver`).
 */
export interface LifetimeGroup {
  readonly token: object;
  readonly lives: Liveness[];
}

export const lifetimeGroup = (): LifetimeGroup => ({ token: {}, lives: [] });

/** `n` becomes a unique node of `group`: it counts as a user of each input until the group's token is collected. */
function join(n: Node, group: LifetimeGroup): void {
  n.unique = true;
  n.lifetime = group.token;
  for (const x of n.inputs) {
    x.live.users++;
    group.lives.push(x.live);
  }
}

/** Watch a group's token (after its last node joined). */
export function sealLifetime(group: LifetimeGroup): void {
  if (group.lives.length > 0) finalized.register(group.token, { key: null, inputs: group.lives });
}

/** A throwaway trace's own table (`consingLocally`) and its nodes' group. */
let local: { table: Map<string, Node>; group: LifetimeGroup } | null = null;

/**
 * Run `f` as a throwaway trace (an eager vmap traces its function on every call): its nodes
 * are hash-consed in a table of its own, which dies with the trace (no weak reference, no
 * global entry), and they share one token, as a jit replay's nodes do.
 */
export function consingLocally<T>(f: () => T): T {
  const outer = local;
  const scope = { table: new Map<string, Node>(), group: lifetimeGroup() };
  local = scope;
  try {
    return f();
  } finally {
    local = outer;
    sealLifetime(scope.group);
  }
}

const consKey = (prim: Prim, inputs: readonly Node[], params: object): string => `${prim}(${inputs.map((x) => x.id).join(',')})${paramsKey(params)}`;

/** A new node for `prim(inputs; params)`, its avals from the shape rule. */
function made<P extends Prim>(prim: P, inputs: readonly Node[], params: PrimParams[P]): Node<P> {
  const out = shapeRules[prim](inputs, params);
  const aval: Aval = Array.isArray(out) ? { shape: [], dtype: 'float32' } : out;
  const n = new Node(prim, inputs, params, aval.shape, aval.dtype, aval.weak ?? false, Array.isArray(out) ? out : []);
  if (prim === 'proj') (inputs[0].projections ??= []).push(n);
  return n;
}

/** The node for `prim(inputs; params)`, shared with any identical existing node. */
export function node<P extends Prim>(prim: P, inputs: readonly Node[], params: PrimParams[P]): Node<P> {
  if (consing === 0 && local !== null) return localNode(local, prim, inputs, params);
  if (consing === 0 && inputs.some((x) => x.unique)) return uniqueOver(prim, inputs, params);
  const key = consKey(prim, inputs, params);
  const hit = table.get(key)?.deref();
  if (hit) return hit as Node<P>;
  const n = made(prim, inputs, params);
  const lives = inputs.map((x) => x.live);
  for (const l of lives) l.users++;
  table.set(key, new WeakRef(n));
  finalized.register(n, { key, inputs: lives });
  return n;
}

/** `prim(inputs; params)` over a unique input, outside a trace: a unique node, a group of its own. */
function uniqueOver<P extends Prim>(prim: P, inputs: readonly Node[], params: PrimParams[P]): Node<P> {
  const n = made(prim, inputs, params);
  const group = lifetimeGroup();
  join(n, group);
  sealLifetime(group);
  return n;
}

/** `prim(inputs; params)` in a throwaway trace: hash-consed in its table, a unique node elsewhere. */
function localNode<P extends Prim>(scope: { table: Map<string, Node>; group: LifetimeGroup }, prim: P, inputs: readonly Node[], params: PrimParams[P]): Node<P> {
  const key = consKey(prim, inputs, params);
  const hit = scope.table.get(key);
  if (hit) return hit as Node<P>;
  const n = made(prim, inputs, params);
  join(n, scope.group);
  scope.table.set(key, n);
  return n;
}

/**
 * A node without inputs that no other node can equal: a `const` over data no one else
 * holds (np.array's copy of user data, a scalar's one element). It skips hash-consing, so it
 * costs no table entry, weak reference or finalizer: a loop of `f(np.array(x))` calls makes
 * one per call.
 */
export function uniqueNode<P extends Prim>(prim: P, params: PrimParams[P]): Node<P> {
  const out = shapeRules[prim]([], params);
  if (Array.isArray(out)) throw new Error(`internal error: uniqueNode(${prim}) of a tuple primitive`);
  const n = new Node(prim, [], params, out.shape, out.dtype, out.weak ?? false, []);
  n.unique = true;
  return n;
}

/** Number of live entries in the hash-consing table (for tests and leak checks). */
export const consTableSize = () => table.size;

/** The same primitive and params over new inputs. */
export function withInputs(n: Node, inputs: readonly Node[]): Node {
  return node(n.prim, inputs, n.params as never);
}

/**
 * A jit replay's copy of trace node `n` over `inputs` (of the same avals as n's inputs): n's
 * avals (no shape rule) and no hash-consing. The trace was hash-consed when it was built,
 * so its nodes are distinct already, and a replay over new inputs cannot equal an existing
 * node; only a second call on the very same inputs could, and like JAX such a call
 * computes again. Users are counted as for any node (in-place updates need them), and
 * released when the whole group is collected (`sealLifetime`): a replay node that dies before
 * the others leaves its inputs counted a while longer, which can only cost a copy.
 */
export function replayNode(n: Node, inputs: readonly Node[], group: LifetimeGroup): Node {
  const r = new Node(n.prim, inputs, n.params as never, n.shape, n.dtype, n.weak, n.tuple);
  join(r, group);
  return r;
}

/** The error for reading a node whose storage an in-place update took. */
export function consumedError(n: Node): Error {
  return n.donated
    ? new Error(`Array has been deleted: ${n.dtype}[${n.shape.join(',')}] was donated to a jit call (donateArgnums) and its buffer was reused`)
    : new Error(`internal error: ${n} was updated in place and cannot be read again`);
}
