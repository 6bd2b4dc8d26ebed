// A float32 matrix product in wasm SIMD over the shared kernel heap: C[M4, N8] = A @ B, C
// row-major, M4 a multiple of 4 and N8 of 8, with both operands packed into panels: A as
// [M4 / 4][K][4] (four rows' elements at each k side by side; `packRows4` makes it from A
// [M, K] row-major) and B as [N8 / 8][K][8] (eight columns' elements at each k; `pack` makes
// it from B [K, N8] row-major, `packRows8` from its transpose [N, K]: a product contracting
// both operands' last axes, x @ W.T, as vmap of W @ x is), so the micro-kernel reads each
// with one moving pointer. It keeps a 4 x 8 block
// of C in eight f32x4 accumulators over the contraction: per step, two loads of B's panel,
// four splats of A's, eight f32x4.mul and eight f32x4.add. Column panels are the outer loop,
// so a panel of B stays in cache while the row blocks pass over it.
//
// Exactness: each element of C is ((0 + a0 b0) + a1 b1) + ... with every product and sum
// rounded to float32, in contraction order: the oracle's own order and roundings, so the
// result is bit-exact with it (NaN payloads aside).
//
// Blocking: KC contraction steps by MC rows, so the MC x KC block of A stays in L2 while
// every panel of B passes over it, and each KC x 8 panel segment stays in L1 across the
// block's rows. A call computes one part of C's rows (threads.ts runs parts on workers).

import { ModuleBuilder } from './encoder.js';
import { newModuleId } from './compile.js';
import type { WasmHeap } from './memory.js';

export type PackFn = (src: number, dst: number, k: number, n8: number) => void;
/** packRowsR(src, dst, panels, K): dst[q][k][l] = src[(q R + l) K + k] for the first `panels` panels of R rows. */
export type PackRowsFn = (src: number, dst: number, panels: number, k: number) => void;
export type MatmulFn = (a: number, b: number, c: number, m4: number, k: number, n8: number, rowsPerPart: number, part: number) => void;

/** Cache blocking: KC contraction steps (a KC x 8 panel segment of B: 8 KiB) by MC rows (A's block: 64 KiB at KC). */
export const KC = 256;
export const MC = 64;

const zero = new Array<number>(16).fill(0);

/**
 * The module's bytes: exports `pack` (below) and `kernel(a, b, c, M4, K, N8, rowsPerPart,
 * part)` (byte addresses): rows [part * rowsPerPart, (part + 1) * rowsPerPart) of C, so parts
 * are disjoint and can run on different threads. Within a part, contraction blocks of KC
 * run in order, row blocks of MC within each: the first block starts C's 4 x 8 blocks from 0,
 * later ones continue from C's stored values, so every element gets the one sequential sum.
 */
