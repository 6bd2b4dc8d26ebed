// The layout of a lane-wise lax.scan on WebGPU, shared by the serial kernel (render_scan.ts)
// and the affine parallel scan (render_affine_scan.ts): which body values are registers and
// where every other read of the body comes from.
//
// A scan is lane-wise when every elementwise kernel of its body schedule is over L elements
// (or a divisor of L), and every carry and body intermediate is read element-for-element,
// per key, or as a scalar: vmap-of-scan and many independent sensors run their L lanes in
// parallel, a single stream is L = 1. Body values live in registers (`var`s named by body
// buffer); consts and xs are read from the arena (xs at time slice t), body constants are
// extra uploads. A larger carry that the body updates with `.at` in place stays in memory
// (lane_layout.ts), each thread touching only its own lane's elements. Anything else (a
// reduction across lanes, a nested scan, a patch that cannot run in place, a value whose
// size does not divide L or that is read other than per key) throws NotLowered, and the
// backend runs that schedule on the CPU (documented fallback). A value of fewer than L
// elements (a per-key position when each key holds several lanes) is held by every lane of
// its key (`laneRead`'s projection).

import type { Node } from '../graph/node.js';
import { sizeOf, walksFlat, type Shape } from '../graph/shape.js';
import { stepOrder, type ElementwiseOf, type PatchOf, type ReduceOf, type StepKernel } from '../scheduler/scan_plan.js';
import type { IndexMap, Kernel } from '../scheduler/kernel.js';
import { NotLowered } from './dispatch.js';
import { memoryCarries, ownerOf, rowOf, type MemoryCarry } from './lane_layout.js';
import { fromWord, type ReadFn, type WgslWriter } from './wgsl_writer.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** Body constants of a scan (uploaded; their offsets follow the outputs in meta). */
export function scanBodyConsts(k: ScanKernel): Node[] {
  return k.body.inputs.filter((b) => b.param === null).map((b) => b.node);
}

/**
 * Element-for-element over `shape` (or any read of a 1-element value at 0); a map with more
 * axes than `shape` (a reduction's domain: kept axes, then reduced ones) must not move
 * along the extra ones.
 */
export function laneRead(map: IndexMap, shape: Shape, size: number): boolean {
  const kept = map.strides.slice(0, shape.length);
  if (map.offset !== 0 || map.strides.slice(shape.length).some((s) => s !== 0)) return false;
  if (size === 1) return kept.every((s, i) => s === 0 || shape[i] === 1);
  // A value of fewer elements than the domain (one per key of a [keys, values] domain) is
  // read by projection: the domain's trailing axes, of n / size elements, do not move.
  const n = sizeOf(shape);
  if (n % size !== 0) return false;
  for (let s = shape.length; s >= 0; s--) {
    if (sizeOf(shape.slice(s)) !== n / size) continue;
    if (kept.slice(s).every((st, i) => st === 0 || shape[s + i] === 1) && walksFlat(kept.slice(0, s), shape.slice(0, s))) return true;
  }
  return false;
}

/** What every rendering of a lane-wise scan needs: the body's buffers and their register names. */
export interface ScanLayout {
  readonly k: ScanKernel;
  /**
   * Lanes (threads per time step). A body value of L elements has one per lane; one of n
   * elements (n dividing L: per key of keys with several lanes each) is held by every lane
   * at element lane / (L / n), lanes of one key computing it alike.
   */
  readonly L: number;
  /** Register names of carry params (by body buffer) and body kernel outputs. */
  readonly regs: Map<number, string>;
  /** The body kernel writing each body buffer. */
  readonly producer: Map<number, ElementwiseOf>;
  sizeOfBuf(id: number): number;
  laneIdx(size: number): string;
  /** Meta index of the first body constant. */
  readonly constMeta: number;
  /** The body's kernels in run order: elementwise, per-lane reductions, in-place patches of memory carries. */
  readonly order: readonly StepKernel[];
  /** Memory carries by the body buffers of their param and of their patched value. */
  readonly memory: Map<number, MemoryCarry>;
  /** The memory carries, each once. */
  readonly memoryCarries: readonly MemoryCarry[];
  /** Indices of the carries kept in memory (no register). */
  readonly inMemory: ReadonlySet<number>;
  /** Meta index of the word a thread sets when an access leaves its lane (-1: no access is checked). */
  readonly flagMeta: number;
}

