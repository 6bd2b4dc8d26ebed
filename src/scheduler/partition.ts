// Partitioning: the graph reachable from some outputs (stopping at leaves) into kernels
// (kernel.ts), following the boundary rules of boundaries.ts, in topological order, with
// their buffers planned (buffers.ts). Linear in the number of nodes; backend-neutral.
// schedule.ts caches the result by structure.

import type { DType } from '../graph/dtype.js';
import { consumedError, type Body, type Node, type PrimParams } from '../graph/node.js';
import { combineOf, type CumulativePrim, type ReducePrim } from '../graph/prims.js';
import { stridesOf } from '../graph/shape.js';
import { toposort } from '../graph/toposort.js';
import { EXPENSIVE, fusionClass, isSmallDot, materializedOperands, MAX_FUSED_DEPTH, MAX_PATCHES, primCost, repeatsElements } from './boundaries.js';
import { planBuffers, type LogicalKernel } from './buffers.js';
import type { Expr, KernelBody, Schedule } from './kernel.js';
import { MAX_USERS } from './replay_schedule.js';
import { contiguous, dotTermExpr, permuteExpr, viewExpr } from './view.js';

export interface ScheduleOptions {
  /** Traced params bound by an enclosing scan (scan bodies). */
  params?: readonly Node[];
  /** Allow in-place patches to take leaf storage (never inside a scan body: it runs again). */
  allowTake?: boolean;
}

/** The schedule of a scan body, as the caller caches it (schedule.ts `scheduleBody`). */
export type BodySchedule = (body: Body) => Schedule;

const isLeaf = (n: Node) => n.buf !== undefined || n.prim === 'const' || n.prim === 'param';

/**
 * A dot operand's source: a reshape has its operand's elements in the same order, so the dot
 * reads that operand's buffer instead of a copy (np.matmul's [N, k] @ [k] reshapes both
 * operands, and each copy was a pass over the whole matrix).
 */
const unreshaped = (n: Node): Node => {
  while (n.prim === 'reshape' && !isLeaf(n)) n = n.inputs[0];
  return n;
};

/** The number of products each output element of a dot sums. */
const dotLength = (n: Node) => (n as Node<'dot'>).params.lhsContract.reduce((k, ax) => k * n.inputs[0].shape[ax], 1);


/** Leaves and materialized nodes of a schedule get value ids; kernels read and write them. */
interface Ctx {
  inputs: number[];
  slots: Map<number, number>;
  memo: Map<Node, Expr>;
}

class Builder {
  readonly order: Node[];
  readonly outputs: readonly Node[];
  readonly outputSet: Set<Node>;
  readonly consumers = new Map<Node, Node[]>();
  readonly materialized = new Set<Node>();
  readonly merged = new Set<Node>();
  readonly values: { dtype: DType; size: number }[] = [];
  readonly vidOf = new Map<Node, number>();
  readonly tupleVids = new Map<Node, number[]>();
  readonly leafVids = new Map<Node, number>();
  readonly leaves: { vid: number; node: Node; take: boolean; param: number | null }[] = [];
  readonly kernels: LogicalKernel[] = [];
  readonly params: readonly Node[];
  readonly allowTake: boolean;
  /** A scan body (bound params, no taking of leaf storage): rule 11 does not apply, see boundaries.ts. */
  readonly scanBody: boolean;
  /** The kernel each fused (not materialized) node is computed in, or 'many' when several inline it. */
  readonly owner = new Map<Node, Node | 'many'>();

  constructor(
    outputs: readonly Node[],
    opts: ScheduleOptions,
    private readonly bodySchedule: BodySchedule,
  ) {
    this.outputs = outputs;
    this.outputSet = new Set(outputs);
    this.params = opts.params ?? [];
    this.allowTake = opts.allowTake ?? true;
    this.scanBody = opts.params !== undefined && opts.allowTake === false;
    this.order = toposort(outputs, isLeaf);
    for (const n of this.order) {
      if (isLeaf(n)) {
        if (n.consumed && n.buf === undefined) throw consumedError(n);
        continue;
      }
      for (const x of n.inputs) {
        let c = this.consumers.get(x);
        if (!c) this.consumers.set(x, (c = []));
        c.push(n);
      }
    }
    this.decide();
    // Kernels are built inputs first, so building one never recurses into another's: a
    // chain of thousands of kernels does not deepen the stack.
    for (const n of this.order) if (this.materialized.has(n)) this.ensureKernel(n);
  }

  uses = (n: Node) => this.consumers.get(n)?.length ?? 0;

