// Narrow float32 matrix products in wasm SIMD, the shapes the matmul kernel (matmul.ts) pads
// badly (it pads C to 8 columns): a model's forward pass X [M, K] @ w [K] (one column) and
// its gradient's transposed product r [K] @ X [K, N] (few columns, a long contraction).
//
// - `kernel(a, b, c, M, K, rowsPerPart, part)`: C[i] = sum_k A[i, k] B[k] for the part's rows,
//   four rows in the lanes of one f32x4 accumulator (A's column gathered lane by lane), the
//   rest one by one. Rows are independent, so parts run on the worker threads (threads.ts).
// - `cols(a, b, c, M, K, N)`: C[i, j] = sum_k A[i, k] B[k, j], four columns of a row of C in
//   one accumulator (B's row read four at a time), the last N mod 4 one by one.
//
// Exactness: each element is ((0 + a0 b0) + a1 b1) + ... with every product and sum rounded
// to float32, in contraction order: the oracle's order and roundings (bit-exact, NaN payloads
// aside), as dot.ts's JS loops.

import { ModuleBuilder, type FunctionBuilder } from './encoder.js';
import { newModuleId } from './compile.js';
import type { WasmHeap } from './memory.js';

export type RowsFn = (a: number, b: number, c: number, m: number, k: number, rowsPerPart: number, part: number) => void;
export type ColsFn = (a: number, b: number, c: number, m: number, k: number, n: number) => void;

const zero = new Array<number>(16).fill(0);
type Emit = () => void;

/** `do body() while ((counter += step) < bound)` (signed). */
function doWhile(f: FunctionBuilder, counter: number, step: number, bound: number, body: Emit): void {
  f.op('loop');
  body();
  f.op('local.get', counter), f.op('i32.const', step), f.op('i32.add'), f.op('local.tee', counter), f.op('local.get', bound), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end');
}

/** `if (!skip) body()`, `skip` pushing an i32 condition. */
function unless(f: FunctionBuilder, skip: Emit, body: Emit): void {
  f.op('block');
  skip(), f.op('br_if', 0);
  body();
  f.op('end');
}

/**
 * One accumulator's contraction, K >= 1 steps: `madd()` (acc += A's element(s) at pa times
 * B's at pb, rounded to float32), then pa += 4 and pb += `bStep`.
 */
function contract(f: FunctionBuilder, [kk, K, pa, pb]: number[], bStep: Emit, madd: Emit): void {
  f.op('i32.const', 0), f.op('local.set', kk);
  doWhile(f, kk, 1, K, () => {
    madd();
    f.op('local.get', pa), f.op('i32.const', 4), f.op('i32.add'), f.op('local.set', pa);
    f.op('local.get', pb), bStep(), f.op('i32.add'), f.op('local.set', pb);
  });
}

/** s += A[pa] * B[pb] in float32. */
const scalarMadd = (f: FunctionBuilder, s: number, pa: number, pb: number) => () => {
  f.op('local.get', s), f.op('local.get', pa), f.op('f32.load', 2, 0), f.op('local.get', pb), f.op('f32.load', 2, 0), f.op('f32.mul'), f.op('f32.add'), f.op('local.set', s);
};

