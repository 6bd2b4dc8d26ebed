// Compiles fused elementwise and reduction kernels to wasm SIMD functions over the shared
// kernel heap (memory.ts), with a bounded LRU cache of compiled modules by expression key.
//
// How the CPU backend calls this (kernels.ts; all buffers live in the heap, nothing is copied):
//
//   const c = compileElementwise(expr);             // { kernel } or { unsupported: reason }
//   if ('kernel' in c) c.kernel.call(inputAddresses, outAddress, n, constantValues);
//   else /* run the JS kernel */;
//
//   // reduce the last axis of [rows, cols] (rows = 1 for a full reduction):
//   //   out[r] = epilogue(acc := op over c of body(inputs at r*cols + c))
//   const r = compileReduce({ op: 'add', body: apply('mul', [d, d], 'float32'), epilogue: apply('sqrt', [acc()], 'float32') }, cols);
//   r.kernel.call(inputAddresses, outAddress, rows, constantValues);
//
// Inputs are contiguous float32/int32/uint32 buffers of the output's length (elementwise) or
// rows*cols (reduce); bool arrays, transcendentals, integer division and float→int casts
// are refused with a reason (see lower.ts), and the backend runs those kernels in JS.
// An elementwise kernel may write in place (out may be one of its inputs). Every function
// also takes the element index its first element has (`base`, for iota), so a range of a
// call is the same function on moved addresses (`KernelParts`, `runPart`): threads.ts runs
// parts of one call on several threads, kernels.ts pieces of one into cache-sized scratch.
//
// Exactness against the oracle: elementwise kernels are bit-exact (NaN payload/sign aside).
// A reduction over a row of at most SMALL_ROW elements is unrolled into a sequential
// `((init op v0) op v1) ...` per row, exactly the oracle's order: bit-exact. Longer float32
// sums widen to float64 (four f64x2 accumulators) and round once per row: within 2^-24 of
// the exact sum plus n * 2^-53 * sum(|v|), inside the oracle's own bound. Longer float
// products use 16 lane-parallel float32 accumulators (reassociated: |ours - oracle| <=
// (n + n/16 + 4) * 2^-24 * |prod| in the first order). Integer reductions, max and min are
// order-independent and exact.

import { FunctionBuilder, ModuleBuilder, type SimdOp, type ValType } from './encoder.js';
import { exprKey, exprOrder, type Expr } from './expr.js';
import { lowerings, splatBits, type LowerCtx } from './lower.js';
import { isWasmDType, sharedHeap, type WasmDType, type WasmHeap } from './memory.js';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

export interface ReduceSpec {
  op: ReduceOp;
  /** The reduced values, elementwise over the inputs ([rows, cols], contiguous). */
  body: Expr;
  /** Applied to each row's result (`acc()` is the reduced value); default: the value itself. */
  epilogue?: Expr;
}

export interface WasmKernel {
  /** The cache key of the compiled code. */
  readonly key: string;
  readonly inputDtypes: readonly WasmDType[];
  readonly outDtype: WasmDType;
  /**
   * Run on byte addresses in the heap, unchecked: `length` output elements (elementwise: every
   * input has as many; reduce: rows, the inputs rows*cols), and the values of the
   * expression's constants in `constants` order.
   */
  call(inputs: readonly number[], out: number, length: number, constants: readonly number[]): void;
  /** The expression's constants, in the order `call` takes their values. */
  readonly constants: readonly Expr[];
  /** How the kernel runs in parts (on several threads, threads.ts). */
  readonly parts: KernelParts;
}

/**
 * A kernel's function runs over `units` (output elements, or rows of a reduction) as
 * `fn(...inputs, out, units, ...fixed, base, ...constants)`: byte addresses, then i32s, where
 * `base` is the element index of the first element (an iota counts from it). Units [b, e)
 * of a run are the call with every input address moved by `b * inStride[k]` bytes, the
 * output's by `b * outStride`, `e - b` units and base `b * perUnit`: parts of one run
 * write disjoint outputs and compute exactly what the whole call computes.
 */
export interface KernelParts {
  readonly fn: Fn;
  /** The compiled module (worker threads instantiate it on the same memory) and its id. */
  readonly module: WebAssembly.Module;
  readonly id: number;
  readonly inStride: readonly number[];
  readonly outStride: number;
  readonly fixed: readonly number[];
  readonly perUnit: number;
}

