// Carried arrays larger than one value per lane in a lane-wise WGSL scan (render_scan.ts):
// a ring buffer `[W, ...lanes]` of a rolling window, or `[keys, W]` of a vmapped one. Such a
// carry stays in device memory for the whole scan, and each thread reads and updates only
// the elements of its own lane, so no thread ever waits for another.
//
// Layout. The carry's shape splits into `[A..., R..., B...]` with |A|·|B| = L lanes and
// |R| = m rows per lane: lane ℓ = a·|B| + b owns the m elements a·m·|B| + r·|B| + b. The
// split is chosen from how the body indexes the carry: every access (a read, a gather, an
// `.at` index) at lane coordinates c must have the lane part its split predicts (the
// coefficients of the coordinates, `laneCoefficients`; a reduction's reduced axes must move
// along rows); whatever else the index adds (the row: a ring position, a per-key position)
// is data. `memoryCarries` makes that choice for a scan's body.
//
// Safety does not rest on that guess: the kernel checks every access at run time (`ownerOf`
// the index == the thread's lane) and raises a flag when one falls in another lane's
// elements; the backend then recomputes the schedule on the CPU (backend.ts). Without the
// flag each lane has touched only its own elements, in the body's order, which is exactly
// what the sequential oracle does to them.

import type { Node } from '../graph/node.js';
import { stridesOf, sizeOf, walksFlat, type Shape } from '../graph/shape.js';
import { exprChildren, type Expr, type Kernel } from '../scheduler/kernel.js';
import type { ElementwiseOf, StepKernel } from '../scheduler/scan_plan.js';
import { NotLowered } from './dispatch.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** How lanes own a carry's elements: lane ℓ = a·b + bb owns a·m·b + r·b + bb for rows r < m. */
export interface ColumnLayout {
  /** Rows per lane. */
  readonly m: number;
  /** Elements of the trailing lane axes (|B|). */
  readonly b: number;
}

/**
 * A carry kept in device memory, each lane owning its elements: in its final-carry output
 * buffer when the layout already puts row r of lane l at r·L + l (`[W, ...lanes]`: the
 * lanes of a step read consecutive words), else (`[keys, W]`, whose lanes are W words
 * apart) lane-major in scratch, row r of lane l at word `region + r·L + l`, copied in at
 * the start and out at the end.
 */
export interface MemoryCarry {
  /** The carry's index. */
  readonly j: number;
  readonly size: number;
  readonly layout: ColumnLayout;
  /** Word of its lane-major copy in the scan's scratch, or null when it stays in the output buffer. */
  readonly region: number | null;
}

/** Each read (`read` map or gather index) of a body buffer in `e`, with its lane coefficients (null: not linear). */
function accesses(e: Expr, rank: number, slots: SlotInfo, bufOf: (slot: number) => number, out: { buf: number; coeffs: number[] | null }[], seen = new Set<Expr>()): void {
  if (seen.has(e)) return;
  seen.add(e);
  if (e.op === 'read') out.push({ buf: bufOf(e.input), coeffs: [...e.map.strides] });
  if (e.op === 'gather') out.push({ buf: bufOf(e.input), coeffs: laneCoefficients(e.index, rank, slots) });
  for (const c of exprChildren(e)) accesses(c, rank, slots, bufOf, out, seen);
}

/**
 * The scan's memory carries (those patched in place, `inPlace`: patch kernel -> carry) by
 * the body buffers of their param and of their patched value (one storage), each with the
 * layout that every access of the body (`order`, over L lanes) fits; NotLowered when none does. Index expressions are followed
 * through the registers they read, to the kernel that last wrote each.
 */
