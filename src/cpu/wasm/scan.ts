// Fused scans as one wasm SIMD function (the CPU backend's fast path for scans over arrays:
// many sensors, vmap of scan). The plan is the JS fused scan's (cpu/scan_plan.ts
// `fusedSteps`): the time loop, and per step the body's shared-loop groups of elementwise
// kernels and its in-place carry patches, in the same order; this file only renders it as
// wasm instead of JS. Values are computed four lanes at a time with the lowerings of
// lower.ts, so every result is the oracle's, bit for bit (NaN payloads aside).
//
// Memory: every body buffer has a region in one heap scratch block, except the scan's own
// inputs (read in place: consts, the body's leaf constants, and each step's slice of xs);
// carries are copied in once and swapped by address between steps, as the JS does with its
// arrays; ys are copied out per step (memory.copy), the final carries at the end. Arrays
// outside the heap are staged through the scratch block.
//
// What qualifies (anything else runs the JS fused scan): carries and outputs of float32/int32/uint32 (bool inputs,
// such as a stream's padding masks, are read as bytes; bool intermediates are lane masks),
// any affine read or iota (contiguous ones as vector loads, others through constant index
// tables), gathers (any index: lanes are loaded one by one after clamping), and ops lower.ts
// spells in SIMD (no transcendentals, float remainder or float->int casts). Within a group, sub-expressions
// are computed once (structural value numbering), a value another kernel of the group
// stored is reused from its register, and sub-expressions of scalars only (loop
// invariants) are computed once per step before the group's loop.

import type { DType, TypedArray } from '../../graph/dtype.js';
import { sizeOf, walksFlat } from '../../graph/shape.js';
import { mapSlots } from '../../scheduler/buffers.js';
import { exprChildren, type Expr as KExpr, type Kernel } from '../../scheduler/kernel.js';
import { heapResident } from '../../scheduler/pool.js';
import type { FusedStep } from '../scan_plan.js';
import { constBits } from './compile.js';
import { FunctionBuilder, ModuleBuilder } from './encoder.js';
import type { Expr, ExprPrim } from './expr.js';
import { lowerings, splatBits, type LowerCtx } from './lower.js';
import { isWasmDType, sharedHeapOrNull, type WasmHeap } from './memory.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** Runs the scan (ins = [...consts, ...carryInit, ...xs], lits = the body's leaf constants); false when the heap has no room (run the JS then). */
export type WasmScan = (k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[], lits: readonly TypedArray[]) => boolean;

/** Scans that ran as wasm (tests). */
export const wasmScanStats = { calls: 0 };

let enabled = true;
/** Turn the wasm scan off or on (tests compare it with the JS fused scan); returns the previous setting. */
export function configureWasmScan(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}
export const wasmScanOn = (): boolean => enabled;

class Unsupported extends Error {}
function refuse(why: string): never {
  throw new Unsupported(why);
}

const LANES = new Uint8Array(new Int32Array([0, 1, 2, 3]).buffer);

/** offset + Σ c[k]·strides[k] at each element of `domain`, in row-major order. */
function indexTable(domain: readonly number[], map: { offset: number; strides: readonly number[] }): Int32Array {
  const t = new Int32Array(sizeOf(domain));
  const c = new Array<number>(domain.length).fill(0);
  for (let e = 0; e < t.length; e++) {
    let v = map.offset;
    for (let k = 0; k < c.length; k++) v += c[k] * map.strides[k];
    t[e] = v;
    for (let k = c.length - 1; k >= 0 && ++c[k] === domain[k]; k--) c[k] = 0;
  }
  return t;
}

/** A loop item: values to compute at each element of the domain, then what to do with them. */
interface Item {
  roots: readonly KExpr[];
  /** Called with the roots' v128 locals (`tail`: only lane 0 is an element). */
  sink(vals: readonly number[], tail: boolean): void;
  /** The buffer this item stores (later items read its value from the register). */
  writes?: number;
}

