// wasm kernels against the oracle on the same nodes: random elementwise graphs over random
// lengths (0, 1, 3, 5, non-multiples of 4) and values (NaN, ±inf, ±0 included) must match
// bit for bit (NaN payloads aside); reductions of short rows are bit-exact, long float sums
// within the bound stated in src/cpu/wasm/compile.ts.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DType, TypedArray } from '../../src/graph/dtype.js';
import { node, type Node } from '../../src/graph/node.js';
import type { CombinePrim, ReducePrim } from '../../src/graph/prims.js';
import { evaluate } from '../../src/cpu/oracle.js';
import { compileElementwise, type Compiled } from '../../src/cpu/wasm/compile.js';
import { compileReduce } from '../../src/cpu/wasm/reduce.js';
import { sharedHeap, WasmHeap, type WasmBuffer, type WasmView } from '../../src/cpu/wasm/memory.js';
import { alloc, exprFromNode, read, run, upload } from './wasm_helpers.js';

const heap = sharedHeap();
const ctor = { float32: Float32Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array };

const arr = (data: TypedArray, shape: number[], dtype: DType) => node('const', [], { data, shape, dtype, weak: false });
const scalar = (v: number, shape: number[], dtype: DType) =>
  node('broadcast', [node('const', [], { data: new ctor[dtype]([v]), shape: [], dtype, weak: false })], { shape, dims: [] });

/** Run `root`'s elementwise part as one wasm kernel (inputs uploaded), or undefined if unsupported. */
function runWasm(c: Compiled, inputs: readonly Node[]): (out: WasmBuffer) => WasmView {
  if ('unsupported' in c) throw new Error(c.unsupported);
  return (out) => {
    const bufs = inputs.map((n) => upload(heap, evaluate([n])[0] as WasmView));
    run(c.kernel, bufs, out);
    bufs.forEach((b) => heap.release(b));
    const r = read(out);
    heap.release(out);
    return r;
  };
}

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isNaN(want[i]) ? Number.isNaN(got[i]) : Object.is(got[i], want[i]);
    if (!ok) expect.fail(`element ${i}: wasm ${got[i]}, oracle ${want[i]}`);
  }
}

// ---------------------------------------------------------------------------------------
// Random expression graphs, as a small tree language turned into nodes.

type Tree = { leaf: number } | { c: number } | { op: string; args: Tree[] };

const floatUn = ['neg', 'abs', 'sign', 'sqrt', 'floor', 'ceil', 'round'];
const floatBin = ['add', 'sub', 'mul', 'div', 'max', 'min'];
const intUn = ['neg', 'abs', 'sign', 'not'];
const intBin = ['add', 'sub', 'mul', 'div', 'rem', 'max', 'min', 'and', 'or', 'xor'];
const cmps = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

function trees(leaves: number, un: string[], bin: string[], value: fc.Arbitrary<number>, extra: string[] = []): fc.Arbitrary<Tree> {
  return fc.letrec<{ t: Tree }>((tie) => ({
    t: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: 0, max: leaves - 1 }).map((leaf) => ({ leaf })),
      value.map((c) => ({ c })),
      fc.tuple(fc.constantFrom(...un), tie('t')).map(([op, a]) => ({ op, args: [a] })),
      fc.tuple(fc.constantFrom(...bin), tie('t'), tie('t')).map(([op, a, b]) => ({ op, args: [a, b] })),
      // select(cmp(a, b), c, d): comparisons and bool masks inside the kernel
      fc.tuple(fc.constantFrom(...cmps), tie('t'), tie('t'), tie('t'), tie('t')).map(([cmp, a, b, c, d]) => ({ op: 'select', args: [{ op: cmp, args: [a, b] }, c, d] })),
      ...extra.map((op) => tie('t').map((a) => ({ op, args: [a] }))),
    ),
  })).t;
}

