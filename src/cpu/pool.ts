// Host storage for large buffers. Fresh big typed arrays cost more than a loop shows: the
// allocator maps new pages and the OS faults each one in on first touch, which can take
// longer than the kernel that fills it. Large float32/int32/uint32
// buffers therefore live in the shared wasm heap (src/cpu/wasm/memory.ts: one reserved
// memory that never grows, whose pages stay resident once used), as typed-array views of
// it. That also lets the wasm SIMD kernels run on them in place.
//
// A heap block comes back (for the next `take`):
// - for intermediates, when the schedule that used them has run (cpu/executor.ts);
// - for the buffer a realized node keeps (`node.buf`) or a constant's data, when the node is
//   garbage collected (`adopt`, through a FinalizationRegistry, so only once the program
//   returns to the event loop). A block is adopted by one node at a time: one whose storage
//   moves to another node (an in-place patch) is `disown`ed by the donor first.
// Nothing outside the engine ever sees a heap view: `data()` and `realize()` return
// ordinary arrays, and buffers that leave the engine otherwise (the streams keep their
// carries) are copied out to ordinary arrays first; a stream reads a batch's outputs in
// place and gives them back (scheduler/realize.ts, through `heapStorage`). Buffers under `minBytes`, bool buffers, and
// everything once the heap is full are ordinary typed arrays, never recycled.
// A recycled block is zero-filled unless its first writer sets every element (the executor
// says which).

import { allocate, storage, type DType, type TypedArray } from '../graph/dtype.js';
import type { Storage } from '../scheduler/realize.js';
import { isWasmDType, sharedHeapOrNull, type WasmBuffer } from './wasm/memory.js';

const limits = { minBytes: 1 << 16, poison: false };

/**
 * For tests: make buffers from `minBytes` on heap-resident, and with `poison` fill a recycled
 * block taken without zeroing with 0xff bytes, so a kernel that reads an output element before
 * writing it fails loudly. Returns the previous settings.
 */
export function configurePool(next: Partial<typeof limits>): typeof limits {
  const prev = { ...limits };
  Object.assign(limits, next);
  return prev;
}

/** The heap block behind each heap-resident view. */
const blocks = new WeakMap<TypedArray, WasmBuffer>();
/**
 * Past PRESSURE_FROM_BYTES of live blocks, an untouched ArrayBuffer of each new block's size,
 * alive exactly as long as its view. V8 paces garbage collection by the memory it sees
 * allocated; the heap's blocks are invisible to it, so without this the nodes holding dead
 * blocks would be collected (and the blocks come back) late, and the heap would fill. Never
 * written, so it costs address space, not pages. Below the threshold it is left out: the
 * extra collections it causes slow a stream of large batches markedly.
 */
const PRESSURE_FROM_BYTES = 128 << 20;
const pressure = new WeakMap<TypedArray, ArrayBuffer>();
/** Views currently adopted by a node (a block is adopted by one node at a time). */
const adopted = new WeakSet<TypedArray>();

/** Counters: blocks taken that were used before, fresh blocks, and blocks given back. */
export const poolStats = { hits: 0, misses: 0, given: 0 };

/** Is `b` a block of the shared wasm heap (so a wasm kernel can use it in place, and a cache may keep it while its owner lives)? */
export const heapResident = (b: TypedArray): boolean => blocks.has(b);

/**
 * Is `b` in the shared wasm heap: a block, or a part of one (a stream's steps in its staging
 * segment)? For one kernel call's arguments, read or written in place during the call; what
 * is kept beyond a call goes by `heapResident`.
 */
export const inHeap = (b: TypedArray): boolean => blocks.has(b) || (b.byteLength > 0 && b.buffer === sharedHeapOrNull()?.memory.buffer);

/**
 * A buffer for `size` elements of `dtype`: zero-filled as `allocate` gives it, or with `zeroed`
 * false, holding stale values (for a writer that sets every element).
 */
