import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acquireGpu, gpuUnavailableReason, releaseGpu, type GpuInfo } from '../../src/gpu/device.js';
import { GPUBufferUsage, GPUMapMode } from '../../src/gpu/webgpu_types.js';

/**
 * GPU tests run when an adapter exists. Without one they are skipped with a
 * printed reason, unless LAXFLOW_REQUIRE_GPU is set (CI), where they fail.
 */
const requireGpu = !!process.env.LAXFLOW_REQUIRE_GPU && process.env.LAXFLOW_REQUIRE_GPU !== '0';

let gpu: GpuInfo | null = null;
let reason: string | null = null;

beforeAll(async () => {
  gpu = await acquireGpu();
  reason = gpuUnavailableReason();
  if (gpu) {
    console.info(`[laxflow gpu] adapter: ${gpu.description}`);
    console.info(`[laxflow gpu] limits: ${JSON.stringify(gpu.limits)}`);
  } else if (!requireGpu) {
    console.warn(`[laxflow gpu] no WebGPU adapter, skipping GPU tests: ${reason}`);
  }
}, 60_000);

afterAll(async () => {
  await releaseGpu();
});

describe('gpu device', () => {
  it('acquires an adapter (required when LAXFLOW_REQUIRE_GPU is set)', (ctx) => {
    if (!gpu) {
      if (requireGpu) {
        expect.fail(`LAXFLOW_REQUIRE_GPU is set but no WebGPU adapter was found: ${reason}`);
      }
      ctx.skip();
      return;
    }
    expect(reason).toBeNull();
    expect(gpu.description.length).toBeGreaterThan(0);
    // Requested the adapter's real buffer limits rather than the defaults.
    expect(gpu.limits.maxStorageBufferBindingSize).toBe(gpu.adapter.limits.maxStorageBufferBindingSize);
    expect(gpu.limits.maxBufferSize).toBe(gpu.adapter.limits.maxBufferSize);
    expect(gpu.limits.maxComputeWorkgroupSizeX).toBeGreaterThanOrEqual(64);
    expect(gpu.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(64);
    expect(gpu.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(1024);
  });

  it('caches the device', async (ctx) => {
    if (!gpu) return ctx.skip();
    expect(await acquireGpu()).toBe(gpu);
  });

  it('runs a WGSL compute shader (c = a + b, 1000 f32)', async (ctx) => {
    if (!gpu) return ctx.skip();
    const { device } = gpu;
    const n = 1000;
    const a = Float32Array.from({ length: n }, (_, i) => i * 0.5);
    const b = Float32Array.from({ length: n }, (_, i) => Math.fround(1 / (i + 1)));

    const storage = (data: Float32Array) => {
      const buf = device.createBuffer({
        size: data.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buf, 0, data);
      return buf;
    };
    const bufA = storage(a);
    const bufB = storage(b);
    const bufC = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const readback = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

    device.pushErrorScope('validation');
    const module = device.createShaderModule({
      code: /* wgsl */ `
        @group(0) @binding(0) var<storage, read> a: array<f32>;
        @group(0) @binding(1) var<storage, read> b: array<f32>;
        @group(0) @binding(2) var<storage, read_write> c: array<f32>;

        @compute @workgroup_size(64)
        fn main(@builtin(global_invocation_id) id: vec3<u32>) {
          let i = id.x;
          if (i < arrayLength(&c)) {
            c[i] = a[i] + b[i];
          }
        }
      `,
    });
    const compile = await module.getCompilationInfo();
    expect(compile.messages.filter((m) => m.type === 'error')).toEqual([]);

    const pipeline = await device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [bufA, bufB, bufC].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    encoder.copyBufferToBuffer(bufC, 0, readback, 0, n * 4);
    device.queue.submit([encoder.finish()]);
    expect(await device.popErrorScope()).toBeNull();

    await readback.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(readback.getMappedRange().slice(0));
    readback.unmap();
    for (const buf of [bufA, bufB, bufC, readback]) buf.destroy();

    const expected = a.map((x, i) => x + b[i]!); // Float32Array.map rounds to f32
    expect(Array.from(out)).toEqual(Array.from(expected));
  });

  it('re-acquires after the device is destroyed', async (ctx) => {
    if (!gpu) return ctx.skip();
    gpu.device.destroy();
    await gpu.device.lost;
    // The lost handler runs in a microtask after `lost` resolves.
    await new Promise((r) => setTimeout(r, 0));
    const again = await acquireGpu();
    expect(again).not.toBeNull();
    expect(again).not.toBe(gpu);
    gpu = again;
  });
});
