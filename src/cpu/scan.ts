// lax.scan on the CPU: the body's schedule is compiled once and the whole scan runs as one
// loop, with no graph building per step and the carry in preallocated buffers.
//
// - Fused: when every body kernel is elementwise, ONE generated function holds the time
//   loop; the body kernels are inlined in it (time outside, lanes inside, for a batched
//   carry). When every body buffer is a single element (an EMA, a running sum), body
//   buffers become JS locals, so a step costs about what a hand-written loop costs.
// - Otherwise: each step runs the body's compiled kernels over buffers bound once, with
//   the x slices as subarray views.

import type { TypedArray } from '../graph/dtype.js';
import type { Kernel, Schedule } from '../scheduler/kernel.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;
import { type Access, elementwiseCode } from './codegen.js';
import { makeFunction } from './compile.js';
import { bindBuffers, leafData, runKernels } from './executor.js';
import { LRU } from './lru.js';
import type { KernelFn } from './wasm_hook.js';

type ScanFn = (ins: readonly TypedArray[], outs: readonly TypedArray[], lits: readonly TypedArray[]) => void;

/** Key of everything the fused code depends on (body wiring included; nodes and labels not). */
function scanKey(k: ScanKernel): string {
  const seen = new Map<object, number>();
  return JSON.stringify({ length: k.length, reverse: k.reverse, numConsts: k.numConsts, numCarry: k.numCarry, body: k.body }, (key, v) => {
    if (key === 'node' || key === 'label') return undefined;
    if (v && typeof v === 'object' && 'op' in v) {
      const id = seen.get(v);
      if (id !== undefined) return `#${id}`;
      seen.set(v, seen.size);
    }
    return v;
  });
}

/** Generated code for a scan whose body kernels are all elementwise; null otherwise. */
export function fusedScanCode(k: ScanKernel): string | null {
  const body: Schedule = k.body;
  if (!body.kernels.every((kk) => kk.kind === 'elementwise')) return null;
  const scalar = body.buffers.every((b) => b.size === 1);
  const { numConsts, numCarry, length } = k;
  const role = new Map<number, { param: number } | { lit: number }>();
  let nLits = 0;
  body.inputs.forEach((inp) => role.set(inp.buffer, inp.param !== null ? { param: inp.param } : { lit: nLits++ }));
  const isX = (p: number) => p >= numConsts + numCarry;
  const isCarry = (p: number) => p >= numConsts && p < numConsts + numCarry;
  const pre: string[] = [];
  const name = (b: number) => `B${b}`;
  // Declarations: every body buffer gets a variable (a local number when scalar, else an
  // array); x params are the xs arrays, read at the step's offset. Leaf constants of the body
  // come after the scan's inputs.
  const nIn = k.inputs.length;
  for (const buf of body.buffers) {
    const r = role.get(buf.id);
    const src = r === undefined ? null : 'param' in r ? `in${r.param}` : `in${nIn + r.lit}`;
    const ctor = { float32: 'Float32Array', int32: 'Int32Array', uint32: 'Uint32Array', bool: 'Uint8Array' }[buf.dtype];
    if (r && 'param' in r && isX(r.param)) pre.push(`const ${name(buf.id)} = ${src};`);
    else if (scalar) pre.push(`let ${name(buf.id)} = ${src ? `${src}[0]` : '0'};`);
    else if (src === null) pre.push(`const ${name(buf.id)} = new ${ctor}(${buf.size});`);
    else if (r && 'param' in r && isCarry(r.param)) pre.push(`const ${name(buf.id)} = ${src}.slice();`);
    else pre.push(`const ${name(buf.id)} = ${src};`);
  }
  const xOffset = (b: number) => `xo${b}`;
  const step: string[] = [];
  for (const buf of body.buffers) {
    const r = role.get(buf.id);
    if (r && 'param' in r && isX(r.param)) step.push(`const ${xOffset(buf.id)} = t * ${buf.size};`);
  }
  for (const kk of body.kernels) {
    const access: Access = {
      read: (slot, index) => {
        const b = kk.inputs[slot];
        const r = role.get(b);
        if (r && 'param' in r && isX(r.param)) return `${name(b)}[${xOffset(b)} + ${index}]`;
        return scalar ? name(b) : `${name(b)}[${index}]`;
      },
      name: (slot) => name(kk.inputs[slot]),
    };
    const out = name(kk.outputs[0]);
    step.push(`{\n${elementwiseCode(kk as never, access, (i, v) => (scalar ? `${out} = ${v};` : `${out}[${i}] = ${v};`))}\n}`);
  }
  // ys, then carries (the body's outputs are never its input buffers).
  const outputs = body.outputs;
  for (let j = numCarry; j < outputs.length; j++) {
    const src = outputs[j];
    const size = body.buffers[src].size;
    const ys = `out${j}`;
    step.push(scalar ? `${ys}[t] = ${name(src)};` : `for (let i = 0; i < ${size}; i++) ${ys}[t * ${size} + i] = ${name(src)}[i];`);
  }
  const carryBuf = (c: number) => body.inputs.find((inp) => inp.param === numConsts + c)?.buffer;
  for (let c = 0; c < numCarry; c++) {
    const dst = carryBuf(c);
    if (dst === undefined) continue; // the body ignores this carry
    step.push(scalar ? `${name(dst)} = ${name(outputs[c])};` : `${name(dst)}.set(${name(outputs[c])});`);
  }
  const fin: string[] = [];
  for (let c = 0; c < numCarry; c++) {
    const dst = carryBuf(c);
    const src = dst ?? outputs[c];
    fin.push(scalar ? `out${c}[0] = ${name(src)};` : `out${c}.set(${name(src)});`);
  }
  // A carry the body ignores still comes out as its final value: the last step's output.
  const loop = `for (let s = 0; s < ${length}; s++) {\nconst t = ${k.reverse ? `${length - 1} - s` : 's'};\n${step.join('\n')}\n}`;
  return `${pre.join('\n')}\n${loop}\n${fin.join('\n')}`;
}

