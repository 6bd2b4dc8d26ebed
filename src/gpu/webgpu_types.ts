/**
 * Minimal local typings for the subset of the WebGPU API that laxflow uses.
 *
 * TypeScript's DOM lib (5.9) ships no WebGPU types and we deliberately do not
 * depend on `@webgpu/types`, so these interfaces mirror the W3C WebGPU spec
 * (https://www.w3.org/TR/webgpu/) for just the members we call. They are
 * structural, so the real browser objects and Dawn's (`webgpu` npm package)
 * objects both satisfy them. Add members here as the backend needs them,
 * keeping them faithful to the spec.
 */

// ---------------------------------------------------------------------------
// Flag constants (values are fixed by the spec; do not rely on the globals,
// which only exist in browsers or after installing Dawn's `globals`).
// ---------------------------------------------------------------------------

export const GPUBufferUsage = Object.freeze({
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  INDEX: 0x0010,
  VERTEX: 0x0020,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  INDIRECT: 0x0100,
  QUERY_RESOLVE: 0x0200,
} as const);

export const GPUMapMode = Object.freeze({
  READ: 0x0001,
  WRITE: 0x0002,
} as const);

export type GPUBufferUsageFlags = number;
export type GPUMapModeFlags = number;
export type GPUSize64 = number;
export type GPUIndex32 = number;
export type GPUSize32 = number;

// ---------------------------------------------------------------------------
// Entry point, adapter, device
// ---------------------------------------------------------------------------

export type GPUPowerPreference = 'low-power' | 'high-performance';
export type GPUFeatureLevel = 'core' | 'compatibility';

export interface GPURequestAdapterOptions {
  featureLevel?: GPUFeatureLevel;
  powerPreference?: GPUPowerPreference;
  forceFallbackAdapter?: boolean;
}

export interface GPU {
  requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null>;
}