/** Run units [b, b + n) of a call over `inputs` (byte addresses) into `out` (the whole call's output address). */
export function runPart(p: KernelParts, inputs: readonly number[], out: number, b: number, n: number, values: readonly number[], args: number[] = []): void {
  const nPtr = inputs.length;
  for (let i = 0; i < nPtr; i++) args[i] = inputs[i] + b * p.inStride[i];
  args[nPtr] = out + b * p.outStride;
  args[nPtr + 1] = n;
  for (let i = 0; i < p.fixed.length; i++) args[nPtr + 2 + i] = p.fixed[i];
  args[nPtr + 2 + p.fixed.length] = b * p.perUnit;
  for (let i = 0; i < values.length; i++) args[nPtr + 3 + p.fixed.length + i] = values[i];
  p.fn(...args);
}

export type Compiled = { kernel: WasmKernel } | { unsupported: string };

/** Rows up to this length are unrolled into the per-row expression (bit-exact reductions). */
export const SMALL_ROW = 8;
/** Compiled modules kept per heap. */
export const CACHE_SIZE = 256;

const LANE0 = [-1, 0, 0, 0];

// ---------------------------------------------------------------------------------------
// Shared pieces: checking support, and emitting one instance of an expression.

function unsupportedReason(roots: readonly Expr[], allowAcc: boolean): string | undefined {
  for (const e of exprOrder(roots)) {
    if (e.kind === 'acc' && !allowAcc) return 'acc() appears outside a reduction epilogue';
    if (e.kind === 'input' && !isWasmDType(e.dtype)) return `${e.dtype} arrays are evaluated in JS`;
    if (e.kind === 'iota' && e.dtype !== 'int32' && e.dtype !== 'uint32') return `${e.dtype} iota is evaluated in JS`;
    if (e.kind === 'op') {
      const l = lowerings[e.prim](e);
      if (typeof l === 'string') return l;
    }
  }
  return undefined;
}

function inputDtypes(roots: readonly Expr[]): WasmDType[] {
  const ds: WasmDType[] = [];
  for (const e of exprOrder(roots)) if (e.kind === 'input') ds[e.index] = e.dtype as WasmDType;
  for (let k = 0; k < ds.length; k++) if (ds[k] === undefined) ds[k] = 'float32'; // unused input slot
  return ds;
}

/** Where one instance of an expression reads its inputs: byte `offset` past ptr+i, 4 lanes or lane 0. */
interface Site {
  offset: number;
  lane0: boolean;
}

/** Emits expressions into one function: constants are scalar params splatted once, values live in v128 locals. */
class Emitter {
  private readonly splat = new Map<Expr, number>();
  private readonly param = new Map<Expr, number>();
  private readonly locals = new Map<Expr, number>();
  private readonly inputLocals = new Map<number, number>();

  constructor(
    readonly f: FunctionBuilder,
    constants: readonly Expr[],
    firstConstParam: number,
    /** i32 params holding each input's base address, and the i32 byte-offset local. */
    private readonly ptrs: readonly number[],
    private readonly index: number,
  ) {
    constants.forEach((c, k) => this.param.set(c, firstConstParam + k));
    // the i32 param just before the constants: the element index of the first element, which
    // an iota counts from (a part of a kernel run by a thread starts past 0)
    this.base = firstConstParam - 1;
  }

  private readonly base: number;

  /** Splat the constants (call once, before the loops). */
  prologue(): void {
    for (const [c, p] of this.param) {
      const l = this.f.local('v128');
      this.f.op('local.get', p).simd(c.dtype === 'float32' ? 'f32x4.splat' : 'i32x4.splat').op('local.set', l);
      this.splat.set(c, l);
    }
  }

  /** Pushes the address of input k's element at byte offset `index`. */
  address(ptr: number): void {
    this.f.op('local.get', ptr).op('local.get', this.index).op('i32.add');
  }

