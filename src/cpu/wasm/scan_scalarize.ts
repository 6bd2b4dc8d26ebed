// Lane-major scans: a scan over a batch of small states (a vmapped Kalman filter's [S, 2]
// state and [S, 2, 2] covariance, per-key vectors in a keyed stream) runs its step as if the
// user had written it with scalars over [S] arrays.
//
// vmap puts the batch axis first, so a carry [S, 2, 2] holds each lane's four values next to
// each other, and the body's loops run over [S, 2, 2], [S, 2], [S] domains: four consecutive
// SIMD lanes are one sensor's matrix, most reads gather lanes one by one, and each shape is
// a loop of its own that stores its values for the next. Here every writable buffer of S x R
// elements becomes R rows of S (element (s, r) of the row-major [S, R] value is row r's
// element s) and every loop over [S, ...rest] becomes one loop over [S] per position of
// `rest`. Then every loop of the step runs over the same S lanes: they fuse into one loop
// whose values stay in registers, reads of the rows are contiguous vectors, and the step's
// lanes can run in ranges on several threads (scan_lanes.ts).
//
// It applies when the step treats each lane alone: every loop that is not one element runs
// over a domain [S, ...] (the same S), every read of a writable buffer stays in its own
// lane's R values, and there are no gathers, `.at` updates or reductions. Read-only data
// (consts, xs, the body's constants) keeps its layout and is read through the same maps.
// The transformed scan computes each element with the same expression, so results are the
// original scan's, bit for bit. The caller (cpu/scan.ts) transposes relaid carries into rows
// and the final rows and relaid outputs back.

import type { TypedArray } from '../../graph/dtype.js';
import { sizeOf } from '../../graph/shape.js';
import { rewriteLeaves, type BufferInfo, type Expr, type InputBinding, type Kernel, type Schedule } from '../../scheduler/kernel.js';
import type { FusedStep } from '../../scheduler/scan_plan.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

export interface LaneMajor {
  /** The transformed scan: carries and outputs of relaid buffers are one per row. */
  readonly k: ScanKernel;
  readonly S: number;
  /** Per original carry: its rows (1: passed as it is). */
  readonly carryRows: readonly number[];
  /** Per original y output: its rows per step (1: passed as it is). */
  readonly yRows: readonly number[];
}

/** Fewest lanes worth transforming (fewer run as they are). */
const MIN_LANES = 4;

