// lax.scan as ONE dispatch: the time loop runs inside the kernel, one thread per lane.
//
// A scan is lane-wise when every kernel of its body schedule is elementwise over L
// elements (or 1), and every carry and body intermediate is read element-for-element (or
// is a scalar): vmap-of-scan and many independent sensors run their L lanes in parallel,
// a single stream is L = 1. Body values live in registers (`var`s named by body buffer);
// consts and xs are read from the arena (xs at time slice t), body constants are extra
// uploads. Anything else (a reduction over the carry inside the body, a nested scan)
// throws NotLowered, and the backend runs that schedule on the CPU (documented fallback).

import type { Node } from '../graph/node.js';
import { sizeOf, walksFlat, type Shape } from '../graph/shape.js';
import type { IndexMap, Kernel } from '../scheduler/kernel.js';
import { NotLowered, threadId, WG, type Dispatch } from './render_kernel.js';
import { wgslType } from './wgsl_ops.js';
import { fromWord, toWord, WgslWriter, type ReadFn } from './wgsl_writer.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** Body constants of a scan (uploaded; their offsets follow the outputs in meta). */
export function scanBodyConsts(k: ScanKernel): Node[] {
  return k.body.inputs.filter((b) => b.param === null).map((b) => b.node);
}

/** Element-for-element over `shape` (or any read of a 1-element value at 0). */
export function laneRead(map: IndexMap, shape: Shape, size: number): boolean {
  if (size === 1) return map.offset === 0 && map.strides.every((s, i) => s === 0 || shape[i] === 1);
  return map.offset === 0 && walksFlat(map.strides, shape);
}

/** What every rendering of a lane-wise scan needs: the body's buffers and their register names. */
export interface ScanLayout {
  readonly k: ScanKernel;
  /** Lanes (threads per time step). */
  readonly L: number;
  /** Register names of carry params (by body buffer) and body kernel outputs. */
  readonly regs: Map<number, string>;
  /** The body kernel writing each body buffer. */
  readonly producer: Map<number, ElementwiseKernel>;
  sizeOfBuf(id: number): number;
  laneIdx(size: number): string;
  /** Meta index of the first body constant. */
  readonly constMeta: number;
}

type ElementwiseKernel = Extract<Kernel, { kind: 'elementwise' }>;

/** Checks that the scan is lane-wise (else NotLowered) and names its registers. */
export function scanLayout(k: ScanKernel): ScanLayout {
  const { body, numConsts, numCarry } = k;
  const sizeOfBuf = (id: number) => body.buffers[id].size;
  const carrySizes = body.outputs.slice(0, numCarry).map(sizeOfBuf);
  for (const kb of body.kernels) if (kb.kind !== 'elementwise') throw new NotLowered(`a scan body with a ${kb.kind} kernel is not lowered to WGSL`);
  const kernels = body.kernels as ElementwiseKernel[];
  const domains = kernels.map((kb) => sizeOf(kb.shape));
  const L = Math.max(1, ...carrySizes, ...domains);
  if (domains.some((d) => d !== 1 && d !== L)) throw new NotLowered(`scan body values of sizes ${domains.join(', ')} are not lane-wise over ${L} lanes`);
  const outSizes = body.outputs.map(sizeOfBuf);
  if (outSizes.some((d) => d !== 1 && d !== L)) throw new NotLowered('scan outputs are not lane-wise');
  const regs = new Map<number, string>();
  for (const b of body.inputs) {
    if (b.param !== null && b.param >= numConsts && b.param < numConsts + numCarry) regs.set(b.buffer, `carry${b.param - numConsts}`);
  }
  const producer = new Map<number, ElementwiseKernel>();
  for (const kb of kernels) {
    const id = kb.outputs[0];
    producer.set(id, kb);
    if (!regs.has(id)) regs.set(id, `b${id}`);
  }
  return { k, L, regs, producer, sizeOfBuf, laneIdx: (size) => (size === 1 ? '0u' : 'lane'), constMeta: k.inputs.length + k.outputs.length };
}

