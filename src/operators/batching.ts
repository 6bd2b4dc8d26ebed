// Batching rules (vmap): for each primitive, how to compute it on inputs that carry an
// extra leading batch axis. Values are `{ node, batched }`; a batched node has the batch
// axis first. Unbatched inputs of a batched op are broadcast (free once fused).

import { node, withInputs, type Body, type Node } from '../graph/node.js';
import { elementwiseRows, type BinaryPrim, type CumulativePrim, type Prim, type ReducePrim, type UnaryPrim } from '../graph/prims.js';
import { toposort } from '../graph/toposort.js';
import { paramNode } from './trace.js';

export interface BVal {
  node: Node;
  batched: boolean;
}

type Rule<P extends Prim> = (n: Node<P>, ins: BVal[], size: number) => BVal | BVal[];

/** Give `v` a leading batch axis of `size` (broadcast when unbatched). */
export function moveIn(v: BVal, size: number): Node {
  if (v.batched) return v.node;
  const s = v.node.shape;
  return node('broadcast', [v.node], { shape: [size, ...s], dims: s.map((_, i) => i + 1) });
}

const up = (axes: readonly number[]) => axes.map((a) => a + 1);
const batched = (n: Node): BVal => ({ node: n, batched: true });

const elementwise = <P extends UnaryPrim | BinaryPrim | 'select' | 'cast' | 'bitcast'>(n: Node<P>, ins: BVal[], size: number) =>
  batched(node(n.prim, ins.map((v) => moveIn(v, size)), n.params));

const reduce = <P extends ReducePrim>(n: Node<P>, [x]: BVal[]) => batched(node(n.prim, [x.node], { axes: up(n.params.axes) } as never));
const cumulative = <P extends CumulativePrim>(n: Node<P>, [x]: BVal[]) => batched(node(n.prim, [x.node], { axis: n.params.axis + 1, reverse: n.params.reverse } as never));
const argReduce = <P extends 'argmax' | 'argmin'>(n: Node<P>, [x]: BVal[]) => batched(node(n.prim, [x.node], { axis: n.params.axis + 1 }));
const leaf = (n: Node): never => {
  throw new Error(`internal error: ${n.prim} has no inputs and cannot be batched`);
};

/** Per-example flat offsets `idx` into arrays of `n` elements, made global for the batch. */
function offsetIndices(idx: Node, n: number, size: number, dropInvalid: boolean): Node {
  const shape = idx.shape;
  const int = (v: number) => node('broadcast', [node('const', [], { data: Int32Array.of(v), shape: [], dtype: 'int32', weak: false })], { shape, dims: [] });
  const b = node('iota', [], { shape, dtype: 'int32', axis: 0 });
  const global = node('add', [idx, node('mul', [b, int(n)], {})], {});
  if (!dropInvalid) return global;
  const ok = node('and', [node('ge', [idx, int(0)], {}), node('lt', [idx, int(n)], {})], {});
  return node('select', [ok, global, int(-1)], {});
}

function scanRule(n: Node<'scan'>, ins: BVal[], size: number): BVal[] {
  const { body, numConsts, numCarry, length, reverse } = n.params;
  const flags = ins.map((v) => v.batched);
  // Fixed point: a carry is batched if its init is, or if the body makes it so. The body is
  // batched over fresh params: batched ones get the batch axis first.
  let newParams: Node[];
  let outs: BVal[];
  for (;;) {
    newParams = body.params.map((p, i) => (flags[i] ? paramNode([size, ...p.shape], p.dtype) : p));
    const env = new Map(body.params.map((p, i) => [p, { node: newParams[i], batched: flags[i] }]));
    outs = batchGraph(body.outputs, env, size);
    let changed = false;
    for (let i = 0; i < numCarry; i++) {
      if (outs[i].batched && !flags[numConsts + i]) (flags[numConsts + i] = true), (changed = true);
    }
    if (!changed) break;
  }
  const outNodes = outs.map((o, i) => (i < numCarry ? (flags[numConsts + i] ? moveIn(o, size) : o.node) : moveIn(o, size)));
  const inputs = ins.map((v, i) => {
    if (i < numConsts + numCarry) return flags[i] ? moveIn(v, size) : v.node;
    if (!v.batched) return v.node; // its body param stays unbatched (flags[i] is false)
    const perm = [1, 0, ...v.node.shape.slice(2).map((_, k) => k + 2)];
    return node('transpose', [v.node], { perm });
  });
  const scan = node('scan', inputs, { body: { params: newParams, outputs: outNodes }, length, reverse, numConsts, numCarry });
  return scan.tuple.map((_, i) => {
    const out = node('proj', [scan], { index: i });
    if (i < numCarry) return { node: out, batched: flags[numConsts + i] };
    const perm = [1, 0, ...out.shape.slice(2).map((_, k) => k + 2)]; // ys [T, B, ...] -> [B, T, ...]
    return batched(node('transpose', [out], { perm }));
  });
}

