// After kernels are built over logical values: merge reduction epilogues (boundary rule 8),
// order kernels topologically (Kahn's algorithm over read-after-write edges) and map values
// to physical buffers, reusing a dead intermediate buffer of the same dtype and size.

import type { DType } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import { walksFlat } from '../graph/shape.js';
import type { BufferInfo, Expr, Kernel, KernelBody, Schedule } from './kernel.js';

/** A kernel over value ids (before buffer planning). */
export interface LogicalKernel {
  body: KernelBody;
  inputs: number[];
  outputs: number[];
  label: string;
  /** In-place patch: the value whose storage the output takes over (also inputs[0]). */
  aliasOf: number | null;
}

interface Leaf {
  vid: number;
  node: Node;
  take: boolean;
  param: number | null;
}

/** Rewrite input slots (`slot(old)`; null turns the read into `acc`). */
export function mapSlots(e: Expr, slot: (s: number) => number | null): Expr {
  const memo = new Map<Expr, Expr>();
  const go = (x: Expr): Expr => {
    let r = memo.get(x);
    if (r) return r;
    switch (x.op) {
      case 'read': {
        const s = slot(x.input);
        r = s === null ? { op: 'acc', dtype: x.dtype } : { ...x, input: s };
        break;
      }
      case 'gather':
        r = { ...x, input: slot(x.input)!, index: go(x.index) };
        break;
      case 'iota':
      case 'acc':
        r = x;
        break;
      case 'unary':
      case 'cast':
      case 'bitcast':
        r = { ...x, a: go(x.a) };
        break;
      case 'binary':
        r = { ...x, a: go(x.a), b: go(x.b) };
        break;
      case 'select':
        r = { ...x, cond: go(x.cond), a: go(x.a), b: go(x.b) };
        break;
    }
    memo.set(x, r);
    return r;
  };
  return go(e);
}

/** True when every read of `slot` in `e` is element-for-element over `shape` (and no gather reads it). */
function identityReads(e: Expr, slot: number, shape: readonly number[]): boolean {
  const seen = new Set<Expr>();
  const ok = (x: Expr): boolean => {
    if (seen.has(x)) return true;
    seen.add(x);
    switch (x.op) {
      case 'read':
        return x.input !== slot || (x.map.offset === 0 && walksFlat(x.map.strides, shape));
      case 'gather':
        return x.input !== slot && ok(x.index);
      case 'iota':
      case 'acc':
        return true;
      case 'unary':
      case 'cast':
      case 'bitcast':
        return ok(x.a);
      case 'binary':
        return ok(x.a) && ok(x.b);
      case 'select':
        return ok(x.cond) && ok(x.a) && ok(x.b);
    }
  };
  return ok(e);
}

/** Rule 8: fold an elementwise kernel into the reduction it reads element-for-element. */
function mergeEpilogues(kernels: LogicalKernel[], outputs: ReadonlySet<number>): LogicalKernel[] {
  const producer = new Map<number, LogicalKernel>();
  const readers = new Map<number, number>();
  for (const k of kernels) {
    k.outputs.forEach((v) => producer.set(v, k));
    new Set(k.inputs).forEach((v) => readers.set(v, (readers.get(v) ?? 0) + 1));
  }
  const removed = new Set<LogicalKernel>();
  for (const e of kernels) {
    if (e.body.kind !== 'elementwise') continue;
    const shape = e.body.shape;
    const slot = e.inputs.findIndex((v) => {
      const r = producer.get(v);
      return (
        r !== undefined &&
        r.body.kind === 'reduce' &&
        r.body.epilogue === null &&
        !removed.has(r) &&
        readers.get(v) === 1 &&
        !outputs.has(v) &&
        r.body.shape.length === shape.length &&
        r.body.shape.every((d, i) => d === shape[i])
      );
    });
    if (slot < 0 || !identityReads(e.body.expr, slot, shape)) continue;
    const r = producer.get(e.inputs[slot])!;
    const base = r.inputs.length;
    const newSlot = (s: number) => (s === slot ? null : s < slot ? base + s : base + s - 1);
    r.body = { ...(r.body as Extract<KernelBody, { kind: 'reduce' }>), epilogue: mapSlots(e.body.expr, newSlot) };
    r.inputs = [...r.inputs, ...e.inputs.filter((_, i) => i !== slot)];
    r.outputs = e.outputs;
    r.label = `${e.label} <- ${r.label}`;
    removed.add(e);
  }
  return kernels.filter((k) => !removed.has(k));
}

