// lax.scan as ONE dispatch: the time loop runs inside the kernel, one thread per lane of
// the scan's layout (scan_layout.ts).
//
// The body runs in the order of the CPU's fused scan (scan_plan.ts `stepOrder`: a patch
// after the last reader of the carry it overwrites; later kernels may read the updated
// array). A carry updated with `.at` in place (a ring buffer of a rolling window,
// `[W, ...lanes]`) stays in memory, in the final-carry output buffer or a lane-major copy in
// scratch, each thread touching only its own lane's elements (lane_layout.ts: every such
// access is checked at run time, and one that leaves its lane sends the schedule to the
// CPU). A reduction whose kept shape is the lane's runs per lane, folding its reduced axes
// in a loop (a window's mean).

import { scatterCombine } from '../graph/prims.js';
import { sizeOf } from '../graph/shape.js';
import type { PatchOf, ReduceOf } from '../scheduler/scan_plan.js';
import type { Expr, Kernel } from '../scheduler/kernel.js';
import { NotLowered, threadId, WG, type Dispatch } from './dispatch.js';
import { elementOf, ownerOf } from './lane_layout.js';
import { bodyRead, laneMajorWord, memoryWord, raiseFlag, scanLayout, type ScanLayout } from './scan_layout.js';
import { binaryWgsl, monoid, wgslType } from './wgsl_ops.js';
import { fromWord, opaqueCount, toWord, WgslWriter } from './wgsl_writer.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** `store` of a value of `size` elements: by every lane, or by one lane of each element's group. */
const storeOnce = (lay: ScanLayout, size: number, store: string) => (size < lay.L ? `if (lane % ${lay.L / size}u == 0u) { ${store} }` : store);

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
    const v = p.mode === 'set' ? upd : binaryWgsl[scatterCombine[p.mode]](cur, upd, kp.dtype, w);
    w.line(`mem[${word}] = ${toWord(v, kp.dtype)};`);
    if (!serial) w.close();
    w.close();
    w.close();
  }
}

/** A reduction per lane: the lane's output element folds its reduced axes in the oracle's order, then the epilogue. */
function emitReduce(w: WgslWriter, lay: ScanLayout, kb: ReduceOf): void {
  const d = kb.accDtype;
  const m = monoid(kb.op, d, w);
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
  // Reversed: t = length - 1 - s in i32, so a scan of 0 steps spells no negative u32 constant.
  w.line(`let t = ${k.reverse ? `${k.length - 1} - i32(s)` : 'i32(s)'};`);
  emitStep(w, lay);
  w.close();
  emitFinalCarries(w, lay);
  const checked = lay.flagMeta >= 0;
  const scratch = 1 + lay.memoryCarries.reduce((n, m) => n + (m.region === null ? 0 : m.size), 0);
  return { code: w.source(WG), workgroups: Math.ceil(lay.L / WG), ...(checked ? { scratch, laneFlag: true } : {}) };
}
