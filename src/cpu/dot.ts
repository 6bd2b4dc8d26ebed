// lax.dot_general on the CPU: for each output element, a sequential float32 (or wrapping
// integer) accumulation over the contracting axes in row-major order, as the oracle does.
//
// The operands are first viewed as batches of row-major matrices, A [batch, M, K] and
// B [batch, K, N] (copied into that layout only when their axes are not already in it),
// so every product is one of two loops:
// - float32 products of at least WASM_MIN multiply-adds with fewer than 8 columns (X @ w, and
//   a gradient's r @ X) run the narrow wasm SIMD kernels (wasm/narrow_dot.ts);
// - those with 8 or more columns run the wasm SIMD matmul kernel
//   (wasm/matmul.ts) on copies packed into panels (4 rows of A, 8 columns of B) in the kernel
//   heap by wasm, B's from its transpose as stored when it is contracted on its last axis
//   (x @ W.T, which vmap of W @ x is), in parts of MC rows (on the worker threads too,
//   threads.ts, from THREADED_MIN);
// - the rest run an i-k-j loop in JS: each row of C accumulates one row of B scaled by
//   A[i, k] at a time, so B is read along its rows (cache lines used whole) instead of down
//   its columns, and C's row is a Float32Array, so each add rounds to float32 as the oracle's.
// Both keep the oracle's order and roundings per element, so they are bit-exact with it.

import type { TypedArray } from '../graph/dtype.js';
import { sizeOf, stridesOf } from '../graph/shape.js';
import type { DotKernel } from '../scheduler/kernel.js';
import { matmulKernel, MC } from './wasm/matmul.js';
import { runCalls } from './wasm/threads.js';
import { sharedHeapOrNull, type WasmBuffer, type WasmHeap } from './wasm/memory.js';
import { narrowDotKernel } from './wasm/narrow_dot.js';

/** Products with fewer multiply-adds run in JS (a wasm call and its copies cost more). */
export const WASM_MIN = 1 << 14;
/** Products with at least this many multiply-adds (a 406^3 cube) split their rows over the worker threads: waking one costs tens of microseconds, and on a shared machine a second core is often busy. */
const THREADED_MIN = 1 << 26;

/** Flat offsets of every index of `shape` along `axes` of an array with `strides`. */
function offsets(shape: readonly number[], axes: readonly number[], strides: readonly number[]): Int32Array {
  const sizes = axes.map((a) => shape[a]);
  const out = new Int32Array(sizeOf(sizes));
  for (let i = 0; i < out.length; i++) {
    let r = i;
    let off = 0;
    for (let k = axes.length - 1; k >= 0; k--) {
      off += (r % sizes[k]) * strides[axes[k]];
      r = Math.floor(r / sizes[k]);
    }
    out[i] = off;
  }
  return out;
}

/** A copy of `x` as [batch, rows, cols] row-major: element (b, r, c) from bOff[b] + rOff[r] + cOff[c]. */
function asMatrices(x: TypedArray, bOff: Int32Array, rOff: Int32Array, cOff: Int32Array): TypedArray {
  const [nb, nr, nc] = [bOff.length, rOff.length, cOff.length];
  const out = new (x.constructor as { new (n: number): TypedArray })(nb * nr * nc);
  let o = 0;
  for (let b = 0; b < nb; b++) for (let r = 0; r < nr; r++) for (let c = 0; c < nc; c++) out[o++] = x[bOff[b] + rOff[r] + cOff[c]];
  return out;
}

/** The [cols, rows] transpose of a row-major [rows, cols] matrix, in 32 x 32 blocks. */
function transposed(x: TypedArray, rows: number, cols: number): TypedArray {
  const out = new (x.constructor as { new (n: number): TypedArray })(rows * cols);
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = x[r * cols + c];
    }
  }
  return out;
}

const sizeAlong = (shape: readonly number[], axes: readonly number[]) => axes.reduce((p, ax) => p * shape[ax], 1);

/** Whether the operand's [rows, cols] matrix is stored as its transpose [cols, rows], unbatched: axes of size 1 aside, its two axes in reverse order. */
function isTranspose(shape: readonly number[], b: readonly number[], r: readonly number[], c: readonly number[]): boolean {
  const moving = [...b, ...r, ...c].filter((ax) => shape[ax] !== 1);
  return moving.length === 2 && moving[0] > moving[1] && !b.some((ax) => shape[ax] !== 1);
}

/**
 * One operand as [batch, rows, cols] row-major, `order` its axes in that order: the input
 * itself when they are already in order (no offset tables built), else a copy.
 */