/** Checks that the scan is lane-wise (else NotLowered) and names its registers. */
export function scanLayout(k: ScanKernel): ScanLayout {
  const { body, numConsts, numCarry } = k;
  const sizeOfBuf = (id: number) => body.buffers[id].size;
  const plan = stepOrder(k, { reductions: true, readPatched: true });
  if (plan === null) {
    const bad = body.kernels.find((kb) => kb.kind !== 'elementwise' && kb.kind !== 'patch' && kb.kind !== 'reduce');
    throw new NotLowered(bad ? `a scan body with a ${bad.kind} kernel is not lowered to WGSL` : 'a scan body with an `.at` update that cannot run in place on its carry is not lowered to WGSL');
  }
  const { order } = plan;
  const patches = [...plan.inPlace.keys()] as PatchOf[];
  const kernels = order.filter((kb): kb is ElementwiseOf => kb.kind === 'elementwise');
  const reductions = order.filter((kb): kb is ReduceOf => kb.kind === 'reduce');
  const paramOf = new Map(body.inputs.filter((b) => b.param !== null).map((b) => [b.param! - numConsts, b]));
  const inMemory = new Set(plan.inPlace.values());
  const carrySizes = body.outputs.slice(0, numCarry).filter((_, j) => !inMemory.has(j)).map(sizeOfBuf);
  // A reduction runs per lane: its kept shape is the lane's, its reduced axes a loop.
  const domains = [...kernels, ...reductions].map((kb) => sizeOf(kb.shape));
  const L = Math.max(1, ...carrySizes, ...domains);
  if (domains.some((d) => L % d !== 0)) throw new NotLowered(`scan body values of sizes ${domains.join(', ')} are not lane-wise over ${L} lanes`);
  const outSizes = body.outputs.filter((_, i) => i >= numCarry || !inMemory.has(i)).map(sizeOfBuf);
  if (outSizes.some((d) => L % d !== 0)) throw new NotLowered('scan outputs are not lane-wise');
  if (L > 1 && patches.some((kp) => kp.patches.some((p) => sizeOf(p.shape) !== L))) throw new NotLowered('a scan body `.at` update is not one element per lane');

  const memory = memoryCarries(k, order, plan.inPlace, L);

  const regs = new Map<number, string>();
  for (const [j, b] of paramOf) if (j >= 0 && j < numCarry && !inMemory.has(j)) regs.set(b.buffer, `carry${j}`);
  const producer = new Map<number, ElementwiseOf>();
  for (const kb of kernels) {
    const id = kb.outputs[0];
    producer.set(id, kb);
    if (!regs.has(id)) regs.set(id, `b${id}`);
  }
  for (const kb of reductions) if (!regs.has(kb.outputs[0])) regs.set(kb.outputs[0], `b${kb.outputs[0]}`);
  const constMeta = k.inputs.length + k.outputs.length;
  const flagMeta = L > 1 && memory.size > 0 ? constMeta + scanBodyConsts(k).length : -1;
  const laneIdx = (size: number) => (size === 1 ? '0u' : size === L ? 'lane' : `(lane / ${L / size}u)`);
  return { k, L, regs, producer, sizeOfBuf, laneIdx, constMeta, order, memory, memoryCarries: [...new Set(memory.values())], inMemory, flagMeta };
}

/** Sets the lane-escape flag (the backend then recomputes on the CPU). */
export const raiseFlag = (lay: ScanLayout) => `mem[offs[${lay.flagMeta}]] = 1u;`;

/**
 * The arena word of element `j` (an i32 in range) of a memory carry, as this thread stores it:
 * in the output buffer, or at its row of this lane's column of the lane-major copy (a
 * foreign `j` raises the flag, and the result is void anyway).
 */
export function memoryWord(lay: ScanLayout, mem: MemoryCarry, j: string): string {
  if (mem.region === null) return `offs[${lay.k.inputs.length + mem.j}] + u32(${j})`;
  return laneMajorWord(lay, mem, rowOf(j, mem.layout));
}

/** The arena word of row `r` (u32) of this lane's column in a memory carry's lane-major copy. */
export const laneMajorWord = (lay: ScanLayout, mem: MemoryCarry, r: string) => `offs[${lay.flagMeta}] + ${mem.region}u + ${r} * ${lay.L}u + lane`;

/**
 * How a body kernel (its input buffers, its domain) reads its input slots at time step `t`
 * (an i32 WGSL name in scope). Reads of memory carries are checked against the thread's
 * lane on `w` when the scan has more than one lane.
 */
export function bodyRead(lay: ScanLayout, kb: { inputs: readonly number[]; shape: Shape }, read: (id: number) => string | undefined = (id) => lay.regs.get(id), w?: WgslWriter): ReadFn {
  const { k } = lay;
  const bodyConsts = k.body.inputs.filter((b) => b.param === null);
  return (slot, addr, dtype, map) => {
    const id = kb.inputs[slot];
    if (lay.regs.has(id)) {
      if (!laneRead(map, kb.shape, lay.sizeOfBuf(id))) throw new NotLowered('a scan carry is read across lanes');
      return read(id)!;
    }
    const mem = lay.memory.get(id);
    if (mem) {
      if (lay.flagMeta < 0) return fromWord(`mem[${memoryWord(lay, mem, addr)}]`, dtype);
      if (!w) throw new NotLowered('a memory carry read outside the serial scan');
      const j = w.fresh('j');
      w.line(`let ${j}: i32 = ${addr};`);
      w.line(`if (${ownerOf(j, mem.layout)} != lane) { ${raiseFlag(lay)} }`);
      return fromWord(`mem[${memoryWord(lay, mem, j)}]`, dtype);
    }
    const binding = k.body.inputs.find((b) => b.buffer === id)!;
    if (binding.param === null) return fromWord(`mem[offs[${lay.constMeta + bodyConsts.indexOf(binding)}] + u32(${addr})]`, dtype);
    if (binding.param < k.numConsts) return fromWord(`mem[offs[${binding.param}] + u32(${addr})]`, dtype);
    return fromWord(`mem[offs[${binding.param}] + u32(t * ${lay.sizeOfBuf(id)} + ${addr})]`, dtype);
  };
}