/** Subset of GPUSupportedLimits (all are plain numbers in the spec). */
export interface GPUSupportedLimits {
  readonly maxBindGroups: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxUniformBufferBindingSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly minUniformBufferOffsetAlignment: number;
  readonly minStorageBufferOffsetAlignment: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupSizeZ: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

export interface GPUAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

export interface GPUSupportedFeatures {
  has(feature: string): boolean;
  readonly size: number;
  [Symbol.iterator](): IterableIterator<string>;
}

export interface GPUDeviceDescriptor {
  label?: string;
  requiredFeatures?: Iterable<string>;
  requiredLimits?: Record<string, number | undefined>;
}

export interface GPUAdapter {
  readonly features: GPUSupportedFeatures;
  readonly limits: GPUSupportedLimits;
  /** Newer spec attribute; absent in older browsers (use requestAdapterInfo). */
  readonly info?: GPUAdapterInfo;
  /** Older, removed from the spec; present in some browsers only. */
  requestAdapterInfo?(): Promise<GPUAdapterInfo>;
  requestDevice(descriptor?: GPUDeviceDescriptor): Promise<GPUDevice>;
}

export type GPUDeviceLostReason = 'unknown' | 'destroyed';

export interface GPUDeviceLostInfo {
  readonly reason: GPUDeviceLostReason;
  readonly message: string;
}

export type GPUErrorFilter = 'validation' | 'out-of-memory' | 'internal';

export interface GPUError {
  readonly message: string;
}

export interface GPUObjectBase {
  label: string;
}

export interface GPUDevice extends GPUObjectBase {
  readonly features: GPUSupportedFeatures;
  readonly limits: GPUSupportedLimits;
  readonly queue: GPUQueue;
  readonly lost: Promise<GPUDeviceLostInfo>;
  destroy(): void;
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer;
  createShaderModule(descriptor: GPUShaderModuleDescriptor): GPUShaderModule;
  createComputePipelineAsync(descriptor: GPUComputePipelineDescriptor): Promise<GPUComputePipeline>;
  createBindGroup(descriptor: GPUBindGroupDescriptor): GPUBindGroup;
  createCommandEncoder(descriptor?: { label?: string }): GPUCommandEncoder;
  pushErrorScope(filter: GPUErrorFilter): void;
  popErrorScope(): Promise<GPUError | null>;
}

// ---------------------------------------------------------------------------
// Buffers and queue
// ---------------------------------------------------------------------------

export interface GPUBufferDescriptor {
  label?: string;
  size: GPUSize64;
  usage: GPUBufferUsageFlags;
  mappedAtCreation?: boolean;
}

export type GPUBufferMapState = 'unmapped' | 'pending' | 'mapped';

export interface GPUBuffer extends GPUObjectBase {
  readonly size: GPUSize64;
  readonly usage: GPUBufferUsageFlags;
  readonly mapState: GPUBufferMapState;
  mapAsync(mode: GPUMapModeFlags, offset?: GPUSize64, size?: GPUSize64): Promise<undefined>;
  getMappedRange(offset?: GPUSize64, size?: GPUSize64): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

export interface GPUCommandBuffer extends GPUObjectBase {}

export interface GPUQueue extends GPUObjectBase {
  submit(commandBuffers: Iterable<GPUCommandBuffer>): void;
  onSubmittedWorkDone(): Promise<undefined>;
  writeBuffer(
    buffer: GPUBuffer,
    bufferOffset: GPUSize64,
    data: ArrayBufferView | ArrayBuffer,
    /** In elements for typed arrays, bytes otherwise (per spec). */
    dataOffset?: GPUSize64,
    size?: GPUSize64,
  ): void;
}

// ---------------------------------------------------------------------------
// Shaders, pipelines, bind groups
// ---------------------------------------------------------------------------

export interface GPUShaderModuleDescriptor {
  label?: string;
  code: string;
}

export type GPUCompilationMessageType = 'error' | 'warning' | 'info';

export interface GPUCompilationMessage {
  readonly message: string;
  readonly type: GPUCompilationMessageType;
  readonly lineNum: number;
  readonly linePos: number;
  readonly offset: number;
  readonly length: number;
}

export interface GPUCompilationInfo {
  readonly messages: ReadonlyArray<GPUCompilationMessage>;
}

export interface GPUShaderModule extends GPUObjectBase {
  getCompilationInfo(): Promise<GPUCompilationInfo>;
}

export interface GPUBindGroupLayout extends GPUObjectBase {}

export interface GPUProgrammableStage {
  module: GPUShaderModule;
  entryPoint?: string;
  constants?: Record<string, number>;
}

export interface GPUComputePipelineDescriptor {
  label?: string;
  /** Bind group layouts inferred from the shader (an explicit GPUPipelineLayout is not used). */
  layout: 'auto';
  compute: GPUProgrammableStage;
}

export interface GPUComputePipeline extends GPUObjectBase {
  getBindGroupLayout(index: number): GPUBindGroupLayout;
}

export interface GPUBufferBinding {
  buffer: GPUBuffer;
  offset?: GPUSize64;
  size?: GPUSize64;
}

export interface GPUBindGroupEntry {
  binding: GPUIndex32;
  resource: GPUBufferBinding;
}

export interface GPUBindGroupDescriptor {
  label?: string;
  layout: GPUBindGroupLayout;
  entries: Iterable<GPUBindGroupEntry>;
}

export interface GPUBindGroup extends GPUObjectBase {}

// ---------------------------------------------------------------------------
// Command encoding
// ---------------------------------------------------------------------------

export interface GPUComputePassEncoder extends GPUObjectBase {
  setPipeline(pipeline: GPUComputePipeline): void;
  setBindGroup(index: GPUIndex32, bindGroup: GPUBindGroup | null, dynamicOffsets?: Iterable<number>): void;
  dispatchWorkgroups(x: GPUSize32, y?: GPUSize32, z?: GPUSize32): void;
  end(): void;
}

export interface GPUCommandEncoder extends GPUObjectBase {
  beginComputePass(descriptor?: { label?: string }): GPUComputePassEncoder;
  copyBufferToBuffer(
    source: GPUBuffer,
    sourceOffset: GPUSize64,
    destination: GPUBuffer,
    destinationOffset: GPUSize64,
    size: GPUSize64,
  ): void;
  finish(descriptor?: { label?: string }): GPUCommandBuffer;
}