function build(t: Tree, leaves: readonly Node[], dtype: DType, shape: number[]): Node {
  if ('leaf' in t) return leaves[t.leaf];
  if ('c' in t) return scalar(t.c, shape, dtype);
  const args = t.args.map((a) => build(a, leaves, dtype, shape));
  if (t.op === 'isfinite_select') return node('select', [node('isfinite', [args[0]], {}), args[0], scalar(0, shape, dtype)], {});
  if (t.op === 'cast_roundtrip') {
    // int -> float -> (float ops) ; or float -> bool -> float
    return dtype === 'float32' ? node('cast', [node('cast', [args[0]], { dtype: 'bool' })], { dtype: 'float32' }) : node('cast', [node('cast', [args[0]], { dtype: 'float32' })], { dtype: 'float32' });
  }
  return node(t.op as never, args, {} as never);
}

const floatValue = fc.oneof(fc.float(), fc.integer({ min: -4, max: 4 }), fc.constantFrom(0.5, -0.5, 1.5, 2.5, -2.5, -0, NaN, Infinity, -Infinity));
const int32Value = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -5, max: 5 }));
const uint32Value = fc.oneof(fc.integer({ min: 0, max: 4294967295 }), fc.integer({ min: 0, max: 5 }));
const lengths = fc.oneof(fc.constantFrom(0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17), fc.integer({ min: 0, max: 70 }));

function elementwiseProperty(dtype: DType, value: fc.Arbitrary<number>, tree: fc.Arbitrary<Tree>) {
  return fc.property(lengths, tree, fc.array(fc.array(value, { minLength: 70, maxLength: 70 }), { minLength: 2, maxLength: 2 }), (n, t, data) => {
    const leaves = data.map((d) => arr(ctor[dtype].from(d.slice(0, n)), [n], dtype));
    const root = build(t, leaves, dtype, [n]);
    const want = evaluate([root])[0];
    const { expr, inputs } = exprFromNode(root);
    if (root.dtype === 'bool') return; // bool results stay in JS
    const got = runWasm(compileElementwise(expr), inputs)(alloc(heap, root.dtype as 'float32', n));
    sameBits(got, want);
  });
}