export function matmulModule(shared: boolean): Uint8Array {
  const m = new ModuleBuilder(shared);
  const f = m.function('kernel', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [A, B, C, M4, K, N8, RP, PART] = [0, 1, 2, 3, 4, 5, 6, 7];
  const I0 = f.local('i32');
  const I1 = f.local('i32');
  const K0 = f.local('i32');
  const K1 = f.local('i32');
  const pStart = f.local('i32');
  const pEnd = f.local('i32');
  const j = f.local('i32');
  const i = f.local('i32');
  const kk = f.local('i32');
  const pb = f.local('i32');
  const rowB = f.local('i32');
  const pa = f.local('i32');
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const b0 = f.local('v128');
  const b1 = f.local('v128');
  const s = f.local('v128');
  const pc = f.local('i32');
  const pc0 = f.local('i32');

  const get = (l: number) => f.op('local.get', l);
  const set = (l: number) => f.op('local.set', l);
  const addTo = (l: number, v: number) => (get(l), f.op('i32.const', v), f.op('i32.add'), set(l));
  /** local = min(a, b) of two pushed-by-callback values */
  const setMin = (l: number, a: () => void, b: () => void) => (a(), b(), a(), b(), f.op('i32.lt_s'), f.op('select'), set(l));

  // the part's rows
  get(PART), get(RP), f.op('i32.mul'), set(pStart);
  setMin(pEnd, () => (get(pStart), get(RP), f.op('i32.add')), () => get(M4));
  f.op('block'); // the part
  get(pStart), get(pEnd), f.op('i32.ge_s'), f.op('br_if', 0);
  get(K), f.op('i32.eqz'), f.op('br_if', 0);
  f.op('i32.const', 0), set(K0);
  f.op('loop'); // contraction blocks
  setMin(K1, () => (get(K0), f.op('i32.const', KC), f.op('i32.add')), () => get(K));
  get(pStart), set(I0);
  f.op('loop'); // row blocks
  setMin(I1, () => (get(I0), f.op('i32.const', MC), f.op('i32.add')), () => get(pEnd));
  // rowB = N8 * 4: a row of C
  get(N8), f.op('i32.const', 2), f.op('i32.shl'), set(rowB);
  // nothing to do without rows, columns or contraction
  f.op('block');
  get(I0), get(I1), f.op('i32.ge_s'), f.op('br_if', 0);
  get(K0), get(K1), f.op('i32.ge_s'), f.op('br_if', 0);
  get(N8), f.op('i32.eqz'), f.op('br_if', 0);
  f.op('i32.const', 0), set(j);
  f.op('loop'); // columns, 8 at a time
  get(I0), set(i);
  f.op('loop'); // rows, 4 at a time
  // pc0 = C + (i * N8 + j) * 4: the block's first row in C
  get(i), get(N8), f.op('i32.mul'), get(j), f.op('i32.add'), f.op('i32.const', 2), f.op('i32.shl'), get(C), f.op('i32.add'), set(pc0);
  get(K0), f.op('i32.eqz');
  f.op('if');
  for (const a of acc) f.simd('v128.const', ...zero), set(a);
  f.op('else');
  get(pc0), set(pc);
  for (let r = 0; r < 4; r++) {
    get(pc), f.simd('v128.load', 2, 0), set(acc[2 * r]);
    get(pc), f.simd('v128.load', 2, 16), set(acc[2 * r + 1]);
    get(pc), get(rowB), f.op('i32.add'), set(pc);
  }
  f.op('end');
  // panels: pa = A + (i / 4) * K * 16 + k0 * 16; pb = B + (j / 8) * K * 32 + k0 * 32
  get(i), f.op('i32.const', 2), f.op('i32.shr_u'), get(K), f.op('i32.mul'), get(K0), f.op('i32.add'), f.op('i32.const', 4), f.op('i32.shl'), get(A), f.op('i32.add'), set(pa);
  get(j), f.op('i32.const', 3), f.op('i32.shr_u'), get(K), f.op('i32.mul'), get(K0), f.op('i32.add'), f.op('i32.const', 5), f.op('i32.shl'), get(B), f.op('i32.add'), set(pb);
  get(K0), set(kk);
  f.op('loop'); // the contraction
  get(pb), f.simd('v128.load', 2, 0), set(b0);
  get(pb), f.simd('v128.load', 2, 16), set(b1);
  for (let r = 0; r < 4; r++) {
    get(pa), f.simd('v128.load32_splat', 2, 4 * r), set(s);
    get(acc[2 * r]), get(s), get(b0), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc[2 * r]);
    get(acc[2 * r + 1]), get(s), get(b1), f.simd('f32x4.mul'), f.simd('f32x4.add'), set(acc[2 * r + 1]);
  }
  addTo(pa, 16);
  addTo(pb, 32);
  addTo(kk, 1);
  get(kk), get(K1), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end'); // contraction
  // store the 4 x 8 block, row by row
  get(pc0), set(pc);
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
  addTo(I0, MC);
  get(I0), get(pEnd), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end'); // row blocks
  addTo(K0, KC);
  get(K0), get(K), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end'); // contraction blocks
  f.op('end'); // the part

  // pack(src, dst, K, N8): dst[q][k][0..8] = src[k][8q..8q+8], two v128 copies per (k, q)
  const p = m.function('pack', ['i32', 'i32', 'i32', 'i32']);
  const [SRC, DST, PK, PN8] = [0, 1, 2, 3];
  const pk = p.local('i32');
  const pq = p.local('i32');
  const ps = p.local('i32');
  const pd = p.local('i32');
  p.op('block');
  p.op('local.get', PK), p.op('i32.eqz'), p.op('br_if', 0);
  p.op('local.get', PN8), p.op('i32.eqz'), p.op('br_if', 0);
  p.op('i32.const', 0), p.op('local.set', pk);
  p.op('local.get', SRC), p.op('local.set', ps);
  p.op('loop'); // rows k of src
  p.op('i32.const', 0), p.op('local.set', pq);
  // pd = DST + k * 32
  p.op('local.get', pk), p.op('i32.const', 5), p.op('i32.shl'), p.op('local.get', DST), p.op('i32.add'), p.op('local.set', pd);
  p.op('loop'); // panels q
  p.op('local.get', pd), p.op('local.get', ps), p.simd('v128.load', 2, 0), p.simd('v128.store', 2, 0);
  p.op('local.get', pd), p.op('local.get', ps), p.simd('v128.load', 2, 16), p.simd('v128.store', 2, 16);
  p.op('local.get', ps), p.op('i32.const', 32), p.op('i32.add'), p.op('local.set', ps);
  // pd += K * 32
  p.op('local.get', pd), p.op('local.get', PK), p.op('i32.const', 5), p.op('i32.shl'), p.op('i32.add'), p.op('local.set', pd);
  p.op('local.get', pq), p.op('i32.const', 8), p.op('i32.add'), p.op('local.tee', pq), p.op('local.get', PN8), p.op('i32.lt_s'), p.op('br_if', 0);
  p.op('end');
  p.op('local.get', pk), p.op('i32.const', 1), p.op('i32.add'), p.op('local.tee', pk), p.op('local.get', PK), p.op('i32.lt_s'), p.op('br_if', 0);
  p.op('end');
  p.op('end');
  for (const R of [4, 8] as const) packRows(m, R);
  return m.finish();
}

