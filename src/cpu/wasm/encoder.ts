// A small WebAssembly binary encoder: just enough of the format (MVP + fixed-width SIMD) to
// emit the CPU backend's kernels without a dependency. Opcodes live in named tables
// (`op` for the one-byte instructions, `simd` for the 0xFD-prefixed ones) so the generated
// code reads like the text format: `f.op('local.get', x)`, `f.simd('f32x4.add')`.
//
// A module made here imports one memory as `env.memory` (the shared kernel heap, see
// memory.ts) and exports its functions by name.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
const valType: { [T in ValType]: number } = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** What an instruction's immediates are, so `emit` can encode them. */
type Imm = 'none' | 'local' | 'label' | 'block' | 'i32' | 'f32' | 'mem' | 'lane' | 'mem_lane' | 'v128' | 'shuffle';

/** One-byte opcodes (and the 0xFC saturating truncations), with their immediates. */
export const op = {
  unreachable: [[0x00], 'none'],
  block: [[0x02], 'block'],
  loop: [[0x03], 'block'],
  if: [[0x04], 'block'],
  else: [[0x05], 'none'],
  end: [[0x0b], 'none'],
  br: [[0x0c], 'label'],
  br_if: [[0x0d], 'label'],
  return: [[0x0f], 'none'],
  // (a function index: encoded like a local index)
  call: [[0x10], 'local'],
  drop: [[0x1a], 'none'],
  select: [[0x1b], 'none'],
  'local.get': [[0x20], 'local'],
  'local.set': [[0x21], 'local'],
  'local.tee': [[0x22], 'local'],
  'i32.load': [[0x28], 'mem'],
  'f32.load': [[0x2a], 'mem'],
  'i32.load8_u': [[0x2d], 'mem'],
  'i32.store': [[0x36], 'mem'],
  'f32.store': [[0x38], 'mem'],
  'i32.const': [[0x41], 'i32'],
  'f32.const': [[0x43], 'f32'],
  'i32.eqz': [[0x45], 'none'],
  'i32.eq': [[0x46], 'none'],
  'i32.ne': [[0x47], 'none'],
  'i32.lt_s': [[0x48], 'none'],
  'i32.lt_u': [[0x49], 'none'],
  'i32.gt_s': [[0x4a], 'none'],
  'i32.gt_u': [[0x4b], 'none'],
  'i32.le_s': [[0x4c], 'none'],
  'i32.le_u': [[0x4d], 'none'],
  'i32.ge_s': [[0x4e], 'none'],
  'i32.ge_u': [[0x4f], 'none'],
  'f32.eq': [[0x5b], 'none'],
  'f32.ne': [[0x5c], 'none'],
  'f32.lt': [[0x5d], 'none'],
  'f32.gt': [[0x5e], 'none'],
  'f32.le': [[0x5f], 'none'],
  'f32.ge': [[0x60], 'none'],
  'i32.add': [[0x6a], 'none'],
  'i32.sub': [[0x6b], 'none'],
  'i32.mul': [[0x6c], 'none'],
  'i32.div_s': [[0x6d], 'none'],
  'i32.div_u': [[0x6e], 'none'],
  'i32.rem_s': [[0x6f], 'none'],
  'i32.rem_u': [[0x70], 'none'],
  'i32.and': [[0x71], 'none'],
  'i32.or': [[0x72], 'none'],
  'i32.xor': [[0x73], 'none'],
  'i32.shl': [[0x74], 'none'],
  'i32.shr_s': [[0x75], 'none'],
  'i32.shr_u': [[0x76], 'none'],
  'f32.abs': [[0x8b], 'none'],
  'f32.neg': [[0x8c], 'none'],
  'f32.ceil': [[0x8d], 'none'],
  'f32.floor': [[0x8e], 'none'],
  'f32.trunc': [[0x8f], 'none'],
  'f32.nearest': [[0x90], 'none'],
  'f32.sqrt': [[0x91], 'none'],
  'f32.add': [[0x92], 'none'],
  'f32.sub': [[0x93], 'none'],
  'f32.mul': [[0x94], 'none'],
  'f32.div': [[0x95], 'none'],
  'f32.min': [[0x96], 'none'],
  'f32.max': [[0x97], 'none'],
  'i32.trunc_f32_s': [[0xa8], 'none'],
  'f32.demote_f64': [[0xb6], 'none'],
  'f64.promote_f32': [[0xbb], 'none'],
  'f32.convert_i32_s': [[0xb2], 'none'],
  'f32.convert_i32_u': [[0xb3], 'none'],
  'i32.reinterpret_f32': [[0xbc], 'none'],
  'f32.reinterpret_i32': [[0xbe], 'none'],
  'i32.trunc_sat_f32_s': [[0xfc, 0x00], 'none'],
  'i32.trunc_sat_f32_u': [[0xfc, 0x01], 'none'],
  // bulk memory: (dst, src, bytes) within memory 0 (the two memory indices are the 0 bytes)
  'memory.copy': [[0xfc, 0x0a, 0x00, 0x00], 'none'],
} as const satisfies Record<string, readonly [readonly number[], Imm]>;
export type Op = keyof typeof op;

