// Reductions over the last axis of [rows, cols] as wasm SIMD functions (compile.ts's header
// says how they are called and how exact they are): rows of at most SMALL_ROW elements as a
// sequential fold per row, longer ones with lane-parallel accumulators.

import { identityOf, type CombinePrim } from '../../graph/prims.js';
import { FunctionBuilder, ModuleBuilder, type SimdOp, type ValType } from './encoder.js';
import { exprKey, exprOrder, type Expr } from './expr.js';
import { splatBits } from './lower.js';
import { cached, constType, Emitter, inputDtypes, LANE0, loopWhile, SMALL_ROW, unsupportedReason, type Compiled, type ReduceSpec } from './compile.js';
import { isWasmDType, sharedHeap, type WasmDType, type WasmHeap } from './memory.js';


type Kind = 'f' | 'i' | 'u';
const kindOf = { float32: 'f', int32: 'i', uint32: 'u' } as const;
/** The SIMD instruction of each combining primitive; its identity comes from `identityOf`. */
const simdCombine: { [C in CombinePrim]: { [K in Kind]: SimdOp } } = {
  add: { f: 'f32x4.add', i: 'i32x4.add', u: 'i32x4.add' },
  mul: { f: 'f32x4.mul', i: 'i32x4.mul', u: 'i32x4.mul' },
  max: { f: 'f32x4.max', i: 'i32x4.max_s', u: 'i32x4.max_u' },
  min: { f: 'f32x4.min', i: 'i32x4.min_s', u: 'i32x4.min_u' },
};

/** The 32 bits of a value of dtype `d` (float32 by its IEEE bits, integers wrapped to int32). */
function bitsOf(v: number, d: WasmDType): number {
  if (d !== 'float32') return v | 0;
  const f = new Float32Array([v]);
  return new Int32Array(f.buffer)[0];
}

interface ReducePlan {
  spec: ReduceSpec;
  numInputs: number;
  constants: readonly Expr[];
  combine: SimdOp;
  identityBits: number;
}

/** Pushes a shuffle of locals a, b taking (source, lane) per output lane (source 0 = a, 1 = b). */
function shuffle(f: FunctionBuilder, a: number, b: number, lanes: readonly [number, number][]): void {
  f.op('local.get', a).op('local.get', b);
  f.simd('i8x16.shuffle', ...lanes.flatMap(([src, lane]) => [0, 1, 2, 3].map((k) => src * 16 + lane * 4 + k)));
}

/** Pushes the vector whose lane j is lane (j*cols + c) of the concatenation of `vs`. */
function gatherColumn(f: FunctionBuilder, vs: readonly number[], cols: number, c: number, tmp: [number, number]): void {
  const src = [0, 1, 2, 3].map((j) => [(j * cols + c) >> 2, (j * cols + c) & 3] as const);
  const vecs = [...new Set(src.map(([v]) => v))];
  const pick = (vecA: number, vecB: number, lanes: readonly (readonly [number, number])[]) =>
    lanes.map(([v, l]) => [v === vecA ? 0 : 1, l] as [number, number]);
  if (vecs.length <= 2) {
    const [a, b = a] = vecs;
    shuffle(f, vs[a], vs[b], pick(a, b, src));
    return;
  }
  // lanes 0,1 and lanes 2,3 each come from at most two vectors: two shuffles, then merge
  const half = (lo: number, t: number) => {
    const part = src.slice(lo, lo + 2);
    const [a, b = a] = [...new Set(part.map(([v]) => v))];
    const lanes = pick(a, b, part);
    shuffle(f, vs[a], vs[b], lo === 0 ? [...lanes, [0, 0], [0, 0]] : [[0, 0], [0, 0], ...lanes]);
    f.op('local.set', t);
  };
  half(0, tmp[0]);
  half(2, tmp[1]);
  shuffle(f, tmp[0], tmp[1], [[0, 0], [0, 1], [1, 2], [1, 3]]);
}