  /** A node's fusion class, with rule 12: a small dot in a scan body fuses as an elementwise expression. */
  fusedClass(n: Node): 'leaf' | 'elementwise' | 'view' | 'own' {
    return this.scanBody && isSmallDot(n) ? 'elementwise' : fusionClass[n.prim];
  }

  /** Rules 2-6 and 10: which nodes are kernel outputs, which scatters merge into chains. */
  private decide(): void {
    const cost = new Map<Node, number>();
    const depth = new Map<Node, number>(); // rule 10: fused expression depth; patches merged below
    for (const n of this.order) {
      if (isLeaf(n)) continue;
      const cls = this.fusedClass(n);
      if (cls === 'own' || this.outputSet.has(n)) this.materialized.add(n);
      if (cls === 'own') {
        for (const i of materializedOperands(n.prim, n.inputs.length)) {
          const x = n.prim === 'dot' ? unreshaped(n.inputs[i]) : n.inputs[i];
          if (!isLeaf(x)) this.materialized.add(x);
        }
      } else if (n.prim === 'dot') {
        // Rule 12: each operand element is read by many outputs; an expensive one is computed once.
        for (const x of n.inputs) if (!isLeaf(x) && (cost.get(x) ?? 0) >= EXPENSIVE) this.materialized.add(x);
      }
      if (n.prim === 'scatter') {
        const base = n.inputs[0];
        const below = depth.get(base) ?? 0;
        if (base.prim === 'scatter' && !isLeaf(base) && !this.outputSet.has(base) && this.uses(base) === 1 && below < MAX_PATCHES) {
          this.merged.add(base);
          depth.set(n, below + 1);
        } else depth.set(n, 1);
      }
      if (cls === 'elementwise' || cls === 'view') {
        let c = n.prim === 'dot' ? 2 * dotLength(n) : primCost(n.prim);
        let d = 0;
        for (const x of n.inputs) {
          c += cost.get(x) ?? 0;
          if (!this.materialized.has(x)) d = Math.max(d, depth.get(x) ?? 0);
        }
        // Rule 11: an expensive fused operand under a broadcast that repeats it is materialized.
        const x = n.inputs[0];
        if (!this.scanBody && n.prim === 'broadcast' && repeatsElements(n) && !isLeaf(x) && !this.materialized.has(x) && (cost.get(x) ?? 0) >= EXPENSIVE) {
          this.materialized.add(x);
          c = primCost(n.prim);
        }
        cost.set(n, Math.min(c, 1e9));
        depth.set(n, d + 1);
        if (d + 1 >= MAX_FUSED_DEPTH) this.materialized.add(n), depth.set(n, 0);
      }
    }
    for (const m of this.merged) this.materialized.delete(m);
    // Rule 6, consumers first: the kernel (or 'many') each fused node ends up in.
    const owner = this.owner;
    for (let i = this.order.length - 1; i >= 0; i--) {
      const n = this.order[i];
      if (isLeaf(n) || this.materialized.has(n)) continue;
      let o: Node | 'many' | undefined;
      for (const c of this.consumers.get(n) ?? []) {
        const k = this.materialized.has(c) ? c : owner.get(c)!;
        o = o === undefined || o === k ? k : 'many';
      }
      if (o === 'many' && (cost.get(n) ?? 0) >= EXPENSIVE && this.fusedClass(n) !== 'own') {
        this.materialized.add(n);
        o = n;
      }
      owner.set(n, o!);
    }
  }

  private newValue(dtype: DType, size: number): number {
    this.values.push({ dtype, size });
    return this.values.length - 1;
  }

  private leafVid(n: Node): number {
    let v = this.leafVids.get(n);
    if (v === undefined) {
      v = this.newValue(n.dtype, n.size);
      this.leafVids.set(n, v);
      const p = n.prim === 'param' && n.buf === undefined ? this.params.indexOf(n) : -1;
      if (n.prim === 'param' && n.buf === undefined && p < 0) throw new Error(`unbound trace parameter ${n}: a traced value escaped its transformation`);
      this.leaves.push({ vid: v, node: n, take: false, param: p < 0 ? null : p });
    }
    return v;
  }

  /** The value id holding `n` (a leaf or a materialized node), building its kernel if needed. */
  valueOf(n: Node): number {
    if (isLeaf(n)) return this.leafVid(n);
    if (n.prim === 'proj') {
      this.ensureKernel(n.inputs[0]);
      return this.tupleVids.get(n.inputs[0])![(n as Node<'proj'>).params.index];
    }
    this.ensureKernel(n);
    return this.vidOf.get(n)!;
  }

