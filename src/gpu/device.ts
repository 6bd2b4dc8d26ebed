/**
 * WebGPU device acquisition.
 *
 * - Browsers: `navigator.gpu`.
 * - Node: Dawn, from the `webgpu` npm package (dawn.ts).
 *
 * `acquireGpu()` never throws for "no GPU here": it resolves to `null` and
 * `gpuUnavailableReason()` says why. The result (including `null`) is cached;
 * the cache is cleared when the device is lost or destroyed, so the next call
 * re-acquires. `releaseGpu()` destroys the device and drops every reference.
 */

import { errorMessage, findDawnAdapter, type GpuSource } from './dawn.js';
import type { GPU, GPUAdapter, GPUAdapterInfo, GPUDevice } from './webgpu_types.js';
import { configureTiledDot } from './render_dot.js';

export interface GpuInfo {
  adapter: GPUAdapter;
  device: GPUDevice;
  description: string;
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

let pending: Promise<GpuInfo | null> | null = null;
let current: GpuInfo | null = null;
/** The `GPU` object the current device came from. */
let currentGpu: GPU | null = null;
let unavailableReason: string | null = null;

/**
 * Resolve to the (cached) GPU device, or `null` when no adapter is available.
 * Concurrent callers share one acquisition.
 */
export function acquireGpu(): Promise<GpuInfo | null> {
  if (pending === null) {
    const attempt: Promise<GpuInfo | null> = acquire().catch((err: unknown) => {
      unavailableReason = `WebGPU acquisition failed: ${errorMessage(err)}`;
      return null;
    });
    pending = attempt;
  }
  return pending;
}

/**
 * The \`GPU\` object the device came from (navigator.gpu, or the Dawn instance in Node), or
 * null before a successful acquisition: for code that must share laxflow's instance (e.g.
 * giving other WebGPU libraries a \`navigator.gpu\` in Node).
 */
export function gpuInstance(): GPU | null {
  return current === null ? null : currentGpu;
}

/** Why the last `acquireGpu()` resolved to `null`; `null` if it succeeded or has not run. */
export function gpuUnavailableReason(): string | null {
  return unavailableReason;
}

/**
 * Destroy the cached device (if any) and forget everything, so the next
 * `acquireGpu()` starts from scratch. Safe to call at any time.
 */
export async function releaseGpu(): Promise<void> {
  const p = pending;
  pending = null;
  if (p !== null) {
    const info = await p.catch(() => null);
    if (info !== null) {
      // destroy() resolves device.lost, whose handler only clears state that
      // still belongs to this device.
      try {
        info.device.destroy();
      } catch {
        /* already gone */
      }
    }
  }
  current = null;
  unavailableReason = null;
}

// ---------------------------------------------------------------------------

async function acquire(): Promise<GpuInfo | null> {
  unavailableReason = null;
  const source = await findAdapter();
  if (source === null) return null; // findAdapter set the reason

  const { adapter } = source;
  const device = await requestDevice(adapter);
  if (device === null) return null;

  const description = await describeAdapter(adapter, source.via);
  // (tiled products only where barriers are hardware: render_dot.ts)
  configureTiledDot(!/llvmpipe|lavapipe|swiftshader|software/i.test(description) && !(adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const dl = device.limits;
  const info: GpuInfo = {
    adapter,
    device,
    description,
    limits: {
      maxStorageBufferBindingSize: dl.maxStorageBufferBindingSize,
      maxBufferSize: dl.maxBufferSize,
      maxComputeWorkgroupSizeX: dl.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: dl.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: dl.maxComputeWorkgroupsPerDimension,
    },
  };

  current = info;
  currentGpu = source.gpu;

  void device.lost.then(
    (lost) => {
      if (current !== info) return; // a newer device already replaced it
      current = null;
      pending = null;
      if (lost.reason !== 'destroyed') {
        unavailableReason = `previous WebGPU device was lost (${lost.reason}): ${lost.message}`;
      }
    },
    () => {
      /* never rejects per spec */
    },
  );
  return info;
}

async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice | null> {
  const al = adapter.limits as unknown as Record<string, number>;
  // Ask for everything the adapter can do for buffer sizes (the defaults, 128 MiB binding /
  // 256 MiB buffer, are far below most hardware), for storage bindings per kernel (a program
  // over the binding size binds each array separately, runtime.ts) and for workgroups: the kernels use up to
  // 256 invocations per workgroup, the core default, which compatibility-mode devices (the
  // OpenGL ES fallback) lower to 128 unless asked.
  const wanted = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize'];
  const requiredLimits: Record<string, number> = Object.fromEntries(wanted.filter((k) => typeof al[k] === 'number').map((k) => [k, al[k]]));
  try {
    return await adapter.requestDevice({ label: 'laxflow', requiredLimits });
  } catch (err) {
    // Some implementations refuse raised limits; fall back to the defaults.
    try {
      return await adapter.requestDevice({ label: 'laxflow' });
    } catch (err2) {
      unavailableReason =
        `requestDevice failed: ${errorMessage(err2)}` +
        ` (with adapter limits: ${errorMessage(err)})`;
      return null;
    }
  }
}

async function findAdapter(): Promise<GpuSource | null> {
  const bgpu = browserGpu();
  if (bgpu !== undefined) {
    const adapter = await bgpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter !== null) return { gpu: bgpu, adapter, via: 'navigator.gpu' };
    unavailableReason = 'navigator.gpu.requestAdapter() returned null (WebGPU disabled or no suitable GPU)';
    return null;
  }
  if (!isNode()) {
    unavailableReason = 'WebGPU is not available: navigator.gpu is undefined in this environment';
    return null;
  }
  const dawn = await findDawnAdapter();
  if ('reason' in dawn) {
    unavailableReason = dawn.reason;
    return null;
  }
  return dawn;
}

async function describeAdapter(adapter: GPUAdapter, via: string): Promise<string> {
  let info: GPUAdapterInfo | undefined = adapter.info;
  if (info === undefined && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = undefined;
    }
  }
  let text = info?.description ?? '';
  if (!text && info) {
    text = [info.vendor, info.architecture, info.device].filter((s) => s).join(' ');
  }
  return `${text || 'unknown adapter'} (${via})`;
}

function browserGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? undefined;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}
