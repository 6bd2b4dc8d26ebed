/**
 * WebGPU in Node: Dawn, from the `webgpu` npm package (dawn.node), loaded with a dynamic
 * import so that neither browsers nor Node installs without it pay for it.
 *
 * Adapters are tried in order: Dawn's defaults (Vulkan on Linux; Metal / D3D12 elsewhere),
 * then the backend named by LAXFLOW_DAWN_BACKEND, e.g. `opengles`, `opengl`, `vulkan`,
 * `null` (GL backends are requested with featureLevel "compatibility").
 */

import type { GPU, GPUAdapter, GPUFeatureLevel } from './webgpu_types.js';
import { capturingNativeStderr } from './dawn_stderr.js';

/** An adapter and the `GPU` object it came from. */
export interface GpuSource {
  gpu: GPU;
  adapter: GPUAdapter;
  /** Human-readable note on how the adapter was obtained, e.g. "dawn vulkan". */
  via: string;
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/** A Dawn adapter, or why there is none. */
export async function findDawnAdapter(): Promise<GpuSource | { reason: string }> {
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
    return { reason: `WebGPU in Node needs the 'webgpu' package (Dawn): npm install webgpu (${errorMessage(err)})` };
  }
  installDawnGlobals(dawn.globals);
  // Node's own modules, for keeping Dawn's limit warnings off stderr (dawn_stderr.ts)
  // (non-literal specifiers, as for 'webgpu': bundlers for the browser leave them alone)
  const [fsSpec, osSpec] = ['node:fs', 'node:os'];
  const fs = ((await import(/* @vite-ignore */ fsSpec).catch(() => null)) as typeof import('node:fs') | null);
  const tmpdir = ((await import(/* @vite-ignore */ osSpec).catch(() => null)) as typeof import('node:os') | null)?.tmpdir() ?? '/tmp';
  const quietly = <T>(f: () => T, rest: (text: string) => void): T => capturingNativeStderr(fs, tmpdir, f, rest);

  const attempts: string[] = [];

  // 1. Dawn's defaults (Vulkan on Linux; Metal / D3D12 elsewhere), core features.
  const first = await tryDawn(dawn, [], undefined, 'default', attempts, quietly);
  if (first !== null) return first;

  // 2. An explicitly requested backend, e.g. LAXFLOW_DAWN_BACKEND=opengles.
  const backend = envVar('LAXFLOW_DAWN_BACKEND')?.trim().toLowerCase();
  if (backend) {
    const glLike = backend === 'opengl' || backend === 'opengles';
    const levels: GPUFeatureLevel[] = glLike ? ['compatibility'] : ['core', 'compatibility'];
    for (const level of levels) {
      const found = await tryDawn(dawn, [`backend=${backend}`], level, `backend=${backend}`, attempts, quietly);
      if (found !== null) return found;
    }
  }

  return {
    reason:
      `Dawn (npm 'webgpu') found no WebGPU adapter [${attempts.join('; ')}]. ` +
      (backend
        ? ''
        : 'On Linux install a Vulkan driver (e.g. Mesa lavapipe: apt-get install mesa-vulkan-drivers libvulkan1, ' +
          'Mesa >= 24 for core WebGPU) or set LAXFLOW_DAWN_BACKEND (e.g. opengles).'),
  };
}

/**
 * Dawn instances by creation options, kept for the life of the process (Dawn keeps an instance
 * alive only while the object `create()` returned is referenced): re-acquiring after a
 * device loss reuses the instance, because an instance that the garbage collector
 * finalizes while Dawn's and the driver's threads still run can crash the process at exit
 * (on lavapipe: `__pthread_tpp_change_priority` assertions, futex errors).
 */
const dawnInstances = new Map<string, GPU>();

async function tryDawn(
  dawn: DawnModule,
  options: string[],
  featureLevel: GPUFeatureLevel | undefined,
  label: string,
  attempts: string[],
  quietly: <T>(f: () => T, rest: (text: string) => void) => T,
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
    // Dawn's own words on the way (dawn_stderr.ts): printed with an adapter, the reason without.
    let said = '';
    const adapter = await quietly(() => gpu!.requestAdapter(featureLevel ? { featureLevel } : undefined), (text) => (said = text));
    if (adapter !== null) {
      if (said) process.stderr.write(said);
      return { gpu, adapter, via: featureLevel ? `dawn ${label} ${featureLevel}` : `dawn ${label}` };
    }
    const first = said.split('\n').find((l) => l.trim() !== '')?.replace(/^Warning: /, '');
    attempts.push(`${what}: no adapter${first ? ` (Dawn: ${first.trim()})` : ''}`);
  } catch (err) {
    attempts.push(`${what}: requestAdapter threw ${errorMessage(err)}`);
  }
  return null;
}

/** Make GPUBufferUsage etc. available globally, as in browsers, without overwriting anything. */
function installDawnGlobals(globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in g)) g[k] = v;
  }
}

function envVar(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}

/** The first line of an error's message (Dawn's run to many lines). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  return String(err);
}
