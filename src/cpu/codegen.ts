// JavaScript source for the kernels of src/scheduler/kernel.ts: loop nests over typed
// arrays with the fused expression inlined (one `const` per expression node, so shared
// sub-expressions are computed once; loop-invariant ones are hoisted before the loops).
// The spelling of every scalar op comes from lowering.ts.

import type { DType } from '../graph/dtype.js';
import { identityOf, scatterCombine, type CombinePrim } from '../graph/prims.js';
import { stridesOf, walksFlat, type Shape } from '../graph/shape.js';
import type { ArgReduceKernel, ConcatKernel, CumulativeKernel, ElementwiseKernel, Expr, IndexMap, PatchKernel, ReduceKernel } from '../scheduler/kernel.js';
import { binaryLowering, bitcastCode, castCode, unaryLowering, unsignedValue as unsigned, wrapTo } from './lowering.js';

/** How generated code reaches a kernel's input buffers: `read(slot, flatIndexCode)`. */
export interface Access {
  read(slot: number, index: string): string;
  /** The array variable of an input slot. */
  name(slot: number): string;
}

export const arrayAccess = (names: readonly string[]): Access => ({ read: (slot, index) => `${names[slot]}[${index}]`, name: (slot) => names[slot] });

let uid = 0;

/** Emits one expression DAG at coordinates `coords` (variable names, one per domain axis). */
export class Emitter {
  readonly prelude: string[] = [];
  readonly body: string[] = [];
  private readonly names = new Map<Expr, string>();
  private readonly prefix = `t${uid++}_`;
  private n = 0;

  constructor(
    private readonly access: Access,
    private readonly coords: readonly string[],
    /** Code for `acc` (reduction epilogues). */
    private readonly acc = 'acc',
    /**
     * Value numbering across expressions that are not the same objects (several kernels in
     * one loop): equal generated code is one variable. A read's key carries the version of
     * its buffer (bumped by the caller at each store), so a value is never reused across a
     * write of the buffer it came from.
     */
    private readonly numbering?: { readonly codes: Map<string, string>; version(input: number): number; readonly hoist: boolean },
  ) {}

  private index(m: IndexMap): string {
    const terms = m.strides.flatMap((s, k) => (s === 0 ? [] : [s === 1 ? this.coords[k] : `${this.coords[k]} * ${s}`]));
    if (m.offset !== 0 || terms.length === 0) terms.unshift(String(m.offset));
    return terms.join(' + ');
  }

  private readonly invariants = new Map<Expr, boolean>();

  /** Whether `e` is the same at every coordinate (memoized: expressions are DAGs). */
  private invariant(e: Expr): boolean {
    let r = this.invariants.get(e);
    if (r === undefined) this.invariants.set(e, (r = this.isInvariant(e)));
    return r;
  }

  private isInvariant(e: Expr): boolean {
    switch (e.op) {
      case 'read':
      case 'iota':
        return e.map.strides.every((s) => s === 0);
      case 'acc':
        return false;
      case 'gather':
        return this.invariant(e.index);
      case 'unary':
      case 'cast':
      case 'bitcast':
        return this.invariant(e.a);
      case 'binary':
        return this.invariant(e.a) && this.invariant(e.b);
      case 'select':
        return this.invariant(e.cond) && this.invariant(e.a) && this.invariant(e.b);
    }
  }

  /**
   * Value numbering: from now on, a read of `input` at the identity map `map` is `name`
   * (what was just stored there, at the current version of the buffer).
   */
  remember(input: number, map: IndexMap, name: string): void {
    const code = this.access.read(input, this.index(map));
    this.numbering!.codes.set(`${code}@${this.numbering!.version(input)}`, name);
  }

