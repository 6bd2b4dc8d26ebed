// lax.scan as ONE dispatch: the time loop runs inside the kernel, one thread per lane.
//
// A scan is lane-wise when every elementwise kernel of its body schedule is over L elements
// (or a divisor of L), and every carry and body intermediate is read element-for-element,
// per key, or as a scalar: vmap-of-scan and many independent sensors run their L lanes in
// parallel, a single stream is L = 1. Body values live in registers (`var`s named by body
// buffer); consts and xs are read from the arena (xs at time slice t), body constants are
// extra uploads. A larger carry that the body updates with `.at` in place (a ring buffer of a
// rolling window, `[W, ...lanes]`) stays in memory, in the final-carry output buffer, each
// thread touching only its own lane's elements (lane_layout.ts: every such access is checked
// at run time, and one that leaves its lane sends the schedule to the CPU). The body runs in
// the order of the CPU's fused scan (scan_plan.ts `stepOrder`: a patch after the last reader
// of the carry it overwrites; later kernels may read the updated array). A reduction whose
// kept shape is the lane's runs per lane, folding its reduced axes in a loop (a window's
// mean). Anything else (a reduction across lanes, a nested scan, a patch that cannot run in
// place, a value whose size does not divide L or that is read other than per key) throws
// NotLowered, and the backend runs that schedule on the CPU (documented fallback). A value of
// fewer than L elements (a per-key position when each key holds several lanes) is held by
// every lane of its key (`laneRead`'s projection).

import type { Node } from '../graph/node.js';
import { sizeOf, walksFlat, type Shape } from '../graph/shape.js';
import { stepOrder, type ElementwiseOf, type PatchOf, type ReduceOf, type StepKernel } from '../scheduler/scan_plan.js';
import type { Expr, IndexMap, Kernel } from '../scheduler/kernel.js';
import { elementOf, memoryCarries, ownerOf, rowOf, type MemoryCarry } from './lane_layout.js';
import { NotLowered, threadId, WG, type Dispatch } from './dispatch.js';
import { binaryWgsl, monoid, reduceMonoid, wgslType } from './wgsl_ops.js';
import { fromWord, opaqueCount, toWord, WgslWriter, type ReadFn } from './wgsl_writer.js';

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
const raiseFlag = (lay: ScanLayout) => `mem[offs[${lay.flagMeta}]] = 1u;`;

/**
 * The arena word of element `j` (an i32 in range) of a memory carry, as this thread stores it:
 * in the output buffer, or at its row of this lane's column of the lane-major copy (a
 * foreign `j` raises the flag, and the result is void anyway).
 */
function memoryWord(lay: ScanLayout, mem: MemoryCarry, j: string): string {
  if (mem.region === null) return `offs[${lay.k.inputs.length + mem.j}] + u32(${j})`;
  return laneMajorWord(lay, mem, rowOf(j, mem.layout));
}

/** The arena word of row `r` (u32) of this lane's column in a memory carry's lane-major copy. */
const laneMajorWord = (lay: ScanLayout, mem: MemoryCarry, r: string) => `offs[${lay.flagMeta}] + ${mem.region}u + ${r} * ${lay.L}u + lane`;

/** `store` of a value of `size` elements: by every lane, or by one lane of each element's group. */
const storeOnce = (lay: ScanLayout, size: number, store: string) => (size < lay.L ? `if (lane % ${lay.L / size}u == 0u) { ${store} }` : store);

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

/**
 * Declares `var carry{j}` (from the init buffers unless `init` gives expressions) and the
 * body registers; each lane copies its elements of the memory carries' init values into
 * their output buffers, where the scan then updates them.
 */
export function declareRegisters(w: WgslWriter, lay: ScanLayout, init?: (j: number) => string): void {
  const { k } = lay;
  const { body, numConsts, numCarry } = k;
  for (let j = 0; j < numCarry; j++) {
    if (lay.inMemory.has(j)) continue;
    const out = body.buffers[body.outputs[j]];
    const v = init ? init(j) : fromWord(`mem[offs[${numConsts + j}] + ${lay.laneIdx(out.size)}]`, out.dtype);
    w.line(`var carry${j}: ${wgslType[out.dtype]} = ${v};`);
  }
  const declared = new Set<number>();
  for (const kb of lay.order) {
    const id = kb.outputs[0];
    if (kb.kind === 'patch' || declared.has(id) || lay.regs.get(id) !== `b${id}`) continue;
    declared.add(id);
    w.line(`var b${id}: ${wgslType[body.buffers[id].dtype]};`);
  }
  for (const mem of lay.memoryCarries) {
    w.open(`for (var r = 0u; r < ${opaqueCount(mem.layout.m)}; r++)`);
    w.line(`let e = ${elementOf('lane', 'r', mem.layout)};`);
    const to = mem.region === null ? `offs[${k.inputs.length + mem.j}] + e` : laneMajorWord(lay, mem, 'r');
    w.line(`mem[${to}] = mem[offs[${numConsts + mem.j}] + e];`);
    w.close();
  }
}