/** Rows of at most SMALL_ROW elements: 4 rows per step, each a sequential fold over its columns. */
function buildSmallRows(m: ModuleBuilder, p: ReducePlan, cols: number): void {
  const n = p.numInputs;
  const f = m.function('kernel', [...Array<ValType>(n + 3).fill('i32'), ...p.constants.map(constType)]);
  const [out, rows] = [n, n + 1];
  const i = f.local('i32');
  const o = f.local('i32');
  const oEnd = f.local('i32');
  const em = new Emitter(f, p.constants, n + 3, [...Array(n).keys()], i);
  const ident = f.local('v128');
  const accL = f.local('v128');
  const vs = Array.from({ length: cols }, () => f.local('v128'));
  const tmp: [number, number] = [f.local('v128'), f.local('v128')];
  em.prologue();
  splatBits(f, p.identityBits);
  f.op('local.set', ident);
  f.op('local.get', rows).op('i32.const', 2).op('i32.shl').op('local.set', oEnd);
  const fold = (value: () => void) => {
    f.op('local.get', accL);
    value();
    f.simd(p.combine).op('local.set', accL);
  };
  const finish = (lane0: boolean) => {
    const r = p.spec.epilogue ? em.emit(p.spec.epilogue, { offset: 0, lane0 }, accL) : accL;
    f.op('local.get', out).op('local.get', o).op('i32.add').op('local.get', r);
    if (lane0) f.simd('v128.store32_lane', 0, 0, 0);
    else f.simd('v128.store', 0, 0);
  };
  // 4 rows at a time: `cols` vectors of body values, deinterleaved by column
  loopWhile(f, o, 16, oEnd, () => {
    for (let c = 0; c < cols; c++) {
      const r = em.emit(p.spec.body, { offset: 16 * c, lane0: false });
      f.op('local.get', r).op('local.set', vs[c]);
    }
    f.op('local.get', ident).op('local.set', accL);
    for (let c = 0; c < cols; c++) fold(() => gatherColumn(f, vs, cols, c, tmp));
    finish(false);
    f.op('local.get', i).op('i32.const', 16 * cols).op('i32.add').op('local.set', i);
  });
  // remaining rows one at a time, in lane 0
  loopWhile(f, o, 4, oEnd, () => {
    f.op('local.get', ident).op('local.set', accL);
    for (let c = 0; c < cols; c++) fold(() => f.op('local.get', em.emit(p.spec.body, { offset: 4 * c, lane0: true })));
    finish(true);
    f.op('local.get', i).op('i32.const', 4 * cols).op('i32.add').op('local.set', i);
  });
}

/** Pushes `v` with lanes 1-3 replaced by those of local `fill` (a lane-0 tail's value). */
function keepLane0(f: FunctionBuilder, fill: number): void {
  f.op('local.get', fill).simd('v128.const', ...new Uint8Array(new Int32Array(LANE0).buffer)).simd('v128.bitselect');
}

/**
 * The frame of a long-row reduction: parameters (inputs, out, rows, cols, base, constants), a loop
 * over rows with `i` at the row's first byte and `rowEnd` past its last, and the lane-0
 * store of each row's result after the epilogue. `setup` runs once after the constants are
 * splatted; the function it returns emits one row's fold and gives the local holding the
 * row's value in lane 0.
 */
function buildLongRowKernel(m: ModuleBuilder, p: ReducePlan, setup: (f: FunctionBuilder, em: Emitter, i: number, rowEnd: number) => () => number): void {
  const n = p.numInputs;
  const f = m.function('kernel', [...Array<ValType>(n + 4).fill('i32'), ...p.constants.map(constType)]);
  const [out, rows, cols] = [n, n + 1, n + 2];
  const i = f.local('i32');
  const rowEnd = f.local('i32');
  const o = f.local('i32');
  const oEnd = f.local('i32');
  const em = new Emitter(f, p.constants, n + 4, [...Array(n).keys()], i);
  em.prologue();
  const row = setup(f, em, i, rowEnd);
  f.op('local.get', rows).op('i32.const', 2).op('i32.shl').op('local.set', oEnd);
  loopWhile(f, o, 4, oEnd, () => {
    f.op('local.get', i).op('local.get', cols).op('i32.const', 2).op('i32.shl').op('i32.add').op('local.set', rowEnd);
    const value = row();
    const r = p.spec.epilogue ? em.emit(p.spec.epilogue, { offset: 0, lane0: true }, value) : value;
    f.op('local.get', out).op('local.get', o).op('i32.add').op('local.get', r).simd('v128.store32_lane', 0, 0, 0);
  });
}

/** Long rows: 4 vector accumulators over the row, a lane-0 tail, then a horizontal combine. */
function buildLongRows(m: ModuleBuilder, p: ReducePlan): void {
  buildLongRowKernel(m, p, (f, em, i, rowEnd) => {
    const ident = f.local('v128');
    const accs = [0, 1, 2, 3].map(() => f.local('v128'));
    const fold = (a: number, value: () => void) => {
      f.op('local.get', a);
      value();
      f.simd(p.combine).op('local.set', a);
    };
    const body = (offset: number, lane0: boolean) => () => f.op('local.get', em.emit(p.spec.body, { offset, lane0 }));
    splatBits(f, p.identityBits);
    f.op('local.set', ident);
    return () => {
      for (const a of accs) f.op('local.get', ident).op('local.set', a);
      loopWhile(f, i, 64, rowEnd, () => accs.forEach((a, k) => fold(a, body(16 * k, false))));
      loopWhile(f, i, 16, rowEnd, () => fold(accs[0], body(0, false)));
      loopWhile(f, i, 4, rowEnd, () => fold(accs[1], () => (body(0, true)(), keepLane0(f, ident))));
      fold(accs[0], () => f.op('local.get', accs[1]));
      fold(accs[2], () => f.op('local.get', accs[3]));
      fold(accs[0], () => f.op('local.get', accs[2]));
      fold(accs[0], () => shuffle(f, accs[0], accs[0], [[0, 2], [0, 3], [0, 0], [0, 1]]));
      fold(accs[0], () => shuffle(f, accs[0], accs[0], [[0, 1], [0, 0], [0, 3], [0, 2]]));
      return accs[0];
    };
  });
}

