// The element loops of one fused scan step as wasm SIMD (used by scan.ts): `ScanEmitter.loop`
// emits a loop over a domain, four lanes per chunk and a lane-0 tail, computing each item's
// expressions (the scheduler's kernel expressions, through lower.ts's lowerings) and handing
// their values to the item's sink (a store, or a patch's scatter). Loop invariants are
// computed once before the loop, sub-expressions once per chunk (structural value numbering),
// and a value an earlier item stored is reused from its register. Body buffers are addressed
// through i32 locals (`addr`), so carries swap by address between steps.

import type { DType } from '../../graph/dtype.js';
import { sizeOf, walksFlat } from '../../graph/shape.js';
import { exprChildren, type Expr as KExpr } from '../../scheduler/kernel.js';
import { constBits } from './compile.js';
import type { FunctionBuilder } from './encoder.js';
import type { Expr, ExprPrim } from './expr.js';
import { lowerings, splatBits, type LowerCtx } from './lower.js';
import { isWasmDType } from './memory.js';
import { isMathPrim, type MathPrim } from './math_imports.js';

/** A body the generator does not take (its message says why). */
export class Unsupported extends Error {}
export function refuse(why: string): never {
  throw new Unsupported(why);
}

/** Loop-invariant select conditions a loop is unswitched on (2^UNSWITCH versions of it). */
const UNSWITCH = 2;

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
export interface Item {
  roots: readonly KExpr[];
  /** Called with the roots' v128 locals (`tail`: only lane 0 is an element). */
  sink(vals: readonly number[], tail: boolean): void;
  /** The buffer this item stores (later items read its value from the register). */
  writes?: number;
  /**
   * A patch of buffer `buffer` (`size` elements) whose element index is `roots[root]`: when
   * that index is a row (`rowOf`), the loop's fast version does not compute it and calls the
   * sink with -1 for it and the row's address in `rowAt` (an i32 local).
   */
  row?: { readonly root: number; readonly buffer: number; readonly size: number };
  /** The sink's i32 local holding the row's address (`rowAt + i` is the element's), set in a fast version. */
  rowAt?: number;
}

/**
 * An element index that is a row of a buffer: `base` (loop-invariant; null: 0) + offset + the
 * element's position in the loop, where the loop-invariant conditions `when` hold (an `.at`
 * index is select(in bounds, row, out of range)).
 */
interface Row {
  readonly base: KExpr | null;
  readonly offset: number;
  readonly when: readonly KExpr[];
}

/**
 * A scan run over a range of its lanes (scan_lanes.ts): loops over the L lanes run from
 * byte offset `lo` to `hi` (i32 locals), and each gather or `.at` index into a buffer split
 * by lanes is checked against its lane, a mismatch setting bits of `flag` (a v128 local).
 */
export interface LaneRange {
  readonly L: number;
  readonly split: ReadonlySet<number>;
  readonly lo: number;
  readonly hi: number;
  readonly flag: number;
}

