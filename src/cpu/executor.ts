// Running a schedule on the CPU: bind leaf buffers, allocate the planned buffers, run each
// compiled kernel in order, then release storage taken by in-place patches.

import type { DType, TypedArray } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import type { Kernel, Schedule } from '../scheduler/kernel.js';
import { surrender } from '../scheduler/realize.js';
import { give, take } from './pool.js';
import { compileKernel } from './compile.js';
import { runScan } from './scan.js';

/** The storage of a leaf node: its realized buffer or its constant data. */
export function leafData(n: Node): TypedArray {
  if (n.buf !== undefined) return n.buf;
  if (n.prim === 'const') {
    if (n.consumed) throw new Error(`internal error: ${n} was updated in place and cannot be read again`);
    return (n as Node<'const'>).params.data;
  }
  throw new Error(`unbound trace parameter ${n}: a traced value escaped its transformation`);
}

function dtypesOf(s: Schedule, k: Kernel): DType[] {
  return [...k.inputs, ...k.outputs].map((b) => s.buffers[b].dtype);
}

// Keyed by the kernel list, which every re-binding of a cached schedule shares.
const needsZeros = new WeakMap<readonly Kernel[], boolean[]>();

/**
 * Per buffer: must its storage start zeroed? Every kernel writes each element of its outputs
 * before anything reads them (patches copy their base first; a scan writes every step's ys
 * and its final carries), so only a buffer no kernel writes needs clearing.
 */
function zeroedBuffers(s: Schedule): boolean[] {
  let z = needsZeros.get(s.kernels);
  if (!z) {
    const written = new Set(s.kernels.flatMap((k) => k.outputs));
    z = s.buffers.map((b) => !written.has(b.id));
    needsZeros.set(s.kernels, z);
  }
  return z;
}

/**
 * Bind the buffers of `s`: leaves (params from `params`), the storage given in `preset`, then
 * storage for the rest (from the pool).
 */
export function bindBuffers(s: Schedule, params: readonly TypedArray[] = [], preset?: ReadonlyMap<number, TypedArray>): TypedArray[] {
  const bufs = new Array<TypedArray>(s.buffers.length);
  for (const inp of s.inputs) bufs[inp.buffer] = inp.param !== null ? params[inp.param] : leafData(inp.node);
  preset?.forEach((b, id) => (bufs[id] = b));
  const zeroed = zeroedBuffers(s);
  for (const b of s.buffers) if (bufs[b.id] === undefined) bufs[b.id] = take(b.dtype, b.size, zeroed[b.id]);
  return bufs;
}

const literalBuffers = new WeakMap<Schedule, Map<number, number>>();

/**
 * Buffers of `s` bound to strong scalar constants, with their values: compile.ts writes them
 * into the generated code. (Weak ones are JS numbers from user code; they stay inputs.)
 */
function literalsOf(s: Schedule): Map<number, number> {
  let m = literalBuffers.get(s);
  if (!m) {
    m = new Map();
    for (const inp of s.inputs) {
      const v = literalValue(inp);
      if (v !== undefined) m.set(inp.buffer, v);
    }
    literalBuffers.set(s, m);
  }
  return m;
}

/** The value of a schedule input written into generated code: a strong scalar constant's; else undefined. */
export function literalValue(inp: Schedule['inputs'][number]): number | undefined {
  const n = inp.node;
  return inp.param === null && !inp.take && n.prim === 'const' && !n.weak && n.size === 1 && n.buf === undefined ? (n as Node<'const'>).params.data[0] : undefined;
}

/** Run the kernels of `s` over bound buffers. */
export function runKernels(s: Schedule, bufs: TypedArray[]): void {
  const lits = literalsOf(s);
  for (const k of s.kernels) {
    const ins = k.inputs.map((b) => bufs[b]);
    const outs = k.outputs.map((b) => bufs[b]);
    if (k.kind === 'scan') runScan(k, ins, outs);
    else compileKernel(k, dtypesOf(s, k), lits.size ? k.inputs.map((b) => lits.get(b)) : [])(ins, outs);
  }
}

/** Run `s` and return its output buffers; storage taken in place is released from its node. */
export function runSchedule(s: Schedule, params: readonly TypedArray[] = [], preset?: ReadonlyMap<number, TypedArray>): TypedArray[] {
  const bufs = bindBuffers(s, params, preset);
  runKernels(s, bufs);
  for (const inp of s.inputs) if (inp.take) surrender(inp.node);
  for (const b of s.buffers) if (b.role === 'intermediate') give(bufs[b.id]);
  return s.outputs.map((b) => bufs[b]);
}