function operand(x: TypedArray, shape: readonly number[], b: readonly number[], r: readonly number[], c: readonly number[]): TypedArray {
  // axes of size 1 do not move elements: with the others in increasing order, x is already in
  // this layout (a transposed [K, 1] is [1, K] as it is)
  const moving = [...b, ...r, ...c].filter((ax) => shape[ax] !== 1);
  if (moving.every((ax, i) => i === 0 || moving[i - 1] < ax)) return x;
  const st = stridesOf(shape);
  // a plain matrix transpose ([N, K] contracted on K as the right operand): in cache blocks
  if (moving.length === 2) return transposed(x, shape[moving[1]], shape[moving[0]]);
  return asMatrices(x, offsets(shape, b, st), offsets(shape, r, st), offsets(shape, c, st));
}

export function runDot(k: DotKernel, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const free = (shape: readonly number[], used: readonly number[]) => shape.map((_, i) => i).filter((i) => !used.includes(i));
  const lFree = free(k.lhsShape, [...k.lhsContract, ...k.lhsBatch]);
  const rFree = free(k.rhsShape, [...k.rhsContract, ...k.rhsBatch]);
  const nb = sizeAlong(k.lhsShape, k.lhsBatch);
  const [M, K, N] = [sizeAlong(k.lhsShape, lFree), sizeAlong(k.lhsShape, k.lhsContract), sizeAlong(k.rhsShape, rFree)];
  if (nb * M * N === 0) return;
  const A = operand(a, k.lhsShape, k.lhsBatch, lFree, k.lhsContract);
  if (k.dtype === 'float32' && N >= 8 && M * N * K >= WASM_MIN) {
    // B contracted on its last axis (x @ W.T) is packed from W as it is, not transposed first
    const bT = isTranspose(k.rhsShape, k.rhsBatch, k.rhsContract, rFree);
    if (wasmMatmul(A as Float32Array, (bT ? b : operand(b, k.rhsShape, k.rhsBatch, k.rhsContract, rFree)) as Float32Array, out as Float32Array, nb, M, K, N, bT)) return;
  }
  const B = operand(b, k.rhsShape, k.rhsBatch, k.rhsContract, rFree);
  if (k.dtype === 'float32' && N < 8 && M * N * K >= WASM_MIN && wasmNarrow(A as Float32Array, B as Float32Array, out as Float32Array, nb, M, K, N)) return;
  for (let p = 0; p < nb; p++) productJS(k.dtype, A, B, out, p * M * K, p * K * N, p * M * N, M, K, N);
}

/** C[M, N] (at c0) = A[M, K] (at a0) @ B[K, N] (at b0), i-k-j order, in `dtype`'s arithmetic. */
function productJS(dtype: DotKernel['dtype'], A: TypedArray, B: TypedArray, C: TypedArray, a0: number, b0: number, c0: number, M: number, K: number, N: number): void {
  const f = Math.fround;
  if (dtype === 'float32' && N === 1) {
    // matrix-vector: one running float32 sum per row, in a register
    for (let i = 0; i < M; i++) {
      let acc = 0;
      const a = a0 + i * K;
      for (let c = 0; c < K; c++) acc = f(acc + f(A[a + c] * B[b0 + c]));
      C[c0 + i] = acc;
    }
    return;
  }
  for (let i = 0; i < M; i++) {
    const row = c0 + i * N;
    for (let j = 0; j < N; j++) C[row + j] = 0;
    for (let c = 0; c < K; c++) {
      const aic = A[a0 + i * K + c];
      const br = b0 + c * N;
      // C is a typed array of `dtype`: each store rounds (float32) or wraps (int32, uint32) as the oracle's step
      if (dtype === 'float32') for (let j = 0; j < N; j++) C[row + j] += f(aic * B[br + j]);
      else if (dtype === 'bool') for (let j = 0; j < N; j++) C[row + j] |= aic & B[br + j];
      else for (let j = 0; j < N; j++) C[row + j] += Math.imul(aic, B[br + j]);
    }
  }
}

/**
 * Heap blocks for one product, released together: `alloc` takes scratch, `place` gives an
 * operand where a kernel reads it: in place when it is heap memory, else a copy (with `copy`
 * false, only room: an output).
 */
function heapBlocks(heap: WasmHeap) {
  const bufs: WasmBuffer[] = [];
  const alloc = (n: number): WasmBuffer | undefined => {
    const buf = heap.tryAlloc('float32', n);
    if (buf) bufs.push(buf);
    return buf;
  };
  const place = (x: Float32Array, copy = true): { offset: number; view: Float32Array } | null => {
    if (x.buffer === heap.memory.buffer) return { offset: x.byteOffset, view: x };
    const buf = alloc(x.length);
    if (!buf) return null;
    const view = buf.view() as Float32Array;
    if (copy) view.set(x);
    return { offset: buf.offset, view };
  };
  return { alloc, place, release: () => bufs.forEach((b) => heap.release(b)) };
}

/** Rows of a one-column product per part on the worker threads (a multiple of 4). */
const NARROW_ROWS = 1 << 14;

/**
 * The batched float32 product for fewer than 8 columns on the narrow wasm kernels
 * (wasm/narrow_dot.ts): one column (X @ w) in parts of rows, on the worker threads too; else
 * four columns at a time (r @ X, a gradient's transposed product). Operands outside the heap
 * are copied in. False when the heap has no room.
 */
