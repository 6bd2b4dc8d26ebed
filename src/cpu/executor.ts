// Running a schedule on the CPU: bind leaf buffers, allocate the planned buffers, run each
// compiled kernel in order (a scan as one fused loop, scan.ts, or its body's kernels once per
// step), then release storage taken by in-place patches.

import type { DType, TypedArray } from '../graph/dtype.js';
import type { Kernel, Schedule } from '../scheduler/kernel.js';
import { surrender } from '../scheduler/realize.js';
import { give } from './pool.js';
import { bindBuffers, literalValue } from './bind.js';
import { compileKernel } from './compile.js';
import { runFusedScan } from './scan.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

function dtypesOf(s: Schedule, k: Kernel): DType[] {
  return [...k.inputs, ...k.outputs].map((b) => s.buffers[b].dtype);
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

type Run = (bufs: TypedArray[]) => void;

/** The kernels of a schedule as calls over its bound buffers (their functions found once per schedule object). */
const resolved = new WeakMap<Schedule, Run[]>();

function runsOf(s: Schedule): Run[] {
  let runs = resolved.get(s);
  if (runs === undefined) {
    const lits = literalsOf(s);
    runs = s.kernels.map((k): Run => {
      const fn = k.kind === 'scan' ? (ins: TypedArray[], outs: TypedArray[]) => runScan(k, ins, outs) : compileKernel(k, dtypesOf(s, k), lits.size ? k.inputs.map((b) => lits.get(b)) : []);
      // The argument lists are made once and filled per call (kernels are synchronous and a
      // schedule does not run inside itself), then emptied so they keep no buffer alive.
      const { inputs, outputs } = k;
      const ins = new Array<TypedArray>(inputs.length);
      const outs = new Array<TypedArray>(outputs.length);
      return (bufs) => {
        for (let i = 0; i < inputs.length; i++) ins[i] = bufs[inputs[i]];
        for (let i = 0; i < outputs.length; i++) outs[i] = bufs[outputs[i]];
        try {
          fn(ins, outs);
        } finally {
          ins.fill(undefined as never);
          outs.fill(undefined as never);
        }
      };
    });
    resolved.set(s, runs);
  }
  return runs;
}

/** Run the kernels of `s` over bound buffers. */
function runKernels(s: Schedule, bufs: TypedArray[]): void {
  for (const run of runsOf(s)) run(bufs);
}

/** The general scan path: the body's kernels once per step, over buffers bound once, with the x slices as subarray views. */
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
function runScan(k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[]): void {
  if (k.length === 0) {
    for (let c = 0; c < k.numCarry; c++) outs[c].set(ins[k.numConsts + c]);
    return;
  }
  if (!runFusedScan(k, ins, outs)) stepwise(k, ins, outs);
}

/** Run `s` and return its output buffers; storage taken in place is released from its node. */
export function runSchedule(s: Schedule, params: readonly TypedArray[] = [], preset?: ReadonlyMap<number, TypedArray>): TypedArray[] {
  const bufs = bindBuffers(s, params, preset);
  runKernels(s, bufs);
  for (const inp of s.inputs) if (inp.take) surrender(inp.node);
  for (const b of s.buffers) if (b.role === 'intermediate') give(bufs[b.id]);
  return s.outputs.map((b) => bufs[b]);
}
