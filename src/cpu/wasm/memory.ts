// The kernel heap: one `WebAssembly.Memory` shared by every compiled kernel, and an
// allocator of typed buffers inside it, so kernels read and write buffers in place
// instead of copying typed arrays in and out around each call.
//
// The process-wide heap (`sharedHeap`) is reserved once at its full size and never grows:
// growing a memory detaches its ArrayBuffer, and once any ArrayBuffer has been detached V8
// runs every typed-array loop in the process slower (a protector is invalidated).
// A reserved page costs address space only until it is first written, so the heap's
// resident size is what its buffers have used at peak. When it is full, `tryAlloc` returns
// undefined and callers use ordinary typed arrays. Growable heaps (`new WasmHeap(pages)`)
// serve the tests of the code generator.
//
// Allocations are kept as byte offsets (`WasmBuffer.offset`); `buf.view()` re-creates the
// view whenever the memory's buffer has changed (only a growable heap's does).
//
// Freed blocks go to free lists keyed by size class (sizes rounded up to 1, 1.25, 1.5 or
// 1.75 times a power of two, so at most 25% is wasted and similar sizes share blocks).
// WebAssembly memory cannot shrink; `liveBytes` and `heldBytes` report what is held.

import type { DType } from '../../graph/dtype.js';
import { threadCount } from './thread_count.js';

export type WasmDType = 'float32' | 'int32' | 'uint32';
export type WasmView = Float32Array | Int32Array | Uint32Array;

const ctor = { float32: Float32Array, int32: Int32Array, uint32: Uint32Array } as const;
const PAGE = 65536;
const ALIGN = 16; // one v128

export const isWasmDType = (d: DType): d is WasmDType => d === 'float32' || d === 'int32' || d === 'uint32';

/** The size class of `bytes`: the next multiple of 2^k with 4·2^k <= bytes (k >= 4, so 16-byte aligned). */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const k = Math.max(4, Math.floor(Math.log2(bytes)) - 2);
  const unit = 2 ** k;
  return Math.ceil(bytes / unit) * unit;
}

/** A typed buffer living in the heap; `length` elements of `dtype` at byte `offset`. */
export class WasmBuffer {
  private cached: WasmView | undefined;
  freed = false;

  constructor(
    readonly heap: WasmHeap,
    readonly dtype: WasmDType,
    readonly offset: number,
    readonly length: number,
    /** Bytes reserved (the size class). */
    readonly capacity: number,
  ) {}

  /** A view over the buffer, valid until the heap grows (call again after any allocation). */
  view(): WasmView {
    if (this.freed) throw new Error('wasm heap: use of a freed buffer');
    const mem = this.heap.memory.buffer;
    if (this.cached?.buffer !== mem) this.cached = new ctor[this.dtype](mem, this.offset, this.length);
    return this.cached;
  }
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top = ALIGN; // offset 0 stays unused, so no buffer has the null address
  private readonly free = new Map<number, number[]>();
  private live = 0;

  constructor(
    initialPages = 16,
    /** False: the memory keeps its initial size, and `tryAlloc` fails when it is full. */
    readonly growable = true,
    /** A shared memory (its buffer a SharedArrayBuffer), which worker threads can run kernels on. */
    readonly shared = false,
  ) {
    if (shared && growable) throw new Error('wasm heap: a shared heap has a fixed size');
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: growable ? 65536 : initialPages, ...(shared ? { shared: true } : {}) });
  }

  /** A buffer, or undefined when a fixed-size heap is full. */
  tryAlloc(dtype: WasmDType, length: number): WasmBuffer | undefined {
    const cap = sizeClass(Math.max(1, length) * 4);
    let offset = this.free.get(cap)?.pop();
    if (offset === undefined) {
      offset = this.top;
      const have = this.memory.buffer.byteLength;
      if (offset + cap > have && !this.growable) return undefined;
      this.top += cap;
      if (this.top > have) {
        // grow at least geometrically so a sequence of allocations grows O(log) times
        const need = Math.ceil((this.top - have) / PAGE);
        const pages = Math.min(Math.max(need, have / PAGE / 2), 65536 - have / PAGE);
        if (pages < need) throw new RangeError(`wasm heap: out of memory allocating ${length * 4} bytes`);
        this.memory.grow(pages);
      }
    }
    this.live += cap;
    return new WasmBuffer(this, dtype, offset, length, cap);
  }

  release(buf: WasmBuffer): void {
    if (buf.heap !== this) throw new Error('wasm heap: buffer belongs to another heap');
    if (buf.freed) throw new Error('wasm heap: double free');
    buf.freed = true;
    this.live -= buf.capacity;
    let list = this.free.get(buf.capacity);
    if (!list) this.free.set(buf.capacity, (list = []));
    list.push(buf.offset);
  }

  /** Bytes in live blocks. */
  get liveBytes(): number {
    return this.live;
  }

  /** Bytes ever handed out (the top of the heap): a block below it was written before. */
  get heldBytes(): number {
    return this.top;
  }
}

/** The shared heap's reservation: 1 GiB of address space (resident only where written). */
export const SHARED_HEAP_PAGES = 16384;

let shared: WasmHeap | null | undefined;

/**
 * The process-wide heap every kernel from compile.ts is instantiated against, or null where
 * the reservation fails (a 32-bit host, a tight address-space limit): then nothing is
 * heap-resident and every kernel runs in JS. Its memory is a shared one where kernels can
 * run on worker threads too (threads.ts), else an ordinary one.
 */
export function sharedHeapOrNull(): WasmHeap | null {
  if (shared === undefined) {
    const threads = threadCount() > 1;
    try {
      shared = new WasmHeap(SHARED_HEAP_PAGES, false, threads);
    } catch {
      try {
        shared = threads ? new WasmHeap(SHARED_HEAP_PAGES, false) : null;
      } catch {
        shared = null;
      }
    }
  }
  return shared;
}

export function sharedHeap(): WasmHeap {
  const h = sharedHeapOrNull();
  if (!h) throw new Error('wasm heap: the shared heap could not be reserved');
  return h;
}