export function take(dtype: DType, size: number, zeroed = true): TypedArray {
  if (size * 4 < limits.minBytes || !isWasmDType(dtype)) return allocate(dtype, size);
  const heap = sharedHeapOrNull();
  if (!heap) return allocate(dtype, size);
  const top = heap.heldBytes;
  const block = heap.tryAlloc(dtype, size);
  if (!block) return allocate(dtype, size);
  const view = new storage[dtype](heap.memory.buffer, block.offset, size);
  blocks.set(view, block);
  if (heap.liveBytes > PRESSURE_FROM_BYTES) pressure.set(view, new ArrayBuffer(block.capacity));
  if (block.offset < top) {
    // a freed block, written before
    poolStats.hits++;
    if (zeroed) view.fill(0);
    else if (limits.poison) new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0xff);
  } else poolStats.misses++; // past the old top: never written, so zero
  return view;
}

/**
 * A heap-resident buffer of any size that `owner` keeps (a compiled program's intermediates,
 * used again by every run): wasm kernels use it in place instead of staging a copy. Back to
 * the heap when the owner is collected; an ordinary array where the heap has no room.
 */
export function takeKept(owner: object, dtype: DType, size: number): TypedArray {
  const heap = isWasmDType(dtype) ? sharedHeapOrNull() : null;
  const block = heap && isWasmDType(dtype) ? heap.tryAlloc(dtype, Math.max(size, 1)) : undefined;
  if (!heap || !block) return allocate(dtype, size);
  const view = new storage[dtype](heap.memory.buffer, block.offset, size);
  view.fill(0);
  blocks.set(view, block);
  adopt(owner, view);
  return view;
}

/** A heap-resident copy of `src` (np.array's storage), or a plain copy. */
export function copyIn<T extends TypedArray>(src: T, dtype: DType): TypedArray {
  if (src.length * 4 < limits.minBytes || !isWasmDType(dtype)) return new storage[dtype](src as never);
  const b = take(dtype, src.length, false);
  b.set(src as never);
  return b;
}

/** Give back a heap buffer nothing reads any more (others are left to the GC). */
export function give(b: TypedArray): void {
  const block = blocks.get(b);
  if (!block || adopted.has(b)) return;
  blocks.delete(b);
  poolStats.given++;
  block.heap.release(block);
}

const registry = new FinalizationRegistry<TypedArray>((b) => {
  adopted.delete(b);
  give(b);
});

/** `node` now keeps `buf` (its value or constant data): give the block back when the node dies. */
export function adopt(node: object, buf: TypedArray): void {
  if (!blocks.has(buf) || adopted.has(buf)) return;
  adopted.add(buf);
  registry.register(node, buf, node);
}

/** `node` no longer keeps `buf` (its storage moved to another node). */
export function disown(node: object, buf: TypedArray | undefined): void {
  if (buf === undefined || !adopted.has(buf)) return;
  registry.unregister(node);
  adopted.delete(buf);
}

/** Bytes of the shared heap in live blocks (tests, leak checks). */
export const heapLiveBytes = (): number => sharedHeapOrNull()?.liveBytes ?? 0;

/**
 * Past this many live bytes an async read first yields one event-loop turn (realize.ts):
 * the blocks of dead arrays come back only through FinalizationRegistry callbacks, which
 * never run in a loop of awaits on the synchronous CPU backend (`for (...) await
 * f(x).data()`), so without the turn such a loop fills the heap and then allocates outside it.
 */
const YIELD_FROM_BYTES = 256 << 20;

/** Should an async read let the event loop turn first (many live heap bytes, maybe dead)? */
export const heapCrowded = (): boolean => heapLiveBytes() > YIELD_FROM_BYTES;

/** The CPU backend's storage, as the realization layer sees it. */
export const heapStorage: Storage = { copyIn, take: (dtype, size) => take(dtype, size, false), adopt, disown, give, owns: heapResident, crowded: heapCrowded };