  /** A variable (or literal) holding `e` at the current coordinates. */
  emit(e: Expr): string {
    const known = this.names.get(e);
    if (known) return known;
    let code: string;
    switch (e.op) {
      case 'acc':
        return this.acc;
      case 'read':
        code = this.access.read(e.input, this.index(e.map));
        break;
      case 'iota':
        code = e.dtype === 'int32' ? this.index(e.map) : castCode('int32', e.dtype, `(${this.index(e.map)})`);
        break;
      case 'gather':
        code = this.access.read(e.input, `Math.min(Math.max(${unsigned(this.emit(e.index), e.index.dtype)}, 0), ${e.size - 1})`);
        break;
      case 'unary':
        code = unaryLowering[e.prim]([this.emit(e.a)], e.inDtype);
        break;
      case 'binary':
        code = binaryLowering[e.prim]([this.emit(e.a), this.emit(e.b)], e.inDtype);
        break;
      case 'select':
        code = `(${this.emit(e.cond)} ? ${this.emit(e.a)} : ${this.emit(e.b)})`;
        break;
      case 'cast':
        code = castCode(e.from, e.dtype, this.emit(e.a));
        break;
      case 'bitcast':
        code = bitcastCode(e.from, e.dtype, this.emit(e.a));
        break;
    }
    const key = this.numbering && (e.op === 'read' || e.op === 'gather' ? `${code}@${this.numbering.version(e.input)}` : code);
    const same = key === undefined ? undefined : this.numbering!.codes.get(key);
    if (same !== undefined) {
      this.names.set(e, same);
      return same;
    }
    const name = `${this.prefix}${this.n++}`;
    (this.invariant(e) && (this.numbering?.hoist ?? true) ? this.prelude : this.body).push(`const ${name} = ${code};`);
    this.names.set(e, name);
    if (key !== undefined) this.numbering!.codes.set(key, name);
    return name;
  }
}

/** Nested loops over `shape` with coordinate variables `coords`. */
export function loops(shape: Shape, coords: readonly string[], inner: string): string {
  let code = inner;
  for (let k = shape.length - 1; k >= 0; k--) code = `for (let ${coords[k]} = 0; ${coords[k]} < ${shape[k]}; ${coords[k]}++) {\n${code}\n}`;
  return code;
}

const coordNames = (n: number, tag: string) => Array.from({ length: n }, (_, k) => `${tag}${uid}_${k}`);

// ---- domain simplification: drop size-1 axes and merge axes every map walks contiguously ----

function leafMaps(e: Expr, out: IndexMap[], seen = new Set<Expr>()): IndexMap[] {
  if (seen.has(e)) return out;
  seen.add(e);
  switch (e.op) {
    case 'read':
    case 'iota':
      out.push(e.map);
      break;
    case 'gather':
      leafMaps(e.index, out, seen);
      break;
    case 'unary':
    case 'cast':
    case 'bitcast':
      leafMaps(e.a, out, seen);
      break;
    case 'binary':
      leafMaps(e.a, out, seen), leafMaps(e.b, out, seen);
      break;
    case 'select':
      leafMaps(e.cond, out, seen), leafMaps(e.a, out, seen), leafMaps(e.b, out, seen);
      break;
  }
  return out;
}

/** Groups of domain axes that can be walked as one (within [lo, hi)). */
function axisGroups(shape: Shape, maps: readonly IndexMap[], lo: number, hi: number): number[][] {
  const groups: number[][] = [];
  for (let k = lo; k < hi; k++) {
    if (shape[k] === 1) continue;
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (prev !== undefined && maps.every((m) => m.strides[prev] === m.strides[k] * shape[k])) last.push(k);
    else groups.push([k]);
  }
  return groups;
}

function remap(e: Expr, f: (m: IndexMap) => IndexMap, memo = new Map<Expr, Expr>()): Expr {
  const hit = memo.get(e);
  if (hit) return hit;
  let r: Expr;
  switch (e.op) {
    case 'read':
    case 'iota':
      r = { ...e, map: f(e.map) };
      break;
    case 'acc':
      r = e;
      break;
    case 'gather':
      r = { ...e, index: remap(e.index, f, memo) };
      break;
    case 'unary':
    case 'cast':
    case 'bitcast':
      r = { ...e, a: remap(e.a, f, memo) };
      break;
    case 'binary':
      r = { ...e, a: remap(e.a, f, memo), b: remap(e.b, f, memo) };
      break;
    case 'select':
      r = { ...e, cond: remap(e.cond, f, memo), a: remap(e.a, f, memo), b: remap(e.b, f, memo) };
      break;
  }
  memo.set(e, r);
  return r;
}

/**
 * Simplify the domain of `exprs`: axes [0, split) and [split, rank) are merged separately.
 * Returns the new shape, the new split and the rewritten expressions.
 */
