/**
 * WebGPU device acquisition.
 *
 * - Browsers: `navigator.gpu`.
 * - Node: the `webgpu` npm package (Dawn's dawn.node), loaded with a dynamic
 *   import so that neither browsers nor Node installs without it pay for it.
 *
 * `acquireGpu()` never throws for "no GPU here": it resolves to `null` and
 * `gpuUnavailableReason()` says why. The result (including `null`) is cached;
 * the cache is cleared when the device is lost or destroyed, so the next call
 * re-acquires. `releaseGpu()` destroys the device and drops every reference.
 *
 * Environment (Node only):
 * - LAXFLOW_DAWN_BACKEND: Dawn backend to fall back to when the default
 *   (Vulkan on Linux) yields no adapter, e.g. `opengles`, `opengl`, `vulkan`,
 *   `null`. GL backends are requested with featureLevel "compatibility".
 */

import type { GPU, GPUAdapter, GPUAdapterInfo, GPUDevice, GPUFeatureLevel } from './webgpu_types.js';

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

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

interface GpuSource {
  adapter: GPUAdapter;
  /** Human-readable note on how the adapter was obtained, e.g. "dawn vulkan". */
  via: string;
}

let pending: Promise<GpuInfo | null> | null = null;
let current: GpuInfo | null = null;
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
  if (current === null) return null;
  return browserGpu() ?? dawnInstances.get(currentInstanceKey ?? '') ?? null;
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
  // 256 MiB buffer, are far below most hardware) and for workgroups: the kernels use up to
  // 256 invocations per workgroup, the core default, which compatibility-mode devices (the
  // OpenGL ES fallback) lower to 128 unless asked.
  const wanted = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize'];
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
    if (adapter !== null) return { adapter, via: 'navigator.gpu' };
    unavailableReason = 'navigator.gpu.requestAdapter() returned null (WebGPU disabled or no suitable GPU)';
    return null;
  }
  if (!isNode()) {
    unavailableReason = 'WebGPU is not available: navigator.gpu is undefined in this environment';
    return null;
  }
  return findDawnAdapter();
}

async function findDawnAdapter(): Promise<GpuSource | null> {
  let dawn: DawnModule;
  try {
    // A non-literal specifier keeps bundlers and tsc from resolving the
    // package (and its @webgpu/types globals) statically.
    const spec = 'webgpu';
    const mod = (await import(/* @vite-ignore */ spec)) as Partial<DawnModule> & { default?: Partial<DawnModule> };
    const create = mod.create ?? mod.default?.create;
    const globals = mod.globals ?? mod.default?.globals ?? {};
    if (typeof create !== 'function') throw new Error("module 'webgpu' has no create() export");
    dawn = { create, globals };
  } catch (err) {
    unavailableReason =
      `WebGPU in Node needs the 'webgpu' package (Dawn): npm install webgpu (${errorMessage(err)})`;
    return null;
  }
  installDawnGlobals(dawn.globals);

  const attempts: string[] = [];

  // 1. Dawn's defaults (Vulkan on Linux; Metal / D3D12 elsewhere), core features.
  const first = await tryDawn(dawn, [], undefined, 'default', attempts);
  if (first !== null) return first;

  // 2. An explicitly requested backend, e.g. LAXFLOW_DAWN_BACKEND=opengles.
  const backend = envVar('LAXFLOW_DAWN_BACKEND')?.trim().toLowerCase();
  if (backend) {
    const glLike = backend === 'opengl' || backend === 'opengles';
    const levels: GPUFeatureLevel[] = glLike ? ['compatibility'] : ['core', 'compatibility'];
    for (const level of levels) {
      const found = await tryDawn(dawn, [`backend=${backend}`], level, `backend=${backend}`, attempts);
      if (found !== null) return found;
    }
  }

  unavailableReason =
    `Dawn (npm 'webgpu') found no WebGPU adapter [${attempts.join('; ')}]. ` +
    (backend
      ? ''
      : 'On Linux install a Vulkan driver (e.g. Mesa lavapipe: apt-get install mesa-vulkan-drivers libvulkan1, ' +
        'Mesa >= 24 for core WebGPU) or set LAXFLOW_DAWN_BACKEND (e.g. opengles).');
  return null;
}

/**
 * Dawn instances by creation options, kept for the life of the process (Dawn keeps an instance
 * alive only while the object `create()` returned is referenced): re-acquiring after a
 * device loss reuses the instance, because an instance that the garbage collector
 * finalizes while Dawn's and the driver's threads still run can crash the process at exit
 * (on lavapipe: `__pthread_tpp_change_priority` assertions, futex errors).
 */
const dawnInstances = new Map<string, GPU>();
let currentInstanceKey: string | null = null;

async function tryDawn(
  dawn: DawnModule,
  options: string[],
  featureLevel: GPUFeatureLevel | undefined,
  label: string,
  attempts: string[],
): Promise<GpuSource | null> {
  const what = featureLevel ? `${label}/${featureLevel}` : label;
  const instanceKey = options.join(' ');
  let gpu = dawnInstances.get(instanceKey);
  if (gpu === undefined) {
    try {
      gpu = dawn.create(options);
    } catch (err) {
      attempts.push(`${what}: create() threw ${errorMessage(err)}`);
      return null;
    }
    dawnInstances.set(instanceKey, gpu);
  }
  try {
    const adapter = await gpu.requestAdapter(featureLevel ? { featureLevel } : undefined);
    if (adapter !== null) {
      currentInstanceKey = instanceKey;
      return { adapter, via: featureLevel ? `dawn ${label} ${featureLevel}` : `dawn ${label}` };
    }
    attempts.push(`${what}: no adapter`);
  } catch (err) {
    attempts.push(`${what}: requestAdapter threw ${errorMessage(err)}`);
  }
  return null;
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

/** Make GPUBufferUsage etc. available globally, as in browsers, without overwriting anything. */
function installDawnGlobals(globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in g)) g[k] = v;
  }
}

function browserGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? undefined;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

function envVar(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  return String(err);
}
