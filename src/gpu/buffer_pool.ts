// A pool of GPU buffers reused across schedules, by size class (powers of two from
// 256 bytes). A realize takes the buffers it needs and gives them back once its work is
// submitted; WebGPU orders queue operations, so the next schedule may reuse them at once.
// The pool keeps at most `maxIdleBytes` of idle buffers and destroys the rest, so a long
// run's memory stays flat.

import type { GPUBuffer, GPUDevice } from './webgpu_types.js';

const MIN_CLASS = 256;

/** The size class (bytes) a request of `bytes` is served from. */
export function sizeClass(bytes: number): number {
  let c = MIN_CLASS;
  while (c < bytes) c *= 2;
  return c;
}

export class BufferPool {
  /** Idle buffers by `size class * 2^12 + usage` (usage flags are below 2^10). */
  private readonly idle = new Map<number, GPUBuffer[]>();
  /** Each created buffer's list key (its usage and size class), so giving it back reads no Dawn getter. */
  private readonly keys = new WeakMap<GPUBuffer, { key: number; size: number }>();
  private idleBytes = 0;
  /** Buffers created (for tests: reuse means this stops growing). */
  created = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxIdleBytes = 256 * 1024 * 1024,
  ) {}

  /** A buffer of at least `bytes` with exactly `usage`. */
  take(bytes: number, usage: number): GPUBuffer {
    const size = sizeClass(bytes);
    const key = size * 4096 + usage;
    const hit = this.idle.get(key)?.pop();
    if (hit) {
      this.idleBytes -= size;
      return hit;
    }
    this.created++;
    const buf = this.device.createBuffer({ label: `laxflow pool ${size}`, size, usage });
    this.keys.set(buf, { key, size });
    return buf;
  }

  /** Return a buffer taken from this pool (not mapped). */
  give(buf: GPUBuffer): void {
    const { key, size } = this.keys.get(buf) ?? { key: buf.size * 4096 + buf.usage, size: buf.size };
    if (this.idleBytes + size > this.maxIdleBytes) {
      buf.destroy();
      return;
    }
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    list.push(buf);
    this.idleBytes += size;
  }

  /** Destroy every idle buffer. */
  clear(): void {
    for (const list of this.idle.values()) list.forEach((b) => b.destroy());
    this.idle.clear();
    this.idleBytes = 0;
  }

  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }
}