/** The lane-major form of a fused scan (`steps`: its fused plan), or why it has none. */
export function laneMajor(k: ScanKernel, steps: readonly FusedStep[]): LaneMajor | string {
  const { body, numConsts, numCarry } = k;
  const isCarry = (p: number | null) => p !== null && p >= numConsts && p < numConsts + numCarry;
  // read in place, never written: consts, xs and the body's leaf constants
  const external = new Set(body.inputs.filter((i) => !isCarry(i.param)).map((i) => i.buffer));
  const readOnly = (b: number) => external.has(b);
  if (steps.some((st) => st.kind !== 'group')) return 'patches and reductions stay as they are';
  const kernels = body.kernels as readonly Extract<Kernel, { kind: 'elementwise' }>[];
  const wide = kernels.filter((kk) => sizeOf(kk.shape) > 1);
  if (wide.length === 0) return 'no lanes';
  const S = wide[0].shape[0];
  if (S < MIN_LANES) return `${S} lanes`;
  if (wide.some((kk) => kk.shape[0] !== S)) return 'loops over other leading axes';
  if (wide.every((kk) => kk.shape.length === 1)) return 'already one loop over the lanes';
  // rows of each writable buffer (1: not relaid, read and written as it is)
  const rows = new Map<number, number>();
  for (const b of body.buffers) {
    if (readOnly(b.id) || b.size === 1) continue;
    if (b.size % S !== 0) return `buffer ${b.id} of ${b.size} elements`;
    rows.set(b.id, b.size / S);
  }
  for (const kk of kernels) {
    if (sizeOf(kk.shape) === 1) {
      if (kk.inputs.some((b) => rows.has(b))) return 'a one-element loop reads a lane buffer';
      continue;
    }
    if (!rows.has(kk.outputs[0])) return `buffer ${kk.outputs[0]} is written by a loop over lanes`;
    const why = checkReads(kk, rows);
    if (why) return why;
  }
  // new buffers: a relaid buffer's rows get ids after the originals (row 0 keeps the id)
  const buffers: BufferInfo[] = [...body.buffers];
  const rowIds = new Map<number, number[]>();
  for (const [b, R] of rows) {
    const ids = [b];
    for (let r = 1; r < R; r++) {
      ids.push(buffers.length);
      buffers.push({ ...body.buffers[b], id: buffers.length, size: S });
    }
    buffers[b] = { ...body.buffers[b], size: S };
    rowIds.set(b, ids);
  }
  const rowsOf = (b: number) => rowIds.get(b) ?? [b];
  const newKernels: Kernel[] = [];
  for (const kk of kernels) {
    if (sizeOf(kk.shape) === 1) {
      newKernels.push(kk);
      continue;
    }
    const rest = kk.shape.slice(1);
    const outRows = rowsOf(kk.outputs[0]);
    for (let r = 0; r < sizeOf(rest); r++) {
      const c = unravel(r, rest);
      const inputs: number[] = [];
      const slot = (b: number) => {
        const i = inputs.indexOf(b);
        return i >= 0 ? i : inputs.push(b) - 1;
      };
      const expr = rewriteLeaves(kk.expr, (e) => {
        const within = e.map.offset + c.reduce((o, v, j) => o + v * e.map.strides[j + 1], 0);
        if (e.op === 'iota') return { ...e, map: { offset: within, strides: [e.map.strides[0]] } };
        const b = kk.inputs[e.input];
        if (rows.has(b)) return { ...e, input: slot(rowsOf(b)[within]), map: { offset: 0, strides: [1] } };
        return { ...e, input: slot(b), map: { offset: within, strides: [e.map.strides[0]] } };
      });
      newKernels.push({ kind: 'elementwise', shape: [S], expr, inputs, outputs: [outRows[r]], label: `${kk.label} [row ${r}]` });
    }
  }
  // params: each relaid carry becomes one param per row (consts and xs keep theirs)
  const carryRows: number[] = [];
  const inputs: InputBinding[] = [];
  const carryBufs = new Map<number, InputBinding>();
  for (const inp of body.inputs) if (isCarry(inp.param)) carryBufs.set(inp.param! - numConsts, inp);
  let extra = 0;
  const carryParam: number[] = [];
  for (let cIdx = 0; cIdx < numCarry; cIdx++) {
    // (a carry the body never reads has no param buffer: its output's rows)
    const R = rowsOf(carryBufs.get(cIdx)?.buffer ?? body.outputs[cIdx]).length;
    carryParam.push(numConsts + cIdx + extra);
    carryRows.push(R);
    extra += R - 1;
  }
  for (const inp of body.inputs) {
    if (inp.param === null || inp.param < numConsts) inputs.push(inp);
    else if (inp.param < numConsts + numCarry) {
      const cIdx = inp.param - numConsts;
      rowsOf(inp.buffer).forEach((b, r) => inputs.push({ ...inp, buffer: b, param: carryParam[cIdx] + r }));
    } else inputs.push({ ...inp, param: inp.param + extra });
  }
  const outputs = body.outputs.flatMap(rowsOf);
  const yRows = body.outputs.slice(numCarry).map((b) => rowsOf(b).length);
  for (let cIdx = 0; cIdx < numCarry; cIdx++) if (rowsOf(body.outputs[cIdx]).length !== carryRows[cIdx]) return `carry ${cIdx} changes its rows`;
  const newBody: Schedule = { buffers, kernels: newKernels, inputs, outputs };
  const numCarry2 = carryRows.reduce((a, b) => a + b, 0);
  const nIn = k.inputs.length + extra;
  const nOut = k.outputs.length + (numCarry2 - numCarry) + yRows.reduce((a, b) => a + b - 1, 0);
  const k2: ScanKernel = { ...k, numCarry: numCarry2, body: newBody, inputs: Array.from({ length: nIn }, (_, i) => i), outputs: Array.from({ length: nOut }, (_, i) => i) };
  return { k: k2, S, carryRows, yRows };
}

