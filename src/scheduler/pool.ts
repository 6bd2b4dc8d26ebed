// A pool of large host buffers for the CPU backend. Fresh big typed arrays cost more than a
// loop shows: the allocator maps new pages and the OS faults each one in on first touch (on
// this project's VMs about 3 ms for 4 MiB, more than the kernel that fills it). Buffers that
// die are kept here and handed out again, so kernels write warm memory.
//
// Where buffers come back from:
// - intermediates, when the schedule that used them has run (cpu/executor.ts);
// - the buffer a realized node keeps (`node.buf`), when the node is garbage collected
//   (`adopt`, through a FinalizationRegistry, so only once the program returns to the event
//   loop). Only buffers this pool issued are adopted, once: a buffer whose storage moves to
//   another node (an in-place patch) is `disown`ed by the donor first, and a buffer handed
//   out of the engine (`handOut`: the streams keep their carries' buffers) is never pooled
//   again, so nothing outside the engine can see a pooled buffer change.
// A recycled buffer is zero-filled unless its first writer sets every element (the executor
// says which). Buffers under `minBytes` are not pooled (the allocator reuses those well); the
// pool holds at most `maxHeldBytes` and drops what does not fit.

import { allocate, type DType, type TypedArray } from '../graph/dtype.js';

const free = new Map<string, TypedArray[]>();
let held = 0;
/** Buffers in `free` (so none is listed twice). */
const listed = new WeakSet<TypedArray>();
/** Buffers this pool handed out (only these may come back). */
const issued = new WeakSet<TypedArray>();
/** Buffers currently adopted by a node (so a buffer is adopted at most once). */
const adopted = new WeakSet<TypedArray>();

const limits = { minBytes: 1 << 16, maxHeldBytes: 128 << 20, poison: false };

/**
 * For tests: pool from `minBytes` on, hold at most `maxHeldBytes`, and with `poison` fill a
 * recycled buffer taken without zeroing with NaN bits, so a kernel that reads an output element
 * before writing it fails loudly. Returns the previous settings.
 */
export function configurePool(next: Partial<typeof limits>): typeof limits {
  const prev = { ...limits };
  Object.assign(limits, next);
  if (held > limits.maxHeldBytes) clear();
  return prev;
}

/** Drop every held buffer. */
export function clear(): void {
  for (const list of free.values()) for (const b of list) listed.delete(b);
  free.clear();
  held = 0;
}

/** Counters: buffers taken from the pool, taken fresh, and given back (tests, benchmarks). */
export const poolStats = { hits: 0, misses: 0, given: 0 };

const keyOf = (dtype: DType, size: number) => `${dtype}:${size}`;

/**
 * A buffer for `size` elements of `dtype`, warm if the pool has one: zero-filled as `allocate`
 * gives it, or with `zeroed` false, holding stale values (for a writer that sets every element).
 */
export function take(dtype: DType, size: number, zeroed = true): TypedArray {
  const bytes = size * (dtype === 'bool' ? 1 : 4);
  if (bytes < limits.minBytes) return allocate(dtype, size);
  const b = free.get(keyOf(dtype, size))?.pop();
  if (b) {
    listed.delete(b);
    poolStats.hits++;
    held -= b.byteLength;
    if (zeroed) return b.fill(0);
    if (limits.poison) new Uint8Array(b.buffer, b.byteOffset, b.byteLength).fill(0xff);
    return b;
  }
  poolStats.misses++;
  const fresh = allocate(dtype, size);
  issued.add(fresh);
  return fresh;
}

/** Give back a buffer nothing reads any more (ignored unless this pool issued it). */
export function give(b: TypedArray): void {
  if (!issued.has(b) || adopted.has(b) || listed.has(b) || held + b.byteLength > limits.maxHeldBytes) return;
  const key = keyOf(dtypeOfArray(b), b.length);
  let list = free.get(key);
  if (!list) free.set(key, (list = []));
  poolStats.given++;
  listed.add(b);
  list.push(b);
  held += b.byteLength;
}

function dtypeOfArray(b: TypedArray): DType {
  if (b instanceof Float32Array) return 'float32';
  if (b instanceof Int32Array) return 'int32';
  if (b instanceof Uint32Array) return 'uint32';
  return 'bool';
}

const registry = new FinalizationRegistry<TypedArray>((b) => {
  adopted.delete(b);
  give(b);
});

/** `node` now keeps `buf` (its realized value): pool the buffer when the node dies. */
export function adopt(node: object, buf: TypedArray): void {
  if (!issued.has(buf) || adopted.has(buf)) return;
  adopted.add(buf);
  registry.register(node, buf, node);
}

/** `node` no longer keeps `buf` (moved to another node, or handed out): never pool it for this node. */
export function disown(node: object, buf: TypedArray | undefined): void {
  if (buf === undefined || !adopted.has(buf)) return;
  registry.unregister(node);
  adopted.delete(buf);
}

/** `node`'s buffer leaves the engine's ownership (someone outside keeps it): never pool it. */
export function handOut(node: object, buf: TypedArray): void {
  disown(node, buf);
  issued.delete(buf);
}

/** Bytes held for reuse (tests, leak checks). */
export const pooledBytes = () => held;
