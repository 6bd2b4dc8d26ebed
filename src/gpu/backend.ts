// The WebGPU backend: `run(outputs)` schedules with the shared scheduler
// (src/scheduler/schedule.ts), renders every kernel of that schedule to WGSL
// (render_kernel.ts, render_scan.ts) and runs them with one submit (runtime.ts).
//
// Fallbacks, always announced once on the console, never silent:
// - a schedule with a kernel that has no WGSL form (NotLowered: a scan whose body is not
//   lane-wise, e.g. a reduction across lanes or a nested scan) runs on the CPU backend;
// - a program whose lane-wise scan touched another lane's elements of a carried array at run
//   time (LaneEscape, render_scan.ts) is recomputed on the CPU backend, and stays there;
// - no adapter (or none after a loss): the CPU backend.
// Device loss: a run that fails because the device was lost re-acquires a device (new
// pools and caches) and recomputes from the graph; nodes keep host values only, so
// nothing is lost with the device.
// Long runs: every 64 realizes the backend yields to the event loop (setImmediate), so
// Dawn's callbacks and the garbage collector's finalizers run and memory stays flat.

import type { TypedArray } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import { runLoops, runOnHost, yieldToEventLoop, type Backend } from '../scheduler/realize.js';
import { schedule } from '../scheduler/schedule.js';
import type { Schedule } from '../scheduler/kernel.js';
import { BufferPool } from './buffer_pool.js';
import { acquireGpu, gpuUnavailableReason } from './device.js';
import { PipelineCache } from './pipeline_cache.js';
import { NotLowered } from './dispatch.js';
import { renderKernel } from './render_kernel.js';
import { execute, LaneEscape, lowerInfo, ranSplit, type GpuContext, type LoweredKernel } from './runtime.js';

export interface RunStats {
  /** Kernels in the schedule. */
  kernels: number;
  /** Compute dispatches encoded (a patch with a copy is two). */
  dispatches: number;
  /** queue.submit calls. */
  submits: number;
  /** Where it ran. */
  ranOn: 'webgpu' | 'cpu';
  /** Present when its arrays were bound separately (together they exceed one binding, runtime.ts). */
  split?: true;
}

export interface WebGpuOptions {
  /**
   * Bytes one storage binding may hold, below the device's maxStorageBufferBindingSize (for
   * tests of programs larger than one binding, which a real limit makes too slow to build).
   */
  maxBindingBytes?: number;
}