/** SIMD (0xFD-prefixed) sub-opcodes, with their immediates. */
export const simd = {
  'v128.load': [0x00, 'mem'],
  'v128.load32_splat': [0x09, 'mem'],
  'v128.store': [0x0b, 'mem'],
  'v128.const': [0x0c, 'v128'],
  'i8x16.shuffle': [0x0d, 'shuffle'],
  'i32x4.splat': [0x11, 'none'],
  'f32x4.splat': [0x13, 'none'],
  'i32x4.extract_lane': [0x1b, 'lane'],
  'i32x4.replace_lane': [0x1c, 'lane'],
  'f32x4.extract_lane': [0x1f, 'lane'],
  'f32x4.replace_lane': [0x20, 'lane'],
  'i32x4.eq': [0x37, 'none'],
  'i32x4.ne': [0x38, 'none'],
  'i32x4.lt_s': [0x39, 'none'],
  'i32x4.lt_u': [0x3a, 'none'],
  'i32x4.gt_s': [0x3b, 'none'],
  'i32x4.gt_u': [0x3c, 'none'],
  'i32x4.le_s': [0x3d, 'none'],
  'i32x4.le_u': [0x3e, 'none'],
  'i32x4.ge_s': [0x3f, 'none'],
  'i32x4.ge_u': [0x40, 'none'],
  'f32x4.eq': [0x41, 'none'],
  'f32x4.ne': [0x42, 'none'],
  'f32x4.lt': [0x43, 'none'],
  'f32x4.gt': [0x44, 'none'],
  'f32x4.le': [0x45, 'none'],
  'f32x4.ge': [0x46, 'none'],
  'v128.not': [0x4d, 'none'],
  'v128.and': [0x4e, 'none'],
  'v128.andnot': [0x4f, 'none'],
  'v128.or': [0x50, 'none'],
  'v128.xor': [0x51, 'none'],
  'v128.bitselect': [0x52, 'none'],
  'v128.any_true': [0x53, 'none'],
  'v128.load32_lane': [0x56, 'mem_lane'],
  'v128.store32_lane': [0x5a, 'mem_lane'],
  'v128.load32_zero': [0x5c, 'mem'],
  'f32x4.demote_f64x2_zero': [0x5e, 'none'],
  'f64x2.promote_low_f32x4': [0x5f, 'none'],
  'f32x4.ceil': [0x67, 'none'],
  'f32x4.floor': [0x68, 'none'],
  'f32x4.trunc': [0x69, 'none'],
  'f32x4.nearest': [0x6a, 'none'],
  'i16x8.extend_low_i8x16_u': [0x89, 'none'],
  'i32x4.abs': [0xa0, 'none'],
  'i32x4.neg': [0xa1, 'none'],
  'i32x4.all_true': [0xa3, 'none'],
  'i32x4.bitmask': [0xa4, 'none'],
  'i32x4.extend_low_i16x8_u': [0xa9, 'none'],
  'i32x4.shl': [0xab, 'none'],
  'i32x4.shr_s': [0xac, 'none'],
  'i32x4.shr_u': [0xad, 'none'],
  'i32x4.add': [0xae, 'none'],
  'i32x4.sub': [0xb1, 'none'],
  'i32x4.mul': [0xb5, 'none'],
  'i32x4.min_s': [0xb6, 'none'],
  'i32x4.min_u': [0xb7, 'none'],
  'i32x4.max_s': [0xb8, 'none'],
  'i32x4.max_u': [0xb9, 'none'],
  'f32x4.abs': [0xe0, 'none'],
  'f32x4.neg': [0xe1, 'none'],
  'f32x4.sqrt': [0xe3, 'none'],
  'f32x4.add': [0xe4, 'none'],
  'f32x4.sub': [0xe5, 'none'],
  'f32x4.mul': [0xe6, 'none'],
  'f32x4.div': [0xe7, 'none'],
  'f32x4.min': [0xe8, 'none'],
  'f32x4.max': [0xe9, 'none'],
  'f32x4.pmin': [0xea, 'none'],
  'f32x4.pmax': [0xeb, 'none'],
  'f64x2.add': [0xf0, 'none'],
  'i32x4.trunc_sat_f32x4_s': [0xf8, 'none'],
  'i32x4.trunc_sat_f32x4_u': [0xf9, 'none'],
  'f32x4.convert_i32x4_s': [0xfa, 'none'],
  'f32x4.convert_i32x4_u': [0xfb, 'none'],
} as const satisfies Record<string, readonly [number, Imm]>;
export type SimdOp = keyof typeof simd;