/** Emits the scan function: buffer addresses live in i32 locals (`addr`). */
class ScanEmitter {
  readonly f: FunctionBuilder;
  /** i32 local holding each body buffer's current base address (undefined: baked constant). */
  readonly addr = new Map<number, number>();
  readonly i: number; // byte offset of the element in the current loop
  private readonly tmpI32: number;
  private v128Pool: number[] = [];
  /** The domain of the loop being emitted. */
  private domain: readonly number[] = [];
  private v128Used = 0;

  constructor(
    f: FunctionBuilder,
    private readonly baked: ReadonlyMap<number, number>,
    /** A bool array from outside (bytes, not lane masks). */
    private readonly byteBool: (b: number) => boolean,
    /** Pushes the address of a constant int32 table in scratch holding `values`. */
    private readonly table: (values: Int32Array) => void,
  ) {
    this.f = f;
    this.i = f.local('i32');
    this.tmpI32 = f.local('i32');
  }

  private v128(): number {
    if (this.v128Used === this.v128Pool.length) this.v128Pool.push(this.f.local('v128'));
    return this.v128Pool[this.v128Used++];
  }

  /** Loop over `n` elements: invariants once, then 4-lane chunks and a lane-0 tail. */
  loop(domain: readonly number[], items: readonly Item[]): void {
    const f = this.f;
    const n = sizeOf(domain);
    if (n === 0) return;
    this.domain = domain;
    const one = n === 1;
    const isFlat = (strides: readonly number[]) => walksFlat(strides, domain);
    const writes = new Set(items.flatMap((it) => (it.writes === undefined ? [] : [it.writes])));
    // Loop invariants (not with one element: then code runs in order, as the JS does)
    const invariant = new Map<KExpr, boolean>();
    const inv = (e: KExpr): boolean => {
      let r = invariant.get(e);
      if (r !== undefined) return r;
      switch (e.op) {
        case 'read':
          r = !one && !writes.has(e.input) && (this.baked.has(e.input) || e.map.strides.every((s) => s === 0));
          break;
        case 'iota':
        case 'acc':
          r = false;
          break;
        case 'gather':
          r = !one && !writes.has(e.input) && inv(e.index);
          break;
        case 'unary':
        case 'cast':
        case 'bitcast':
          r = inv(e.a);
          break;
        case 'binary':
          r = inv(e.a) && inv(e.b);
          break;
        case 'select':
          r = inv(e.cond) && inv(e.a) && inv(e.b);
          break;
      }
      invariant.set(e, r);
      return r;
    };
    this.v128Used = 0;
    const hoisted = new Map<string, number>();
    const keys = new Map<KExpr, string>();
    const versions = new Map<number, number>();
    const keyOf = (e: KExpr): string => {
      let k = keys.get(e);
      if (k !== undefined) return k;
      switch (e.op) {
        case 'read':
          k = `r${e.input}@${e.map.offset}:${e.map.strides.join(',')}v${versions.get(e.input) ?? 0}`;
          break;
        case 'iota':
          k = `i${e.dtype}@${e.map.offset}:${e.map.strides.join(',')}`;
          break;
        case 'gather':
          k = `g${e.input}[${keyOf(e.index)}]`;
          break;
        case 'unary':
          k = `${e.prim}:${e.dtype}(${keyOf(e.a)})`;
          break;
        case 'cast':
        case 'bitcast':
          k = `${e.op}:${e.dtype}(${keyOf(e.a)})`;
          break;
        case 'binary':
          k = `${e.prim}:${e.dtype}(${keyOf(e.a)},${keyOf(e.b)})`;
          break;
        case 'select':
          k = `?(${keyOf(e.cond)},${keyOf(e.a)},${keyOf(e.b)})`;
          break;
        case 'acc':
          return refuse('acc() in a scan body');
      }
      // reads depend on the version of their buffer: keys are not cached across a store
      if (e.op !== 'read') keys.set(e, k);
      return k;
    };
    const emitter = (values: Map<string, number>, written: Map<number, number>, tail: boolean) => {
      const emit = (e: KExpr): number => {
        const key = keyOf(e);
        const hit = values.get(key);
        if (hit !== undefined) return hit;
        const l = this.node(e, emit, written, tail, one, isFlat);
        values.set(key, l);
        return l;
      };
      return emit;
    };
    // invariants: once per step, before the loop
    if (!one) {
      const emitInv = emitter(hoisted, new Map(), false);
      const visit = (e: KExpr, seen: Set<KExpr>): void => {
        if (seen.has(e)) return;
        seen.add(e);
        if (inv(e)) return void emitInv(e);
        for (const c of exprChildren(e)) visit(c, seen);
      };
      const seen = new Set<KExpr>();
      for (const it of items) for (const r of it.roots) visit(r, seen);
    }
    const base = this.v128Used;
    const chunk = (tail: boolean) => {
      this.v128Used = base;
      versions.clear();
      const values = new Map(hoisted);
      const written = new Map<number, number>();
      const emit = emitter(values, written, tail);
      for (const it of items) {
        const vals = it.roots.map(emit);
        it.sink(vals, tail);
        if (it.writes !== undefined) {
          versions.set(it.writes, (versions.get(it.writes) ?? 0) + 1);
          written.set(it.writes, vals[0]);
        }
      }
    };
    const i = this.i;
    f.op('i32.const', 0).op('local.set', i);
    if (one) return chunk(true);
    const loopTo = (end: number, step: number, tail: boolean) => {
      f.op('block').op('loop');
      f.op('local.get', i).op('i32.const', step).op('i32.add').op('i32.const', end).op('i32.gt_u').op('br_if', 1);
      chunk(tail);
      f.op('local.get', i).op('i32.const', step).op('i32.add').op('local.set', i);
      f.op('br', 0).op('end').op('end');
    };
    loopTo(n * 4, 16, false);
    if (n % 4 !== 0) loopTo(n * 4, 4, true);
  }