  /** Emit `root` at `site`; returns the v128 local holding its value. */
  emit(root: Expr, site: Site, accLocal?: number): number {
    const f = this.f;
    const local = (e: Expr) => {
      let l = this.locals.get(e);
      if (l === undefined) this.locals.set(e, (l = f.local('v128')));
      return l;
    };
    const seenInputs = new Map<number, number>();
    const value = new Map<Expr, number>();
    for (const e of exprOrder([root])) {
      switch (e.kind) {
        case 'const': {
          if (!e.baked) {
            value.set(e, this.splat.get(e)!);
            break;
          }
          const l = local(e);
          splatBits(f, constBits(e));
          f.op('local.set', l);
          value.set(e, l);
          break;
        }
        case 'acc':
          if (accLocal === undefined) throw new Error('wasm compile: acc() outside an epilogue');
          value.set(e, accLocal);
          break;
        case 'iota': {
          // lanes: index/4 + offset + site + [0, 1, 2, 3] (the element index of each lane)
          const l = local(e);
          f.op('local.get', this.index).op('i32.const', 2).op('i32.shr_u').op('local.get', this.base).op('i32.add');
          f.op('i32.const', (e.offset + site.offset / 4) | 0).op('i32.add').simd('i32x4.splat');
          f.simd('v128.const', ...new Uint8Array(new Int32Array([0, 1, 2, 3]).buffer)).simd('i32x4.add');
          f.op('local.set', l);
          value.set(e, l);
          break;
        }
        case 'input': {
          let l = seenInputs.get(e.index);
          if (l === undefined) {
            l = this.inputLocals.get(e.index) ?? f.local('v128');
            this.inputLocals.set(e.index, l);
            this.address(this.ptrs[e.index]);
            f.simd(site.lane0 ? 'v128.load32_zero' : 'v128.load', 0, site.offset).op('local.set', l);
            seenInputs.set(e.index, l);
          }
          value.set(e, l);
          break;
        }
        case 'op': {
          const emit = lowerings[e.prim](e);
          if (typeof emit === 'string') throw new Error(`wasm compile: ${emit}`);
          const ctx: LowerCtx = { f, args: e.args.map((a) => value.get(a)!), scalarParam: (c) => this.param.get(c)! };
          emit(ctx);
          const l = local(e);
          f.op('local.set', l);
          value.set(e, l);
          break;
        }
      }
    }
    return value.get(root)!;
  }
}

/** `while (local + step <= end) { body(); local += step }` (unsigned byte offsets). */
function loopWhile(f: FunctionBuilder, local: number, step: number, end: number, body: () => void): void {
  f.op('block').op('loop');
  f.op('local.get', local).op('i32.const', step).op('i32.add').op('local.get', end).op('i32.gt_u').op('br_if', 1);
  body();
  f.op('local.get', local).op('i32.const', step).op('i32.add').op('local.set', local);
  f.op('br', 0).op('end').op('end');
}

/** The 32-bit lane pattern of a constant's value in its dtype. */
export function constBits(c: Expr): number {
  if (c.kind !== 'const') throw new Error('not a constant');
  if (c.dtype === 'float32') return new Int32Array(new Float32Array([c.value]).buffer)[0];
  if (c.dtype === 'bool') return c.value ? -1 : 0;
  return c.value | 0;
}

const constType = (c: Expr): ValType => (c.dtype === 'float32' ? 'f32' : 'i32');

// ---------------------------------------------------------------------------------------
// The module cache.

type Fn = (...args: number[]) => void;
interface Entry {
  fn: Fn;
  module: WebAssembly.Module;
  id: number;
}
const caches = new WeakMap<WasmHeap, Map<string, Entry>>();
let nextId = 1;
const evicted: ((id: number) => void)[] = [];

/** Calls `f` with the id of each module dropped from a cache (threads.ts drops its instances too). */
export function onEvict(f: (id: number) => void): void {
  evicted.push(f);
}

function cached(heap: WasmHeap, key: string, build: (m: ModuleBuilder) => void): Entry {
  let cache = caches.get(heap);
  if (!cache) caches.set(heap, (cache = new Map()));
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key); // most recently used goes last
  } else {
    const m = new ModuleBuilder(heap.shared);
    build(m);
    const module = new WebAssembly.Module(m.finish() as Uint8Array<ArrayBuffer>);
    const fn = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports.kernel as Fn;
    entry = { fn, module, id: nextId++ };
    if (cache.size >= CACHE_SIZE) {
      const [oldKey, old] = cache.entries().next().value!;
      cache.delete(oldKey);
      for (const f of evicted) f(old.id);
    }
  }
  cache.set(key, entry);
  return entry;
}