function wasmNarrow(A: Float32Array, B: Float32Array, out: Float32Array, nb: number, M: number, K: number, N: number): boolean {
  const heap = sharedHeapOrNull();
  if (!heap) return false;
  const blocks = heapBlocks(heap);
  try {
    const [a, b, c] = [blocks.place(A), blocks.place(B), blocks.place(out, false)];
    if (a === null || b === null || c === null) return false;
    const mod = narrowDotKernel(heap);
    for (let p = 0; p < nb; p++) {
      const [ap, bp, cp] = [a.offset + p * M * K * 4, b.offset + p * K * N * 4, c.offset + p * M * N * 4];
      if (N === 1) {
        const parts = Math.ceil(M / NARROW_ROWS);
        const args = [ap, bp, cp, M, K, NARROW_ROWS];
        if (M * K < 1 << 17 || parts < 2 || !runCalls(heap, mod, args, parts)) for (let q = 0; q < parts; q++) mod.fn(ap, bp, cp, M, K, NARROW_ROWS, q);
      } else mod.cols(ap, bp, cp, M, K, N);
    }
    if (c.view !== out) out.set(c.view.subarray(0, out.length));
    return true;
  } finally {
    blocks.release();
  }
}

/**
 * The partial panel after `full` panels of R rows: out[full][k][l] = X[x0 + (R full + l) K + k]
 * for the `rows - R full` rows left, 0 for the rest (pad rows that touch no kept output).
 */
function packTail(X: Float32Array, x0: number, rows: number, K: number, R: number, out: Float32Array, o0: number): void {
  const full = Math.floor(rows / R);
  const left = rows - full * R;
  if (left === 0) return;
  let o = o0 + full * K * R;
  for (let k = 0; k < K; k++, o += R) for (let l = 0; l < R; l++) out[o + l] = l < left ? X[x0 + (full * R + l) * K + k] : 0;
}

/**
 * The batched float32 product on the wasm kernel. Operands outside the heap are copied in
 * whole; there each batch's A is packed into panels of 4 rows and B into panels of 8 columns,
 * from B [K, N] or, with `bT`, from B's transpose [N, K] as given (zero rows and columns pad
 * them, touching no kept output); C is computed in the heap and its [M, N] part copied out.
 * False when the heap has no room.
 */
function wasmMatmul(A: Float32Array, B: Float32Array, out: Float32Array, nb: number, M: number, K: number, N: number, bT: boolean): boolean {
  const heap = sharedHeapOrNull();
  if (!heap) return false;
  const [M4, N8] = [Math.ceil(M / 4) * 4, Math.ceil(N / 8) * 8];
  const { alloc, place, release } = heapBlocks(heap);
  try {
    const a = place(A);
    const b = a && place(B);
    const [ab, cb, pb] = [alloc(M4 * K), alloc(M4 * N8), alloc(K * N8)];
    // B [K, N] with N not a multiple of 8 is padded to [K, N8] before `pack`
    const bb = !bT && N !== N8 ? alloc(K * N8) : null;
    if (!a || !b || !ab || !cb || !pb || (!bT && N !== N8 && !bb)) return false;
    const mm = matmulKernel(heap);
    const [av, cv, pv] = [ab.view() as Float32Array, cb.view() as Float32Array, pb.view() as Float32Array];
    for (let p = 0; p < nb; p++) {
      mm.packRows4(a.offset + p * M * K * 4, ab.offset, Math.floor(M / 4), K);
      packTail(a.view, p * M * K, M, K, 4, av, 0);
      if (bT) {
        mm.packRows8(b.offset + p * K * N * 4, pb.offset, Math.floor(N / 8), K);
        packTail(b.view, p * K * N, N, K, 8, pv, 0);
      } else if (bb) {
        const bv = bb.view() as Float32Array;
        bv.fill(0);
        for (let c = 0; c < K; c++) bv.set(b.view.subarray(p * K * N + c * N, p * K * N + (c + 1) * N), c * N8);
        mm.pack(bb.offset, pb.offset, K, N8);
      } else mm.pack(b.offset + p * K * N * 4, pb.offset, K, N8);
      // parts of MC rows each, on the worker threads when the product is large enough
      const args = [ab.offset, pb.offset, cb.offset, M4, K, N8, MC];
      const parts = M4 / MC > 1 ? Math.ceil(M4 / MC) : 1;
      if (M * N * K < THREADED_MIN || parts < 2 || !runCalls(heap, mm, args, parts)) for (let q = 0; q < parts; q++) mm.fn(ab.offset, pb.offset, cb.offset, M4, K, N8, MC, q);
      if (N === N8) out.set(cv.subarray(0, M * N), p * M * N);
      else for (let i = 0; i < M; i++) out.set(cv.subarray(i * N8, i * N8 + N), p * M * N + i * N);
    }
  } finally {
    release();
  }
  return true;
}