  /** Emits node `e` (its children through `emit`); returns the v128 local holding it. */
  private node(e: KExpr, emit: (e: KExpr) => number, written: ReadonlyMap<number, number>, tail: boolean, one: boolean, isFlat: (s: readonly number[]) => boolean): number {
    const f = this.f;
    if (e.op === 'read') {
      const w = written.get(e.input);
      if (w !== undefined) return w; // stored earlier in this group, at this element
    }
    const out = this.v128();
    switch (e.op) {
      case 'read': {
        const lit = this.baked.get(e.input);
        if (lit !== undefined) {
          splatBits(f, constBits({ kind: 'const', value: lit, dtype: e.dtype }));
        } else if (this.byteBool(e.input)) {
          // bytes from outside, as lane masks (byte != 0)
          const at = () => f.op('local.get', this.address(e.input)).op('local.get', this.i).op('i32.const', 2).op('i32.shr_u').op('i32.add');
          if (one || e.map.strides.every((s) => s === 0)) f.op('local.get', this.address(e.input)).op('i32.load8_u', 0, e.map.offset).simd('i32x4.splat');
          else if (isFlat(e.map.strides) && tail) at(), f.op('i32.load8_u', 0, e.map.offset).simd('i32x4.splat');
          else if (isFlat(e.map.strides)) at(), f.simd('v128.load32_zero', 0, e.map.offset).simd('i16x8.extend_low_i8x16_u').simd('i32x4.extend_low_i16x8_u');
          else {
            this.tableLoad(indexTable(this.domain, e.map), tail);
            f.op('local.set', out);
            this.loadLanes(e.input, out, out, tail);
            f.op('local.get', out);
          }
          splatBits(f, 0), f.simd('i32x4.ne');
        } else if (one || e.map.strides.every((s) => s === 0)) {
          f.op('local.get', this.address(e.input)).simd('v128.load32_splat', 2, e.map.offset * 4);
        } else if (isFlat(e.map.strides)) {
          f.op('local.get', this.address(e.input)).op('local.get', this.i).op('i32.add');
          f.simd(tail ? 'v128.load32_zero' : 'v128.load', 2, e.map.offset * 4);
        } else {
          // any other affine map (a per-row value broadcast along a vmapped axis, a
          // transpose): the element offsets are a table, and the lanes are loaded one by one
          this.tableLoad(indexTable(this.domain, e.map), tail);
          f.op('local.set', out);
          this.loadLanes(e.input, out, out, tail);
          return out;
        }
        break;
      }
      case 'iota': {
        if (!isWasmDType(e.dtype) || e.dtype === 'float32') refuse(`${e.dtype} iota is evaluated in JS`);
        if (one) f.op('i32.const', e.map.offset).simd('i32x4.splat');
        else if (isFlat(e.map.strides)) {
          f.op('local.get', this.i).op('i32.const', 2).op('i32.shr_u').op('i32.const', e.map.offset).op('i32.add').simd('i32x4.splat');
          f.simd('v128.const', ...LANES).simd('i32x4.add');
        } else this.tableLoad(indexTable(this.domain, e.map), tail); // e.g. a vmapped patch's flat indices
        break;
      }
      case 'gather': {
        if (written.has(e.input)) refuse('a gather of a buffer written in its group');
        const idx = emit(e.index);
        // clamp(index, 0, size - 1), the index read as its dtype
        f.op('local.get', idx);
        if (e.index.dtype === 'uint32') splatBits(f, e.size - 1), f.simd('i32x4.min_u');
        else splatBits(f, 0), f.simd('i32x4.max_s'), splatBits(f, e.size - 1), f.simd('i32x4.min_s');
        const clamped = this.v128();
        f.op('local.set', clamped);
        this.loadLanes(e.input, clamped, out, tail);
        if (!this.byteBool(e.input)) return out;
        f.op('local.get', out), splatBits(f, 0), f.simd('i32x4.ne');
        break;
      }
      case 'unary':
        this.op(e.prim, e.dtype, [e.a], emit);
        break;
      case 'binary':
        this.op(e.prim, e.dtype, [e.a, e.b], emit);
        break;
      case 'select':
        this.op('select', e.dtype, [e.cond, e.a, e.b], emit);
        break;
      case 'cast':
      case 'bitcast':
        this.op(e.op, e.dtype, [e.a], emit);
        break;
      case 'acc':
        refuse('acc() in a scan body');
    }
    f.op('local.set', out);
    return out;
  }

