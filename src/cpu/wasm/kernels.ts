// The scheduler's fused kernels as wasm SIMD functions, for the CPU backend (cpu/compile.ts).
//
// A kernel qualifies when its expression is one the code generator takes (lower.ts says why
// not: transcendentals, integer division, float->int casts, bool arrays stay in JS), has at
// most MAX_WASM_OPS operations, and every read is contiguous over the kernel's domain
// (element i of the buffer) or a scalar. A strong scalar constant is compiled in, as in the
// JS kernels (threefry's rotations become immediate shifts); a weak one (a JS number) is
// passed at call time, so a changing number does not recompile. An iota must count the flat
// index (threefry's counters). Reductions qualify over short rows (<= SMALL_ROW columns: a
// sequential fold per row, the oracle's order, bit-exact), as max/min or integer folds over
// rows of any length (order-independent, exact), and as float sums over long rows in
// float64 lanes (rounded once per row, as the JS kernels do). Long float products stay in JS.
//
// The compiled function runs in place on heap-resident buffers (cpu/pool.ts puts large
// buffers in the shared heap); a call with an input outside the heap (a small or user array,
// a full heap) runs the kernel's JS instead. An output outside the heap (the array `data()`
// returns, a reduction's small result) is written through heap scratch and copied out.
// Calls over enough elements run in parts on worker threads (threads.ts). A module is compiled on the first call that can
// use it. Both compute the same values (tests/cpu/wasm_kernels.test.ts, and the programs on
// recycled, poisoned heap buffers of tests/cpu/pool.test.ts).

import type { DType, TypedArray } from '../../graph/dtype.js';
import { walksFlat } from '../../graph/shape.js';
import type { ElementwiseKernel, Expr as KExpr, ReduceKernel } from '../../scheduler/kernel.js';
import { inHeap } from '../pool.js';
import type { KernelFn } from '../kernel_fn.js';
import { compileElementwise, runPart, SMALL_ROW, type Compiled, type WasmKernel } from './compile.js';
import { compileReduce } from './reduce.js';
import { acc, apply, bakedConstant, constant, input, iota, type Expr, type ExprPrim } from './expr.js';
import { isWasmDType, sharedHeapOrNull, type WasmDType, type WasmHeap } from './memory.js';
import { runParts } from './threads.js';

/** Elements of an output outside the heap written per piece (64 KiB: the piece stays in cache until copied). */
const SCRATCH_ELEMENTS = 1 << 14;
/**
 * Kernels with more operations per element than this are compute-bound: an output outside
 * the heap is then computed whole (in parts on every thread) into a heap block and copied,
 * instead of in cache-sized pieces copied out as each is done.
 */
const HEAVY_OPS = 32;

/** Where a call-time constant's value comes from: one element of an input. */
type ConstSource = { slot: number; offset: number; dtype: DType };

interface Translation {
  expr: Expr;
  epilogue: Expr | null;
  /** Kernel input slot of each wasm input, in wasm input order. */
  slots: number[];
  sources: Map<Expr, ConstSource>;
  /** Operations in the expressions (a measure of the work per element). */
  ops: number;
}