/** Why a loop's reads break the lanes: each read of a relaid buffer must stay in its lane's row block. */
function checkReads(kk: Extract<Kernel, { kind: 'elementwise' }>, rows: ReadonlyMap<number, number>): string | null {
  const seen = new Set<Expr>();
  const rest = kk.shape.slice(1);
  const stack: Expr[] = [kk.expr];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    if (seen.has(e)) continue;
    seen.add(e);
    switch (e.op) {
      case 'gather':
        return 'a gather';
      case 'acc':
        return 'an accumulator';
      case 'read': {
        const R = rows.get(kk.inputs[e.input]);
        if (R === undefined) break;
        const { offset, strides } = e.map;
        if (strides[0] !== R) return `buffer ${kk.inputs[e.input]} is read across lanes`;
        // the lane's own R values at every position of the rest of the domain
        let lo = offset;
        let hi = offset;
        rest.forEach((d, j) => {
          const step = strides[j + 1] * (d - 1);
          if (step < 0) lo += step;
          else hi += step;
        });
        if (lo < 0 || hi >= R) return `buffer ${kk.inputs[e.input]} is read outside its lane's values`;
        break;
      }
      case 'iota':
        break;
      case 'unary':
      case 'cast':
      case 'bitcast':
        stack.push(e.a);
        break;
      case 'binary':
        stack.push(e.a, e.b);
        break;
      case 'select':
        stack.push(e.cond, e.a, e.b);
        break;
    }
  }
  return null;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    c[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return c;
}

/** Scans that ran in lane-major form (tests). */
export const laneMajorStats = { runs: 0 };

type Run = (k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[], lits: readonly TypedArray[]) => boolean;

/**
 * Runs the original scan `k` through `inner`, the compiled lane-major form: relaid carries
 * go in as rows, and the final rows and relaid outputs come back into `k`'s layout.
 */
export function laneMajorRun(lm: LaneMajor, inner: Run): Run {
  const { S, carryRows, yRows } = lm;
  const rowsIn = (a: TypedArray, R: number): TypedArray[] => {
    const ctor = a.constructor as new (n: number) => TypedArray;
    return Array.from({ length: R }, (_, r) => {
      const row = new ctor(S);
      for (let s = 0; s < S; s++) row[s] = a[s * R + r];
      return row;
    });
  };
  return (k, ins, outs, lits) => {
    const { numConsts, numCarry } = k;
    const ins2: TypedArray[] = ins.slice(0, numConsts);
    carryRows.forEach((R, c) => ins2.push(...(R === 1 ? [ins[numConsts + c]] : rowsIn(ins[numConsts + c], R))));
    ins2.push(...ins.slice(numConsts + numCarry));
    const fresh = (a: TypedArray, n: number) => new (a.constructor as new (n: number) => TypedArray)(n);
    const outs2: TypedArray[] = [];
    carryRows.forEach((R, c) => outs2.push(...(R === 1 ? [outs[c]] : Array.from({ length: R }, () => fresh(outs[c], S)))));
    yRows.forEach((R, j) => outs2.push(...(R === 1 ? [outs[numCarry + j]] : Array.from({ length: R }, () => fresh(outs[numCarry + j], k.length * S)))));
    if (!inner({ ...lm.k, length: k.length }, ins2, outs2, lits)) return false;
    let at = 0;
    const back = (out: TypedArray, R: number, steps: number) => {
      if (R === 1) return void at++;
      for (let r = 0; r < R; r++, at++) {
        const row = outs2[at];
        for (let i = 0; i < steps * S; i++) out[i * R + r] = row[i];
      }
    };
    carryRows.forEach((R, c) => back(outs[c], R, 1));
    yRows.forEach((R, j) => back(outs[numCarry + j], R, k.length));
    laneMajorStats.runs++;
    return true;
  };
}
