// Backend selection: `init({ backend })`. The CPU backend is the default everywhere;
// `auto` takes WebGPU where an adapter exists and says which backend it chose, once.

import { copyOf, type TypedArray } from './graph/dtype.js';
import { cpuBackend } from './cpu/backend.js';
import { oracleBackend } from './cpu/oracle_backend.js';
import type { LaxArray } from './operators/array.js';
import { currentBackend, realizeNodes, setBackend, setHostBackend, type Backend } from './scheduler/realize.js';

export type BackendName = 'auto' | 'cpu' | 'webgpu' | 'oracle';

/** Optional backends register a loader here (WebGPU lives in src/gpu): the backend, or why there is none. */
const loaders = new Map<string, () => Promise<Backend | string>>();
export function registerBackend(name: string, load: () => Promise<Backend | string>): void {
  loaders.set(name, load);
}

let announced = false;

/** Choose the backend; returns its name. */
export async function init(opts: { backend?: BackendName; quiet?: boolean } = {}): Promise<string> {
  const want = opts.backend ?? 'auto';
  let chosen: Backend | null = null;
  if (want === 'cpu') chosen = cpuBackend;
  else if (want === 'oracle') chosen = oracleBackend;
  else {
    const load = loaders.get('webgpu');
    const loaded = load ? await load() : 'no WebGPU backend is registered';
    if (typeof loaded === 'string' && want === 'webgpu') throw new Error(`init: no WebGPU adapter is available: ${loaded}`);
    chosen = typeof loaded === 'string' ? cpuBackend : loaded;
  }
  setBackend(chosen);
  if (want === 'auto' && !announced && !opts.quiet) {
    announced = true;
    console.info(`laxflow: using the ${chosen.name} backend`);
  }
  return chosen.name;
}

/** The name of the backend in use. */
export const backendName = () => currentBackend().name;

/** Compute several arrays in one schedule and return their values (copies). */
export async function realize(...arrays: LaxArray[]): Promise<TypedArray[]> {
  const bufs = await realizeNodes(arrays.map((a) => a.node));
  return bufs.map(copyOf);
}

setHostBackend(cpuBackend);
setBackend(cpuBackend);
// WebGPU loads on demand (src/gpu, which loads Dawn itself only in Node): no static import here.
registerBackend('webgpu', async () => (await import('./gpu/backend.js')).loadWebGpuBackend());