/** A schedule's WGSL form (its kernels and the compute dispatches they encode), or why it has none. */
type Lowered = { kernels: LoweredKernel[]; dispatches: number } | string;
const loweredByKernels = new WeakMap<Schedule['kernels'], Lowered>();

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  private ctx: GpuContext | null = null;
  private runs = 0;
  private readonly warned = new Set<string>();
  /** What the last `run` did (for tests and benchmarks). */
  last: RunStats | null = null;
  /** Devices acquired over this backend's life (a loss adds one). */
  devicesAcquired = 0;

  constructor(private readonly options: WebGpuOptions = {}) {}

  /** The most bytes one array may hold: one storage binding (known once a device is acquired). */
  get maxArrayBytes(): number | undefined {
    const l = this.ctx?.gpu.limits;
    return l ? Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) : this.options.maxBindingBytes;
  }

  private warnOnce(msg: string): void {
    if (this.warned.has(msg)) return;
    this.warned.add(msg);
    console.warn(msg);
  }

  /** The current context, re-acquired after a loss; null when no adapter exists. */
  async context(): Promise<GpuContext | null> {
    if (this.ctx && !this.ctx.lost) return this.ctx;
    const device = await acquireGpu();
    if (!device) return null;
    const cap = this.options.maxBindingBytes;
    const gpu = cap === undefined ? device : { ...device, limits: { ...device.limits, maxStorageBufferBindingSize: Math.min(cap, device.limits.maxStorageBufferBindingSize) } };
    const ctx: GpuContext = { gpu, pool: new BufferPool(gpu.device), pipelines: new PipelineCache(gpu.device), lost: false };
    void gpu.device.lost.then(() => {
      ctx.lost = true;
      ctx.pipelines.clear();
    });
    this.ctx = ctx;
    this.devicesAcquired++;
    return ctx;
  }

  /** The schedule of `outputs` and its WGSL, or the reason it has none. */
  lower(outputs: readonly Node[]): { s: Schedule; kernels: LoweredKernel[]; dispatches: number } | { s: Schedule; reason: string } {
    const s = schedule(outputs);
    // Schedules of one program share their kernels (the scheduler caches by structure), so
    // their WGSL is rendered once.
    let lowered = loweredByKernels.get(s.kernels);
    if (lowered === undefined) {
      try {
        // A kernel whose outputs are all empty has nothing to compute: no dispatch, no shader.
        const empty = (k: Schedule['kernels'][number]) => k.outputs.every((b) => s.buffers[b].size === 0);
        const kernels = lowerInfo(s, s.kernels.map((k) => (empty(k) ? [] : renderKernel(k))));
        lowered = { kernels, dispatches: kernels.reduce((a, k) => a + k.dispatches.filter((d) => d.workgroups > 0).length, 0) };
      } catch (e) {
        if (!(e instanceof NotLowered)) throw e;
        lowered = e.message;
      }
      loweredByKernels.set(s.kernels, lowered);
    }
    return typeof lowered === 'string' ? { s, reason: lowered } : { s, ...lowered };
  }

  private async onCpu(outputs: readonly Node[], s: Schedule | null): Promise<TypedArray[]> {
    this.last = { kernels: s?.kernels.length ?? 0, dispatches: 0, submits: 0, ranOn: 'cpu' };
    return runOnHost(outputs);
  }

  async run(outputs: readonly Node[]): Promise<TypedArray[]> {
    if (++this.runs % 64 === 0) await yieldToEventLoop();
    await runLoops(outputs, this); // while loops: a host loop of runs, each reading its predicate back
    const lowered = this.lower(outputs);
    if ('reason' in lowered) {
      this.warnOnce(`laxflow webgpu: ${lowered.reason}; such schedules run on the CPU backend`);
      return this.onCpu(outputs, lowered.s);
    }
    for (let attempt = 0; ; attempt++) {
      const ctx = await this.context();
      if (!ctx) {
        this.warnOnce(`laxflow webgpu: no WebGPU device (${gpuUnavailableReason() ?? 'unknown reason'}); running on the CPU backend`);
        return this.onCpu(outputs, lowered.s);
      }
      try {
        const values = await execute(ctx, lowered.s, lowered.kernels);
        this.last = { kernels: lowered.s.kernels.length, dispatches: lowered.dispatches, submits: 1, ranOn: 'webgpu', ...(ranSplit(lowered.kernels) ? { split: true as const } : {}) };
        return values;
      } catch (e) {
        if (e instanceof LaneEscape) {
          // The values depend on data the next run may share: this program stays on the CPU.
          const reason = `${e.message} (its values depend on data); this program runs on the CPU backend`;
          loweredByKernels.set(lowered.s.kernels, reason);
          this.warnOnce(reason);
          return this.onCpu(outputs, lowered.s);
        }
        await Promise.race([ctx.gpu.device.lost, yieldToEventLoop()]);
        if (!ctx.lost || attempt >= 2) throw e;
        this.warnOnce('laxflow webgpu: the device was lost; re-acquiring it and recomputing from the graph');
      }
    }
  }

  /** Pools and caches of the current device (for tests). */
  get context_(): GpuContext | null {
    return this.ctx;
  }
}

/** The backend when an adapter exists, else why there is none (devices.ts falls back to the CPU, or names the reason). */
export async function loadWebGpuBackend(): Promise<Backend | string> {
  return (await acquireGpu()) ? new WebGpuBackend() : (gpuUnavailableReason() ?? 'no WebGPU adapter was found');
}