/** An in-place `.at` update of a memory carry: each lane applies the updates of its own elements, in order. */
function emitPatch(w: WgslWriter, lay: ScanLayout, kp: PatchOf): void {
  const baseBuf = kp.inputs[(kp.base as Extract<Expr, { op: 'read' }>).input];
  const mem = lay.memory.get(baseBuf)!;
  for (const p of kp.patches) {
    const n = sizeOf(p.shape);
    const serial = lay.L === 1;
    w.open(serial ? `for (var u = 0u; u < ${opaqueCount(n)}; u++)` : '');
    const c = w.coords(serial ? 'u' : 'lane', p.shape);
    const read = bodyRead(lay, { inputs: kp.inputs, shape: p.shape }, undefined, w);
    const j = w.expr(p.index, c, read);
    w.open(`if (${j} >= 0 && ${j} < ${mem.size})`);
    if (!serial) w.open(`if (${ownerOf(j, mem.layout)} != lane) { ${raiseFlag(lay)} } else`);
    const upd = w.expr(p.updates, c, read);
    const word = memoryWord(lay, mem, j);
    const cur = fromWord(`mem[${word}]`, kp.dtype);
    const v = p.mode === 'set' ? upd : binaryWgsl[p.mode](cur, upd, kp.dtype, w);
    w.line(`mem[${word}] = ${toWord(v, kp.dtype)};`);
    if (!serial) w.close();
    w.close();
    w.close();
  }
}

/** A reduction per lane: the lane's output element folds its reduced axes in the oracle's order, then the epilogue. */
function emitReduce(w: WgslWriter, lay: ScanLayout, kb: ReduceOf): void {
  const d = kb.accDtype;
  const m = monoid(reduceMonoid[kb.op], d, w);
  const acc = w.fresh('acc');
  w.line(`var ${acc}: ${wgslType[d]} = ${m.init};`);
  w.open('');
  const kept = w.coords(lay.laneIdx(sizeOf(kb.shape)), kb.shape);
  w.open(`for (var r = 0u; r < ${opaqueCount(sizeOf(kb.reduceShape))}; r++)`);
  const c = [...kept, ...w.coords('r', kb.reduceShape)];
  w.line(`${acc} = ${m.combine(acc, w.expr(kb.expr, c, bodyRead(lay, { inputs: kb.inputs, shape: kb.shape }, undefined, w)))};`);
  w.close();
  const v = kb.epilogue ? w.expr(kb.epilogue, kept, bodyRead(lay, kb, undefined, w), acc) : acc;
  w.line(`${lay.regs.get(kb.outputs[0])} = ${v};`);
  w.close();
}

/** One time step at `t`: the body kernels in order, the ys stores, then the carry update. */
export function emitStep(w: WgslWriter, lay: ScanLayout): void {
  const { k } = lay;
  const { body, numCarry } = k;
  const nIn = k.inputs.length;
  for (const kb of lay.order) {
    if (kb.kind === 'patch') {
      emitPatch(w, lay, kb);
      continue;
    }
    if (kb.kind === 'reduce') {
      emitReduce(w, lay, kb);
      continue;
    }
    const c = w.coords(lay.laneIdx(sizeOf(kb.shape)), kb.shape);
    w.line(`${lay.regs.get(kb.outputs[0])} = ${w.expr(kb.expr, c, bodyRead(lay, kb, undefined, w))};`);
  }
  body.outputs.slice(numCarry).forEach((id, j) => {
    const y = lay.sizeOfBuf(id);
    const store = `mem[offs[${nIn + numCarry + j}] + u32(t) * ${y}u + ${lay.laneIdx(y)}] = ${toWord(lay.regs.get(id) ?? bodyValue(id), body.buffers[id].dtype)};`;
    w.line(storeOnce(lay, y, store));
  });
  body.outputs.slice(0, numCarry).forEach((id, j) => {
    if (!lay.inMemory.has(j)) w.line(`carry${j} = ${lay.regs.get(id) ?? bodyValue(id)};`);
  });
}

/** A body output that no kernel computes (a param or constant passed through). */
function bodyValue(id: number): string {
  throw new NotLowered(`scan body output buffer b${id} is a body input`);
}

/** Stores the final carries (memory carries: each lane copies its column of a lane-major copy out). */
export function emitFinalCarries(w: WgslWriter, lay: ScanLayout): void {
  const { k } = lay;
  k.body.outputs.slice(0, k.numCarry).forEach((id, j) => {
    if (lay.inMemory.has(j)) return;
    const size = lay.sizeOfBuf(id);
    w.line(storeOnce(lay, size, `mem[offs[${k.inputs.length + j}] + ${lay.laneIdx(size)}] = ${toWord(`carry${j}`, k.body.buffers[id].dtype)};`));
  });
  for (const mem of lay.memoryCarries) {
    if (mem.region === null) continue;
    w.open(`for (var r = 0u; r < ${opaqueCount(mem.layout.m)}; r++)`);
    w.line(`mem[offs[${k.inputs.length + mem.j}] + ${elementOf('lane', 'r', mem.layout)}] = mem[${laneMajorWord(lay, mem, 'r')}];`);
    w.close();
  }
}

/**
 * The serial scan: one thread per lane runs every step in order (bit-exact with the oracle).
 * With checked memory carries its scratch holds the lane-escape flag (`laneFlag`, word 0)
 * and the lane-major copies of memory carries that need one.
 */
export function renderScan(k: ScanKernel): Dispatch {
  const lay = scanLayout(k);
  const w = new WgslWriter();
  w.line(`let lane = ${threadId(WG)};`);
  w.line(`if (lane >= ${lay.L}u) { return; }`);
  declareRegisters(w, lay);
  w.open(`for (var s = 0u; s < ${opaqueCount(k.length)}; s++)`);
  w.line(`let t = i32(${k.reverse ? `${k.length - 1}u - s` : 's'});`);
  emitStep(w, lay);
  w.close();
  emitFinalCarries(w, lay);
  const checked = lay.flagMeta >= 0;
  const scratch = 1 + lay.memoryCarries.reduce((n, m) => n + (m.region === null ? 0 : m.size), 0);
  return { code: w.source(WG), workgroups: Math.ceil(lay.L / WG), ...(checked ? { scratch, laneFlag: true } : {}) };
}