/** A traced body batched over fresh params where `flags` says its param is batched. */
function batchBody(body: Body, flags: readonly boolean[], size: number, carry?: Node[]): { params: Node[]; outs: BVal[] } {
  const params = body.params.map((p, i) => (flags[i] ? paramNode([size, ...p.shape], p.dtype) : p));
  if (carry) carry.forEach((c, k) => (params[params.length - carry.length + k] = c));
  const env = new Map(body.params.map((p, i) => [p, { node: params[i], batched: flags[i] }]));
  return { params, outs: batchGraph(body.outputs, env, size) };
}

/**
 * JAX's _while_loop_batching_rule. A carry is batched if its init is or the body makes it so
 * (a fixed point, as for scan). When the predicate is batched, every lane runs its own loop:
 * the batched loop runs while any lane's predicate holds, and its body keeps the carry of
 * each lane whose predicate is false (a select per lane), so every carry is batched.
 */
function whileRule(n: Node<'while'>, ins: BVal[], size: number): BVal[] {
  const { cond, body, numCondConsts: nc, numBodyConsts: nb } = n.params;
  const K = n.tuple.length;
  const condFlags = ins.slice(0, nc).map((v) => v.batched);
  const bodyFlags = ins.slice(nc, nc + nb).map((v) => v.batched);
  const carryFlags = ins.slice(nc + nb).map((v) => v.batched);
  let b: ReturnType<typeof batchBody>;
  let c: ReturnType<typeof batchBody>;
  for (;;) {
    b = batchBody(body, [...bodyFlags, ...carryFlags], size);
    c = batchBody(cond, [...condFlags, ...carryFlags], size);
    const predBatched = c.outs[0].batched;
    let changed = false;
    for (let i = 0; i < K; i++) if ((b.outs[i].batched || predBatched) && !carryFlags[i]) (carryFlags[i] = true), (changed = true);
    if (!changed) break;
  }
  const carryIn = ins.slice(nc + nb).map((v, i) => (carryFlags[i] ? moveIn(v, size) : v.node));
  const consts = ins.slice(0, nc + nb).map((v) => v.node);
  let w: Node;
  if (!c.outs[0].batched) {
    const newBody = { params: b.params, outputs: b.outs.map((o, i) => (carryFlags[i] ? moveIn(o, size) : o.node)) };
    w = node('while', [...consts, ...carryIn], { cond: { params: c.params, outputs: [c.outs[0].node] }, body: newBody, numCondConsts: nc, numBodyConsts: nb });
  } else {
    // Every carry is batched. The body computes each lane's predicate from the carry it was
    // given (one carry param shared by the predicate and the step) and keeps stopped lanes.
    const carry = b.params.slice(nb);
    const pred = batchBody(cond, [...condFlags, ...carryFlags], size, carry);
    const next = b.outs.map((o, i) => {
      const x = carry[i];
      const lane = node('broadcast', [pred.outs[0].node], { shape: x.shape, dims: [0] });
      return node('select', [lane, moveIn(o, size), x], {});
    });
    const anyLane = node('gt', [node('reduce_max', [node('cast', [c.outs[0].node], { dtype: 'int32' })], { axes: [0] }), node('const', [], { data: Int32Array.of(0), shape: [], dtype: 'int32', weak: false })], {});
    const newBody = { params: [...pred.params.slice(0, nc), ...b.params], outputs: next };
    w = node('while', [...consts.slice(0, nc), ...consts, ...carryIn], { cond: { params: c.params, outputs: [anyLane] }, body: newBody, numCondConsts: nc, numBodyConsts: nc + nb });
  }
  return Array.from({ length: K }, (_, i) => ({ node: node('proj', [w], { index: i }), batched: carryFlags[i] }));
}