export function memoryCarries(k: ScanKernel, order: readonly StepKernel[], inPlace: ReadonlyMap<Kernel, number>, L: number): Map<number, MemoryCarry> {
  const { body } = k;
  const writer = new Map<number, ElementwiseOf>();
  const kernelSlots = new Map<ElementwiseOf, SlotInfo>();
  const slotsOf = (inputs: readonly number[], shape: Shape): SlotInfo => {
    const writers = new Map(writer);
    return {
      constOf: (slot) => {
        const b = body.inputs.find((x) => x.buffer === inputs[slot]);
        if (!b || b.param !== null || b.node.size !== 1 || b.node.dtype !== 'int32') return undefined;
        return Number((b.node.buf ?? (b.node as Node<'const'>).params.data)[0]);
      },
      producer: (read) => {
        const kb = writers.get(inputs[read.input]);
        const same = kb !== undefined && kb.shape.length === shape.length && kb.shape.every((d, i) => d === shape[i]);
        return same && read.map.offset === 0 && walksFlat(read.map.strides, shape) ? { expr: kb.expr, slots: kernelSlots.get(kb)! } : undefined;
      },
    };
  };
  // An access: coefficients over the lane domain, then over a reduction's reduced axes.
  const found: { buf: number; coeffs: number[] | null; domain: Shape }[] = [];
  const collect = (e: Expr, slots: SlotInfo, inputs: readonly number[], domain: Shape, reduced: Shape = []) => {
    const list: { buf: number; coeffs: number[] | null }[] = [];
    accesses(e, domain.length + reduced.length, slots, (slot) => inputs[slot], list);
    for (const a of list) found.push({ ...a, domain });
  };
  for (const kb of order) {
    if (kb.kind === 'reduce') {
      collect(kb.expr, slotsOf(kb.inputs, [...kb.shape, ...kb.reduceShape]), kb.inputs, kb.shape, kb.reduceShape);
      if (kb.epilogue) collect(kb.epilogue, slotsOf(kb.inputs, kb.shape), kb.inputs, kb.shape);
      continue;
    }
    if (kb.kind === 'elementwise') {
      const slots = slotsOf(kb.inputs, kb.shape);
      kernelSlots.set(kb, slots);
      collect(kb.expr, slots, kb.inputs, kb.shape);
      writer.set(kb.outputs[0], kb);
      continue;
    }
    const base = kb.inputs[(kb.base as Extract<Expr, { op: 'read' }>).input];
    for (const p of kb.patches) {
      const slots = slotsOf(kb.inputs, p.shape);
      collect(p.index, slots, kb.inputs, p.shape), collect(p.updates, slots, kb.inputs, p.shape);
      found.push({ buf: base, coeffs: laneCoefficients(p.index, p.shape.length, slots), domain: p.shape });
    }
  }
  const memory = new Map<number, MemoryCarry>();
  // Scratch word 0 is the lane-escape flag; lane-major copies follow.
  let scratchTop = 1;
  const paramOf = new Map(body.inputs.filter((b) => b.param !== null).map((b) => [b.param! - k.numConsts, b]));
  for (const j of new Set(inPlace.values())) {
    const binding = paramOf.get(j)!;
    const size = body.buffers[binding.buffer].size;
    // The carry's storage holds its old value, then (after the patch) its new one: reads of both count.
    const out = body.outputs[j];
    const own = found.filter((a) => a.buf === binding.buffer || a.buf === out);
    const layout =
      L === 1
        ? { m: size, b: 1 }
        : candidateLayouts(binding.node.shape, L).find((lay) => own.every((a) => a.coeffs !== null && sizeOf(a.domain) === L && fitsLayout(a.coeffs, a.domain, lay)));
    if (!layout) throw new NotLowered(`a scan carry of shape [${binding.node.shape.join(', ')}] is read across lanes`);
    const direct = layout.b === L;
    const carry = { j, size, layout, region: direct ? null : scratchTop };
    if (!direct) scratchTop += size;
    memory.set(binding.buffer, carry), memory.set(out, carry);
  }

  return memory;
}

/** Every split `[A, R, B]` of `shape` with |A|·|B| = lanes (R contiguous), trailing B longest first. */
function candidateLayouts(shape: Shape, lanes: number): ColumnLayout[] {
  const size = sizeOf(shape);
  if (lanes < 1 || size % lanes !== 0) return [];
  const m = size / lanes;
  const out: ColumnLayout[] = [];
  for (let i = 0; i <= shape.length; i++) {
    for (let j = i; j <= shape.length; j++) {
      if (sizeOf(shape.slice(i, j)) !== m) continue;
      const b = sizeOf(shape.slice(j));
      if (!out.some((l) => l.b === b)) out.push({ m, b });
    }
  }
  return out.sort((p, q) => q.b - p.b);
}

/** What the analysis knows of a kernel's input slots. */
interface SlotInfo {
  /** The value of a one-element constant input, if known. */
  constOf(slot: number): number | undefined;
  /** The expression (and its slots) computing a lane-wise register read element-for-element, if any. */
  producer(read: Extract<Expr, { op: 'read' }>): { expr: Expr; slots: SlotInfo } | undefined;
}

/**
 * The coefficients of the domain coordinates in an integer index expression (its lane part),
 * when the expression is that linear combination plus a term without coordinates (data,
 * scalars, positions); null when the coordinates enter otherwise. Reads of registers are
 * followed into the expressions that computed them (an index computed by another kernel).
 */