  /** Sets `out` to buffer b's elements at the lanes' element offsets in `idx` (lane 0 only in a tail); bytes of an outside bool array as 0/1. */
  private loadLanes(b: number, idx: number, out: number, tail: boolean): void {
    const f = this.f;
    if (idx !== out) f.op('local.get', idx).op('local.set', out);
    if (this.byteBool(b)) {
      for (let lane = 0; lane < (tail ? 1 : 4); lane++) {
        f.op('local.get', out).op('local.get', this.address(b)).op('local.get', idx).simd('i32x4.extract_lane', lane).op('i32.add').op('i32.load8_u', 0, 0);
        f.simd('i32x4.replace_lane', lane).op('local.set', out);
      }
      return;
    }
    for (let lane = 0; lane < (tail ? 1 : 4); lane++) {
      f.op('local.get', this.address(b)).op('local.get', idx).simd('i32x4.extract_lane', lane).op('i32.const', 2).op('i32.shl').op('i32.add');
      f.op('local.get', out).simd('v128.load32_lane', 2, 0, lane).op('local.set', out);
    }
  }

  /** Pushes the chunk of a constant int32 table over the loop's domain. */
  private tableLoad(values: Int32Array, tail: boolean): void {
    this.table(values);
    this.f.op('local.get', this.i).op('i32.add').simd(tail ? 'v128.load32_zero' : 'v128.load', 2, 0);
  }

  /** Pushes prim(args) through lower.ts's lowering (a baked scalar argument is a compiled-in constant there). */
  op(prim: ExprPrim, dtype: DType, args: readonly KExpr[], emit: (e: KExpr) => number): void {
    const locals = args.map(emit);
    const stand: Expr[] = args.map((a) => {
      const lit = a.op === 'read' ? this.baked.get(a.input) : undefined;
      return lit !== undefined ? { kind: 'const', value: lit, dtype: a.dtype, baked: true } : { kind: 'const', value: 0, dtype: a.dtype };
    });
    const lowering = lowerings[prim]({ kind: 'op', prim, dtype, args: stand });
    if (typeof lowering === 'string') refuse(lowering);
    const ctx: LowerCtx = {
      f: this.f,
      args: locals,
      // a scalar argument an op takes as an i32 (a shift count): lane 0 of its value
      scalarParam: (c) => {
        const k = stand.indexOf(c);
        this.f.op('local.get', locals[k]).simd('i32x4.extract_lane', 0).op('local.set', this.tmpI32);
        return this.tmpI32;
      },
    };
    lowering(ctx);
  }