/**
 * Long float32 sums: each f32x4 of body values is widened to two f64x2 and added into four
 * float64 accumulators, combined and rounded to float32 once per row (as the JS kernels sum
 * float32: more accurate than a float32 fold, within the oracle's bound of it).
 */
function buildLongSumF64(m: ModuleBuilder, p: ReducePlan): void {
  buildLongRowKernel(m, p, (f, em, i, rowEnd) => {
    const zero = f.local('v128');
    const accs = [0, 1, 2, 3].map(() => f.local('v128'));
    const v = f.local('v128');
    const total = f.local('v128');
    const widenInto = (lo: number, hi: number) => {
      f.op('local.get', lo).op('local.get', v).simd('f64x2.promote_low_f32x4').simd('f64x2.add').op('local.set', lo);
      f.op('local.get', hi);
      shuffle(f, v, v, [[0, 2], [0, 3], [0, 0], [0, 1]]);
      f.simd('f64x2.promote_low_f32x4').simd('f64x2.add').op('local.set', hi);
    };
    const body = (offset: number, lane0: boolean) => {
      f.op('local.get', em.emit(p.spec.body, { offset, lane0 }));
      // only lane 0 of a tail is a value (the expression of zero lanes need not be zero)
      if (lane0) keepLane0(f, zero);
      f.op('local.set', v);
    };
    splatBits(f, 0);
    f.op('local.set', zero);
    return () => {
      for (const a of accs) f.op('local.get', zero).op('local.set', a);
      loopWhile(f, i, 32, rowEnd, () => {
        body(0, false);
        widenInto(accs[0], accs[1]);
        body(16, false);
        widenInto(accs[2], accs[3]);
      });
      loopWhile(f, i, 16, rowEnd, () => (body(0, false), widenInto(accs[0], accs[1])));
      loopWhile(f, i, 4, rowEnd, () => (body(0, true), widenInto(accs[2], accs[3])));
      f.op('local.get', accs[0]).op('local.get', accs[1]).simd('f64x2.add');
      f.op('local.get', accs[2]).op('local.get', accs[3]).simd('f64x2.add').simd('f64x2.add').op('local.set', total);
      f.op('local.get', total);
      f.op('local.get', total).op('local.get', total).simd('i8x16.shuffle', 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
      f.simd('f64x2.add').simd('f32x4.demote_f64x2_zero').op('local.set', total);
      return total;
    };
  });
}

/** Compile `out[r] = epilogue(op over c < cols of body(inputs at r*cols + c))`. */
export function compileReduce(spec: ReduceSpec, cols: number, heap: WasmHeap = sharedHeap()): Compiled {
  const roots = spec.epilogue ? [spec.body, spec.epilogue] : [spec.body];
  const outDtype = (spec.epilogue ?? spec.body).dtype;
  const why =
    unsupportedReason([spec.body], false) ??
    (spec.epilogue ? unsupportedReason([spec.epilogue], true) : undefined) ??
    (spec.epilogue && exprOrder([spec.epilogue]).some((e) => e.kind === 'input') ? 'a reduction epilogue reads only acc() and constants' : undefined) ??
    (isWasmDType(spec.body.dtype) && isWasmDType(outDtype) ? undefined : `reductions of ${spec.body.dtype} to ${outDtype} are evaluated in JS`);
  if (why) return { unsupported: why };
  if (!Number.isInteger(cols) || cols < 0) throw new Error(`wasm compile: bad row length ${cols}`);
  const { key: exprK, constants } = exprKey(roots);
  const small = cols <= SMALL_ROW;
  const wide = !small && spec.op === 'add' && spec.body.dtype === 'float32';
  const key = `reduce:${spec.op}:${small ? cols : wide ? 'f64' : 'n'}|${exprK}`;
  const dtypes = inputDtypes([spec.body]);
  const d = spec.body.dtype as WasmDType;
  const combine = simdCombine[spec.op][kindOf[d]];
  const identityBits = bitsOf(identityOf[spec.op][d], d);
  const plan: ReducePlan = { spec, numInputs: dtypes.length, constants, combine, identityBits };
  const { fn, module, id } = cached(heap, key, (m) => (small ? buildSmallRows(m, plan, cols) : wide ? buildLongSumF64(m, plan) : buildLongRows(m, plan)));
  const fixed = small ? [] : [cols];
  return {
    kernel: {
      key,
      inputDtypes: dtypes,
      outDtype: outDtype as WasmDType,
      call: (inputs, out, rows, values) => fn(...inputs, out, rows, ...fixed, 0, ...values),
      constants,
      parts: { fn, module, id, inStride: dtypes.map(() => 4 * cols), outStride: 4, fixed, perUnit: cols },
    },
  };
}