export function narrowDotModule(shared: boolean): Uint8Array {
  const m = new ModuleBuilder(shared);
  {
    const f = m.function('kernel', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
    const [A, B, C, M, K, RP, PART] = [0, 1, 2, 3, 4, 5, 6];
    const [i, end, end4, kk, pa, pb, rowB] = Array.from({ length: 7 }, () => f.local('i32'));
    const acc = f.local('v128');
    const v = f.local('v128');
    const s = f.local('f32');
    const get = (l: number) => f.op('local.get', l);
    const set = (l: number) => f.op('local.set', l);
    // rows i .. bound - 1, `step` at a time into `sum` (started by `init`, stored by `store`)
    const rows = (step: number, bound: number, sum: number, init: Emit, madd: Emit, store: Emit) =>
      unless(f, () => (get(i), get(bound), f.op('i32.ge_s')), () =>
        doWhile(f, i, step, bound, () => {
          init(), set(sum);
          get(i), get(rowB), f.op('i32.mul'), get(A), f.op('i32.add'), set(pa);
          get(B), set(pb);
          contract(f, [kk, K, pa, pb], () => f.op('i32.const', 4), madd);
          get(i), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), get(sum), store();
        }),
      );
    // i = part * RP; end = min(i + RP, M); end4 = i + ((end - i) & ~3)
    get(PART), get(RP), f.op('i32.mul'), set(i);
    get(i), get(RP), f.op('i32.add'), get(M), get(i), get(RP), f.op('i32.add'), get(M), f.op('i32.lt_s'), f.op('select'), set(end);
    get(end), get(i), f.op('i32.sub'), f.op('i32.const', -4), f.op('i32.and'), get(i), f.op('i32.add'), set(end4);
    get(K), f.op('i32.const', 2), f.op('i32.shl'), set(rowB);
    unless(f, () => (get(K), f.op('i32.eqz')), () => {
      // four rows at a time, A's column gathered lane by lane
      const gather = () => {
        get(pa), f.op('f32.load', 2, 0), f.simd('f32x4.splat');
        for (let l = 1; l < 4; l++) get(pa), get(rowB), f.op('i32.const', l), f.op('i32.mul'), f.op('i32.add'), f.op('f32.load', 2, 0), f.simd('f32x4.replace_lane', l);
        set(v);
        get(acc), get(v), get(pb), f.simd('v128.load32_splat', 2, 0), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc);
      };
      rows(4, end4, acc, () => f.simd('v128.const', ...zero), gather, () => f.simd('v128.store', 2, 0));
      // the rest, one row at a time
      rows(1, end, s, () => f.op('f32.const', 0), scalarMadd(f, s, pa, pb), () => f.op('f32.store', 2, 0));
    });
  }
  {
    const f = m.function('cols', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
    const [A, B, C, M, K, N] = [0, 1, 2, 3, 4, 5];
    const [i, j, n4, kk, pa, pb, rowB, pc] = Array.from({ length: 8 }, () => f.local('i32'));
    const acc = f.local('v128');
    const s = f.local('f32');
    const get = (l: number) => f.op('local.get', l);
    const set = (l: number) => f.op('local.set', l);
    // sum = 0 (`init`); pa = A + i * K * 4; pb = B + j * 4; the contraction unless K is 0
    const dot = (sum: number, init: Emit, madd: Emit) => {
      init(), set(sum);
      get(i), get(K), f.op('i32.mul'), f.op('i32.const', 2), f.op('i32.shl'), get(A), f.op('i32.add'), set(pa);
      get(j), f.op('i32.const', 2), f.op('i32.shl'), get(B), f.op('i32.add'), set(pb);
      unless(f, () => (get(K), f.op('i32.eqz')), () => contract(f, [kk, K, pa, pb], () => get(rowB), madd));
    };
    // C + (i * N + j) * 4
    const cij = () => (get(i), get(N), f.op('i32.mul'), get(j), f.op('i32.add'), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'));
    get(N), f.op('i32.const', -4), f.op('i32.and'), set(n4);
    get(N), f.op('i32.const', 2), f.op('i32.shl'), set(rowB);
    f.op('block');
    get(M), f.op('i32.eqz'), f.op('br_if', 0);
    get(N), f.op('i32.eqz'), f.op('br_if', 0);
    f.op('i32.const', 0), set(i);
    doWhile(f, i, 1, M, () => {
      f.op('i32.const', 0), set(j);
      // four columns at a time, B's row read four at a time
      unless(f, () => (get(n4), f.op('i32.eqz')), () =>
        doWhile(f, j, 4, n4, () => {
          dot(acc, () => f.simd('v128.const', ...zero), () => {
            get(acc), get(pa), f.simd('v128.load32_splat', 2, 0), get(pb), f.simd('v128.load', 0, 0), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc);
          });
          cij(), set(pc);
          get(pc), get(acc), f.simd('v128.store', 0, 0);
        }),
      );
      // the last columns, one at a time
      unless(f, () => (get(j), get(N), f.op('i32.ge_s')), () =>
        doWhile(f, j, 1, N, () => {
          dot(s, () => f.op('f32.const', 0), scalarMadd(f, s, pa, pb));
          cij(), get(s), f.op('f32.store', 2, 0);
        }),
      );
    });
    f.op('end');
  }
  return m.finish();
}

export interface NarrowDotModule {
  readonly module: WebAssembly.Module;
  /** Its id for the worker threads (threads.ts instantiates `kernel` by id). */
  readonly id: number;
  /** The one-column product, in parts of rows (`kernel`). */
  readonly fn: RowsFn;
  readonly cols: ColsFn;
}

const instances = new WeakMap<WasmHeap, NarrowDotModule>();

/** The narrow products instantiated on `heap` (compiled once per heap). */
export function narrowDotKernel(heap: WasmHeap): NarrowDotModule {
  let k = instances.get(heap);
  if (!k) {
    const shared = heap.memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(narrowDotModule(shared) as Uint8Array<ArrayBuffer>);
    const exports = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports;
    instances.set(heap, (k = { module, id: newModuleId(), fn: exports.kernel as RowsFn, cols: exports.cols as ColsFn }));
  }
  return k;
}