  address(b: number): number {
    const a = this.addr.get(b);
    return a === undefined ? refuse(`body buffer ${b} has no address`) : a;
  }

  /** memory.copy(dst, src, bytes), each pushed by a callback; a few words as loads and stores (a scalar carry's step). */
  copy(dst: () => void, src: () => void, bytes: number): void {
    if (bytes <= 16 && bytes % 4 === 0) {
      for (let at = 0; at < bytes; at += 4) dst(), src(), this.f.op('i32.load', 2, at).op('i32.store', 2, at);
      return;
    }
    dst(), src();
    this.f.op('i32.const', bytes).op('memory.copy');
  }
}


const scatterPrim = { add: 'add', mul: 'mul', min: 'min', max: 'max' } as const;

/**
 * The wasm form of a fused scan whose step is `steps` (`baked`: the body's strong scalar
 * constants, by buffer), or the reason it has none.
 */
export function compileWasmScan(k: ScanKernel, steps: readonly FusedStep[], baked: ReadonlyMap<number, number>): WasmScan | string {
  const heap = sharedHeapOrNull();
  if (!heap) return 'no wasm heap';
  const { body, numConsts, numCarry } = k;
  // bool intermediates are stored as lane masks (4 bytes); bool inputs (a stream's padding
  // mask) are read as bytes where they are read as scalars; bool carries and outputs stay in JS
  const carryParams = body.inputs.filter((i) => i.param !== null && i.param >= numConsts && i.param < numConsts + numCarry).map((i) => i.buffer);
  const bad = body.buffers.find((b) => !isWasmDType(b.dtype) && (b.role === 'output' || carryParams.includes(b.id)));
  if (bad) return `${bad.dtype} carries and outputs are evaluated in JS`;
  const nIn = k.inputs.length;
  const litBuffers = body.inputs.filter((i) => i.param === null);
  const nLits = litBuffers.length;
  const nOut = body.outputs.length;
  // engines cap a function's parameters (V8: 1000) and locals (50000)
  if (nIn + nLits + nOut + 2 > 900 || body.buffers.length > 10000) return 'too many buffers for one wasm function';
  let scratch = 0;
  const m = new ModuleBuilder(heap.shared);
  // (ins..., lits..., outs..., scratch, len)
  const f = m.function('kernel', Array(nIn + nLits + nOut + 2).fill('i32'));
  const scratchParam = nIn + nLits + nOut;
  const lenParam = scratchParam + 1;
  // constant tables (element offsets of strided reads) go after the buffers in scratch,
  // copied in by each call; `scratch` is the layout's running size in bytes
  const tables: { at: number; values: Int32Array }[] = [];
  const tableAt = new Map<string, number>();
  const em = new ScanEmitter(
    f,
    baked,
    (b) => body.buffers[b].dtype === 'bool' && external.has(b),
    (values) => {
      const key = values.join(',');
      let at = tableAt.get(key);
      if (at === undefined) {
        tableAt.set(key, (at = scratch));
        tables.push({ at, values });
        scratch += Math.ceil(values.byteLength / 16) * 16;
      }
      f.op('local.get', scratchParam).op('i32.const', at).op('i32.add');
    },
  );
  const isX = (p: number) => p >= numConsts + numCarry;
  const isCarry = (p: number) => p >= numConsts && p < numConsts + numCarry;
  const param = new Map<number, number>();
  body.inputs.forEach((inp) => inp.param !== null && param.set(inp.buffer, inp.param));
  const external = new Set(body.inputs.filter((i) => !carryParams.includes(i.buffer)).map((i) => i.buffer));
  // bytes of a buffer: bool inputs are Uint8Arrays, everything else 4 bytes per element
  const bytes = (b: number) => body.buffers[b].size * (body.buffers[b].dtype === 'bool' && external.has(b) ? 1 : 4);
  // scratch regions (16-byte aligned) for every body buffer but consts, xs and leaf constants

  const xs: { buf: number; p: number }[] = [];
  try {
    for (const buf of body.buffers) {
      if (baked.has(buf.id)) continue;
      const a = f.local('i32');
      em.addr.set(buf.id, a);
      const p = param.get(buf.id);
      const lit = litBuffers.findIndex((i) => i.buffer === buf.id);
      if (p !== undefined && isX(p)) xs.push({ buf: buf.id, p });
      else if (p !== undefined && !isCarry(p)) f.op('local.get', p).op('local.set', a);
      else if (lit >= 0) f.op('local.get', nIn + lit).op('local.set', a);
      else {
        f.op('local.get', scratchParam).op('i32.const', scratch).op('i32.add').op('local.set', a);
        if (p !== undefined) em.copy(() => f.op('local.get', a), () => f.op('local.get', p), bytes(buf.id));
        scratch += Math.ceil(bytes(buf.id) / 16) * 16;
      }
    }
    const s = f.local('i32');
    const t = f.local('i32');
    const carryBuf = (c: number) => body.inputs.find((inp) => inp.param === numConsts + c)?.buffer;
    // for (s = 0; s < len; s++) { t = reverse ? len - 1 - s : s; step }
    f.op('i32.const', 0).op('local.set', s);
    f.op('block').op('loop');
    f.op('local.get', s).op('local.get', lenParam).op('i32.ge_u').op('br_if', 1);
    if (k.reverse) f.op('local.get', lenParam).op('i32.const', 1).op('i32.sub').op('local.get', s).op('i32.sub').op('local.set', t);
    else f.op('local.get', s).op('local.set', t);
    for (const { buf, p } of xs) f.op('local.get', p).op('local.get', t).op('i32.const', bytes(buf)).op('i32.mul').op('i32.add').op('local.set', em.address(buf));
    const readOutside = (group: readonly Kernel[]) => new Set(body.kernels.filter((kk) => !group.includes(kk)).flatMap((kk) => kk.inputs));
    for (const st of steps) {
      if (st.kind === 'group') {
        const elsewhere = readOutside(st.kernels);
        const items: Item[] = st.kernels.map((kk) => {
          const out = kk.outputs[0];
          const store = body.buffers[out].role !== 'intermediate' || elsewhere.has(out);
          return {
            roots: [mapSlots(kk.expr, (slot) => kk.inputs[slot])],
            writes: out,
            sink: ([v], tail) => {
              if (!store) return;
              f.op('local.get', em.address(out)).op('local.get', em.i).op('i32.add').op('local.get', v);
              if (tail) f.simd('v128.store32_lane', 2, 0, 0);
              else f.simd('v128.store', 2, 0);
            },
          };
        });
        em.loop(st.kernels[0].shape, items);
        continue;
      }
      const { patch } = st;
      const target = em.address(carryBuf(st.carry)!);
      const size = sizeOf(patch.shape);
      const j = f.local('i32');
      const a = f.local('i32');
      const old = f.local('v128');
      for (const p of patch.patches) {
        const slots = (e: KExpr) => mapSlots(e, (slot) => patch.inputs[slot]);
        em.loop(p.shape, [
          {
            roots: [slots(p.index), slots(p.updates)],
            // lane by lane in order (repeated indices: the last set wins, adds accumulate);
            // an index outside [0, size) (unsigned compare: negative int32 too) is dropped
            sink: ([jv, u], tail) => {
              for (let lane = 0; lane < (tail ? 1 : 4); lane++) {
                f.op('local.get', jv).simd('i32x4.extract_lane', lane).op('local.tee', j).op('i32.const', size).op('i32.lt_u').op('if');
                f.op('local.get', target).op('local.get', j).op('i32.const', 2).op('i32.shl').op('i32.add').op('local.set', a);
                f.op('local.get', a);
                if (p.mode === 'set') f.op('local.get', u);
                else {
                  f.op('local.get', a).simd('v128.load32_splat', 2, 0).op('local.set', old);
                  const emit = lowerings[scatterPrim[p.mode]]({ kind: 'op', prim: scatterPrim[p.mode], dtype: patch.dtype, args: [{ kind: 'const', value: 0, dtype: patch.dtype }, { kind: 'const', value: 0, dtype: patch.dtype }] });
                  if (typeof emit === 'string') refuse(emit);
                  emit({ f, args: [old, u], scalarParam: () => refuse('scalar parameter in a scatter combine') });
                }
                f.simd('v128.store32_lane', 2, 0, lane);
                f.op('end');
              }
            },
          },
        ]);
      }
    }
    // ys at step t, then the carries: swapped by address when the body's output buffer is
    // its own (the next step overwrites it whole), else copied
    const outputs = body.outputs;
    for (let jOut = numCarry; jOut < nOut; jOut++) {
      const src = outputs[jOut];
      const outP = nIn + nLits + jOut;
      em.copy(() => f.op('local.get', outP).op('local.get', t).op('i32.const', bytes(src)).op('i32.mul').op('i32.add'), () => f.op('local.get', em.address(src)), bytes(src));
    }
    const patched = new Set(steps.flatMap((st) => (st.kind === 'patch' ? [st.carry] : [])));
    const tmp = f.local('i32');
    for (let c = 0; c < numCarry; c++) {
      const dst = carryBuf(c);
      if (dst === undefined || patched.has(c)) continue;
      const src = outputs[c];
      const swaps = body.buffers[src].role === 'output' && outputs.filter((o, jj) => o === src && jj < numCarry).length === 1;
      const [da, sa] = [em.address(dst), em.address(src)];
      if (swaps) f.op('local.get', da).op('local.set', tmp).op('local.get', sa).op('local.set', da).op('local.get', tmp).op('local.set', sa);
      else em.copy(() => f.op('local.get', da), () => f.op('local.get', sa), bytes(dst));
    }
    f.op('local.get', s).op('i32.const', 1).op('i32.add').op('local.set', s);
    f.op('br', 0).op('end').op('end');
    for (let c = 0; c < numCarry; c++) {
      const src = carryBuf(c) ?? outputs[c];
      em.copy(() => f.op('local.get', nIn + nLits + c), () => f.op('local.get', em.address(src)), bytes(src));
    }
  } catch (err) {
    if (err instanceof Unsupported) return err.message;
    throw err;
  }
  const module = new WebAssembly.Module(m.finish() as Uint8Array<ArrayBuffer>);
  const fn = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports.kernel as (...args: number[]) => void;
  return runner(heap, fn, scratch, tables);
}

