// A `navigator.gpu` for the WebGPU peers (tfjs-backend-webgpu, jax-js's webgpu device), which
// look for it as in a browser. In Node it is laxflow's own Dawn instance (src/gpu/device.ts),
// so the whole process uses one instance and one adapter.

import { acquireGpu, gpuInstance, gpuUnavailableReason } from '../../src/gpu/device.js';
import type { GPU } from '../../src/gpu/webgpu_types.js';

export async function navigatorGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!(await acquireGpu())) throw new Error(`no WebGPU adapter: ${gpuUnavailableReason()}`);
  const gpu = gpuInstance();
  if (!gpu) throw new Error('no WebGPU instance');
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  // jax-js reads navigator.userAgent too (Node 21+ has a navigator with one).
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
  return gpu;
}