function simplify(shape: Shape, split: number, exprs: readonly Expr[], extra: readonly IndexMap[] = []): { shape: number[]; split: number; exprs: Expr[] } {
  const maps = [...exprs.flatMap((e) => leafMaps(e, [])), ...extra];
  const groups = [...axisGroups(shape, maps, 0, split), ...axisGroups(shape, maps, split, shape.length)];
  const newSplit = groups.filter((g) => g[0] < split).length;
  const newShape = groups.map((g) => g.reduce((p, k) => p * shape[k], 1));
  const f = (m: IndexMap): IndexMap => ({ offset: m.offset, strides: groups.map((g) => m.strides[g[g.length - 1]]) });
  const memo = new Map<Expr, Expr>();
  return { shape: newShape, split: newSplit, exprs: exprs.map((e) => remap(e, f, memo)) };
}

// ---- kernels --------------------------------------------------------------------------------------

/** Code computing `k` into `out` (reads via `access`); `write(index, value)` stores. */
export function elementwiseCode(k: ElementwiseKernel, access: Access, write: (index: string, value: string) => string): string {
  const contig = { offset: 0, strides: stridesOf(k.shape) };
  const s = simplify(k.shape, k.shape.length, [k.expr], [contig]);
  const coords = coordNames(s.shape.length, 'i');
  const em = new Emitter(access, coords);
  const v = em.emit(s.exprs[0]);
  const o = `o${uid++}`;
  return `${em.prelude.join('\n')}\nlet ${o} = 0;\n${loops(s.shape, coords, `${em.body.join('\n')}\n${write(`${o}++`, v)}`)}`;
}

/**
 * Several elementwise kernels over one shape as ONE loop (scan bodies, where a step is
 * dozens of small kernels). `read.input` is a buffer id here, named by `access`; sub-
 * expressions the kernels share are computed once, and a kernel reading what an earlier one
 * stored (at the same coordinate) uses the stored value's variable. `store: false` skips the
 * store of a value nothing outside the group reads. The caller guarantees that a buffer
 * written in the group is only read at the identity index and never gathered.
 */
export function groupedElementwiseCode(shape: Shape, items: readonly { expr: Expr; out: number; store: boolean }[], access: Access, write: (out: number, index: string, value: string) => string): string {
  const contig = { offset: 0, strides: stridesOf(shape) };
  const s = simplify(shape, shape.length, [...items.map((it) => it.expr), { op: 'iota', dtype: 'int32', map: contig }]);
  const identity = (s.exprs[items.length] as { map: IndexMap }).map;
  const coords = coordNames(s.shape.length, 'g');
  const versions = new Map<number, number>();
  // Without a loop (one element), code runs in order: hoisting would move reads of what the
  // group stores before the stores.
  const em = new Emitter(access, coords, 'acc', { codes: new Map(), version: (b) => versions.get(b) ?? 0, hoist: s.shape.length > 0 });
  const o = `o${uid++}`;
  items.forEach((it, j) => {
    const v = em.emit(s.exprs[j]);
    if (it.store) em.body.push(write(it.out, o, v));
    versions.set(it.out, (versions.get(it.out) ?? 0) + 1);
    em.remember(it.out, identity, v);
  });
  return `${em.prelude.join('\n')}\nlet ${o} = 0;\n${loops(s.shape, coords, `${em.body.join('\n')}\n${o}++;`)}`;
}

/** The fold's starting value as JS source (bool folds hold 0/1). */
const reduceInit = (op: CombinePrim, d: DType): string => String(identityOf[op][d]);