describe('wasm elementwise kernels == oracle', () => {
  it('float32 graphs, bit-exact', () => {
    fc.assert(elementwiseProperty('float32', floatValue, trees(2, floatUn, floatBin, floatValue, ['isfinite_select', 'cast_roundtrip'])), { numRuns: 300 });
  });

  it('int32 graphs, bit-exact (wrapping arithmetic; division and remainder by 0 and INT_MIN / -1 as XLA)', () => {
    fc.assert(elementwiseProperty('int32', int32Value, trees(2, intUn, intBin, int32Value)), { numRuns: 200 });
  });

  it('uint32 graphs, bit-exact (unsigned comparisons and max/min)', () => {
    fc.assert(elementwiseProperty('uint32', uint32Value, trees(2, intUn, intBin, uint32Value)), { numRuns: 200 });
  });

  it('int -> float casts and shifts by constants', () => {
    fc.assert(
      fc.property(lengths, fc.array(int32Value, { minLength: 70, maxLength: 70 }), fc.integer({ min: -3, max: 40 }), (n, d, s) => {
        for (const dtype of ['int32', 'uint32'] as const) {
          const x = arr(ctor[dtype].from(d.slice(0, n)), [n], dtype);
          for (const root of [
            node('cast', [x], { dtype: 'float32' }),
            node('shl', [x, scalar(s, [n], dtype)], {}),
            node('shr', [x, scalar(s, [n], dtype)], {}),
            node('add', [node('shr', [x, scalar(s, [n], dtype)], {}), node('shl', [x, scalar(s, [n], dtype)], {})], {}),
          ]) {
            const { expr, inputs } = exprFromNode(root);
            sameBits(runWasm(compileElementwise(expr), inputs)(alloc(heap, root.dtype as 'float32', n)), evaluate([root])[0]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('integer division and remainder at their edges: by 0, INT_MIN / -1, signs, unsigned halves', () => {
    // XLA on CPU (the oracle): x / 0 = -1 (all bits), x % 0 = x, INT_MIN / -1 wraps to INT_MIN
    const a = [-2147483648, -2147483648, 7, -7, 7, -7, 0, 5, 2147483647, -1, 3];
    const b = [-1, 0, -2, 2, 0, -3, 0, 0, -1, 2147483647, 1];
    for (const dtype of ['int32', 'uint32'] as const) {
      const n = a.length;
      const x = arr(ctor[dtype].from(a.map((v) => (dtype === 'uint32' ? v >>> 0 : v))), [n], dtype);
      const y = arr(ctor[dtype].from(b.map((v) => (dtype === 'uint32' ? v >>> 0 : v))), [n], dtype);
      for (const prim of ['div', 'rem'] as const) {
        const root = node(prim, [x, y], {});
        const { expr, inputs } = exprFromNode(root);
        sameBits(runWasm(compileElementwise(expr), inputs)(alloc(heap, dtype, n)), evaluate([root])[0]);
      }
    }
  });

  it('may write in place over one of its inputs', () => {
    const x = upload(heap, Float32Array.from({ length: 23 }, (_, i) => i - 11));
    const c = compileElementwise(exprFromNode(node('mul', [node('neg', [arr(new Float32Array(23), [23], 'float32')], {}), scalar(3, [23], 'float32')], {})).expr);
    if ('unsupported' in c) throw new Error(c.unsupported);
    run(c.kernel, [x], x);
    expect(Array.from(read(x))).toEqual(Array.from({ length: 23 }, (_, i) => -(i - 11) * 3));
    heap.release(x);
  });

  it('refuses what it cannot match exactly, with a reason', () => {
    const x = arr(Float32Array.of(1, 2), [2], 'float32');
    const i = arr(Int32Array.of(1, 2), [2], 'int32');
    const reason = (root: Node) => {
      const c = compileElementwise(exprFromNode(root).expr);
      return 'unsupported' in c ? c.unsupported : 'compiled';
    };
    expect(reason(node('exp', [x], {}))).toMatch(/transcendental/);
    expect(reason(node('pow', [x, x], {}))).toMatch(/transcendental/);
    expect(reason(node('rem', [x, x], {}))).toMatch(/rem of float32/);
    expect(reason(node('div', [i, i], {}))).toBe('compiled'); // lane by lane, x / 0 = -1 as in XLA
    expect(reason(node('cast', [x], { dtype: 'int32' }))).toMatch(/float32 -> int32/);
    expect(reason(node('shl', [i, i], {}))).toMatch(/shifts by an array/);
    expect(reason(node('gt', [x, x], {}))).toMatch(/bool results/);
    expect(reason(node('add', [x, x], {}))).toBe('compiled');
  });
});

// ---------------------------------------------------------------------------------------
// Reductions over the last axis.

const reducePrim: { [C in CombinePrim]: ReducePrim } = { add: 'reduce_sum', mul: 'reduce_prod', max: 'reduce_max', min: 'reduce_min' };

function reduceCase(op: CombinePrim, x: Node, y: Node, withEpilogue: boolean) {
  const d = node('sub', [x, y], {});
  const body = node('mul', [d, d], {});
  const red = node(reducePrim[op], [body], { axes: [1] });
  const root = withEpilogue ? node('sqrt', [red], {}) : red;
  const b = exprFromNode(body);
  const epilogue = withEpilogue ? exprFromNode(root, undefined, red).expr : undefined;
  const cols = x.shape[1];
  return { root, compiled: compileReduce({ op, body: b.expr, epilogue }, cols), inputs: b.inputs };
}

describe('the shared heap', () => {
  it('is reserved once and never grows: a fixed heap refuses an allocation past its end', () => {
    const shared = sharedHeap();
    const buffer = shared.memory.buffer;
    const bufs = Array.from({ length: 50 }, (_, i) => alloc(shared, 'float32', 1000 * (i + 1)));
    expect(shared.memory.buffer).toBe(buffer); // not detached
    bufs.forEach((b) => shared.release(b));
    const small = new WasmHeap(2, false);
    const a = small.tryAlloc('float32', 20000);
    expect(a).toBeDefined();
    expect(small.tryAlloc('float32', 20000)).toBeUndefined();
    expect(() => alloc(small, 'float32', 20000)).toThrow(/out of memory/);
    small.release(a!);
    expect(small.tryAlloc('float32', 20000)?.offset).toBe(a!.offset); // the freed block again
  });
});

describe('wasm reductions == oracle', () => {
  it('rows of up to 8 (euclid-like [N, cols]) are bit-exact, sequential per row', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<CombinePrim>('add', 'mul', 'max', 'min'),
        fc.boolean(),
        fc.array(floatValue, { minLength: 400, maxLength: 400 }),
        (rows, cols, op, epi, vals) => {
          const n = rows * cols;
          const x = arr(Float32Array.from(vals.slice(0, n)), [rows, cols], 'float32');
          const y = arr(Float32Array.from(vals.slice(200, 200 + n)), [rows, cols], 'float32');
          const { root, compiled, inputs } = reduceCase(op, x, y, epi);
          sameBits(runWasm(compiled, inputs)(alloc(heap, 'float32', rows)), evaluate([root])[0]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('long float sums accumulate in float64: one float32 rounding of the sum (plus float64 error)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 9, max: 400 }), fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1200, maxLength: 1200 }), (rows, cols, vals) => {
        const x = arr(Float32Array.from(vals.slice(0, rows * cols)), [rows, cols], 'float32');
        const root = node('reduce_sum', [x], { axes: [1] });
        const { expr, inputs } = exprFromNode(x, () => true);
        const got = runWasm(compileReduce({ op: 'add', body: expr }, cols), inputs)(alloc(heap, 'float32', rows));
        const want = evaluate([root])[0];
        for (let r = 0; r < rows; r++) {
          const row = vals.slice(r * cols, (r + 1) * cols);
          const abs = row.reduce((s, v) => s + Math.abs(v), 0);
          const exact = row.reduce((s, v) => s + v, 0); // float64, within cols * 2^-53 * abs
          // a float32 fold would be off by up to cols * 2^-24 * abs: this bound rejects it
          expect(Math.abs(got[r] - exact)).toBeLessThanOrEqual(2 ** -24 * Math.abs(exact) + cols * 2 ** -52 * abs);
          // and the oracle's sequential float32 sum is within its own bound of ours
          expect(Math.abs(got[r] - want[r])).toBeLessThanOrEqual((cols + 1) * 2 ** -24 * abs);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('long max/min (with NaN, ±inf, ±0) and integer sums/products are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 9, max: 200 }), fc.array(floatValue, { minLength: 600, maxLength: 600 }), fc.array(int32Value, { minLength: 600, maxLength: 600 }), (rows, cols, fv, iv) => {
        const cases: [CombinePrim, Node][] = [
          ['max', arr(Float32Array.from(fv.slice(0, rows * cols)), [rows, cols], 'float32')],
          ['min', arr(Float32Array.from(fv.slice(0, rows * cols)), [rows, cols], 'float32')],
          ['add', arr(Int32Array.from(iv.slice(0, rows * cols)), [rows, cols], 'int32')],
          ['mul', arr(Int32Array.from(iv.slice(0, rows * cols)), [rows, cols], 'int32')],
          ['max', arr(Uint32Array.from(iv.slice(0, rows * cols)), [rows, cols], 'uint32')],
        ];
        for (const [op, x] of cases) {
          const root = node(reducePrim[op], [x], { axes: [1] });
          const { expr, inputs } = exprFromNode(x, () => true);
          sameBits(runWasm(compileReduce({ op, body: expr }, cols), inputs)(alloc(heap, x.dtype as 'float32', rows)), evaluate([root])[0]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a full sum propagates NaN and infinities as the oracle does', () => {
    for (const special of [[NaN], [Infinity], [-Infinity], [Infinity, -Infinity]]) {
      const vals = Float32Array.from({ length: 37 }, (_, i) => i - 10);
      special.forEach((v, k) => (vals[5 + 11 * k] = v));
      const x = arr(vals, [1, 37], 'float32');
      const { expr, inputs } = exprFromNode(x, () => true);
      sameBits(runWasm(compileReduce({ op: 'add', body: expr }, 37), inputs)(alloc(heap, 'float32', 1)), evaluate([node('reduce_sum', [x], { axes: [1] })])[0]);
    }
  });
});
