// WGSL text for one kernel: statements in nested scopes, expressions of the scheduler's
// kernel description (src/scheduler/kernel.ts) rendered as `let`s, memoized per Expr
// object in the current scope (a sub-expression used twice is computed once).
//
// Memory model: one arena `mem: array<u32>` per realize (every dtype is 32 bits; bool is
// 0/1) and `meta: array<u32>` with this kernel's words: offs[s] is the arena offset of
// the buffer in input slot s, then the output buffers follow. Offsets are never spelled
// in the code, so the code (the pipeline cache key) depends only on structure, shapes
// and dtypes.

import type { DType } from '../graph/dtype.js';
import { stridesOf, type Shape } from '../graph/shape.js';
import type { Expr, IndexMap } from '../scheduler/kernel.js';
import { binaryWgsl, castExpr, helperSource, prelude, unaryWgsl, wgslType, type Emit, type HelperName } from './wgsl_ops.js';

/** How a read of input slot `slot` at i32 address `addr` is spelled (scan bodies bind some to variables). */
export type ReadFn = (slot: number, addr: string, dtype: DType, map: IndexMap) => string;

export function fromWord(w: string, d: DType): string {
  return d === 'uint32' ? w : d === 'bool' ? `(${w} != 0u)` : `bitcast<${wgslType[d]}>(${w})`;
}

export function toWord(v: string, d: DType): string {
  return d === 'uint32' ? v : d === 'bool' ? `select(0u, 1u, ${v})` : `bitcast<u32>(${v})`;
}

/**
 * A loop bound of `n` the shader compiler cannot see through (`arrayLength(&mem)` is a run-time
 * value, and the arena of a parallel scan always holds more than n words): llvmpipe fully
 * unrolls constant-trip loops, and an unrolled scan body is slow to compile.
 */
export const opaqueBound = (n: number) => `min(${n}u, arrayLength(&mem))`;

/**
 * Exactly `n`, as a loop bound the compiler cannot see through (for loops whose arena may
 * hold fewer than n words, e.g. a scan's time loop): arrayLength(&mem) <= 2^30 words, so
 * the sum never wraps.
 */
export const opaqueCount = (n: number) => `min(${n}u, arrayLength(&mem) + ${n}u)`;

/**
 * A u32 zero the shader compiler cannot see through: offs[0] is a loaded word offset, and
 * an arena holds fewer than 2^31 words. (arrayLength(&mem) >> 31u does not do: lavapipe
 * bounds the length.) WGSL lets compilers assume no NaN or inf, so a known 0.0 folds
 * 0.0 / x to 0 even where x is 0 at run time (the oracle's NaN).
 */
export const opaqueZero = '(offs[0] >> 31u)';

export class WgslWriter implements Emit {
  private readonly used = new Set<HelperName>();
  private readonly lines: string[] = [];
  private readonly scopes: Map<Expr, string>[] = [new Map()];
  private tmp = 0;

  use(h: HelperName): string {
    this.used.add(h);
    return h;
  }

  fresh(prefix = 'v'): string {
    return `${prefix}${this.tmp++}`;
  }

  line(s: string): void {
    this.lines.push('  '.repeat(this.scopes.length) + s);
  }

  open(header: string): void {
    this.line(`${header} {`);
    this.scopes.push(new Map());
  }

  close(): void {
    this.scopes.pop();
    this.line('}');
  }

  /**
   * `let` names for the coordinates of flat index `idx` (u32) in `shape`, as i32. A shape
   * with a 0 dimension has no index, so no such code runs; its divisors are spelled as 1,
   * since WGSL rejects a constant division by zero at shader creation.
   */
  coords(idx: string, shape: Shape): string[] {
    const st = stridesOf(shape).map((s) => Math.max(s, 1));
    return shape.map((d, k) => {
      const name = this.fresh('c');
      const div = st[k] === 1 ? idx : `(${idx} / ${st[k]}u)`;
      this.line(`let ${name}: i32 = i32(${k === 0 ? div : `${div} % ${Math.max(d, 1)}u`});`);
      return name;
    });
  }

  /** The i32 address `offset + Σ c·strides` of an index map at coordinates `c`. */
  address(map: IndexMap, c: readonly string[]): string {
    const terms = map.strides.map((s, k) => (s === 0 ? '' : s === 1 ? c[k] : `${c[k]} * ${s}`)).filter((t) => t);
    if (map.offset !== 0 || !terms.length) terms.unshift(String(map.offset));
    return terms.join(' + ');
  }

  /** Memory read of element `addr` of input slot `slot`. */
  static memRead: ReadFn = (slot, addr, dtype) => fromWord(`mem[offs[${slot}] + u32(${addr})]`, dtype);

  /** A `let` holding `e` at coordinates `c`; `acc` names the reduction result in an epilogue. */
  expr(e: Expr, c: readonly string[], read: ReadFn = WgslWriter.memRead, acc = 'acc'): string {
    const scope = this.scopes[this.scopes.length - 1];
    const hit = scope.get(e);
    if (hit) return hit;
    const go = (x: Expr) => this.expr(x, c, read, acc);
    let v: string;
    switch (e.op) {
      case 'read':
        v = read(e.input, this.address(e.map, c), e.dtype, e.map);
        break;
      case 'iota':
        v = castExpr(`u32(${this.address(e.map, c)})`, 'uint32', e.dtype, this);
        break;
      case 'gather': {
        const j = castExpr(go(e.index), e.index.dtype, 'int32', this);
        v = read(e.input, `clamp(${j}, 0, ${Math.max(e.size - 1, 0)})`, e.dtype, { offset: 0, strides: [] });
        break;
      }
      case 'acc':
        return acc;
      case 'unary':
        v = unaryWgsl[e.prim](go(e.a), e.inDtype, this);
        break;
      case 'binary':
        v = binaryWgsl[e.prim](go(e.a), go(e.b), e.inDtype, this);
        break;
      case 'select':
        v = `select(${go(e.b)}, ${go(e.a)}, ${go(e.cond)})`;
        break;
      case 'cast':
        v = castExpr(go(e.a), e.from, e.dtype, this);
        // lax.optimization_barrier: times a 1 the compiler cannot see, so that it does not
        // rewrite what follows through this value ((a + b) - a to b drops a double-float's error)
        if (e.barrier && e.dtype === 'float32') v = `(${v} * bitcast<f32>(0x3f800000u | ${opaqueZero}))`;
        break;
      case 'bitcast':
        v = `bitcast<${wgslType[e.dtype]}>(${go(e.a)})`;
        break;
    }
    const name = this.fresh();
    this.line(`let ${name}: ${wgslType[e.dtype]} = ${v};`);
    scope.set(e, name);
    return name;
  }

  /** Store `v` (of `dtype`) at element `idx` (u32) of the buffer whose offset is offs[metaIndex]. */
  store(metaIndex: number, idx: string, v: string, dtype: DType): void {
    this.line(`mem[offs[${metaIndex}] + ${idx}] = ${toWord(v, dtype)};`);
  }

  /** The shader: helpers, bindings, then `main` with this body. */
  source(workgroupSize: number, header = ''): string {
    return [
      prelude,
      helperSource(this.used),
      '@group(0) @binding(0) var<storage, read_write> mem: array<u32>;',
      '@group(0) @binding(1) var<storage, read> offs: array<u32>;',
      header,
      `@compute @workgroup_size(${workgroupSize})`,
      'fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
      ...this.lines,
      '}',
      '',
    ]
      .filter((s, i, all) => s !== '' || i === all.length - 1)
      .join('\n');
  }
}
