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

import { ModuleBuilder } from './encoder.js';
import { newModuleId } from './compile.js';
import type { WasmHeap } from './memory.js';

export type RowsFn = (a: number, b: number, c: number, m: number, k: number, rowsPerPart: number, part: number) => void;
export type ColsFn = (a: number, b: number, c: number, m: number, k: number, n: number) => void;

const zero = new Array<number>(16).fill(0);

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
    // i = part * RP; end = min(i + RP, M); end4 = i + ((end - i) & ~3)
    get(PART), get(RP), f.op('i32.mul'), set(i);
    get(i), get(RP), f.op('i32.add'), get(M), get(i), get(RP), f.op('i32.add'), get(M), f.op('i32.lt_s'), f.op('select'), set(end);
    get(end), get(i), f.op('i32.sub'), f.op('i32.const', -4), f.op('i32.and'), get(i), f.op('i32.add'), set(end4);
    get(K), f.op('i32.const', 2), f.op('i32.shl'), set(rowB);
    f.op('block');
    get(K), f.op('i32.eqz'), f.op('br_if', 0);
    // four rows at a time
    f.op('block');
    get(i), get(end4), f.op('i32.ge_s'), f.op('br_if', 0);
    f.op('loop');
    f.simd('v128.const', ...zero), set(acc);
    get(i), get(rowB), f.op('i32.mul'), get(A), f.op('i32.add'), set(pa);
    get(B), set(pb);
    f.op('i32.const', 0), set(kk);
    f.op('loop');
    get(pa), f.op('f32.load', 2, 0), f.simd('f32x4.splat');
    for (let l = 1; l < 4; l++) get(pa), get(rowB), f.op('i32.const', l), f.op('i32.mul'), f.op('i32.add'), f.op('f32.load', 2, 0), f.simd('f32x4.replace_lane', l);
    set(v);
    get(acc), get(v), get(pb), f.simd('v128.load32_splat', 2, 0), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc);
    get(pa), f.op('i32.const', 4), f.op('i32.add'), set(pa);
    get(pb), f.op('i32.const', 4), f.op('i32.add'), set(pb);
    get(kk), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', kk), get(K), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    get(i), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), get(acc), f.simd('v128.store', 2, 0);
    get(i), f.op('i32.const', 4), f.op('i32.add'), f.op('local.tee', i), get(end4), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    f.op('end');
    // the rest, one row at a time
    f.op('block');
    get(i), get(end), f.op('i32.ge_s'), f.op('br_if', 0);
    f.op('loop');
    f.op('f32.const', 0), set(s);
    get(i), get(rowB), f.op('i32.mul'), get(A), f.op('i32.add'), set(pa);
    get(B), set(pb);
    f.op('i32.const', 0), set(kk);
    f.op('loop');
    get(s), get(pa), f.op('f32.load', 2, 0), get(pb), f.op('f32.load', 2, 0), f.op('f32.mul'), f.op('f32.add'), set(s);
    get(pa), f.op('i32.const', 4), f.op('i32.add'), set(pa);
    get(pb), f.op('i32.const', 4), f.op('i32.add'), set(pb);
    get(kk), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', kk), get(K), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    get(i), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), get(s), f.op('f32.store', 2, 0);
    get(i), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', i), get(end), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    f.op('end');
    f.op('end');
  }
  {
    const f = m.function('cols', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
    const [A, B, C, M, K, N] = [0, 1, 2, 3, 4, 5];
    const [i, j, n4, kk, pa, pb, rowB, pc] = Array.from({ length: 8 }, () => f.local('i32'));
    const acc = f.local('v128');
    const s = f.local('f32');
    const get = (l: number) => f.op('local.get', l);
    const set = (l: number) => f.op('local.set', l);
    get(N), f.op('i32.const', -4), f.op('i32.and'), set(n4);
    get(N), f.op('i32.const', 2), f.op('i32.shl'), set(rowB);
    f.op('block');
    get(M), f.op('i32.eqz'), f.op('br_if', 0);
    get(N), f.op('i32.eqz'), f.op('br_if', 0);
    f.op('i32.const', 0), set(i);
    f.op('loop'); // rows of C
    f.op('i32.const', 0), set(j);
    // four columns at a time
    f.op('block');
    get(n4), f.op('i32.eqz'), f.op('br_if', 0);
    f.op('loop');
    f.simd('v128.const', ...zero), set(acc);
    // pa = A + i * K * 4; pb = B + j * 4
    get(i), get(K), f.op('i32.mul'), f.op('i32.const', 2), f.op('i32.shl'), get(A), f.op('i32.add'), set(pa);
    get(j), f.op('i32.const', 2), f.op('i32.shl'), get(B), f.op('i32.add'), set(pb);
    f.op('block');
    get(K), f.op('i32.eqz'), f.op('br_if', 0);
    f.op('i32.const', 0), set(kk);
    f.op('loop');
    get(acc), get(pa), f.simd('v128.load32_splat', 2, 0), get(pb), f.simd('v128.load', 0, 0), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc);
    get(pa), f.op('i32.const', 4), f.op('i32.add'), set(pa);
    get(pb), get(rowB), f.op('i32.add'), set(pb);
    get(kk), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', kk), get(K), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    f.op('end');
    // C + (i * N + j) * 4
    get(i), get(N), f.op('i32.mul'), get(j), f.op('i32.add'), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), set(pc);
    get(pc), get(acc), f.simd('v128.store', 0, 0);
    get(j), f.op('i32.const', 4), f.op('i32.add'), f.op('local.tee', j), get(n4), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    f.op('end');
    // the last columns, one at a time
    f.op('block');
    get(j), get(N), f.op('i32.ge_s'), f.op('br_if', 0);
    f.op('loop');
    f.op('f32.const', 0), set(s);
    get(i), get(K), f.op('i32.mul'), f.op('i32.const', 2), f.op('i32.shl'), get(A), f.op('i32.add'), set(pa);
    get(j), f.op('i32.const', 2), f.op('i32.shl'), get(B), f.op('i32.add'), set(pb);
    f.op('block');
    get(K), f.op('i32.eqz'), f.op('br_if', 0);
    f.op('i32.const', 0), set(kk);
    f.op('loop');
    get(s), get(pa), f.op('f32.load', 2, 0), get(pb), f.op('f32.load', 2, 0), f.op('f32.mul'), f.op('f32.add'), set(s);
    get(pa), f.op('i32.const', 4), f.op('i32.add'), set(pa);
    get(pb), get(rowB), f.op('i32.add'), set(pb);
    get(kk), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', kk), get(K), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    f.op('end');
    get(i), get(N), f.op('i32.mul'), get(j), f.op('i32.add'), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), get(s), f.op('f32.store', 2, 0);
    get(j), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', j), get(N), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end');
    f.op('end');
    get(i), f.op('i32.const', 1), f.op('i32.add'), f.op('local.tee', i), get(M), f.op('i32.lt_s'), f.op('br_if', 0);
    f.op('end'); // rows
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
