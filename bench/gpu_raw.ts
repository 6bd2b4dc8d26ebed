// laxflow's lowering of a program, driven by hand-written Dawn calls: the baseline of
// bench/gpu_overhead.ts (per-realize overhead) and the device-resident runner of
// bench/gpu_bandwidth.ts (GB/s of the generated kernels). Everything is created up front:
// the arena (laxflow's buffer layout), the meta words, the pipelines and bind groups.

import type { WebGpuBackend } from '../src/gpu/backend.js';
import type { GpuInfo } from '../src/gpu/device.js';
import { isShared, planArena } from '../src/gpu/runtime.js';
import { GPUBufferUsage, GPUMapMode, type GPUComputePassEncoder } from '../src/gpu/webgpu_types.js';
import type { Node } from '../src/graph/node.js';

export interface RawProgram {
  kernels: number;
  dispatches: number;
  /** One realize by hand: write the inputs, one pass, copy the outputs, submit, map, copy out. */
  run(): Promise<Float32Array>;
  /** Write the inputs into the arena (once, for device-resident timing). */
  upload(): void;
  /** Encode the program's dispatches into `pass`. */
  encode(pass: GPUComputePassEncoder): void;
  destroy(): void;
}

export async function rawProgram(backend: WebGpuBackend, gpu: GpuInfo, out: Node): Promise<RawProgram> {
  const { device } = gpu;
  const lowered = backend.lower([out]);
  if ('reason' in lowered) throw new Error(`${out}: ${lowered.reason}`);
  const plan = planArena(gpu, lowered.s, lowered.kernels);
  const ctx = (await backend.context())!;
  const pipelines = await Promise.all(plan.flat.map(({ d }) => ctx.pipelines.get(d.code)));
  const arena = device.createBuffer({ size: plan.arenaBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  const metaBuf = device.createBuffer({ size: plan.meta.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const stagingBytes = Math.max(4, plan.stagingWords * 4);
  const staging = device.createBuffer({ size: stagingBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(metaBuf, 0, plan.meta);
  const groups = plan.flat.map((_, i) =>
    device.createBindGroup({
      layout: pipelines[i].layout,
      entries: [
        { binding: 0, resource: { buffer: arena, offset: 0, size: plan.arenaBytes } },
        { binding: 1, resource: { buffer: metaBuf, offset: plan.metaAt[i] * 4, size: plan.metaBytes[i] } },
      ],
    }),
  );
  const maxX = gpu.limits.maxComputeWorkgroupsPerDimension;
  // Inputs that are views of the CPU backend's shared heap are copied once, as runtime.ts does per run.
  const uploads = plan.uploads.map((u) => ({ at: u.at, data: isShared(u.data) ? u.data.slice() : u.data }));
  const upload = () => {
    for (const u of uploads) device.queue.writeBuffer(arena, u.at * 4, u.data);
  };
  const encode = (pass: GPUComputePassEncoder) =>
    plan.flat.forEach(({ d }, i) => {
      if (d.workgroups === 0) return;
      pass.setPipeline(pipelines[i].pipeline);
      pass.setBindGroup(0, groups[i]);
      const x = Math.min(d.workgroups, maxX);
      pass.dispatchWorkgroups(x, Math.ceil(d.workgroups / x));
    });
  return {
    kernels: lowered.s.kernels.length,
    dispatches: plan.flat.filter(({ d }) => d.workgroups > 0).length,
    upload,
    encode,
    async run() {
      upload();
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encode(pass);
      pass.end();
      plan.outBufs.forEach((b, i) => encoder.copyBufferToBuffer(arena, plan.places.get(b.id)!.at * 4, staging, plan.outAt[i] * 4, b.size * 4));
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const result = new Float32Array(staging.getMappedRange(0, stagingBytes).slice(0));
      staging.unmap();
      return result;
    },
    destroy() {
      arena.destroy(), metaBuf.destroy(), staging.destroy();
    },
  };
}