/** Appends bytes with the format's integer encodings. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]);
    return this;
  }

  /** Unsigned LEB128. */
  u32(x: number): this {
    x >>>= 0;
    do {
      let b = x & 0x7f;
      x >>>= 7;
      if (x !== 0) b |= 0x80;
      this.byte(b);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer. */
  s32(x: number): this {
    x |= 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      const done = (x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  f32(x: number): this {
    return this.bytes(new Uint8Array(new Float32Array([x]).buffer));
  }

  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).bytes(utf8);
  }

  /** A length-prefixed copy of `other` (sections, function bodies). */
  sized(other: Bytes): this {
    return this.u32(other.length).bytes(other.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Immediates of one instruction: a number for index/constant/lane; [align, offset] or [align, offset, lane] for memory; 16 bytes for v128.const/shuffle. */
type Args = readonly number[];

/** A function body under construction: typed locals and an instruction stream. */
export class FunctionBuilder {
  private readonly locals: ValType[] = [];
  readonly code = new Bytes();

  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  /** A new local of type `t`; returns its index (after the params). */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  op(name: Op, ...args: Args): this {
    const [bytes, imm] = op[name];
    this.code.bytes(bytes);
    return this.imm(imm, args, name);
  }

  simd(name: SimdOp, ...args: Args): this {
    const [code, imm] = simd[name];
    this.code.byte(0xfd).u32(code);
    return this.imm(imm, args, name);
  }

  private imm(kind: Imm, args: Args, name: string): this {
    const c = this.code;
    const need = (n: number) => {
      if (args.length !== n) throw new Error(`wasm encoder: ${name} takes ${n} immediates, got ${args.length}`);
    };
    switch (kind) {
      case 'none':
        need(0);
        return this;
      case 'block': // only the empty block type is used
        need(0);
        c.byte(0x40);
        return this;
      case 'local':
      case 'label':
      case 'lane':
        need(1);
        if (kind === 'lane') c.byte(args[0]);
        else c.u32(args[0]);
        return this;
      case 'i32':
        need(1);
        c.s32(args[0]);
        return this;
      case 'f32':
        need(1);
        c.f32(args[0]);
        return this;
      case 'mem': // [log2 align, offset]
        need(2);
        c.u32(args[0]).u32(args[1]);
        return this;
      case 'mem_lane': // [log2 align, offset, lane]
        need(3);
        c.u32(args[0]).u32(args[1]).byte(args[2]);
        return this;
      case 'v128':
      case 'shuffle':
        need(16);
        c.bytes(args);
        return this;
    }
  }

  /** Locals run-length encoded, then the code and the final `end`. */
  body(): Bytes {
    const b = new Bytes();
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = runs.at(-1);
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    b.u32(runs.length);
    for (const [count, t] of runs) b.u32(count).byte(valType[t]);
    return b.bytes(this.code.finish()).byte(0x0b);
  }
}

/** A module of exported functions over one imported memory (`env.memory`). */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = [];
  /** Functions imported from `env`, by name: their index (imports come first in the function index space). */
  private readonly imports = new Map<string, { index: number; params: readonly ValType[]; results: readonly ValType[] }>();

  /** `shared`: the memory imported is a shared one (threads: its limits must say so). */
  constructor(readonly shared = false) {}

  /** The index of function `env.<name>` (imported once), for `call`. */
  importFunction(name: string, params: readonly ValType[], results: readonly ValType[]): number {
    let imp = this.imports.get(name);
    if (imp === undefined) this.imports.set(name, (imp = { index: this.imports.size, params, results }));
    return imp.index;
  }

  /** The names of the functions imported from `env`. */
  get importedFunctions(): string[] {
    return [...this.imports.keys()];
  }

  function(name: string, params: readonly ValType[], results: readonly ValType[] = []): FunctionBuilder {
    const f = new FunctionBuilder(name, params, results);
    this.functions.push(f);
    return f;
  }

  finish(): Uint8Array {
    const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, content: Bytes) => out.byte(id).sized(content);
    const fs = this.functions;

    // one type per function, for simplicity: the imports' first, then the defined functions'
    const imps = [...this.imports];
    const signatures = [...imps.map(([, imp]) => imp), ...fs];
    const types = new Bytes().u32(signatures.length);
    for (const f of signatures) {
      types.byte(0x60).u32(f.params.length);
      for (const p of f.params) types.byte(valType[p]);
      types.u32(f.results.length);
      for (const r of f.results) types.byte(valType[r]);
    }
    section(1, types);

    // import "env" "memory": min 1 page, no max; a shared memory needs a max (the wasm32 limit)
    const limits = this.shared ? new Bytes().byte(0x03).u32(1).u32(65536) : new Bytes().byte(0x00).u32(1);
    const imports = new Bytes().u32(1 + imps.length).name('env').name('memory').byte(0x02).bytes(limits.finish());
    imps.forEach(([name], i) => imports.name('env').name(name).byte(0x00).u32(i));
    section(2, imports);

    const funcs = new Bytes().u32(fs.length);
    fs.forEach((_, i) => funcs.u32(imps.length + i));
    section(3, funcs);

    const exports = new Bytes().u32(fs.length);
    fs.forEach((f, i) => exports.name(f.name).byte(0x00).u32(imps.length + i));
    section(7, exports);

    const code = new Bytes().u32(fs.length);
    for (const f of fs) code.sized(f.body());
    section(10, code);
    return out.finish();
  }
}