/** Emits the scan function: buffer addresses live in i32 locals (`addr`). */
export class ScanEmitter {
  /** Set when the function runs over a range of lanes. */
  lanes: LaneRange | null = null;
  /** Whether the loop being emitted runs over the lane range. */
  private ranged = false;
  /** Loop-invariant select conditions (by value-numbering key) fixed in the loop version being emitted. */
  private known = new Map<string, boolean>();
  /** In a loop's fast version: the gathers that read a row, each with the i32 local holding the row's address. */
  private rowGathers: Map<KExpr, number> | null = null;
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
    /** The index of the imported f64 function `env.<name>` of `arity` arguments (math_imports.ts). */
    private readonly importMath: (name: MathPrim, arity: number) => number,
    /** Small const inputs whose values this compilation is specialized to (by body buffer): read at one element, they are constants. */
    private readonly consts: ReadonlyMap<number, ArrayLike<number>> = new Map(),
  ) {
    this.f = f;
    this.i = f.local('i32');
    this.tmpI32 = f.local('i32');
  }

  private v128(): number {
    if (this.v128Used === this.v128Pool.length) this.v128Pool.push(this.f.local('v128'));
    return this.v128Pool[this.v128Used++];
  }

  /** The value of a read known when compiling: a baked literal, or one element of a small const input. */
  private constValue(e: KExpr): number | undefined {
    if (e.op !== 'read') return undefined;
    const lit = this.baked.get(e.input);
    if (lit !== undefined) return lit;
    const c = this.consts.get(e.input);
    return c !== undefined && e.map.strides.every((st) => st === 0) ? c[e.map.offset] : undefined;
  }

  /** Loop over `n` elements: invariants once, then 4-lane chunks and a lane-0 tail. */
  loop(domain: readonly number[], items: readonly Item[]): void {
    const f = this.f;
    const n = sizeOf(domain);
    if (n === 0) return;
    this.domain = domain;
    const one = n === 1;
    const lanes = this.lanes !== null && n === this.lanes.L ? this.lanes : null;
    this.ranged = lanes !== null;
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
          // (an iota constant over the domain, such as a small dot's starting 0, is invariant)
          r = !one && e.map.strides.every((st) => st === 0);
          break;
        case 'acc':
          r = false;
          break;
        case 'gather':
          // (a gather from a lane-split buffer is checked per lane, in the loop)
          r = !one && !writes.has(e.input) && !(lanes && lanes.split.has(e.input)) && inv(e.index);
          break;
        default:
          r = exprChildren(e).every(inv);
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
        const fixed = e.op === 'select' ? this.known.get(keyOf(e.cond)) : undefined;
        const l = fixed !== undefined && e.op === 'select' ? emit(fixed ? e.a : e.b) : this.node(e, emit, written, tail, one, isFlat);
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
        const vals = it.roots.map((r, j) => (it.rowAt !== undefined && j === it.row!.root ? -1 : emit(r)));
        it.sink(vals, tail);
        if (it.writes !== undefined) {
          versions.set(it.writes, (versions.get(it.writes) ?? 0) + 1);
          written.set(it.writes, vals[0]);
        }
      }
    };
    // Loop unswitching: a select whose condition is the same for every element (a stream's
    // per-step padding flag, a ring's wrap) costs a bitselect per chunk; the loop is emitted
    // once per value of the (at most UNSWITCH) most used such conditions, behind branches on
    // them, and in each version those selects are their chosen operand.
    const conds = new Map<string, { count: number; e: KExpr }>();
    if (!one) {
      const seen = new Set<KExpr>();
      const visit = (e: KExpr): void => {
        if (seen.has(e)) return;
        seen.add(e);
        if (e.op === 'select' && inv(e.cond)) {
          const key = keyOf(e.cond);
          const c = conds.get(key) ?? { count: 0, e: e.cond };
          c.count++;
          conds.set(key, c);
        }
        for (const c of exprChildren(e)) visit(c);
      };
      for (const it of items) for (const r of it.roots) visit(r);
    }
    const switches = [...conds].filter(([, c]) => c.count >= 2 && hoisted.has(keyOf(c.e))).sort((a, b) => b[1].count - a[1].count).slice(0, UNSWITCH);
    const unswitched = (k: number): void => {
      if (k === switches.length) return this.loopBody(n, lanes, one, chunk);
      const [key, c] = switches[k];
      f.op('local.get', hoisted.get(keyOf(c.e))!).simd('i32x4.extract_lane', 0).op('if');
      this.known.set(key, true);
      unswitched(k + 1);
      f.op('else');
      this.known.set(key, false);
      unswitched(k + 1);
      this.known.delete(key);
      f.op('end');
    };
    // Rows: a gather or patch index `base + position` with an invariant base (a ring read or
    // written at this step's position) addresses one contiguous row. When every such row lies
    // inside its buffer (and, over a range of lanes, in its own lanes), checked once per step,
    // the loop's fast version loads and stores the rows as vectors; else the generic one runs.
    const rows = one ? [] : this.rows(items, inv, isFlat, n);
    if (rows.length === 0) return unswitched(0);
    const ok = f.local('i32');
    f.op('i32.const', 1).op('local.set', ok);
    const gathers = new Map<KExpr, number>();
    for (const r of rows) {
      const start = this.tmpI32;
      if (r.row.base) f.op('local.get', hoisted.get(keyOf(r.row.base))!).simd('i32x4.extract_lane', 0);
      else f.op('i32.const', 0);
      f.op('i32.const', r.row.offset).op('i32.add').op('local.set', start);
      // 0 <= start <= size - n (unsigned: a negative start fails too)
      f.op('local.get', start).op('i32.const', r.size - n).op('i32.le_u');
      if (lanes) f.op('local.get', start).op('i32.const', lanes.L).op('i32.rem_u').op('i32.eqz').op('i32.and');
      f.op('local.get', ok).op('i32.and').op('local.set', ok);
      for (const c of r.row.when) f.op('local.get', hoisted.get(keyOf(c))!).simd('i32x4.extract_lane', 0).op('i32.const', 0).op('i32.ne').op('local.get', ok).op('i32.and').op('local.set', ok);
      const at = f.local('i32');
      f.op('local.get', this.address(r.buffer)).op('local.get', start).op('i32.const', 2).op('i32.shl').op('i32.add').op('local.set', at);
      if (r.gather) gathers.set(r.gather, at);
      else r.item!.rowAt = at;
    }
    f.op('local.get', ok).op('if');
    this.rowGathers = gathers;
    unswitched(0);
    this.rowGathers = null;
    for (const r of rows) if (r.item) r.item.rowAt = undefined;
    f.op('else');
    unswitched(0);
    f.op('end');
  }

  /**
   * The rows of a loop over `n` elements: its gathers (of float or int buffers, outside a
   * one-element loop) and row patches whose index is a `Row`, with the buffer they address.
   */
  private rows(items: readonly Item[], inv: (e: KExpr) => boolean, isFlat: (s: readonly number[]) => boolean, n: number): { row: Row; buffer: number; size: number; gather?: KExpr; item?: Item }[] {
    // Index arithmetic as a function of the element's position p in [0, n): a constant, or
    // p + offset (a flat iota, NumPy's negative-index wrap of it, times a baked 1), and
    // conditions on it decided over the whole range (an `.at` bounds check of an iota) or
    // loop-invariant (checked once per step). Integers stay far from 2^31, so i32 arithmetic
    // is the same as these numbers'.
    type Lin = { readonly k: number } | { readonly p: number } | null;
    const small = (v: number) => Math.abs(v) + n < 2 ** 30;
    const isInt = (d: DType) => d === 'int32' || d === 'uint32';
    const lin = (e: KExpr): Lin => {
      if (!isInt(e.dtype)) return null;
      switch (e.op) {
        case 'read': {
          const v = this.constValue(e);
          return v !== undefined && small(v) ? { k: v } : null;
        }
        case 'iota':
          if (!small(e.map.offset)) return null;
          return e.map.strides.every((st) => st === 0) ? { k: e.map.offset } : isFlat(e.map.strides) ? { p: e.map.offset } : null;
        case 'select': {
          const t = truth(e.cond);
          return t === true ? lin(e.a) : t === false ? lin(e.b) : null;
        }
        case 'binary': {
          const [a, b] = [lin(e.a), lin(e.b)];
          if (!a || !b) return null;
          if (e.prim === 'add') {
            if ('k' in a && 'k' in b) return small(a.k + b.k) ? { k: a.k + b.k } : null;
            const [pa, kb] = 'p' in a ? [a, b] : [b, a];
            return 'p' in pa && 'k' in kb && small(pa.p + kb.k) ? { p: pa.p + kb.k } : null;
          }
          if (e.prim === 'mul') {
            if ('k' in a && a.k === 1) return b;
            if ('k' in b && b.k === 1) return a;
          }
          return null;
        }
        default:
          return null;
      }
    };
    const compare: Partial<Record<string, (x: number, y: number) => boolean>> = { lt: (x, y) => x < y, le: (x, y) => x <= y, gt: (x, y) => x > y, ge: (x, y) => x >= y };
    /** True or false over the whole domain, the invariant conditions it comes down to, or null (unknown). */
    const truth = (c: KExpr): boolean | readonly KExpr[] | null => {
      if (inv(c)) return [c];
      if (c.op !== 'binary') return null;
      if (c.prim === 'and') {
        const [a, b] = [truth(c.a), truth(c.b)];
        if (a === false || b === false) return false;
        if (a === null || b === null) return null;
        const list = [...(a === true ? [] : a), ...(b === true ? [] : b)];
        return list.length === 0 ? true : list;
      }
      const cmp = compare[c.prim];
      if (!cmp || !isInt(c.inDtype)) return null;
      const [a, b] = [lin(c.a), lin(c.b)];
      if (!a || !b || ('p' in a) === ('p' in b)) return null;
      // p + offset over [offset, offset + n - 1] (non-negative for an unsigned compare)
      const [lo, hi, k, flip] = 'p' in a ? [a.p, a.p + n - 1, (b as { k: number }).k, false] : [(b as { p: number }).p, (b as { p: number }).p + n - 1, a.k, true];
      if (c.inDtype === 'uint32' && (lo < 0 || k < 0)) return null;
      const at = (v: number) => (flip ? cmp(k, v) : cmp(v, k));
      return at(lo) && at(hi) ? true : !at(lo) && !at(hi) ? false : null;
    };
    const rowOf = (e: KExpr): Row | null => {
      if (e.op === 'select') {
        const t = truth(e.cond);
        if (t === true) return rowOf(e.a);
        if (t === false) return rowOf(e.b);
        const r = t === null ? null : rowOf(e.a);
        return r && t !== null ? { ...r, when: [...r.when, ...t] } : null;
      }
      const l = lin(e);
      if (l && 'p' in l) return { base: null, offset: l.p, when: [] };
      if (e.op !== 'binary' || e.prim !== 'add' || !isInt(e.dtype)) return null;
      for (const [a, b] of [[e.a, e.b], [e.b, e.a]] as const) {
        const off = lin(b);
        if (off && 'p' in off && inv(a) && a.dtype === e.dtype) return { base: a, offset: off.p, when: [] };
      }
      return null;
    };
    const out: { row: Row; buffer: number; size: number; gather?: KExpr; item?: Item }[] = [];
    const seen = new Set<KExpr>();
    const visit = (e: KExpr): void => {
      if (seen.has(e)) return;
      seen.add(e);
      if (e.op === 'gather' && !this.byteBool(e.input) && e.size >= n) {
        const row = rowOf(e.index);
        if (row) return void out.push({ row, buffer: e.input, size: e.size, gather: e });
      }
      for (const c of exprChildren(e)) visit(c);
    };
    for (const it of items) {
      const row = it.row && it.row.size >= n ? rowOf(it.roots[it.row.root]) : null;
      if (row) out.push({ row, buffer: it.row!.buffer, size: it.row!.size, item: it });
      it.roots.forEach((r, j) => (row && j === it.row!.root ? undefined : visit(r)));
    }
    return out;
  }

  /** The element loop of `loop`: 4-lane chunks from the start (or the lane range), then a lane-0 tail. */
  private loopBody(n: number, lanes: LaneRange | null, one: boolean, chunk: (tail: boolean) => void): void {
    const f = this.f;
    const i = this.i;
    if (lanes) f.op('local.get', lanes.lo).op('local.set', i);
    else f.op('i32.const', 0).op('local.set', i);
    if (one) return chunk(true);
    const loopTo = (end: number, step: number, tail: boolean) => {
      f.op('block').op('loop');
      f.op('local.get', i).op('i32.const', step).op('i32.add');
      if (lanes) f.op('local.get', lanes.hi);
      else f.op('i32.const', end);
      f.op('i32.gt_u').op('br_if', 1);
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
        const lit = this.constValue(e);
        if (lit !== undefined) {
          splatBits(f, constBits({ kind: 'const', value: lit, dtype: e.dtype }));
          break;
        }
        // a bool array from outside holds bytes: loaded as 0/1, then made lane masks (!= 0)
        const bytes = this.byteBool(e.input);
        const a = this.address(e.input);
        if (one || e.map.strides.every((s) => s === 0)) {
          f.op('local.get', a);
          if (bytes) f.op('i32.load8_u', 0, e.map.offset).simd('i32x4.splat');
          else f.simd('v128.load32_splat', 2, e.map.offset * 4);
        } else if (isFlat(e.map.strides)) {
          f.op('local.get', a).op('local.get', this.i);
          if (!bytes) f.op('i32.add').simd(tail ? 'v128.load32_zero' : 'v128.load', 2, e.map.offset * 4);
          else if (tail) f.op('i32.const', 2).op('i32.shr_u').op('i32.add').op('i32.load8_u', 0, e.map.offset).simd('i32x4.splat');
          else f.op('i32.const', 2).op('i32.shr_u').op('i32.add').simd('v128.load32_zero', 0, e.map.offset).simd('i16x8.extend_low_i8x16_u').simd('i32x4.extend_low_i16x8_u');
        } else {
          // any other affine map (a per-row value broadcast along a vmapped axis, a
          // transpose): the element offsets are a table, and the lanes are loaded one by one
          this.tableLoad(indexTable(this.domain, e.map), tail);
          f.op('local.set', out);
          this.loadLanes(e.input, out, out, tail);
          f.op('local.get', out);
        }
        if (bytes) splatBits(f, 0), f.simd('i32x4.ne');
        break;
      }
      case 'iota': {
        if (!isWasmDType(e.dtype) || e.dtype === 'float32') refuse(`${e.dtype} iota is evaluated in JS`);
        if (one || e.map.strides.every((st) => st === 0)) f.op('i32.const', e.map.offset).simd('i32x4.splat');
        else if (isFlat(e.map.strides)) {
          f.op('local.get', this.i).op('i32.const', 2).op('i32.shr_u').op('i32.const', e.map.offset).op('i32.add').simd('i32x4.splat');
          f.simd('v128.const', ...LANES).simd('i32x4.add');
        } else this.tableLoad(indexTable(this.domain, e.map), tail); // e.g. a vmapped patch's flat indices
        break;
      }
      case 'gather': {
        if (written.has(e.input)) refuse('a gather of a buffer written in its group');
        const row = this.rowGathers?.get(e);
        if (row !== undefined) {
          f.op('local.get', row).op('local.get', this.i).op('i32.add').simd(tail ? 'v128.load32_zero' : 'v128.load', 2, 0);
          break;
        }
        const idx = emit(e.index);
        // clamp(index, 0, size - 1), the index read as its dtype
        f.op('local.get', idx);
        if (e.index.dtype === 'uint32') splatBits(f, e.size - 1), f.simd('i32x4.min_u');
        else splatBits(f, 0), f.simd('i32x4.max_s'), splatBits(f, e.size - 1), f.simd('i32x4.min_s');
        const clamped = this.v128();
        f.op('local.set', clamped);
        if (this.ranged && this.lanes!.split.has(e.input)) this.laneCheck(clamped, tail, null);
        if (!tail && !this.byteBool(e.input) && e.size >= 4) {
          // four consecutive offsets (a ring's row at the chunk's lanes): one vector load
          this.consecutive(clamped);
          f.op('if').op('local.get', this.address(e.input)).op('local.get', this.tmpI32).op('i32.const', 2).op('i32.shl').op('i32.add').simd('v128.load', 2, 0).op('local.set', out);
          f.op('else');
          this.loadLanes(e.input, clamped, out, tail);
          f.op('end');
          return out;
        }
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

  /**
   * Pushes whether the four element offsets in `idx` (an i32x4 local) are consecutive,
   * idx[0] + [0, 1, 2, 3], leaving idx[0] in the i32 scratch local (`consecutiveAt`).
   */
  consecutive(idx: number): void {
    const f = this.f;
    f.op('local.get', idx).op('local.get', idx).simd('i32x4.extract_lane', 0).op('local.tee', this.tmpI32).simd('i32x4.splat').simd('v128.const', ...LANES).simd('i32x4.add');
    f.simd('i32x4.eq').simd('i32x4.all_true');
  }

  /** The i32 local `consecutive` leaves the first offset in. */
  get consecutiveAt(): number {
    return this.tmpI32;
  }

  /**
   * In a loop over the lane range: sets bits of the flag unless each lane's element offset
   * in `idx` (an i32x4 local) is in its own lane (offset mod L == lane), ignoring offsets
   * outside [0, bound) when a bound is given (an `.at` drops them).
   */
  laneCheck(idx: number, tail: boolean, bound: number | null): void {
    const f = this.f;
    if (!this.ranged) return;
    const { L, flag } = this.lanes!;
    f.op('local.get', idx);
    f.op('local.get', this.i).op('i32.const', 2).op('i32.shr_u').simd('i32x4.splat').simd('v128.const', ...LANES).simd('i32x4.add');
    f.simd('i32x4.sub');
    if ((L & (L - 1)) === 0) splatBits(f, L - 1), f.simd('v128.and');
    else {
      // d = offset - lane is a multiple of L when d - trunc(d / L) * L is 0: exact while |d| < 2^24
      // (past it a multiple may be flagged, and the call runs again whole: slower, still right)
      const d = this.v128();
      f.op('local.tee', d).op('local.get', d).simd('f32x4.convert_i32x4_s');
      splatBits(f, new Int32Array(new Float32Array([L]).buffer)[0]), f.simd('f32x4.div').simd('i32x4.trunc_sat_f32x4_s');
      splatBits(f, L), f.simd('i32x4.mul').simd('i32x4.sub');
    }
    if (bound !== null) {
      f.op('local.get', idx);
      splatBits(f, bound);
      f.simd('i32x4.lt_u').simd('v128.and');
    }
    if (tail) f.simd('v128.const', ...new Uint8Array(new Int32Array([-1, 0, 0, 0]).buffer)).simd('v128.and');
    f.op('local.get', flag).simd('v128.or').op('local.set', flag);
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
    if (isMathPrim(prim) && dtype === 'float32') {
      // lane by lane through the imported Math function, in f64 (math_imports.ts)
      const fn = this.importMath(prim, args.length);
      this.f.op('local.get', locals[0]);
      for (let lane = 0; lane < 4; lane++) {
        for (const l of locals) this.f.op('local.get', l).simd('f32x4.extract_lane', lane).op('f64.promote_f32');
        this.f.op('call', fn).op('f32.demote_f64').simd('f32x4.replace_lane', lane);
      }
      return;
    }
    const stand: Expr[] = args.map((a) => {
      const lit = this.constValue(a);
      return lit !== undefined ? { kind: 'const', value: lit, dtype: a.dtype, baked: true } : { kind: 'const', value: 0, dtype: a.dtype };
    });
    // x * 1 is x, bit for bit (a NaN's payload aside), in float32 and in wrapping integers: a
    // product with a known 1 (a Kalman filter's F and H, a ring's index arithmetic) is its operand
    if (prim === 'mul' && (dtype === 'float32' || dtype === 'int32' || dtype === 'uint32')) {
      const one = stand.findIndex((c) => c.kind === 'const' && c.baked && c.value === 1);
      if (one >= 0) return void this.f.op('local.get', locals[1 - one]);
    }
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