  /** Output value ids of the schedule; leaves requested as outputs are copied. */
  outputVids(): number[] {
    return this.outputs.map((o) => {
      if (isLeaf(o)) {
        let v = this.vidOf.get(o);
        if (v === undefined) {
          const ctx = newCtx();
          const expr = this.read(this.leafVid(o), o, ctx);
          v = this.emit({ kind: 'elementwise', shape: o.shape, expr }, ctx, [o], o);
        }
        return v;
      }
      return this.valueOf(o);
    });
  }

  private read(vid: number, n: Node, ctx: Ctx): Expr {
    let slot = ctx.slots.get(vid);
    if (slot === undefined) {
      slot = ctx.inputs.length;
      ctx.inputs.push(vid);
      ctx.slots.set(vid, slot);
    }
    return { op: 'read', dtype: n.dtype, input: slot, map: contiguous(n.shape) };
  }

  /** `n` as an expression over its own shape in kernel `ctx`. */
  exprOf(n: Node, ctx: Ctx): Expr {
    let e = ctx.memo.get(n);
    if (e) return e;
    e = isLeaf(n) || this.materialized.has(n) || n.prim === 'proj' ? this.read(this.valueOf(n), n, ctx) : this.compute(n, ctx);
    ctx.memo.set(n, e);
    return e;
  }

  /** The fused recipe of an elementwise or view node. */
  private compute(n: Node, ctx: Ctx): Expr {
    const d = n.dtype;
    const ins = n.inputs;
    switch (n.prim) {
      case 'iota': {
        const { axis } = (n as Node<'iota'>).params;
        return { op: 'iota', dtype: d, map: { offset: 0, strides: n.shape.map((_, k) => (k === axis ? 1 : 0)) } };
      }
      case 'select':
        return { op: 'select', dtype: d, cond: this.exprOf(ins[0], ctx), a: this.exprOf(ins[1], ctx), b: this.exprOf(ins[2], ctx) };
      case 'cast':
        // (lax.optimization_barrier's flag goes with it to the shader writer)
        return { op: 'cast', dtype: d, from: ins[0].dtype, a: this.exprOf(ins[0], ctx), ...((n as Node<'cast'>).params.barrier ? { barrier: true as const } : {}) };
      case 'bitcast':
        return { op: 'bitcast', dtype: d, from: ins[0].dtype, a: this.exprOf(ins[0], ctx) };
      case 'broadcast':
      case 'reshape':
      case 'transpose':
      case 'slice':
      case 'rev': {
        const viewed = viewExpr(n, this.exprOf(ins[0], ctx));
        if (viewed) return viewed;
        // Rule 7: materialize the operand; a contiguous buffer always reshapes.
        this.materialized.add(ins[0]);
        return viewExpr(n, this.read(this.valueOf(ins[0]), ins[0], ctx))!;
      }
    }
    if (n.prim === 'dot' && this.fusedClass(n) === 'elementwise') return this.smallDot(n as Node<'dot'>, ctx);
    if (fusionClass[n.prim] !== 'elementwise') throw new Error(`internal error: ${n.prim} is not fusible`);
    if (ins.length === 1) return { op: 'unary', prim: n.prim as never, dtype: d, inDtype: ins[0].dtype, a: this.exprOf(ins[0], ctx) };
    return { op: 'binary', prim: n.prim as never, dtype: d, inDtype: ins[0].dtype, a: this.exprOf(ins[0], ctx), b: this.exprOf(ins[1], ctx) };
  }

  /** Rule 12: a small dot as the oracle's sum, 0 + Σ_c lhs[.., c] rhs[c, ..] in row-major order of c. */
  private smallDot(n: Node<'dot'>, ctx: Ctx): Expr {
    const [A, B] = n.inputs;
    const a = this.exprOf(A, ctx);
    const b = this.exprOf(B, ctx);
    const d = n.dtype;
    const q = n.params;
    const cShape = q.lhsContract.map((ax) => A.shape[ax]);
    const lFree = A.shape.map((_, i) => i).filter((i) => !q.lhsContract.includes(i) && !q.lhsBatch.includes(i));
    const rFree = B.shape.map((_, i) => i).filter((i) => !q.rhsContract.includes(i) && !q.rhsBatch.includes(i));
    // output axis k reads operand axis lhsAxes[k] (null: an axis of the other operand only)
    const lhsAxes = [...q.lhsBatch, ...lFree, ...rFree.map(() => null)];
    const rhsAxes = [...q.rhsBatch, ...lFree.map(() => null), ...rFree];
    const zero: Expr = { op: 'cast', dtype: d, from: 'int32', a: { op: 'iota', dtype: 'int32', map: { offset: 0, strides: n.shape.map(() => 0) } } };
    let acc: Expr | null = d === 'float32' ? zero : null;
    const c = cShape.map(() => 0);
    for (let k = 0; k < dotLength(n); k++) {
      const term: Expr = {
        op: 'binary', prim: 'mul', dtype: d, inDtype: d,
        a: dotTermExpr(a, lhsAxes, q.lhsContract, c),
        b: dotTermExpr(b, rhsAxes, q.rhsContract, c),
      };
      acc = acc === null ? term : { op: 'binary', prim: 'add', dtype: d, inDtype: d, a: acc, b: term };
      for (let j = c.length - 1; j >= 0 && ++c[j] === cShape[j]; j--) c[j] = 0;
    }
    return acc ?? zero;
  }

