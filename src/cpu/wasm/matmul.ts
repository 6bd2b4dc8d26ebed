// A float32 matrix product in wasm SIMD over the shared kernel heap: C[M4, N8] = A[M4, K] @
// B[K, N8], all row-major, M4 a multiple of 4 and N8 of 8 (dot.ts pads and packs). The
// micro-kernel keeps a 4 x 8 block of C in eight f32x4 accumulators and walks the whole
// contraction for it: per step, two loads of B's row segment, four splatted elements of A,
// eight f32x4.mul and eight f32x4.add. Column panels are the outer loop, so the K x 8 panel
// of B (32 bytes a row) stays in cache while every row block of A passes over it.
//
// Exactness: each element of C is ((0 + a0 b0) + a1 b1) + ... with every product and sum
// rounded to float32, in contraction order: the oracle's own order and roundings, so the
// result is bit-exact with it (NaN payloads aside).
//
// `rows(i0, i1)` limits a call to row blocks [i0, i1) (multiples of 4), so threads can split
// a product by rows.

import { ModuleBuilder } from './encoder.js';
import type { WasmHeap } from './memory.js';

export type MatmulFn = (a: number, b: number, c: number, m4: number, k: number, n8: number, i0: number, i1: number) => void;

const zero = new Array<number>(16).fill(0);

/** The module's bytes: one export `kernel(a, b, c, M4, K, N8, i0, i1)`, byte addresses. */
export function matmulModule(shared: boolean): Uint8Array {
  const m = new ModuleBuilder(shared);
  const f = m.function('kernel', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [A, B, C, , K, N8, I0, I1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const j = f.local('i32');
  const i = f.local('i32');
  const kk = f.local('i32');
  const pb = f.local('i32');
  const rowA = f.local('i32');
  const rowB = f.local('i32');
  const pa = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const b0 = f.local('v128');
  const b1 = f.local('v128');
  const s = f.local('v128');
  const pc = f.local('i32');

  const get = (l: number) => f.op('local.get', l);
  const set = (l: number) => f.op('local.set', l);
  const addTo = (l: number, v: number) => (get(l), f.op('i32.const', v), f.op('i32.add'), set(l));

  // rowA = K * 4, rowB = N8 * 4
  get(K), f.op('i32.const', 2), f.op('i32.shl'), set(rowA);
  get(N8), f.op('i32.const', 2), f.op('i32.shl'), set(rowB);
  // nothing to do without rows or columns
  f.op('block');
  get(I0), get(I1), f.op('i32.ge_s'), f.op('br_if', 0);
  get(N8), f.op('i32.eqz'), f.op('br_if', 0);
  f.op('i32.const', 0), set(j);
  f.op('loop'); // columns, 8 at a time
  get(I0), set(i);
  f.op('loop'); // rows, 4 at a time
  for (const a of acc) f.simd('v128.const', ...zero), set(a);
  // pa[r] = A + (i + r) * rowA; pb = B + j * 4
  for (let r = 0; r < 4; r++) {
    get(i), f.op('i32.const', r), f.op('i32.add'), get(rowA), f.op('i32.mul'), get(A), f.op('i32.add'), set(pa[r]);
  }
  get(j), f.op('i32.const', 2), f.op('i32.shl'), get(B), f.op('i32.add'), set(pb);
  f.op('i32.const', 0), set(kk);
  f.op('block');
  get(K), f.op('i32.eqz'), f.op('br_if', 0);
  f.op('loop'); // the contraction
  get(pb), f.simd('v128.load', 2, 0), set(b0);
  get(pb), f.simd('v128.load', 2, 16), set(b1);
  for (let r = 0; r < 4; r++) {
    get(pa[r]), f.simd('v128.load32_splat', 2, 0), set(s);
    get(acc[2 * r]), get(s), get(b0), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc[2 * r]);
    get(acc[2 * r + 1]), get(s), get(b1), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc[2 * r + 1]);
    addTo(pa[r], 4);
  }
  get(pb), get(rowB), f.op('i32.add'), set(pb);
  addTo(kk, 1);
  get(kk), get(K), f.op('i32.lt_u'), f.op('br_if', 0);
  f.op('end'); // loop
  f.op('end'); // block
  // store the 4 x 8 block at C + (i * N8 + j) * 4, row by row
  get(i), get(N8), f.op('i32.mul'), get(j), f.op('i32.add'), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), set(pc);
  for (let r = 0; r < 4; r++) {
    get(pc), get(acc[2 * r]), f.simd('v128.store', 2, 0);
    get(pc), get(acc[2 * r + 1]), f.simd('v128.store', 2, 16);
    get(pc), get(rowB), f.op('i32.add'), set(pc);
  }
  addTo(i, 4);
  get(i), get(I1), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end'); // rows
  addTo(j, 8);
  get(j), get(N8), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end'); // columns
  f.op('end'); // block
  return m.finish();
}

const instances = new WeakMap<WasmHeap, { module: WebAssembly.Module; fn: MatmulFn }>();

/** The matmul kernel instantiated on `heap` (compiled once per heap). */
export function matmulKernel(heap: WasmHeap): { module: WebAssembly.Module; fn: MatmulFn } {
  let k = instances.get(heap);
  if (!k) {
    const shared = heap.memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(matmulModule(shared) as Uint8Array<ArrayBuffer>);
    const fn = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports.kernel as MatmulFn;
    instances.set(heap, (k = { module, fn }));
  }
  return k;
}