export const batchingRules: { [P in Prim]: Rule<P> } = {
  ...elementwiseRows<Rule<UnaryPrim | BinaryPrim>>(elementwise),
  select: elementwise, cast: elementwise, bitcast: elementwise,
  const: leaf, param: leaf, iota: leaf,
  broadcast: (n, [x], size) => batched(node('broadcast', [x.node], { shape: [size, ...n.params.shape], dims: [0, ...up(n.params.dims)] })),
  reshape: (n, [x], size) => batched(node('reshape', [x.node], { shape: [size, ...n.params.shape] })),
  transpose: (n, [x]) => batched(node('transpose', [x.node], { perm: [0, ...up(n.params.perm)] })),
  slice: (n, [x], size) => {
    const { starts, limits, strides } = n.params;
    return batched(node('slice', [x.node], { starts: [0, ...starts], limits: [size, ...limits], strides: [1, ...strides] }));
  },
  rev: (n, [x]) => batched(node('rev', [x.node], { axes: up(n.params.axes) })),
  concat: (n, ins, size) => batched(node('concat', ins.map((v) => moveIn(v, size)), { axis: n.params.axis + 1 })),
  reduce_sum: reduce, reduce_max: reduce, reduce_min: reduce, reduce_prod: reduce,
  argmax: argReduce, argmin: argReduce,
  cumsum: cumulative, cumprod: cumulative, cummax: cumulative, cummin: cumulative,
  // Both batched: the vmapped axis is one more batch axis. One batched: it is a free axis of
  // that operand (JAX's _dot_general_batch_rule), so the other is never broadcast (a
  // broadcast operand is materialized, recomputing an unrealized producer once per example)
  // and moved to the front after.
  dot: (n, [a, b], size) => {
    const p = n.params;
    if (a.batched && b.batched) {
      return batched(
        node('dot', [a.node, b.node], {
          lhsContract: up(p.lhsContract), rhsContract: up(p.rhsContract), lhsBatch: [0, ...up(p.lhsBatch)], rhsBatch: [0, ...up(p.rhsBatch)],
        }),
      );
    }
    const nb = p.lhsBatch.length;
    const lhsFree = a.node.shape.length - nb - p.lhsContract.length;
    const out = a.batched
      ? node('dot', [a.node, b.node], { lhsContract: up(p.lhsContract), rhsContract: p.rhsContract, lhsBatch: up(p.lhsBatch), rhsBatch: p.rhsBatch })
      : node('dot', [a.node, b.node], { lhsContract: p.lhsContract, rhsContract: up(p.rhsContract), lhsBatch: p.lhsBatch, rhsBatch: up(p.rhsBatch) });
    const at = a.batched ? nb : nb + lhsFree;
    if (at === 0) return batched(out);
    const perm = [at, ...out.shape.map((_, i) => i).filter((i) => i !== at)];
    return batched(node('transpose', [out], { perm }));
  },
  gather: (n, [x, idx], size) => {
    if (!x.batched) return batched(node('gather', [x.node, idx.node], {}));
    const i = offsetIndices(moveIn(idx, size), n.inputs[0].size, size, false);
    return batched(node('gather', [x.node, i], {}));
  },
  scatter: (n, [x, idx, upd], size) => {
    const i = offsetIndices(moveIn(idx, size), n.inputs[0].size, size, true);
    return batched(node('scatter', [moveIn(x, size), i, moveIn(upd, size)], n.params));
  },
  scan: scanRule,
  while: whileRule,
  proj: () => {
    throw new Error('proj is batched with its tuple');
  },
};

/** Batch the graph of `outputs` given batched values for some leaves (`env`). */
export function batchGraph(outputs: readonly Node[], env: Map<Node, BVal>, size: number): BVal[] {
  const tuples = new Map<Node, BVal[]>();
  for (const n of toposort(outputs, (x) => env.has(x))) {
    if (env.has(n)) continue;
    if (n.prim === 'proj') {
      const t = tuples.get(n.inputs[0]);
      env.set(n, t ? t[(n as Node<'proj'>).params.index] : { node: n, batched: false });
      continue;
    }
    const ins = n.inputs.map((x) => env.get(x)!);
    if (!ins.some((v) => v.batched)) {
      env.set(n, { node: ins.every((v, i) => v.node === n.inputs[i]) ? n : withInputs(n, ins.map((v) => v.node)), batched: false });
      continue;
    }
    const out = (batchingRules[n.prim] as Rule<Prim>)(n, ins, size);
    if (Array.isArray(out)) tuples.set(n, out);
    else env.set(n, out);
  }
  return outputs.map((o) => env.get(o)!);
}
