// init({ backend }): choosing a backend, and saying why WebGPU is not there.

import { afterEach, describe, expect, it } from 'vitest';
import { backendName, init } from '../../src/index.js';
import { registerBackend } from '../../src/devices.js';

afterEach(async () => {
  registerBackend('webgpu', async () => (await import('../../src/gpu/backend.js')).loadWebGpuBackend());
  await init({ backend: 'cpu' });
});

describe('init', () => {
  it("init({ backend: 'webgpu' }) without an adapter names the reason (in Node: install the webgpu package)", async () => {
    registerBackend('webgpu', async () => "WebGPU in Node needs the 'webgpu' package (Dawn): npm install webgpu (Cannot find package 'webgpu')");
    await expect(init({ backend: 'webgpu' })).rejects.toThrow(/init: no WebGPU adapter is available: .*npm install webgpu/);
    expect(backendName()).toBe('cpu');
  });

  it("'auto' falls back to the CPU quietly when there is no adapter", async () => {
    registerBackend('webgpu', async () => 'no adapter here');
    expect(await init({ backend: 'auto', quiet: true })).toBe('cpu');
  });
});