/** Number of cached modules for `heap` (for tests). */
export const cachedModules = (heap: WasmHeap = sharedHeap()): number => caches.get(heap)?.size ?? 0;

// ---------------------------------------------------------------------------------------
// Elementwise: out[i] = expr(in0[i], in1[i], ...).

/** A SIMD loop (8 elements per step), one 4-element step, then a scalar tail through lane 0. */
function buildElementwise(m: ModuleBuilder, expr: Expr, numInputs: number, constants: readonly Expr[]): void {
  const params: ValType[] = [...Array<ValType>(numInputs + 3).fill('i32'), ...constants.map(constType)];
  const f = m.function('kernel', params);
  const ptrs = [...Array(numInputs).keys()];
  const [out, n] = [numInputs, numInputs + 1];
  const i = f.local('i32');
  const end = f.local('i32');
  const em = new Emitter(f, constants, numInputs + 3, ptrs, i);
  f.op('local.get', n).op('i32.const', 2).op('i32.shl').op('local.set', end);
  em.prologue();
  const step = (offset: number, lane0: boolean) => {
    const r = em.emit(expr, { offset, lane0 });
    em.address(out);
    f.op('local.get', r);
    if (lane0) f.simd('v128.store32_lane', 0, offset, 0);
    else f.simd('v128.store', 0, offset);
  };
  loopWhile(f, i, 32, end, () => (step(0, false), step(16, false)));
  f.op('block');
  f.op('local.get', i).op('i32.const', 16).op('i32.add').op('local.get', end).op('i32.gt_u').op('br_if', 0);
  step(0, false);
  f.op('local.get', i).op('i32.const', 16).op('i32.add').op('local.set', i);
  f.op('end');
  loopWhile(f, i, 4, end, () => step(0, true));
}

/** Compile `out[i] = expr(inputs[k][i]...)`. */
export function compileElementwise(expr: Expr, heap: WasmHeap = sharedHeap()): Compiled {
  const why = unsupportedReason([expr], false) ?? (isWasmDType(expr.dtype) ? undefined : `${expr.dtype} results are evaluated in JS`);
  if (why) return { unsupported: why };
  const { key: exprK, constants } = exprKey([expr]);
  const key = `map|${exprK}`;
  const dtypes = inputDtypes([expr]);
  const { fn, module, id } = cached(heap, key, (m) => buildElementwise(m, expr, dtypes.length, constants));
  return {
    kernel: {
      key,
      inputDtypes: dtypes,
      outDtype: expr.dtype as WasmDType,
      call: (inputs, out, length, values) => fn(...inputs, out, length, 0, ...values),
      constants,
      parts: { fn, module, id, inStride: dtypes.map(() => 4), outStride: 4, fixed: [], perUnit: 1 },
    },
  };
}

// ---------------------------------------------------------------------------------------
// Reductions over the last axis of [rows, cols].

type Kind = 'f' | 'i' | 'u';
const kindOf = { float32: 'f', int32: 'i', uint32: 'u' } as const;
const reduceOps: { [R in ReduceOp]: { [K in Kind]: [SimdOp, number] } } = {
  sum: { f: ['f32x4.add', 0], i: ['i32x4.add', 0], u: ['i32x4.add', 0] },
  prod: { f: ['f32x4.mul', 0x3f800000], i: ['i32x4.mul', 1], u: ['i32x4.mul', 1] },
  max: { f: ['f32x4.max', 0xff800000 | 0], i: ['i32x4.max_s', 0x80000000 | 0], u: ['i32x4.max_u', 0] },
  min: { f: ['f32x4.min', 0x7f800000], i: ['i32x4.min_s', 0x7fffffff], u: ['i32x4.min_u', -1] },
};

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
  const wide = !small && spec.op === 'sum' && spec.body.dtype === 'float32';
  const key = `reduce:${spec.op}:${small ? cols : wide ? 'f64' : 'n'}|${exprK}`;
  const dtypes = inputDtypes([spec.body]);
  const [combine, identityBits] = reduceOps[spec.op][kindOf[spec.body.dtype as WasmDType]];
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