/** Calls `fn` with heap addresses: arrays outside the heap are staged in the scratch block, which follows them. */
function runner(heap: WasmHeap, fn: (...args: number[]) => void, scratchBytes: number, tables: readonly { at: number; values: Int32Array }[]): WasmScan {
  return (k, ins, outs, lits) => {
    const arrays = [...ins, ...lits, ...outs];
    const staged: number[] = []; // byte offsets in the block, -1: in the heap already
    let bytes = 0;
    for (const a of arrays) {
      if (heapResident(a)) staged.push(-1);
      else staged.push(bytes), (bytes += Math.ceil(a.byteLength / 16) * 16);
    }
    const block = heap.tryAlloc('float32', (bytes + scratchBytes) / 4);
    if (!block) return false;
    try {
      const mem = heap.memory.buffer;
      const nInputs = ins.length + lits.length;
      const args = arrays.map((a, idx) => {
        if (staged[idx] < 0) return a.byteOffset;
        const at = block.offset + staged[idx];
        if (idx < nInputs) new Uint8Array(mem, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
        return at;
      });
      for (const { at, values } of tables) new Int32Array(mem, block.offset + bytes + at, values.length).set(values);
      fn(...args, block.offset + bytes, k.length);
      wasmScanStats.calls++;
      for (let idx = nInputs; idx < arrays.length; idx++) {
        const a = arrays[idx];
        if (staged[idx] >= 0) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(new Uint8Array(mem, block.offset + staged[idx], a.byteLength));
      }
      return true;
    } finally {
      heap.release(block);
    }
  };
}