/** The 32-bit lanes `lanes` of two v128 (0-3 the first, 4-7 the second) as an i8x16.shuffle's bytes. */
const lanes32 = (...lanes: number[]) => lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/**
 * `packRows${R}(src, dst, panels, K)`: R rows of a row-major [rows, K] matrix side by side per
 * k, panel after panel (the caller packs a last, partial panel). Four k at a time, each group
 * of four rows is a 4 x 4 transpose in registers: four loads, eight shuffles, four stores.
 */
function packRows(m: ModuleBuilder, R: 4 | 8): void {
  const f = m.function(`packRows${R}`, ['i32', 'i32', 'i32', 'i32']);
  const [SRC, DST, PANELS, K] = [0, 1, 2, 3];
  const q = f.local('i32');
  const k = f.local('i32');
  const ps = f.local('i32');
  const pd = f.local('i32');
  const rowStride = f.local('i32');
  const off = Array.from({ length: R }, () => f.local('i32'));
  const r = Array.from({ length: 4 }, () => f.local('v128'));
  const t = Array.from({ length: 4 }, () => f.local('v128'));
  const get = (l: number) => f.op('local.get', l);
  const set = (l: number) => f.op('local.set', l);
  const addTo = (l: number, v: number) => (get(l), f.op('i32.const', v), f.op('i32.add'), set(l));
  f.op('block');
  get(PANELS), f.op('i32.eqz'), f.op('br_if', 0);
  get(K), f.op('i32.eqz'), f.op('br_if', 0);
  get(K), f.op('i32.const', 2), f.op('i32.shl'), set(rowStride);
  for (let l = 0; l < R; l++) get(rowStride), f.op('i32.const', l), f.op('i32.mul'), set(off[l]);
  get(SRC), set(ps);
  get(DST), set(pd);
  f.op('i32.const', 0), set(q);
  f.op('loop'); // panels
  f.op('i32.const', 0), set(k);
  f.op('block');
  get(K), f.op('i32.const', 4), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('loop'); // four k at a time
  for (let g = 0; g < R / 4; g++) {
    for (let i = 0; i < 4; i++) get(ps), get(off[4 * g + i]), f.op('i32.add'), f.simd('v128.load', 2, 0), set(r[i]);
    get(r[0]), get(r[1]), f.simd('i8x16.shuffle', ...lanes32(0, 4, 1, 5)), set(t[0]);
    get(r[2]), get(r[3]), f.simd('i8x16.shuffle', ...lanes32(0, 4, 1, 5)), set(t[1]);
    get(r[0]), get(r[1]), f.simd('i8x16.shuffle', ...lanes32(2, 6, 3, 7)), set(t[2]);
    get(r[2]), get(r[3]), f.simd('i8x16.shuffle', ...lanes32(2, 6, 3, 7)), set(t[3]);
    for (let kk = 0; kk < 4; kk++) {
      const [a, b] = kk < 2 ? [t[0], t[1]] : [t[2], t[3]];
      get(pd), get(a), get(b), f.simd('i8x16.shuffle', ...(kk % 2 === 0 ? lanes32(0, 1, 4, 5) : lanes32(2, 3, 6, 7))), f.simd('v128.store', 2, (kk * R + 4 * g) * 4);
    }
  }
  addTo(ps, 16);
  addTo(pd, 16 * R);
  addTo(k, 4);
  get(k), f.op('i32.const', 4), f.op('i32.add'), get(K), f.op('i32.le_s'), f.op('br_if', 0);
  f.op('end');
  f.op('end');
  f.op('block'); // the last K % 4 k, one element at a time
  get(k), get(K), f.op('i32.ge_s'), f.op('br_if', 0);
  f.op('loop');
  for (let l = 0; l < R; l++) get(pd), get(ps), get(off[l]), f.op('i32.add'), f.op('f32.load', 2, 0), f.op('f32.store', 2, 4 * l);
  addTo(ps, 4);
  addTo(pd, 4 * R);
  addTo(k, 1);
  get(k), get(K), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end');
  f.op('end');
  // the next panel's rows start R - 1 rows past where this panel's first row ended
  get(ps), get(off[R - 1]), f.op('i32.add'), set(ps);
  addTo(q, 1);
  get(q), get(PANELS), f.op('i32.lt_s'), f.op('br_if', 0);
  f.op('end');
  f.op('end');
}

export interface MatmulModule {
  readonly module: WebAssembly.Module;
  /** Its id for the worker threads (threads.ts instantiates `kernel` by id). */
  readonly id: number;
  readonly fn: MatmulFn;
  readonly pack: PackFn;
  readonly packRows4: PackRowsFn;
  readonly packRows8: PackRowsFn;
}

const instances = new WeakMap<WasmHeap, MatmulModule>();

/** The matmul kernel instantiated on `heap` (compiled once per heap). */
export function matmulKernel(heap: WasmHeap): MatmulModule {
  let k = instances.get(heap);
  if (!k) {
    const shared = heap.memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(matmulModule(shared) as Uint8Array<ArrayBuffer>);
    const exports = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports;
    instances.set(heap, (k = { module, id: newModuleId(), fn: exports.kernel as MatmulFn, pack: exports.pack as PackFn, packRows4: exports.packRows4 as PackRowsFn, packRows8: exports.packRows8 as PackRowsFn }));
  }
  return k;
}