export function reduceCode(k: ReduceKernel, access: Access, write: (index: string, value: string) => string): string {
  const full = [...k.shape, ...k.reduceShape];
  const s = simplify(full, k.shape.length, [k.expr]);
  const coords = coordNames(s.shape.length, 'r');
  const em = new Emitter(access, coords);
  const v = em.emit(s.exprs[0]);
  const acc = `acc${uid++}`;
  const o = `o${uid++}`;
  // A float32 sum accumulates in float64 and rounds once per output: more accurate than the
  // oracle's per-step float32 rounding and not latency-bound by it. Tolerance against the
  // oracle: |cpu - oracle| <= n * 2^-24 * sum(|x|) (the oracle's own error bound).
  const wide = k.op === 'add' && k.accDtype === 'float32';
  const step = wide ? `${acc} += ${v};` : `${acc} = ${binaryLowering[k.op]([acc, v], k.accDtype)};`;
  const round = wide ? `${acc} = f(${acc});` : '';
  let result = acc;
  const prelude = [...em.prelude];
  const epi: string[] = [];
  if (k.epilogue) {
    // The epilogue's domain is the kept axes. Merged into one axis, its coordinate is the
    // flat output counter; otherwise the counter is unraveled.
    const ep = simplify(k.shape, k.shape.length, [k.epilogue]);
    const flat = ep.shape.length <= 1;
    const eCoords = flat ? [o] : unravelCoords(k.shape, o, epi);
    const ee = new Emitter(access, eCoords, acc);
    result = ee.emit(flat ? ep.exprs[0] : k.epilogue);
    prelude.push(...ee.prelude);
    epi.push(...ee.body);
  }
  const innerShape = s.shape.slice(s.split);
  const innerBody = `${em.body.join('\n')}\n${step}`;
  // A short single reduced axis (vmap over small vectors) is unrolled. A long one in a wide
  // (float64) sum gets four accumulators, combined at the end: additions no longer wait on
  // each other, and float64 keeps the result within the stated tolerance of the oracle.
  const unroll = innerShape.length === 1 && innerShape[0] <= 8;
  const split4 = wide && innerShape.length === 1 && innerShape[0] >= 64;
  let inner: string;
  if (unroll) inner = Array.from({ length: innerShape[0] }, (_, r) => `{\nconst ${coords[s.split]} = ${r};\n${innerBody}\n}`).join('\n');
  else if (split4) {
    const c = coords[s.split];
    const n = innerShape[0];
    const lane = (j: number) => `{\nconst ${c} = ${c}4 + ${j};\n${em.body.join('\n')}\n${acc}_${j} += ${v};\n}`;
    inner = [
      `let ${acc}_0 = 0, ${acc}_1 = 0, ${acc}_2 = 0, ${acc}_3 = 0;`,
      `let ${c}4 = 0;`,
      `for (; ${c}4 + 4 <= ${n}; ${c}4 += 4) {\n${[0, 1, 2, 3].map(lane).join('\n')}\n}`,
      `for (let ${c} = ${c}4; ${c} < ${n}; ${c}++) {\n${innerBody}\n}`,
      `${acc} += (${acc}_0 + ${acc}_1) + (${acc}_2 + ${acc}_3);`,
    ].join('\n');
  } else inner = loops(innerShape, coords.slice(s.split), innerBody);
  const perOut = `let ${acc} = ${reduceInit(k.op, k.accDtype)};\n${inner}\n${round}\n${epi.join('\n')}\n${write(`${o}++`, result)}`;
  return `${prelude.join('\n')}\nlet ${o} = 0;\n${loops(s.shape.slice(0, s.split), coords.slice(0, s.split), perOut)}`;
}

/** Coordinates of the flat counter `flat` over `shape` (pushes their definitions to `into`). */
function unravelCoords(shape: Shape, flat: string, into: string[]): string[] {
  const st = stridesOf(shape);
  return shape.map((d, k) => {
    const name = `${flat}_c${k}`;
    into.push(`const ${name} = Math.floor(${flat} / ${st[k]}) % ${d};`);
    return name;
  });
}

export function argReduceCode(k: ArgReduceKernel, access: Access, write: (index: string, value: string) => string): string {
  const full = [...k.shape, k.axisSize];
  const coords = coordNames(full.length, 'a');
  const em = new Emitter(access, coords);
  const v = unsigned(em.emit(k.expr), k.expr.dtype);
  const better = k.op === 'argmax' ? '>' : '<';
  const id = uid++;
  const last = coords[coords.length - 1];
  const inner = `${em.body.join('\n')}\nif (!seen${id} || (best${id} === best${id} && (${v} !== ${v} || ${v} ${better} best${id}))) { seen${id} = true; best${id} = ${v}; bi${id} = ${last}; }`;
  const perOut = `let seen${id} = false, best${id} = 0, bi${id} = 0;\n${loops([k.axisSize], [last], inner)}\n${write(`o${id}++`, `bi${id}`)}`;
  return `${em.prelude.join('\n')}\nlet o${id} = 0;\n${loops(k.shape, coords.slice(0, -1), perOut)}`;
}

