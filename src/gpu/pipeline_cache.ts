// Compute pipelines keyed by their generated WGSL (the code is the whole key: shapes,
// dtypes and structure are spelled in it; buffer offsets and scalar constants are not,
// they travel in a per-dispatch `meta` array). Bounded, least recently used first out,
// so a long run that keeps generating new code cannot grow without limit.

import type { GPUBindGroupLayout, GPUComputePipeline, GPUDevice } from './webgpu_types.js';

export interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

export class PipelineCache {
  private readonly map = new Map<string, CachedPipeline>();
  /** Pipelines compiled (for tests and benchmarks). */
  compiled = 0;

  constructor(
    private readonly device: GPUDevice,
    readonly capacity = 256,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The pipeline for `code` (entry point `main`), compiling it on a miss. */
  async get(code: string): Promise<CachedPipeline> {
    const hit = this.map.get(code);
    if (hit) {
      this.map.delete(code); // move to the most recent end
      this.map.set(code, hit);
      return hit;
    }
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: 'laxflow kernel', code });
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await this.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      await this.device.popErrorScope();
    } catch (err) {
      await this.device.popErrorScope();
      const info = await module.getCompilationInfo();
      const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
      throw new Error(`laxflow webgpu: WGSL compilation failed: ${msgs.join('; ') || (err as Error).message}\n${code}`);
    }
    this.compiled++;
    const entry = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.map.set(code, entry);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
    return entry;
  }

  clear(): void {
    this.map.clear();
  }
}