  private emit(body: KernelBody, ctx: Ctx, nodes: readonly Node[], n: Node, aliasOf: number | null = null): number {
    const vid = this.newValue(n.dtype, n.size);
    this.vidOf.set(n, vid);
    this.kernels.push({ body, inputs: ctx.inputs, outputs: [vid], label: nodes.map(String).join(' <- '), aliasOf });
    return vid;
  }

  private ensureKernel(n: Node): void {
    if (this.vidOf.has(n) || this.tupleVids.has(n)) return;
    const ctx = newCtx();
    const ins = n.inputs;
    const p = n.params as never;
    switch (n.prim) {
      case 'reduce_sum':
      case 'reduce_max':
      case 'reduce_min':
      case 'reduce_prod': {
        const { axes } = p as PrimParams[ReducePrim];
        const x = ins[0];
        const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
        const expr = permuteExpr(this.exprOf(x, ctx), [...kept, ...axes]);
        this.emit({ kind: 'reduce', op: combineOf[n.prim as ReducePrim], accDtype: n.dtype, shape: n.shape, reduceShape: axes.map((a) => x.shape[a]), expr, epilogue: null }, ctx, [n], n);
        return;
      }
      case 'argmax':
      case 'argmin': {
        const { axis } = p as PrimParams['argmax'];
        const x = ins[0];
        const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
        const expr = permuteExpr(this.exprOf(x, ctx), [...others, axis]);
        this.emit({ kind: 'argreduce', op: n.prim, shape: n.shape, axisSize: x.shape[axis], expr }, ctx, [n], n);
        return;
      }
      case 'cumsum':
      case 'cumprod':
      case 'cummax':
      case 'cummin': {
        const { axis, reverse } = p as PrimParams[CumulativePrim];
        this.emit({ kind: 'cumulative', op: combineOf[n.prim as CumulativePrim], shape: n.shape, axis, reverse, expr: this.exprOf(ins[0], ctx) }, ctx, [n], n);
        return;
      }
      case 'dot': {
        if (this.fusedClass(n) === 'elementwise') break; // rule 12: an elementwise kernel, below
        const q = p as PrimParams['dot'];
        ctx.inputs.push(this.valueOf(unreshaped(ins[0])), this.valueOf(unreshaped(ins[1])));
        this.emit({ kind: 'dot', dtype: n.dtype, shape: n.shape, lhsShape: ins[0].shape, rhsShape: ins[1].shape, ...q }, ctx, [n], n);
        return;
      }
      case 'gather': {
        const operand = this.read(this.valueOf(ins[0]), ins[0], ctx);
        const index = this.exprOf(ins[1], ctx);
        const expr: Expr = { op: 'gather', dtype: n.dtype, input: (operand as { input: number }).input, size: ins[0].size, index };
        this.emit({ kind: 'elementwise', shape: n.shape, expr }, ctx, [n], n);
        return;
      }
      case 'concat': {
        const { axis } = p as PrimParams['concat'];
        const st = stridesOf(n.shape);
        let at = 0;
        const parts = ins.map((x) => {
          const part = { shape: x.shape, expr: this.exprOf(x, ctx), out: { offset: at * st[axis], strides: st } };
          at += x.shape[axis];
          return part;
        });
        this.emit({ kind: 'concat', shape: n.shape, parts }, ctx, [n], n);
        return;
      }
      case 'scatter':
        this.patchKernel(n, ctx);
        return;
      case 'scan': {
        const q = p as PrimParams['scan'];
        for (const x of ins) ctx.inputs.push(this.valueOf(x));
        const body = this.bodySchedule(q.body);
        const vids = n.tuple.map((a) => this.newValue(a.dtype, a.shape.reduce((s, d) => s * d, 1)));
        this.tupleVids.set(n, vids);
        this.kernels.push({
          body: { kind: 'scan', length: q.length, reverse: q.reverse, numConsts: q.numConsts, numCarry: q.numCarry, body },
          inputs: ctx.inputs,
          outputs: vids,
          label: String(n),
          aliasOf: null,
        });
        return;
      }
      case 'while':
        // The realization layer runs loops before a backend schedules a graph (realize.ts);
        // one reaches here only inside a scan body or a compiled program (a stream step).
        throw new TypeError('lax.whileLoop is not supported inside a lax.scan body or a compiled stream step; use lax.foriLoop with static bounds or lax.scan there');
      case 'proj':
        this.ensureKernel(ins[0]);
        return;
    }
    // A materialized elementwise/view node, or a leaf requested as output.
    this.emit({ kind: 'elementwise', shape: n.shape, expr: this.compute(n, ctx) }, ctx, [n], n);
  }