const cache = new LRU<string, ScanFn>(128);

function compileScan(k: ScanKernel): ScanFn {
  const key = scanKey(k);
  let fn = cache.get(key);
  if (fn) return fn;
  const code = fusedScanCode(k);
  if (code !== null) {
    const nLits = k.body.inputs.filter((i) => i.param === null).length;
    const inner = makeFunction(code, k.inputs.length + nLits, k.body.outputs.length);
    fn = nLits === 0 ? inner : (ins, outs, lits) => inner([...ins, ...lits], outs);
  } else {
    fn = (ins, outs) => stepwise(k, ins, outs);
  }
  cache.set(key, fn);
  return fn;
}

/** The general path: run the body's kernels once per step. */
function stepwise(k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[]): void {
  const { body, numConsts, numCarry, length, reverse } = k;
  const nX = ins.length - numConsts - numCarry;
  const carry = ins.slice(numConsts, numConsts + numCarry).map((c) => c.slice());
  const params: TypedArray[] = [...ins.slice(0, numConsts), ...carry, ...new Array<TypedArray>(nX)];
  const xSize = (p: number) => ins[p].length / Math.max(length, 1);
  const bufs = bindBuffers(body, params);
  const paramBuffers = body.inputs.filter((i) => i.param !== null);
  for (let s = 0; s < length; s++) {
    const t = reverse ? length - 1 - s : s;
    for (const inp of paramBuffers) {
      const p = inp.param!;
      if (p >= numConsts + numCarry) bufs[inp.buffer] = ins[p].subarray(t * xSize(p), (t + 1) * xSize(p));
    }
    runKernels(body, bufs);
    body.outputs.forEach((b, j) => {
      if (j < numCarry) return;
      const y = bufs[b];
      outs[j].set(y, t * y.length);
    });
    for (let c = 0; c < numCarry; c++) carry[c].set(bufs[body.outputs[c]]);
    for (const inp of paramBuffers) {
      const p = inp.param!;
      if (p >= numConsts && p < numConsts + numCarry) bufs[inp.buffer] = carry[p - numConsts];
    }
  }
  for (let c = 0; c < numCarry; c++) outs[c].set(carry[c]);
}

/** Run a scan kernel: ins = [...consts, ...carryInit, ...xs], outs = [...carryFinal, ...ys]. */
export function runScan(k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[]): void {
  const lits = k.body.inputs.filter((i) => i.param === null).map((i) => leafData(i.node));
  if (k.length === 0) {
    for (let c = 0; c < k.numCarry; c++) outs[c].set(ins[k.numConsts + c]);
    return;
  }
  compileScan(k)(ins, outs, lits);
}

export type { KernelFn };