/** Translate a kernel expression over `domain`; null when some node is not expressible. */
function translate(roots: readonly (KExpr | null)[], domain: readonly number[], lits: readonly (number | undefined)[]): Translation | null {
  const flat = (strides: readonly number[]) => walksFlat(strides, domain);
  const slots: number[] = [];
  const sources = new Map<Expr, ConstSource>();
  const memo = new Map<KExpr, Expr | null>(); // nulls too: a DAG must not be walked as a tree
  const visit = (e: KExpr): Expr | null => {
    const hit = memo.get(e);
    if (hit !== undefined) return hit;
    let out: Expr | null;
    switch (e.op) {
      case 'read': {
        const lit = lits[e.input];
        if (lit !== undefined) out = bakedConstant(lit, e.dtype); // a strong scalar: compiled in
        else if (e.map.strides.every((s) => s === 0)) {
          out = constant(0, e.dtype);
          sources.set(out, { slot: e.input, offset: e.map.offset, dtype: e.dtype });
        } else if (lit === undefined && e.map.offset === 0 && flat(e.map.strides) && isWasmDType(e.dtype)) {
          let k = slots.indexOf(e.input);
          if (k < 0) k = slots.push(e.input) - 1;
          out = input(k, e.dtype);
        } else out = null;
        break;
      }
      case 'unary':
      case 'binary': {
        const args = (e.op === 'unary' ? [e.a] : [e.a, e.b]).map(visit);
        out = args.every((a) => a) ? apply(e.prim as ExprPrim, args as Expr[], e.dtype) : null;
        break;
      }
      case 'select': {
        const args = [e.cond, e.a, e.b].map(visit);
        out = args.every((a) => a) ? apply('select', args as Expr[], e.dtype) : null;
        break;
      }
      case 'cast':
      case 'bitcast': {
        const a = visit(e.a);
        out = a ? apply(e.op, [a], e.dtype) : null;
        break;
      }
      case 'iota':
        out = flat(e.map.strides) && (e.dtype === 'int32' || e.dtype === 'uint32') ? iota(e.map.offset, e.dtype) : null;
        break;
      case 'acc':
        out = acc(e.dtype);
        break;
      default:
        out = null; // gather
    }
    memo.set(e, out);
    return out;
  };
  const [expr, epilogue] = roots.map((r) => (r ? visit(r) : null));
  if (!expr || (roots[1] && !epilogue)) return null;
  const ops = opCount([expr, epilogue]);
  if (ops > MAX_WASM_OPS) return null;
  return { expr, epilogue: epilogue ?? null, slots, sources, ops };
}

/**
 * Expressions with more operations stay in JS (a bound on compile time). Strong scalar
 * constants are compiled in (`bakedConstant`), as in the JS kernels: threefry's rotations
 * then are immediate shifts, which V8's wasm runs far faster than a shift by an argument
 * (a guarded variable shift).
 */
export const MAX_WASM_OPS = 1024;

const opCount = (roots: readonly (Expr | null)[]): number => {
  const seen = new Set<Expr>();
  const walk = (e: Expr): void => {
    if (seen.has(e)) return;
    seen.add(e);
    if (e.kind === 'op') e.args.forEach(walk);
  };
  roots.forEach((r) => r && walk(r));
  return [...seen].filter((e) => e.kind === 'op').length;
};

const constValue = (v: number, dtype: DType) => (dtype === 'bool' ? (v ? -1 : 0) : v);

/** Calls that ran as wasm (tests, benchmarks). */
export const wasmStats = { calls: 0 };