  /** Rule 5: one kernel for a chain of scatters, in place when the base is dead. */
  private patchKernel(top: Node, ctx: Ctx): void {
    const chain: Node[] = [top];
    while (this.merged.has(chain[0].inputs[0])) chain.unshift(chain[0].inputs[0]);
    const base = chain[0].inputs[0];
    const dead = (x: Node) => x.handles === 0 && x.users === 1 && !x.aliased;
    let inPlace: number | null = null;
    if ((this.materialized.has(base) || base.prim === 'proj') && !isLeaf(base) && !this.outputSet.has(base) && this.uses(base) === 1) {
      inPlace = this.valueOf(base);
    } else if (
      this.allowTake &&
      isLeaf(base) &&
      (base.prim !== 'param' || base.donated) &&
      (dead(base) || this.donatedReadsDone(base, chain)) &&
      this.outputSet.has(top) &&
      chain.slice(0, -1).every(dead)
    ) {
      inPlace = this.leafVid(base);
      this.leaves.find((l) => l.vid === inPlace)!.take = true;
    }
    if (inPlace !== null) ctx.inputs.push(inPlace), ctx.slots.set(inPlace, 0);
    const baseExpr = inPlace === null ? this.exprOf(base, ctx) : null;
    const patches = chain.map((s) => ({
      mode: (s as Node<'scatter'>).params.mode,
      shape: s.inputs[1].shape,
      index: this.exprOf(s.inputs[1], ctx),
      updates: this.exprOf(s.inputs[2], ctx),
    }));
    this.emit({ kind: 'patch', dtype: top.dtype, shape: top.shape, base: baseExpr, patches }, ctx, chain.slice().reverse(), top, inPlace);
  }

  /**
   * A donated leaf (jit's `donateArgnums`) may be updated in place by the chain while other
   * nodes of this program read it, when each of those reads runs in a kernel the patch waits
   * for (one its indices or updates depend on), never in the patch's own kernel, and nothing
   * outside the program reads it (a keyed stream's table: rows gathered, stepped, scattered back).
   */
  private donatedReadsDone(base: Node, chain: readonly Node[]): boolean {
    if (!base.donated || base.aliased) return false;
    const readers = this.consumers.get(base) ?? [];
    if (base.users !== readers.length || readers.length > MAX_USERS) return false;
    if (readers.filter((r) => chain.includes(r)).length !== 1 || !readers.includes(chain[0])) return false;
    const before = new Set<Node>();
    const todo = chain.flatMap((s) => s.inputs.slice(1));
    for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
      if (before.has(n) || n === base) continue;
      before.add(n);
      if (!isLeaf(n)) todo.push(...n.inputs);
    }
    return readers.every((r) => {
      if (r === chain[0]) return true;
      const k = this.materialized.has(r) ? r : this.owner.get(r);
      return k !== undefined && k !== 'many' && !chain.includes(k) && before.has(k);
    });
  }
}

const newCtx = (): Ctx => ({ inputs: [], slots: new Map(), memo: new Map() });

/** Partition the graph of `outputs` into kernels; scan bodies through `bodySchedule`. */
export function partition(outputs: readonly Node[], opts: ScheduleOptions, bodySchedule: BodySchedule): Schedule {
  const distinct = [...new Set(outputs)];
  const b = new Builder(distinct, opts, bodySchedule);
  const vids = b.outputVids();
  const byNode = new Map(distinct.map((o, i) => [o, vids[i]]));
  return planBuffers(
    b.kernels,
    b.values,
    b.leaves,
    outputs.map((o) => byNode.get(o)!),
    opts.params !== undefined,
  );
}
