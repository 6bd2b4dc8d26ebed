// Running a lowered schedule on the device: ONE arena buffer for every buffer of the
// schedule (uploads first, written with one writeBuffer), one `meta` buffer (every
// dispatch's offsets, written with one writeBuffer), one command encoder with one compute
// pass, one `queue.submit`, and one staging buffer from which all requested outputs are
// read back together (one mapAsync). Buffers come from a pool and go back to it.
//
// Device limits: a schedule whose arena would exceed maxStorageBufferBindingSize (or
// maxBufferSize) moves its largest arrays to device buffers of their own until the rest
// fits, and its kernels bind those separately (split_bindings.ts); only an array over the
// limit by itself is refused, with an error naming its size and the limits. Dispatches over 65535 workgroups use a 2-D grid.

import { storage, type DType, type TypedArray } from '../graph/dtype.js';
import type { Node } from '../graph/node.js';
import type { Schedule } from '../scheduler/kernel.js';
import type { BufferPool } from './buffer_pool.js';
import type { GpuInfo } from './device.js';
import type { CachedPipeline, PipelineCache } from './pipeline_cache.js';
import type { Dispatch } from './dispatch.js';
import { scanBodyConsts } from './scan_layout.js';
import { slotBinding, splitBindings } from './split_bindings.js';
import { GPUBufferUsage, GPUMapMode, type GPUBindGroup, type GPUBuffer } from './webgpu_types.js';

export interface GpuContext {
  gpu: GpuInfo;
  pool: BufferPool;
  pipelines: PipelineCache;
  lost: boolean;
  /**
   * Bind groups by (layout, arena, meta range): pooled buffers repeat, so a steady program
   * creates none after warm-up (Dawn frees native objects only when their JS wrappers are
   * collected, which a busy loop delays). Bounded; cleared with the device.
   */
  bindGroups?: Map<string, GPUBindGroup>;
}

const ids = new WeakMap<object, number>();
let nextId = 0;
const idOf = (o: object) => {
  let i = ids.get(o);
  if (i === undefined) ids.set(o, (i = nextId++));
  return i;
};
const BIND_GROUP_CACHE = 1024;

/** Lowered programs (kernels lists, shared by a program's runs) that ran clean, by arena size. */
const validated = new WeakMap<LoweredKernel[], Set<number>>();

/** A kernel's dispatches plus the buffers its meta words point at, in order. */
export interface LoweredKernel {
  dispatches: Dispatch[];
  /** Schedule buffer ids (inputs then outputs), then extra uploaded nodes (scan body constants). */
  buffers: number[];
  extra: Node[];
  /** Words of scratch memory (0: none); its offset is the meta word after buffers and extras. */
  scratch: number;
  /** Its first scratch word is a lane-escape flag (Dispatch.laneFlag). */
  laneFlag: boolean;
}

/** A lane-wise scan touched another lane's elements: the run's results are void (render_scan.ts). */
export class LaneEscape extends Error {}

export function lowerInfo(s: Schedule, dispatches: Dispatch[][]): LoweredKernel[] {
  return s.kernels.map((k, i) => ({
    dispatches: dispatches[i],
    buffers: [...k.inputs, ...k.outputs],
    extra: k.kind === 'scan' ? scanBodyConsts(k as Extract<typeof k, { kind: 'scan' }>) : [],
    scratch: Math.max(0, ...dispatches[i].map((d) => d.scratch ?? 0)),
    laneFlag: dispatches[i].some((d) => d.laneFlag === true),
  }));
}