/** A KernelFn that runs `w` where every buffer is heap-resident and `js` otherwise. */
function dispatch(heap: WasmHeap, outDtype: WasmDType, compile: () => WasmKernel | null, t: Translation, length: (out: TypedArray) => number, js: KernelFn): KernelFn {
  const { slots } = t;
  const ptrs = new Array<number>(slots.length);
  // compiled on the first call whose buffers are in the heap (most small kernels never are);
  // null: the generator refused it
  let w: WasmKernel | null | undefined;
  let sources: ConstSource[] = [];
  let values: number[] = [];
  const args: number[] = [];
  return (ins, outs) => {
    if (w === null) return js(ins, outs);
    const out = outs[0];
    const outInHeap = inHeap(out);
    // an output outside the heap goes through heap scratch, when its inputs are heap arrays
    // (below: all of them) and a small one only from some input (small constant and iota
    // kernels stay in JS: no module to compile)
    if (!outInHeap && slots.length === 0 && out.length <= SCRATCH_ELEMENTS) return js(ins, outs);
    for (let k = 0; k < slots.length; k++) {
      const b = ins[slots[k]];
      if (!inHeap(b)) return js(ins, outs);
      ptrs[k] = b.byteOffset;
    }
    if (w === undefined) {
      w = compile();
      if (!w) return js(ins, outs);
      sources = w.constants.map((c) => t.sources.get(c)!);
      values = new Array<number>(sources.length);
    }
    for (let k = 0; k < sources.length; k++) {
      const s = sources[k];
      values[k] = constValue(ins[s.slot][s.offset], s.dtype);
    }
    const units = length(out);
    if (outInHeap) {
      wasmStats.calls++;
      if (!runParts(heap, w.parts, ptrs, out.byteOffset, units, values)) w.call(ptrs, out.byteOffset, units, values);
      return;
    }
    // An output outside the heap (a reduction's small one, or an array `data()` hands out)
    // is computed into heap scratch and copied out (one output element per unit):
    // - heavy work whole, in parts on every thread, then copied;
    // - light (memory-bound) work in cache-sized pieces, each copied out as soon as it is
    //   done: while the other threads compute the next pieces, or, alone, through one
    //   piece-sized block.
    const piece = Math.max(1, Math.floor(SCRATCH_ELEMENTS / w.parts.perUnit));
    const light = t.ops <= HEAVY_OPS && units > piece;
    if (light) {
      const whole = heap.tryAlloc(outDtype, units);
      if (whole) {
        const view = whole.view();
        try {
          if (runParts(heap, w.parts, ptrs, whole.offset, units, values, { pieceUnits: piece, consume: (b, n) => out.set(view.subarray(b, b + n), b) })) return void wasmStats.calls++;
        } finally {
          heap.release(whole);
        }
      }
    }
    const scratch = heap.tryAlloc(outDtype, light ? piece : units);
    if (!scratch) return js(ins, outs);
    wasmStats.calls++;
    try {
      const view = scratch.view();
      if (!light) {
        if (!runParts(heap, w.parts, ptrs, scratch.offset, units, values)) w.call(ptrs, scratch.offset, units, values);
        out.set(view);
      } else {
        for (let b = 0; b < units; b += piece) {
          const n = Math.min(piece, units - b);
          runPart(w.parts, ptrs, scratch.offset - b * w.parts.outStride, b, n, values, args);
          out.set(n === piece ? view : view.subarray(0, n), b);
        }
      }
    } finally {
      heap.release(scratch);
    }
  };
}

const kernelOf = (c: Compiled): WasmKernel | null => ('kernel' in c ? c.kernel : null);

/**
 * The wasm form of an elementwise or reduce kernel, falling back to `js` per call; null when
 * the kernel cannot qualify (then the backend uses `js` alone).
 */
export function wasmKernel(k: ElementwiseKernel | ReduceKernel, outDtype: DType, lits: readonly (number | undefined)[], js: KernelFn): KernelFn | null {
  const heap = sharedHeapOrNull();
  if (!heap || !isWasmDType(outDtype)) return null;
  if (k.kind === 'elementwise') {
    const t = translate([k.expr], k.shape, lits);
    if (!t) return null;
    return dispatch(heap, outDtype, () => kernelOf(compileElementwise(t.expr, heap)), t, (out) => out.length, js);
  }
  const cols = k.reduceShape.reduce((a, b) => a * b, 1);
  const rows = k.shape.reduce((a, b) => a * b, 1);
  // long float products stay in JS (a float32 fold there would reassociate); long float sums
  // accumulate in float64 lanes, like the JS kernels
  const longOk = k.op !== 'mul' || k.accDtype !== 'float32';
  if (cols === 0 || rows === 0 || (cols > SMALL_ROW && !longOk) || k.expr.dtype !== k.accDtype) return null;
  const t = translate([k.expr, k.epilogue], [...k.shape, ...k.reduceShape], lits);
  if (!t) return null;
  const spec = { op: k.op, body: t.expr, ...(t.epilogue ? { epilogue: t.epilogue } : {}) };
  return dispatch(heap, outDtype, () => kernelOf(compileReduce(spec, cols, heap)), t, () => rows, js);
}
