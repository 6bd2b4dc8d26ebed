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
import { sizeOf, stridesOf, type Shape } from '../graph/shape.js';
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
function laneRead(map: IndexMap, shape: Shape, size: number): boolean {
  const st = stridesOf(shape);
  if (size === 1) return map.offset === 0 && map.strides.every((s, i) => s === 0 || shape[i] === 1);
  return map.offset === 0 && map.strides.every((s, i) => s === st[i] || shape[i] === 1);
}

export function renderScan(k: ScanKernel): Dispatch {
  const { body, length, reverse, numConsts, numCarry } = k;
  const nIn = k.inputs.length;
  const w = new WgslWriter();
  const bodyConsts = k.body.inputs.filter((b) => b.param === null);
  const sizeOfBuf = (id: number) => body.buffers[id].size;
  const carrySizes = body.outputs.slice(0, numCarry).map(sizeOfBuf);
  for (const kb of body.kernels) if (kb.kind !== 'elementwise') throw new NotLowered(`a scan body with a ${kb.kind} kernel is not lowered to WGSL`);
  const domains = body.kernels.map((kb) => sizeOf((kb as Extract<Kernel, { kind: 'elementwise' }>).shape));
  const L = Math.max(1, ...carrySizes, ...domains);
  if (domains.some((d) => d !== 1 && d !== L)) throw new NotLowered(`scan body values of sizes ${domains.join(', ')} are not lane-wise over ${L} lanes`);
  const outSizes = body.outputs.map(sizeOfBuf);
  if (outSizes.some((d) => d !== 1 && d !== L)) throw new NotLowered('scan outputs are not lane-wise');

  // Names of register-held body buffers: carries (by buffer) and kernel outputs.
  const regs = new Map<number, string>();
  w.line(`let lane = ${threadId(WG)};`);
  w.line(`if (lane >= ${L}u) { return; }`);
  const laneIdx = (size: number) => (size === 1 ? '0u' : 'lane');
  for (let j = 0; j < numCarry; j++) {
    const out = body.buffers[body.outputs[j]];
    w.line(`var carry${j}: ${wgslType[out.dtype]} = ${fromWord(`mem[offs[${numConsts + j}] + ${laneIdx(out.size)}]`, out.dtype)};`);
  }
  for (const b of body.inputs) {
    if (b.param !== null && b.param >= numConsts && b.param < numConsts + numCarry) regs.set(b.buffer, `carry${b.param - numConsts}`);
  }
  for (const kb of body.kernels) {
    const id = kb.outputs[0];
    if (!regs.has(id)) {
      regs.set(id, `b${id}`);
      w.line(`var b${id}: ${wgslType[body.buffers[id].dtype]};`);
    }
  }

  w.open(`for (var s = 0u; s < ${length}u; s++)`);
  w.line(`let t = i32(${reverse ? `${length - 1}u - s` : 's'});`);
  for (const kb of body.kernels as Extract<Kernel, { kind: 'elementwise' }>[]) {
    const read: ReadFn = (slot, addr, dtype, map) => {
      const id = kb.inputs[slot];
      const reg = regs.get(id);
      if (reg !== undefined) {
        if (!laneRead(map, kb.shape, sizeOfBuf(id))) throw new NotLowered('a scan carry is read across lanes');
        return reg;
      }
      const binding = body.inputs.find((b) => b.buffer === id)!;
      if (binding.param === null) return fromWord(`mem[offs[${nIn + k.outputs.length + bodyConsts.indexOf(binding)}] + u32(${addr})]`, dtype);
      if (binding.param < numConsts) return fromWord(`mem[offs[${binding.param}] + u32(${addr})]`, dtype);
      const step = sizeOfBuf(id);
      return fromWord(`mem[offs[${binding.param}] + u32(t * ${step} + ${addr})]`, dtype);
    };
    const c = w.coords(laneIdx(sizeOf(kb.shape)), kb.shape);
    w.line(`${regs.get(kb.outputs[0])} = ${w.expr(kb.expr, c, read)};`);
  }
  body.outputs.slice(numCarry).forEach((id, j) => {
    const y = sizeOfBuf(id);
    const store = `mem[offs[${nIn + numCarry + j}] + u32(t) * ${y}u + ${laneIdx(y)}] = ${toWord(regs.get(id)!, body.buffers[id].dtype)};`;
    w.line(y === 1 && L > 1 ? `if (lane == 0u) { ${store} }` : store);
  });
  body.outputs.slice(0, numCarry).forEach((id, j) => w.line(`carry${j} = ${regs.get(id)};`));
  w.close();
  body.outputs.slice(0, numCarry).forEach((id, j) => {
    const size = sizeOfBuf(id);
    const store = `mem[offs[${nIn + j}] + ${laneIdx(size)}] = ${toWord(`carry${j}`, body.buffers[id].dtype)};`;
    w.line(size === 1 && L > 1 ? `if (lane == 0u) { ${store} }` : store);
  });
  return { code: w.source(WG), workgroups: Math.ceil(L / WG) };
}
