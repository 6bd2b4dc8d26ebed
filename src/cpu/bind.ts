// Binding a schedule's buffers on the CPU: leaves to their storage, the rest to storage from
// the pool. Shared by the executor (plain schedules) and the scan (a body bound once per run).

import type { TypedArray } from '../graph/dtype.js';
import { consumedError, type Node } from '../graph/node.js';
import type { Kernel, Schedule } from '../scheduler/kernel.js';
import { take } from './pool.js';

/** The storage of a leaf node: its realized buffer or its constant data. */
export function leafData(n: Node): TypedArray {
  if (n.buf !== undefined) return n.buf;
  if (n.prim === 'const') {
    if (n.consumed) throw consumedError(n);
    return (n as Node<'const'>).params.data;
  }
  throw new Error(`unbound trace parameter ${n}: a traced value escaped its transformation`);
}

// Keyed by the kernel list, which every re-binding of a cached schedule shares.
const needsZeros = new WeakMap<readonly Kernel[], boolean[]>();

/**
 * Per buffer: must its storage start zeroed? Every kernel writes each element of its outputs
 * before anything reads them (patches copy their base first; a scan writes every step's ys
 * and its final carries), so only a buffer no kernel writes needs clearing.
 */
export function zeroedBuffers(s: Schedule): boolean[] {
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

/** The value of a schedule input written into generated code: a strong scalar constant's; else undefined. */
export function literalValue(inp: Schedule['inputs'][number]): number | undefined {
  const n = inp.node;
  return inp.param === null && !inp.take && n.prim === 'const' && !n.weak && n.size === 1 && n.buf === undefined ? (n as Node<'const'>).params.data[0] : undefined;
}