/** Host words of a leaf's value (bool widened to one u32 per element). */
function words(n: Node): Uint32Array {
  const data = n.buf ?? (n.prim === 'const' ? (n as Node<'const'>).params.data : undefined);
  if (data === undefined) throw new Error(`internal error: ${n} has no host value to upload`);
  if (data instanceof Uint8Array) return Uint32Array.from(data);
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

/** A host copy of `size` words at word `at` of a mapped range, as `dtype` (bool narrowed to bytes). */
function fromWords(range: ArrayBuffer, at: number, size: number, dtype: DType): TypedArray {
  if (dtype === 'bool') return Uint8Array.from(new Uint32Array(range, at * 4, size), (x) => (x ? 1 : 0));
  return new (storage[dtype] as Float32ArrayConstructor)(range.slice(at * 4, (at + size) * 4)) as TypedArray;
}

/** A place on the device: word `at` of device buffer `res` (the arena is buffer 0). */
export interface Place {
  res: number;
  at: number;
}

/** How the dispatches of a program bound separately bind their buffers. */
export interface SplitPlan {
  /** Bytes of each device buffer. */
  resources: number[];
  /** Per dispatch (as `flat`): its WGSL, the device buffer of each binding it uses, whether it reads the meta words. */
  dispatches: { code: string; binds: { binding: number; res: number; bytes: number }[]; usesMeta: boolean }[];
}

/** Where everything of a lowered schedule lives on the device, and the meta words. */
export interface ArenaPlan {
  places: Map<number, Place>;
  uploads: (Place & { data: Uint32Array })[];
  /** Bytes of the one arena; of all buffers together when `split`. */
  arenaBytes: number;
  /** Null when everything fits one arena binding. */
  split: SplitPlan | null;
  /** Every dispatch with its kernel, in encoding order; `metaAt[i]` / `metaBytes[i]` its meta range. */
  flat: { d: Dispatch; k: LoweredKernel; ki: number }[];
  meta: Uint32Array;
  metaAt: number[];
  metaBytes: number[];
  outBufs: Schedule['buffers'][number][];
  outAt: number[];
  /** Lane-escape flags: device word and staging word of each (read back after the outputs). */
  flags: (Place & { staging: number })[];
  stagingWords: number;
}

/**
 * The arena layout (uploads first), the dispatches' meta words and the readback layout. An
 * arena over the binding limit is split: its largest arrays (schedule buffers, scan body
 * constants, kernel scratch) get device buffers of their own, each kernel's WGSL rewritten
 * to bind them.
 */
export function planArena(gpu: GpuInfo, s: Schedule, kernels: LoweredKernel[]): ArenaPlan {
  const { limits } = gpu;
  // 1. Arena layout: uploads (schedule inputs, then scan body constants), then the rest.
  // Regions: a buffer, an extra or a scratch each (the unit a split moves out of the arena).
  const regions: { at: number; words: number; what: string }[] = [];
  const region = (at: number, words: number, what: string) => regions.push({ at, words, what }) - 1;
  const bufRegion = new Map<number, number>();
  const extraRegion = new Map<Node, number>();
  const uploadRegion: number[] = [];
  const uploads: (Place & { data: Uint32Array })[] = [];
  let top = 0;
  const bufWhat = (id: number) => `${s.buffers[id].dtype}[${s.buffers[id].size}] buffer ${id}`;
  for (const inp of s.inputs) {
    const data = words(inp.node);
    bufRegion.set(inp.buffer, region(top, data.length, `input ${inp.node}`));
    uploadRegion.push(bufRegion.get(inp.buffer)!);
    uploads.push({ res: 0, at: top, data });
    top += data.length;
  }
  for (const k of kernels) {
    for (const n of k.extra) {
      if (extraRegion.has(n)) continue;
      const data = words(n);
      extraRegion.set(n, region(top, data.length, `scan constant ${n}`));
      uploadRegion.push(extraRegion.get(n)!);
      uploads.push({ res: 0, at: top, data });
      top += data.length;
    }
  }
  for (const b of s.buffers) {
    if (bufRegion.has(b.id)) continue;
    bufRegion.set(b.id, region(top, b.size, bufWhat(b.id)));
    top += b.size;
  }
  const scratchRegion = kernels.map((k, i) => {
    const r = region(top, k.scratch, `scratch of kernel ${i}`);
    top += k.scratch;
    return r;
  });
  // Lane-escape flags are zeroed by an upload on every run.
  kernels.forEach((k, i) => {
    if (!k.laneFlag) return;
    uploadRegion.push(scratchRegion[i]);
    uploads.push({ res: 0, at: regions[scratchRegion[i]].at, data: new Uint32Array(1) });
  });
  const arenaBytes = Math.max(4, top * 4);
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const split = arenaBytes > maxBytes;
  // Over the limit: the largest arrays move to device buffers of their own until the rest fits.
  const own = new Map<number, number>(); // region -> device buffer (1, 2, ...)
  if (split) {
    let rest = top;
    for (const r of regions.map((_, i) => i).sort((a, b) => regions[b].words - regions[a].words)) {
      if (rest * 4 <= maxBytes) break;
      if (regions[r].words * 4 > maxBytes) {
        throw new RangeError(
          `laxflow webgpu: an array of ${regions[r].words * 4} bytes (${regions[r].what}) is larger than one device binding may be ` +
            `(maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}, maxBufferSize ${limits.maxBufferSize}); ` +
            `realize smaller pieces or use init({ backend: 'cpu' })`,
        );
      }
      own.set(r, own.size + 1);
      rest -= regions[r].words;
    }
    // The arena keeps the rest, in order.
    let at = 0;
    for (const [i, r] of regions.entries()) {
      if (own.has(i)) continue;
      r.at = at;
      at += r.words;
    }
  }
  /** Where region r lives: in the arena, or at the start of its own device buffer. */
  const placeOf = (r: number): Place => (own.has(r) ? { res: own.get(r)!, at: 0 } : { res: 0, at: regions[r].at });
  uploads.forEach((u, i) => Object.assign(u, placeOf(uploadRegion[i])));

  // 2. Meta words, each dispatch at an aligned offset (all 0 when split).
  const align = Math.max(256, gpu.device.limits.minStorageBufferOffsetAlignment) / 4;
  const metaAt: number[] = [];
  const metaBytes: number[] = [];
  let metaWords = 0;
  const flat = kernels.flatMap((k, ki) => k.dispatches.map((d) => ({ d, k, ki })));
  const metaLen = (k: LoweredKernel) => Math.ceil((k.buffers.length + k.extra.length + 1) / align) * align;
  for (const { k } of flat) {
    metaAt.push(metaWords);
    metaBytes.push(metaLen(k) * 4);
    metaWords += metaLen(k);
  }
  /** The region of each meta slot of kernel ki: its buffers, extras, then its scratch. */
  const slotRegions = (ki: number) => {
    const k = kernels[ki];
    return [...k.buffers.map((b) => bufRegion.get(b)!), ...k.extra.map((n) => extraRegion.get(n)!), scratchRegion[ki]];
  };
  const meta = new Uint32Array(Math.max(metaWords, 1));
  flat.forEach(({ ki }, i) => slotRegions(ki).forEach((r, j) => (meta[metaAt[i] + j] = placeOf(r).at)));
  const places = new Map([...bufRegion].map(([b, r]) => [b, placeOf(r)]));
  const outBufs = s.outputs.map((id) => s.buffers[id]);
  const outAt: number[] = [];
  let stagingWords = 0;
  for (const b of outBufs) {
    outAt.push(stagingWords);
    stagingWords += b.size;
  }
  const flags = kernels.flatMap((k, i) => (k.laneFlag ? [{ ...placeOf(scratchRegion[i]), staging: stagingWords++ }] : []));
  const plan: ArenaPlan = { places, uploads, arenaBytes, split: null, flat, meta, metaAt, metaBytes, outBufs, outAt, flags, stagingWords };
  if (!split) return plan;

  // 3. Split: each dispatch binds the arena and the arrays of its slots that left it (slots
  // of one array share a binding).
  const arenaLeft = Math.max(4, regions.reduce((n, r, i) => n + (own.has(i) ? 0 : r.words), 0) * 4);
  const maxBindings = gpu.device.limits.maxStorageBuffersPerShaderStage;
  const dispatches = flat.map(({ d, ki }) => {
    const rs = slotRegions(ki);
    const sk = splitBindings(
      d.code,
      rs.map((r) => rs.indexOf(r)),
      (slot) => own.has(rs[slot]),
    );
    const binds = sk.slots.map((slot) => ({ binding: slotBinding(slot), res: own.get(rs[slot])!, bytes: Math.max(4, regions[rs[slot]].words * 4) }));
    if (sk.usesArena) binds.unshift({ binding: 0, res: 0, bytes: arenaLeft });
    const count = binds.length + (sk.usesMeta ? 1 : 0);
    if (d.workgroups > 0 && maxBindings !== undefined && count > maxBindings) {
      throw new RangeError(
        `laxflow webgpu: a kernel binding ${sk.slots.length} arrays separately (the program's ${arenaBytes} bytes exceed one binding) needs ` +
          `${count} storage buffers, more than the device allows (maxStorageBuffersPerShaderStage ${maxBindings}); realize smaller pieces or use init({ backend: 'cpu' })`,
      );
    }
    return { code: sk.code, binds, usesMeta: sk.usesMeta };
  });
  const resources = [arenaLeft, ...[...own.keys()].map((r) => Math.max(4, regions[r].words * 4))];
  return { ...plan, split: { resources, dispatches } };
}

/**
 * What a program (a lowered schedule's kernels list, shared by every run of one program:
 * the scheduler caches schedules by structure) keeps between runs on one device: its arena
 * plan, its pipelines, and the bind groups of the pool buffers it last ran with.
 */
interface Program {
  ctx: GpuContext;
  plan: ArenaPlan;
  /** Per dispatch of the plan; null for one of no workgroups. */
  pipelines: (CachedPipeline | null)[];
  /** The device buffers (the arena, or one per array when split) and meta buffer of the last run. */
  bufs?: GPUBuffer[];
  metaBuf?: GPUBuffer;
  groups?: (GPUBindGroup | null)[];
}
const programs = new WeakMap<LoweredKernel[], Program>();
const NO_WORDS = new Uint32Array(0);
/** The program whose meta words a pooled meta buffer holds (so a repeat skips the write). */
const metaHolder = new WeakMap<GPUBuffer, Program>();

export async function execute(ctx: GpuContext, s: Schedule, kernels: LoweredKernel[]): Promise<TypedArray[]> {
  const { device, limits } = ctx.gpu;
  const queue = device.queue;
  let prog = programs.get(kernels);
  if (prog === undefined || prog.ctx !== ctx) {
    const laid = planArena(ctx.gpu, s, kernels);
    // The program keeps no run's input values (they are read from the schedule's inputs).
    const plan = { ...laid, uploads: laid.uploads.map((u, i) => (i < s.inputs.length ? { ...u, data: NO_WORDS } : u)) };
    // A dispatch of no workgroups (an empty output) is never encoded, so it needs no pipeline.
    const codeOf = (i: number) => plan.split?.dispatches[i].code ?? plan.flat[i].d.code;
    const pipelines = await Promise.all(plan.flat.map(({ d }, i) => (d.workgroups > 0 ? ctx.pipelines.get(codeOf(i)) : null)));
    prog = { ctx, plan, pipelines };
    programs.set(kernels, prog);
  }
  const program = prog;
  // The layout's uploads: this run's input values first, then the scan body constants and
  // lane flags, which stay.
  const uploads = program.plan.uploads;
  const { places, arenaBytes, split, flat, meta, metaAt, metaBytes, outBufs, outAt, flags, stagingWords } = program.plan;
  const pipelines = program.pipelines;

  // 3. Buffers from the pool; uploads and meta written once each.
  const createdBefore = ctx.pool.created;
  const storageUsage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const bufs = (split?.resources ?? [arenaBytes]).map((bytes) => ctx.pool.take(bytes, storageUsage));
  const metaBuf = ctx.pool.take(meta.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  const staging = ctx.pool.take(Math.max(4, stagingWords * 4), GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  let unmapped = false;
  try {
    // Each input straight from its host array (no packed copy of them all first), except
    // views of the CPU backend's shared heap: Dawn for Node crashes on a SharedArrayBuffer.
    for (let i = 0; i < uploads.length; i++) {
      const data = i < s.inputs.length ? words(s.inputs[i].node) : uploads[i].data;
      if (data.length > 0) queue.writeBuffer(bufs[uploads[i].res], uploads[i].at * 4, isShared(data) ? data.slice() : data);
    }
    if (metaHolder.get(metaBuf) !== program) {
      queue.writeBuffer(metaBuf, 0, meta);
      metaHolder.set(metaBuf, program);
    }

    // 4. One encoder, one pass, one submit. Error scopes catch validation and out-of-memory
    // errors at this realize; a program that ran before with the same arena size and
    // no new buffer needed this time cannot raise them, so it skips the four extra calls.
    const fresh = ctx.pool.created !== createdBefore || !(validated.get(kernels)?.has(arenaBytes) ?? false);
    if (fresh) {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
    }
    const encoder = device.createCommandEncoder({ label: 'laxflow realize' });
    const pass = encoder.beginComputePass();
    const sameBuffers = program.metaBuf === metaBuf && program.groups !== undefined && program.bufs?.length === bufs.length && program.bufs.every((b, i) => b === bufs[i]);
    const groupsNow: (GPUBindGroup | null)[] = sameBuffers ? program.groups! : [];
    /** The bind group of dispatch i over this run's device buffers and meta buffer (cached by key). */
    const bindGroupOf = (i: number): GPUBindGroup => {
      const metaSize = metaBytes[i];
      const layout = pipelines[i]!.layout;
      const sd = split?.dispatches[i];
      const binds = sd ? sd.binds : [{ binding: 0, res: 0, bytes: arenaBytes }];
      const usesMeta = sd ? sd.usesMeta : true;
      const key = `${idOf(layout)}:${binds.map((b) => `${b.binding}=${idOf(bufs[b.res])}/${b.bytes}`).join(',')}:${usesMeta ? `${idOf(metaBuf)}:${metaAt[i]}:${metaSize}` : '-'}`;
      const groups = (ctx.bindGroups ??= new Map());
      let bindGroup = groups.get(key);
      if (!bindGroup) {
        const entries = binds.map((b) => ({ binding: b.binding, resource: { buffer: bufs[b.res], offset: 0, size: b.bytes } }));
        if (usesMeta) entries.push({ binding: 1, resource: { buffer: metaBuf, offset: metaAt[i] * 4, size: metaSize } });
        bindGroup = device.createBindGroup({ layout, entries });
        if (groups.size >= BIND_GROUP_CACHE) groups.delete(groups.keys().next().value as string);
        groups.set(key, bindGroup);
      }
      return bindGroup;
    };
    flat.forEach(({ d }, i) => {
      if (d.workgroups === 0) return void (groupsNow[i] = null);
      const bindGroup = sameBuffers ? groupsNow[i]! : (groupsNow[i] = bindGroupOf(i));
      pass.setPipeline(pipelines[i]!.pipeline);
      pass.setBindGroup(0, bindGroup);
      const maxX = limits.maxComputeWorkgroupsPerDimension;
      const x = Math.min(d.workgroups, maxX);
      pass.dispatchWorkgroups(x, Math.ceil(d.workgroups / x));
    });
    pass.end();
    Object.assign(program, { bufs, metaBuf, groups: groupsNow });
    outBufs.forEach((b, i) => {
      const p = places.get(b.id)!;
      if (b.size > 0) encoder.copyBufferToBuffer(bufs[p.res], p.at * 4, staging, outAt[i] * 4, b.size * 4);
    });
    for (const f of flags) encoder.copyBufferToBuffer(bufs[f.res], f.at * 4, staging, f.staging * 4, 4);
    queue.submit([encoder.finish()]);
    // 5. All outputs back together; the error scopes are awaited with the mapping (not one
    // round trip after another).
    const scopes = fresh ? Promise.all([device.popErrorScope(), device.popErrorScope()]) : null;
    const mapped = staging.mapAsync(GPUMapMode.READ);
    if (scopes) {
      const [validation, oom] = await scopes;
      if (validation || oom) {
        await mapped.catch(() => undefined);
        throw new Error(`laxflow webgpu: ${(validation ?? oom)!.message}`);
      }
      let sizes = validated.get(kernels);
      if (!sizes) validated.set(kernels, (sizes = new Set()));
      sizes.add(arenaBytes);
    }
    await mapped;
    // One copy per output, out of the mapped range.
    const mappedRange = staging.getMappedRange(0, Math.max(4, stagingWords * 4));
    const escaped = flags.length > 0 && flags.some((f) => new Uint32Array(mappedRange, f.staging * 4, 1)[0] !== 0);
    const values = escaped ? [] : outBufs.map((b, i) => fromWords(mappedRange, outAt[i], b.size, b.dtype));
    staging.unmap();
    unmapped = true;
    if (escaped) throw new LaneEscape('laxflow webgpu: a scan read or updated a carried array outside its lane');
    return values;
  } finally {
    if (!ctx.lost) {
      bufs.forEach((b) => ctx.pool.give(b));
      ctx.pool.give(metaBuf);
      if (unmapped || staging.mapState === 'unmapped') ctx.pool.give(staging);
      else staging.destroy();
    }
  }
}

/** Whether the program of `kernels` last ran with its arrays bound separately. */
export const ranSplit = (kernels: LoweredKernel[]): boolean => (programs.get(kernels)?.plan.split ?? null) !== null;

/** A view of a SharedArrayBuffer (the CPU backend's heap with threads): Dawn for Node crashes writing one. */
export const isShared = (a: ArrayBufferView): boolean => typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer;
