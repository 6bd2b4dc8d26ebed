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
  private readonly idle = new Map<string, GPUBuffer[]>();
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
    const list = this.idle.get(`${usage}:${size}`);
    const hit = list?.pop();
    if (hit) {
      this.idleBytes -= size;
      return hit;
    }
    this.created++;
    return this.device.createBuffer({ label: `laxflow pool ${size}`, size, usage });
  }

  /** Return a buffer taken from this pool (not mapped). */
  give(buf: GPUBuffer): void {
    if (this.idleBytes + buf.size > this.maxIdleBytes) {
      buf.destroy();
      return;
    }
    const key = `${buf.usage}:${buf.size}`;
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    list.push(buf);
    this.idleBytes += buf.size;
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
