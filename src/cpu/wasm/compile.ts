// Compiles fused elementwise kernels to wasm SIMD functions over the shared kernel heap
// (memory.ts), with a bounded LRU cache of compiled modules by expression key; the
// emitter and the cache serve reduce.ts too, which compiles reductions.
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

import type { CombinePrim } from '../../graph/prims.js';
import { FunctionBuilder, ModuleBuilder, type ValType } from './encoder.js';
import { exprKey, exprOrder, type Expr } from './expr.js';
import { lowerings, splatBits, type LowerCtx } from './lower.js';
import { isWasmDType, sharedHeap, type WasmDType, type WasmHeap } from './memory.js';

export interface ReduceSpec {
  /** The binary primitive the fold combines with. */
  op: CombinePrim;
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

export const LANE0 = [-1, 0, 0, 0];

// ---------------------------------------------------------------------------------------
// Shared pieces: checking support, and emitting one instance of an expression.

export function unsupportedReason(roots: readonly Expr[], allowAcc: boolean): string | undefined {
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

export function inputDtypes(roots: readonly Expr[]): WasmDType[] {
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
export class Emitter {
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
export function loopWhile(f: FunctionBuilder, local: number, step: number, end: number, body: () => void): void {
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

export const constType = (c: Expr): ValType => (c.dtype === 'float32' ? 'f32' : 'i32');

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

/** An id for a module cached elsewhere (cpu/scan.ts's fused scans); `forgetModule(id)` once it is dropped. */
export const newModuleId = (): number => nextId++;

/** Tells the listeners (worker threads) that module `id` is gone. */
export function forgetModule(id: number): void {
  for (const f of evicted) f(id);
}

export function cached(heap: WasmHeap, key: string, build: (m: ModuleBuilder) => void): Entry {
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