/** Kahn's algorithm; ties keep creation order. */
function topoOrder(kernels: LogicalKernel[]): LogicalKernel[] {
  const producer = new Map<number, number>();
  kernels.forEach((k, i) => k.outputs.forEach((v) => producer.set(v, i)));
  const indegree = kernels.map(() => 0);
  const next: number[][] = kernels.map(() => []);
  kernels.forEach((k, i) => {
    for (const v of new Set(k.inputs)) {
      const p = producer.get(v);
      if (p !== undefined && p !== i) {
        indegree[i]++;
        next[p].push(i);
      }
    }
  });
  const ready = kernels.map((_, i) => i).filter((i) => indegree[i] === 0);
  const order: LogicalKernel[] = [];
  for (let h = 0; h < ready.length; h++) {
    const i = ready[h];
    order.push(kernels[i]);
    for (const j of next[i]) if (--indegree[j] === 0) ready.push(j);
  }
  if (order.length !== kernels.length) throw new Error('internal error: the kernel graph has a cycle');
  return order;
}

/**
 * `holdPatchInputs` (scan bodies): the indices and updates of `.at` patches keep their buffers
 * to the end of the step, so no later kernel writes them and a fused step may run its carry
 * patches after everything else (scan_plan.ts `inPlaceCarry`).
 */
export function planBuffers(kernels: LogicalKernel[], values: readonly { dtype: DType; size: number }[], leaves: readonly Leaf[], outputVids: readonly number[], holdPatchInputs = false): Schedule {
  const outputs = new Set(outputVids);
  const order = topoOrder(mergeEpilogues(kernels, outputs));
  const buffers: BufferInfo[] = [];
  const phys = new Map<number, number>();
  const alloc = (dtype: DType, size: number, role: BufferInfo['role']) => {
    buffers.push({ id: buffers.length, dtype, size, role });
    return buffers.length - 1;
  };
  for (const l of leaves) phys.set(l.vid, alloc(values[l.vid].dtype, values[l.vid].size, 'input'));
  const lastUse = new Map<number, number>();
  order.forEach((k, i) => k.inputs.forEach((v) => lastUse.set(v, i)));
  const free = new Map<string, number[]>();
  const keyOf = (v: number) => `${values[v].dtype}:${values[v].size}`;
  const transferred = new Set<number>();
  const held = new Set(holdPatchInputs ? order.flatMap((k) => (k.body.kind === 'patch' ? k.inputs.filter((v) => v !== k.aliasOf) : [])) : []);
  const release = (v: number) => {
    const p = phys.get(v)!;
    if (outputs.has(v) || transferred.has(v) || held.has(v) || buffers[p].role !== 'intermediate') return;
    const key = keyOf(v);
    if (!free.has(key)) free.set(key, []);
    free.get(key)!.push(p);
  };
  const planned: Kernel[] = order.map((k, i) => {
    for (const v of k.outputs) {
      if (k.aliasOf !== null) {
        phys.set(v, phys.get(k.aliasOf)!);
        transferred.add(k.aliasOf);
        if (outputs.has(v) && buffers[phys.get(v)!].role === 'intermediate') {
          buffers[phys.get(v)!] = { ...buffers[phys.get(v)!], role: 'output' };
        }
      } else if (outputs.has(v)) {
        phys.set(v, alloc(values[v].dtype, values[v].size, 'output'));
      } else {
        phys.set(v, free.get(keyOf(v))?.pop() ?? alloc(values[v].dtype, values[v].size, 'intermediate'));
      }
    }
    const kernel = { ...k.body, inputs: k.inputs.map((v) => phys.get(v)!), outputs: k.outputs.map((v) => phys.get(v)!), label: k.label } as Kernel;
    for (const v of new Set(k.inputs)) if (lastUse.get(v) === i) release(v);
    for (const v of k.outputs) if (!lastUse.has(v)) release(v);
    return kernel;
  });
  return {
    buffers,
    kernels: planned,
    inputs: leaves.map((l) => ({ buffer: phys.get(l.vid)!, node: l.node, take: l.take, param: l.param })),
    outputs: outputVids.map((v) => phys.get(v)!),
  };
}
