// Backend selection: `init({ backend })`. The CPU backend is the default everywhere;
// `auto` takes WebGPU where an adapter exists and says which backend it chose, once.

import { copyOf, type TypedArray } from './graph/dtype.js';
import { cpuBackend } from './cpu/backend.js';
import { oracleBackend } from './cpu/oracle_backend.js';
import { LaxArray } from './operators/array.js';
import { checkBool, checkChoice, checkOptions, describe } from './operators/validate.js';
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
  // A misspelt name ('CPU', 'gpu', '') is an error, never a silent choice of another backend.
  opts = checkOptions('init', opts, ['backend', 'quiet']);
  const want = opts.backend === undefined ? 'auto' : checkChoice('init', 'backend', opts.backend, ['auto', 'cpu', 'webgpu', 'oracle'] as const);
  if (opts.quiet !== undefined) checkBool('init', 'quiet', opts.quiet);
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
  arrays.forEach((a, i) => {
    if (!(a instanceof LaxArray)) throw new TypeError(`realize: argument ${i} must be an Array, got ${describe(a)}`);
  });
  const bufs = await realizeNodes(arrays.map((a) => a.node));
  return bufs.map(copyOf);
}

setHostBackend(cpuBackend);
setBackend(cpuBackend);
// WebGPU loads on demand (src/gpu, which loads Dawn itself only in Node): no static import here.
registerBackend('webgpu', async () => (await import('./gpu/backend.js')).loadWebGpuBackend());