/** How body kernel `kb` reads its input slots at time step `t` (an i32 WGSL name in scope). */
export function bodyRead(lay: ScanLayout, kb: ElementwiseKernel, read: (id: number) => string | undefined = (id) => lay.regs.get(id)): ReadFn {
  const { k } = lay;
  const bodyConsts = k.body.inputs.filter((b) => b.param === null);
  return (slot, addr, dtype, map) => {
    const id = kb.inputs[slot];
    const reg = lay.regs.has(id) ? read(id) : undefined;
    if (lay.regs.has(id)) {
      if (!laneRead(map, kb.shape, lay.sizeOfBuf(id))) throw new NotLowered('a scan carry is read across lanes');
      return reg!;
    }
    const binding = k.body.inputs.find((b) => b.buffer === id)!;
    if (binding.param === null) return fromWord(`mem[offs[${lay.constMeta + bodyConsts.indexOf(binding)}] + u32(${addr})]`, dtype);
    if (binding.param < k.numConsts) return fromWord(`mem[offs[${binding.param}] + u32(${addr})]`, dtype);
    return fromWord(`mem[offs[${binding.param}] + u32(t * ${lay.sizeOfBuf(id)} + ${addr})]`, dtype);
  };
}

/** Declares `var carry{j}` (from the init buffers unless `init` gives expressions) and the body registers. */
export function declareRegisters(w: WgslWriter, lay: ScanLayout, init?: (j: number) => string): void {
  const { body, numConsts, numCarry } = lay.k;
  for (let j = 0; j < numCarry; j++) {
    const out = body.buffers[body.outputs[j]];
    const v = init ? init(j) : fromWord(`mem[offs[${numConsts + j}] + ${lay.laneIdx(out.size)}]`, out.dtype);
    w.line(`var carry${j}: ${wgslType[out.dtype]} = ${v};`);
  }
  for (const id of lay.producer.keys()) {
    if (lay.regs.get(id) === `b${id}`) w.line(`var b${id}: ${wgslType[body.buffers[id].dtype]};`);
  }
}

/** One time step at `t`: the body kernels, the ys stores, then the carry update. */
export function emitStep(w: WgslWriter, lay: ScanLayout): void {
  const { k, L } = lay;
  const { body, numCarry } = k;
  const nIn = k.inputs.length;
  for (const kb of body.kernels as ElementwiseKernel[]) {
    const c = w.coords(lay.laneIdx(sizeOf(kb.shape)), kb.shape);
    w.line(`${lay.regs.get(kb.outputs[0])} = ${w.expr(kb.expr, c, bodyRead(lay, kb))};`);
  }
  body.outputs.slice(numCarry).forEach((id, j) => {
    const y = lay.sizeOfBuf(id);
    const store = `mem[offs[${nIn + numCarry + j}] + u32(t) * ${y}u + ${lay.laneIdx(y)}] = ${toWord(lay.regs.get(id) ?? bodyValue(lay, id), body.buffers[id].dtype)};`;
    w.line(y === 1 && L > 1 ? `if (lane == 0u) { ${store} }` : store);
  });
  body.outputs.slice(0, numCarry).forEach((id, j) => w.line(`carry${j} = ${lay.regs.get(id) ?? bodyValue(lay, id)};`));
}

/** A body output that no kernel computes (a param or constant passed through). */
function bodyValue(lay: ScanLayout, id: number): string {
  throw new NotLowered(`scan body output buffer b${id} is a body input`);
}

/** Stores the final carries. */
export function emitFinalCarries(w: WgslWriter, lay: ScanLayout): void {
  const { k, L } = lay;
  k.body.outputs.slice(0, k.numCarry).forEach((id, j) => {
    const size = lay.sizeOfBuf(id);
    const store = `mem[offs[${k.inputs.length + j}] + ${lay.laneIdx(size)}] = ${toWord(`carry${j}`, k.body.buffers[id].dtype)};`;
    w.line(size === 1 && L > 1 ? `if (lane == 0u) { ${store} }` : store);
  });
}

/** The serial scan: one thread per lane runs every step in order (bit-exact with the oracle). */
export function renderScan(k: ScanKernel): Dispatch {
  const lay = scanLayout(k);
  const w = new WgslWriter();
  w.line(`let lane = ${threadId(WG)};`);
  w.line(`if (lane >= ${lay.L}u) { return; }`);
  declareRegisters(w, lay);
  w.open(`for (var s = 0u; s < ${k.length}u; s++)`);
  w.line(`let t = i32(${k.reverse ? `${k.length - 1}u - s` : 's'});`);
  emitStep(w, lay);
  w.close();
  emitFinalCarries(w, lay);
  return { code: w.source(WG), workgroups: Math.ceil(lay.L / WG) };
}