function laneCoefficients(e: Expr, rank: number, slots: SlotInfo): number[] | null {
  const memo = new Map<Expr, { c: number[]; exact?: number } | null>();
  const zero = () => new Array<number>(rank).fill(0);
  const isZero = (c: number[]) => c.every((v) => v === 0);
  const go = (x: Expr, info: SlotInfo = slots): { c: number[]; exact?: number } | null => {
    const hit = memo.get(x);
    if (hit !== undefined) return hit;
    let r: { c: number[]; exact?: number } | null;
    const kids = (...xs: Expr[]) => {
      const rs = xs.map((y) => go(y, info));
      return rs.every((v) => v !== null && isZero(v.c)) ? { c: zero() } : null;
    };
    switch (x.op) {
      case 'read': {
        const v = x.map.strides.every((s) => s === 0) ? info.constOf(x.input) : undefined;
        const from = v === undefined ? info.producer(x) : undefined;
        r = from ? go(from.expr, from.slots) : v === undefined ? { c: zero() } : { c: zero(), exact: v };
        break;
      }
      case 'iota':
        r = x.map.strides.every((s) => s === 0) ? { c: zero(), exact: x.map.offset } : { c: [...x.map.strides] };
        break;
      case 'gather':
        // Its value is data; the coordinates only choose which.
        r = go(x.index, info) === null ? null : { c: zero() };
        break;
      case 'binary': {
        const a = go(x.a, info);
        const b = go(x.b, info);
        if (a === null || b === null) r = null;
        else if (x.dtype !== 'int32') r = kids(x.a, x.b);
        else if (x.prim === 'add' || x.prim === 'sub') {
          const sg = x.prim === 'add' ? 1 : -1;
          const exact = a.exact !== undefined && b.exact !== undefined ? a.exact + sg * b.exact : undefined;
          r = { c: a.c.map((v, i) => v + sg * b.c[i]), exact };
        } else if (x.prim === 'mul' && (a.exact !== undefined || b.exact !== undefined)) {
          const [k, other] = a.exact !== undefined ? [a.exact, b] : [b.exact!, a];
          r = { c: other.c.map((v) => v * k), exact: other.exact !== undefined ? k * other.exact : undefined };
        } else r = kids(x.a, x.b);
        break;
      }
      case 'unary': {
        const a = go(x.a, info);
        r = a !== null && x.prim === 'neg' && x.dtype === 'int32' ? { c: a.c.map((v) => -v), exact: a.exact === undefined ? undefined : -a.exact } : kids(x.a);
        break;
      }
      case 'cast':
      case 'bitcast': {
        const a = go(x.a, info);
        r = a !== null && x.dtype === 'int32' && x.from === 'int32' ? a : kids(x.a);
        break;
      }
      case 'select': {
        // A guard that swaps an index for a constant (`.at`'s bounds check, a padding mask:
        // the update is dropped) keeps the index's lane part; the check at run time covers
        // the other branch.
        const a = go(x.a, info);
        const b = go(x.b, info);
        if (a === null || b === null) r = null;
        else if (a.c.every((v, i) => v === b.c[i])) r = { c: a.c };
        else if (isZero(b.c) && b.exact !== undefined) r = { c: a.c };
        else if (isZero(a.c) && a.exact !== undefined) r = { c: b.c };
        else r = null;
        break;
      }
      case 'acc':
        r = { c: zero() };
        break;
    }
    memo.set(x, r);
    return r;
  };
  return go(e)?.c ?? null;
}

/**
 * Does an access with these coordinate coefficients over `domain` (L lanes) have `layout`'s
 * lane part? Coefficients past the domain's axes (a reduction's reduced axes) must move
 * along the lane's rows (multiples of |B|).
 */
function fitsLayout(coeffs: readonly number[], domain: Shape, layout: ColumnLayout): boolean {
  if (coeffs.slice(domain.length).some((c) => c % layout.b !== 0)) return false;
  // The domain's trailing axes must hold exactly the |B| part of the lane index.
  for (let s = domain.length; s >= 0; s--) {
    if (sizeOf(domain.slice(s)) !== layout.b) continue;
    const inner = stridesOf(domain.slice(s));
    const outer = stridesOf(domain.slice(0, s)).map((v) => v * layout.m * layout.b);
    const want = [...outer, ...inner];
    if (domain.every((d, k) => d === 1 || coeffs[k] === want[k])) return true;
  }
  return false;
}

/** WGSL (u32) of the lane owning element `j` (an i32 in range) of a carry with `layout`. */
export function ownerOf(j: string, layout: ColumnLayout): string {
  const { m, b } = layout;
  if (b === 1) return `u32(${j}) / ${m}u`;
  return `(u32(${j}) / ${m * b}u) * ${b}u + u32(${j}) % ${b}u`;
}

/** WGSL (u32) of the row (in its lane) of element `j` (an i32 in range). */
export function rowOf(j: string, layout: ColumnLayout): string {
  const { m, b } = layout;
  return b === 1 ? `u32(${j}) % ${m}u` : `(u32(${j}) / ${b}u) % ${m}u`;
}

/** WGSL (u32) of the element of row `r` owned by lane `lane`. */
export function elementOf(lane: string, r: string, layout: ColumnLayout): string {
  const { m, b } = layout;
  if (b === 1) return `${lane} * ${m}u + ${r}`;
  return `(${lane} / ${b}u) * ${m * b}u + ${r} * ${b}u + ${lane} % ${b}u`;
}