export function cumulativeCode(k: CumulativeKernel, access: Access, write: (index: string, value: string) => string, dtype: DType): string {
  const coords = coordNames(k.shape.length, 'c');
  const em = new Emitter(access, coords);
  const v = em.emit(k.expr);
  const id = uid++;
  const st = stridesOf(k.shape);
  const n = k.shape[k.axis];
  const ax = coords[k.axis];
  const outIdx = coords.map((c, i) => `${c} * ${st[i]}`).join(' + ') || '0';
  // A float32 cumsum accumulates in float64 and rounds each stored prefix once (as a reduction
  // does, on the store): not latency-bound by a rounding per step, and within
  // n * 2^-24 * sum(|x|) of the oracle's per-step float32 rounding.
  const wide = k.op === 'add' && dtype === 'float32';
  const combine = wide ? `acc${id} + ${v}` : binaryLowering[k.op]([`acc${id}`, v], dtype);
  const inner = `const ${ax} = ${k.reverse ? `${n - 1} - s${id}` : `s${id}`};\n${em.body.join('\n')}\nacc${id} = s${id} === 0 ? ${v} : ${combine};\n${write(outIdx, `acc${id}`)}`;
  const line = `let acc${id} = 0;\nfor (let s${id} = 0; s${id} < ${n}; s${id}++) {\n${inner}\n}`;
  const others = k.shape.map((_, i) => i).filter((i) => i !== k.axis);
  return `${em.prelude.join('\n')}\n${loops(others.map((i) => k.shape[i]), others.map((i) => coords[i]), line)}`;
}

/**
 * Concat: parts of one shape are written by ONE loop (threefry's two output lanes share all
 * their rounds, so they are computed once per coordinate); other parts loop on their own.
 */
export function concatCode(k: ConcatKernel, access: Access, write: (index: string, value: string) => string): string {
  const groups = new Map<string, ConcatKernel['parts'][number][]>();
  for (const p of k.parts) {
    const key = p.shape.join(',');
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()]
    .map((parts) => {
      const shape = parts[0].shape;
      // The output offsets ride along as iota leaves, so they are regrouped with the rest.
      const outIotas: Expr[] = parts.map((p) => ({ op: 'iota', dtype: 'int32', map: p.out }));
      const s = simplify(shape, shape.length, [...parts.map((p) => p.expr), ...outIotas]);
      const coords = coordNames(s.shape.length, 'p');
      const em = new Emitter(access, coords);
      const stores = parts.map((_, j) => {
        const v = em.emit(s.exprs[j]);
        const out = s.exprs[parts.length + j] as { map: IndexMap };
        const idx = out.map.strides.map((st, i) => `${coords[i]} * ${st}`).join(' + ');
        return write(`${out.map.offset}${idx ? ` + ${idx}` : ''}`, v);
      });
      return `${em.prelude.join('\n')}\n${loops(s.shape, coords, `${em.body.join('\n')}\n${stores.join('\n')}`)}`;
    })
    .join('\n');
}

/** Patch kernel; `out` is the output array's name (already holding the base when in place). */
export function patchCode(k: PatchKernel, access: Access, out: string, size: number): string {
  const parts: string[] = [];
  if (k.base) {
    const b = k.base;
    const contiguousCopy = b.op === 'read' && b.map.offset === 0 && walksFlat(b.map.strides, k.shape);
    if (contiguousCopy) parts.push(`${out}.set(${access.name(b.input)}.subarray(0, ${size}));`);
    else parts.push(elementwiseCode({ kind: 'elementwise', shape: k.shape, expr: b }, access, (i, v) => `${out}[${i}] = ${v};`));
  }
  for (const p of k.patches) {
    const s = simplify(p.shape, p.shape.length, [p.index, p.updates]);
    const coords = coordNames(s.shape.length, 'q');
    const em = new Emitter(access, coords);
    const j = unsigned(em.emit(s.exprs[0]), s.exprs[0].dtype);
    const u = em.emit(s.exprs[1]);
    const update = p.mode === 'set' ? u : binaryLowering[scatterCombine[p.mode]]([`${out}[${j}]`, u], k.dtype);
    const body = `${em.body.join('\n')}\nif (${j} >= 0 && ${j} < ${size}) ${out}[${j}] = ${update};`;
    parts.push(`${em.prelude.join('\n')}\n${loops(s.shape, coords, body)}`);
  }
  return parts.join('\n');
}

export { wrapTo };
