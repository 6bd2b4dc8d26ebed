// Fused scans as one wasm SIMD function (the CPU backend's fast path for lax.scan: many
// sensors, vmap of scan, an EMA over one series). The plan is the JS fused scan's
// (scheduler/scan_plan.ts `fusedSteps`): the time loop, and per step the body's shared-loop
// groups of elementwise kernels and its in-place carry patches, in the same order; this file
// renders it as wasm instead of JS, its element loops through scan_loops.ts. Values are
// computed four lanes at a time with the lowerings of lower.ts, so every result is the
// oracle's, bit for bit (NaN payloads aside).
//
// Memory: every body buffer has a region in one heap scratch block, except the scan's own
// inputs (read in place: consts, the body's leaf constants, and each step's slice of xs);
// carries are copied in once and swapped by address between steps, as the JS does with its
// arrays; ys are copied out per step (memory.copy), the final carries at the end. Arrays
// outside the heap are staged through the scratch block.
//
// What qualifies (anything else runs the JS fused scan): carries and outputs of
// float32/int32/uint32/bool (bool inputs from outside, such as a stream's padding masks, are
// read as bytes; bool intermediates, carries and outputs are lane masks), any affine read or iota (contiguous ones as vector
// loads, others through constant index tables), gathers (any index: lanes are loaded one by
// one after clamping), and ops lower.ts spells in SIMD (no transcendentals, float remainder
// or float->int casts).

import type { TypedArray } from '../../graph/dtype.js';
import { scatterCombine } from '../../graph/prims.js';
import { sizeOf } from '../../graph/shape.js';
import { mapSlots } from '../../scheduler/buffers.js';
import type { Expr as KExpr, Kernel } from '../../scheduler/kernel.js';
import { inHeap } from '../pool.js';
import type { FusedStep } from '../../scheduler/scan_plan.js';
import { forgetModule, newModuleId } from './compile.js';
import { ModuleBuilder } from './encoder.js';
import { lowerings } from './lower.js';
import { MATH_IMPORTS } from './math_imports.js';
import { isWasmDType, sharedHeapOrNull, type WasmHeap } from './memory.js';
import { laneSplit, type LaneSplit } from './scan_lanes.js';
import { refuse, ScanEmitter, Unsupported, type Item } from './scan_loops.js';
import { threadCount } from './thread_count.js';
import { runCalls, type CallsModule } from './threads.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** Runs the scan (ins = [...consts, ...carryInit, ...xs], lits = the body's leaf constants); false when the heap has no room (run the JS then). */
export type WasmScan = (k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[], lits: readonly TypedArray[]) => boolean;

/** Scans that ran as wasm; of them, runs split by lanes, and runs of those that crossed lanes and ran again whole (tests); the last run's wall time in ms (benchmarks). */
export const wasmScanStats = { calls: 0, split: 0, crossed: 0, lastMs: 0 };

let enabled = true;
/** Turn the wasm scan off or on (tests compare it with the JS fused scan); returns the previous setting. */
export function configureWasmScan(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}
export const wasmScanOn = (): boolean => enabled;

/** Lane-steps (lanes x steps) from which a scan's ranges are spread over the worker threads (waking one costs tens of microseconds). */
export const THREADED_LANE_STEPS = 1 << 15;
/** A range's lanes keep their buffers under this many bytes, so they stay in a core's L2 cache for all the range's steps. */
const RANGE_BYTES = 384 << 10;
/**
 * Bytes left between consecutive buffers in scratch (and between staged arrays). A step
 * streams through a few dozen lane arrays at the same lane offset; arrays of 16 KB laid end
 * to end all sit at the same address modulo 4 KB, so their accesses share an L1 cache set
 * and the load-store unit sees false dependencies (4K aliasing): the flood's scan ran 2.9x
 * slower on one thread. A cache line more per buffer gives each array its own set.
 */
const SKEW_BYTES = 64;
/**
 * Rows of a lane's buffer counted as staying in cache: a ring of rows (a window's values, a
 * time window's 65 records) is read and written a row or two per step, so its other rows
 * need not fit a range's cache budget (a time window in ranges sized for all 65 rows: 14
 * ranges of 272 lanes, 30-37 ms a batch; in two ranges: 21 ms).
 */
const CACHED_ROWS = 8;
/** Fewest lanes in a range (a multiple of 4). */
export const MIN_RANGE_LANES = 64;

let laneRanges = true;
/** Lanes per range when set by `configureLaneRanges`; null: chosen per scan (`rangeLanes`). */
let laneBlock: number | null = null;
/** Turn runs in ranges of lanes off or on, ranges of `block` lanes or chosen per scan (tests compare them with the whole scan); returns the previous setting. */
export function configureLaneRanges(on: boolean, block?: number): boolean {
  if (block !== undefined && !(Number.isInteger(block) && block > 0 && block % 4 === 0)) throw new RangeError(`lane ranges must be a positive multiple of 4 lanes, got ${block}`);
  const was = laneRanges;
  laneRanges = on;
  laneBlock = block ?? null;
  return was;
}

/**
 * Lanes per range of a scan over `L` lanes whose buffers take `laneBytes` bytes per lane, run
 * on `threads` threads: one range per thread (each range's steps have a fixed cost, so fewer
 * ranges are faster), unless that would not fit in RANGE_BYTES; a multiple of 4.
 */
export function rangeLanes(L: number, laneBytes: number, threads: number): number {
  if (laneBlock !== null) return laneBlock;
  const perThread = Math.ceil(L / threads / 4) * 4;
  const inCache = Math.max(MIN_RANGE_LANES, Math.floor(RANGE_BYTES / Math.max(laneBytes, 1) / 4) * 4);
  return Math.min(perThread, inCache);
}

/**
 * Whether a long scan's ranges go to the worker threads: a scan heavy in arithmetic per value
 * runs faster there; one that mostly streams its xs and ys through memory, over many short
 * steps, can run slower (the threads share the memory bus and the cache lines at range
 * boundaries, and on a shared machine a core). So each compiled scan of at least
 * TRIAL_LANE_STEPS lane-steps per call measures both: after WARMUP calls on the threads (the
 * engine's first, baseline code of a new module runs at half speed until its optimized code
 * is ready), TRIALS calls each way alternately, then the threads unless one thread measured
 * at least MARGIN faster, trying the other way again every RETRY calls (a trial slowed by
 * another process must not decide for good). Each way's best time per lane-step counts.
 * Shorter calls (a stream's batches, where a slow trial would be a latency spike) always use
 * the threads. The outputs are the same bits either way.
 */
const TRIAL_LANE_STEPS = 1 << 22;
const WARMUP = 2;
const TRIALS = 2;
const RETRY = 16;
const MARGIN = 0.85;
export class ThreadChoice {
  private readonly best = { threads: Infinity, one: Infinity };
  private calls = 0;
  /** The way to run the next call. */
  threads(): boolean {
    const n = this.calls - WARMUP;
    if (n < 0) return true;
    if (n < 2 * TRIALS) return n % 2 === 0;
    const preferThreads = !(this.best.one < MARGIN * this.best.threads);
    return (n - 2 * TRIALS) % RETRY === RETRY - 1 ? !preferThreads : preferThreads;
  }
  /** Records a call's time per lane-step (after the warm-up). */
  record(threads: boolean, nsPerLaneStep: number): void {
    if (this.calls++ < WARMUP) return;
    const k = threads ? 'threads' : 'one';
    this.best[k] = Math.min(this.best[k], nsPerLaneStep);
  }
}

/**
 * The wasm form of a fused scan whose step is `steps` (`baked`: the body's strong scalar
 * constants, by buffer; `consts`: values of small const inputs, by param, that this form is
 * specialized to), or the reason it has none.
 */
export function compileWasmScan(k: ScanKernel, steps: readonly FusedStep[], baked: ReadonlyMap<number, number>, consts: ReadonlyMap<number, ArrayLike<number>> = new Map()): WasmScan | string {
  const heap = sharedHeapOrNull();
  if (!heap) return 'no wasm heap';
  if (steps.some((st) => st.kind === 'reduce')) return 'reductions in a scan body are evaluated in JS';
  const patchedOutputs = new Set(steps.flatMap((st) => (st.kind === 'patch' ? [st.patch.outputs[0]] : [])));
  if (k.body.kernels.some((kk) => kk.inputs.some((b) => patchedOutputs.has(b)))) return 'reads of an updated carry are evaluated in JS';
  const { body, numConsts, numCarry } = k;
  const isX = (p: number) => p >= numConsts + numCarry;
  const isCarry = (p: number) => p >= numConsts && p < numConsts + numCarry;
  const param = new Map<number, number>();
  body.inputs.forEach((inp) => inp.param !== null && param.set(inp.buffer, inp.param));
  // bool intermediates, carries and outputs are lane masks (4 bytes; the runner widens bool
  // carries from bytes on the way in and narrows bool carries and outputs on the way out);
  // other bool inputs from outside (a stream's padding mask) are Uint8Arrays, read as bytes
  const carryParams = body.inputs.filter((i) => i.param !== null && isCarry(i.param)).map((i) => i.buffer);
  const bad = body.buffers.find((b) => !isWasmDType(b.dtype) && b.dtype !== 'bool' && (b.role === 'output' || carryParams.includes(b.id)));
  if (bad) return `${bad.dtype} carries and outputs are evaluated in JS`;
  const external = new Set(body.inputs.filter((i) => !carryParams.includes(i.buffer)).map((i) => i.buffer));
  const byteBool = (b: number) => body.buffers[b].dtype === 'bool' && external.has(b);
  /** Bytes of a body buffer. */
  const bytes = (b: number) => body.buffers[b].size * (byteBool(b) ? 1 : 4);
  const nIn = k.inputs.length;
  const litBuffers = body.inputs.filter((i) => i.param === null);
  const nLits = litBuffers.length;
  const nOut = body.outputs.length;
  // engines cap a function's parameters (V8: 1000) and locals (50000)
  if (nIn + nLits + nOut + 5 > 900 || body.buffers.length > 10000) return 'too many buffers for one wasm function';
  // read in place, never written: consts, xs and the body's leaf constants
  const readOnly = (b: number) => baked.has(b) || external.has(b);
  const lanes = laneSplit(k, steps, readOnly);
  const split = typeof lanes === 'string' ? null : lanes;
  // scratch: `shared` bytes (buffers split by lanes, or every buffer without a split, and
  // constant tables), then one private region per range of lanes (its flag word, then the
  // shared buffers it computes itself), `priv` bytes each
  let scratch = 0;
  let priv = 16;
  const place = new Map<number, { region: 'shared' | 'private'; at: number }>();
  // ys written in place: a body output that is only a y, once, and is written by loops over
  // all lanes (not a value every range of lanes computes for itself) has its address set to
  // its row of the scan's output at each step, instead of a buffer copied there after the step.
  // (A y is then written during its step, before later loops read that step's xs: the buffer
  // planner never gives a kernel's output an input's storage, scheduler/buffers.ts.)
  const inPlaceY = new Map<number, number>(); // body buffer -> its y output's index
  body.outputs.forEach((b, j) => {
    const once = body.outputs.indexOf(b) === j && body.outputs.lastIndexOf(b) === j;
    if (j >= numCarry && once && body.buffers[b].role === 'output' && !param.has(b) && !litBuffers.some((i) => i.buffer === b) && !baked.has(b) && !(split && split.shared.has(b))) inPlaceY.set(b, j);
  });
  // the bytes per lane a step keeps in cache (a range's lanes: `rangeLanes`): its buffers but
  // the intermediates only the loop computing them reads (they stay in registers)
  const writer = new Map<number, FusedStep>();
  for (const st of steps) for (const kk of st.kind === 'group' ? st.kernels : []) writer.set(kk.outputs[0], st);
  const inMemory = new Set<number>();
  for (const st of steps) {
    for (const kk of st.kind === 'group' ? st.kernels : st.kind === 'patch' ? [st.patch] : [st.kernel]) for (const b of kk.inputs) if (writer.get(b) !== st) inMemory.add(b);
  }
  let laneBytes = 0;
  for (const buf of body.buffers) {
    if (inPlaceY.has(buf.id)) continue;
    const p = param.get(buf.id);
    if (baked.has(buf.id) || (p !== undefined && !isCarry(p)) || litBuffers.some((i) => i.buffer === buf.id)) continue;
    const size = Math.ceil(bytes(buf.id) / 16) * 16;
    if (split?.shared.has(buf.id)) place.set(buf.id, { region: 'private', at: priv }), (priv += size);
    else place.set(buf.id, { region: 'shared', at: scratch }), (scratch += size + SKEW_BYTES);
    if (split?.split.has(buf.id) && (buf.role !== 'intermediate' || inMemory.has(buf.id))) laneBytes += Math.min(body.buffers[buf.id].size / split.L, CACHED_ROWS) * 4;
  }
  const tables: { at: number; values: Int32Array }[] = [];
  const m = new ModuleBuilder(heap.shared);
  try {
    // (ins..., lits..., outs..., scratch, len, block, privBase, part): part covers lanes
    // [part * block, part * block + block) of a scan split by lanes
    const f = m.function('kernel', Array(nIn + nLits + nOut + 5).fill('i32'));
    const scratchParam = nIn + nLits + nOut;
    const lenParam = scratchParam + 1;
    const [blockParam, privParam, partParam] = [lenParam + 1, lenParam + 2, lenParam + 3];
    // constant tables (element offsets of strided reads) go after the buffers in scratch,
    // copied in by each call
    const tableAt = new Map<string, number>();
    const em = new ScanEmitter(
      f,
      baked,
      byteBool,
      (values) => {
        const tkey = values.join(',');
        let at = tableAt.get(tkey);
        if (at === undefined) {
          tableAt.set(tkey, (at = scratch));
          tables.push({ at, values });
          scratch += Math.ceil(values.byteLength / 16) * 16;
        }
        f.op('local.get', scratchParam).op('i32.const', at).op('i32.add');
      },
      (name, arity) => m.importFunction(name, Array(arity).fill('f64'), ['f64']),
      new Map(body.inputs.flatMap((i) => (i.param !== null && consts.has(i.param) ? [[i.buffer, consts.get(i.param)!] as const] : []))),
    );
    // this range's private region, and its lanes as byte offsets [lo, hi)
    const privAt = f.local('i32');
    f.op('local.get', privParam).op('local.get', partParam).op('i32.const', priv).op('i32.mul').op('i32.add').op('local.set', privAt);
    const lo = f.local('i32');
    const hi = f.local('i32');
    const flag = f.local('v128');
    if (split) {
      f.op('local.get', partParam).op('local.get', blockParam).op('i32.mul').op('i32.const', 2).op('i32.shl').op('local.tee', lo);
      f.op('local.get', blockParam).op('i32.const', 2).op('i32.shl').op('i32.add').op('local.tee', hi);
      f.op('i32.const', split.L * 4).op('i32.gt_u').op('if').op('i32.const', split.L * 4).op('local.set', hi).op('end');
      em.lanes = { L: split.L, split: split.split, lo, hi, flag };
    }
    /** Copies buffer b's bytes (split by lanes: only this range's lanes of each row); `guard`: shared buffers written by the range of lane 0 only. */
    const copy = (dst: () => void, src: () => void, b: number, guard: boolean) => {
      if (!split || !split.split.has(b)) {
        if (split && guard) f.op('local.get', lo).op('i32.eqz').op('if');
        em.copy(dst, src, bytes(b));
        if (split && guard) f.op('end');
        return;
      }
      const rowBytes = split.L * 4;
      for (let r = 0; r < body.buffers[b].size / split.L; r++) {
        dst(), f.op('i32.const', r * rowBytes).op('i32.add').op('local.get', lo).op('i32.add');
        src(), f.op('i32.const', r * rowBytes).op('i32.add').op('local.get', lo).op('i32.add');
        f.op('local.get', hi).op('local.get', lo).op('i32.sub').op('memory.copy');
      }
    };
    const xs: { buf: number; p: number }[] = [];
    // every body buffer's address: consts and leaf constants in place, xs per step (below),
    // the rest in scratch (carries copied in)
    for (const buf of body.buffers) {
      if (baked.has(buf.id)) continue;
      const a = f.local('i32');
      em.addr.set(buf.id, a);
      const p = param.get(buf.id);
      const lit = litBuffers.findIndex((i) => i.buffer === buf.id);
      const at = place.get(buf.id);
      if (p !== undefined && isX(p)) xs.push({ buf: buf.id, p });
      else if (inPlaceY.has(buf.id)) xs.push({ buf: buf.id, p: nIn + nLits + inPlaceY.get(buf.id)! });
      else if (p !== undefined && !isCarry(p)) f.op('local.get', p).op('local.set', a);
      else if (lit >= 0) f.op('local.get', nIn + lit).op('local.set', a);
      else {
        f.op('local.get', at!.region === 'shared' ? scratchParam : privAt).op('i32.const', at!.at).op('i32.add').op('local.set', a);
        if (p !== undefined) copy(() => f.op('local.get', a), () => f.op('local.get', p), buf.id, false);
      }
    }
    const carryBuf = (c: number) => body.inputs.find((inp) => inp.param === numConsts + c)?.buffer;
    const [pj, pa, pold] = [f.local('i32'), f.local('i32'), f.local('v128')];
    /** The loop item of update `p` of patch kernel `patch` into carry `carry`. */
    const patchItem = (patch: Extract<FusedStep, { kind: 'patch' }>['patch'], p: Extract<FusedStep, { kind: 'patch' }>['patch']['patches'][number], carry: number): Item => {
      const target = em.address(carryBuf(carry)!);
      const size = sizeOf(patch.shape);
      const slots = (e: KExpr) => mapSlots(e, (slot) => patch.inputs[slot]);
      /** Pushes the patch's combine of the v128 locals (old value, update). */
      const combine = (o: number, u: number) => {
        if (p.mode === 'set') return;
        const prim = scatterCombine[p.mode];
        const emit = lowerings[prim]({ kind: 'op', prim, dtype: patch.dtype, args: [{ kind: 'const', value: 0, dtype: patch.dtype }, { kind: 'const', value: 0, dtype: patch.dtype }] });
        if (typeof emit === 'string') refuse(emit);
        emit({ f, args: [o, u], scalarParam: () => refuse('scalar parameter in a scatter combine') });
      };
      /** At address pa: the update u (set), or the old value combined with it; four lanes (`lane` null) or that one lane. */
      const writeAt = (u: number, lane: number | null) => {
        f.op('local.get', pa);
        if (p.mode === 'set') f.op('local.get', u);
        else {
          f.op('local.get', pa).simd(lane === null ? 'v128.load' : 'v128.load32_splat', 2, 0).op('local.set', pold);
          combine(pold, u);
        }
        if (lane === null) f.simd('v128.store', 2, 0);
        else f.simd('v128.store32_lane', 2, 0, lane);
      };
      const item: Item = {
        roots: [slots(p.index), slots(p.updates)],
        row: { root: 0, buffer: carryBuf(carry)!, size },
        // lane by lane in order (repeated indices: the last set wins, adds accumulate);
        // an index outside [0, size) (unsigned compare: negative int32 too) is dropped
        sink: ([jv, u], tail) => {
          if (item.rowAt !== undefined) {
            // the loop's fast version: the index is a row inside the carry (ScanEmitter.loop)
            f.op('local.get', item.rowAt).op('local.get', em.i).op('i32.add').op('local.set', pa);
            return writeAt(u, tail ? 0 : null);
          }
          em.laneCheck(jv, tail, size);
          const fast = !tail && size >= 4;
          if (fast) {
            // four consecutive offsets inside the array (a ring's row at the chunk's
            // lanes): one vector store, or load, combine and store (distinct elements,
            // so the same as lane by lane)
            em.consecutive(jv);
            f.op('local.get', em.consecutiveAt).op('i32.const', size - 3).op('i32.lt_u').op('i32.and').op('if');
            f.op('local.get', target).op('local.get', em.consecutiveAt).op('i32.const', 2).op('i32.shl').op('i32.add').op('local.set', pa);
            writeAt(u, null);
            f.op('else');
          }
          for (let lane = 0; lane < (tail ? 1 : 4); lane++) {
            f.op('local.get', jv).simd('i32x4.extract_lane', lane).op('local.tee', pj).op('i32.const', size).op('i32.lt_u').op('if');
            f.op('local.get', target).op('local.get', pj).op('i32.const', 2).op('i32.shl').op('i32.add').op('local.set', pa);
            writeAt(u, lane);
            f.op('end');
          }
          if (fast) f.op('end');
        },
      };
      return item;
    };
    const s = f.local('i32');
    const t = f.local('i32');
    // for (s = 0; s < len; s++) { t = reverse ? len - 1 - s : s; step }
    f.op('i32.const', 0).op('local.set', s);
    f.op('block').op('loop');
    f.op('local.get', s).op('local.get', lenParam).op('i32.ge_u').op('br_if', 1);
    if (k.reverse) f.op('local.get', lenParam).op('i32.const', 1).op('i32.sub').op('local.get', s).op('i32.sub').op('local.set', t);
    else f.op('local.get', s).op('local.set', t);
    // xs and in-place ys: row t of their arrays
    for (const { buf, p } of xs) f.op('local.get', p).op('local.get', t).op('i32.const', bytes(buf)).op('i32.mul').op('i32.add').op('local.set', em.address(buf));
    const readOutside = (group: readonly Kernel[]) => new Set(body.kernels.filter((kk) => !group.includes(kk)).flatMap((kk) => kk.inputs));
    for (let si = 0; si < steps.length; si++) {
      const st = steps[si];
      if (st.kind === 'group') {
        const elsewhere = readOutside(st.kernels);
        const items: Item[] = st.kernels.map((kk) => {
          const out = kk.outputs[0];
          const store = body.buffers[out].role !== 'intermediate' || elsewhere.has(out);
          return {
            roots: [mapSlots(kk.expr, (slot) => kk.inputs[slot])],
            writes: out,
            sink: ([v], tail) => {
              if (!store) return;
              f.op('local.get', em.address(out)).op('local.get', em.i).op('i32.add').op('local.get', v);
              if (tail) f.simd('v128.store32_lane', 2, 0, 0);
              else f.simd('v128.store', 2, 0);
            },
          };
        });
        em.loop(st.kernels[0].shape, items);
        continue;
      }
      if (st.kind !== 'patch') throw new Error('internal error: a reduction reached the wasm scan');
      // A run of patches of one update each over the same domain (a step's rings, each
      // updated at its position) shares one loop: they write different carries and read none
      // of them, so per chunk in turn is the same as one after another, and an index they
      // share is computed once.
      const run: Extract<FusedStep, { kind: 'patch' }>[] = [st];
      const single = (x: FusedStep): x is Extract<FusedStep, { kind: 'patch' }> => x.kind === 'patch' && x.patch.patches.length === 1;
      if (single(st)) while (si + 1 < steps.length && single(steps[si + 1]) && sameShape((steps[si + 1] as typeof st).patch.patches[0].shape, st.patch.patches[0].shape)) run.push(steps[++si] as typeof st);
      if (run.length > 1) em.loop(st.patch.patches[0].shape, run.map((r) => patchItem(r.patch, r.patch.patches[0], r.carry)));
      else for (const p of st.patch.patches) em.loop(p.shape, [patchItem(st.patch, p, st.carry)]);
    }
    // ys at step t, then the carries: swapped by address when the body's output buffer is
    // its own (the next step overwrites it whole), else copied
    const outputs = body.outputs;
    for (let jOut = numCarry; jOut < nOut; jOut++) {
      const src = outputs[jOut];
      if (inPlaceY.has(src)) continue;
      const outP = nIn + nLits + jOut;
      copy(() => f.op('local.get', outP).op('local.get', t).op('i32.const', bytes(src)).op('i32.mul').op('i32.add'), () => f.op('local.get', em.address(src)), src, true);
    }
    const patched = new Set(steps.flatMap((st) => (st.kind === 'patch' ? [st.carry] : [])));
    const tmp = f.local('i32');
    for (let c = 0; c < numCarry; c++) {
      const dst = carryBuf(c);
      if (dst === undefined || patched.has(c)) continue;
      const src = outputs[c];
      const swaps = body.buffers[src].role === 'output' && outputs.filter((o, jj) => o === src && jj < numCarry).length === 1;
      const [da, sa] = [em.address(dst), em.address(src)];
      if (swaps) f.op('local.get', da).op('local.set', tmp).op('local.get', sa).op('local.set', da).op('local.get', tmp).op('local.set', sa);
      else copy(() => f.op('local.get', da), () => f.op('local.get', sa), dst, false);
    }
    f.op('local.get', s).op('i32.const', 1).op('i32.add').op('local.set', s);
    f.op('br', 0).op('end').op('end');
    for (let c = 0; c < numCarry; c++) {
      const src = carryBuf(c) ?? outputs[c];
      copy(() => f.op('local.get', nIn + nLits + c), () => f.op('local.get', em.address(src)), src, true);
    }
    // the range's flag: nonzero when some lane's index left its lane
    f.op('local.get', privAt).op('local.get', flag).simd('v128.any_true').op('i32.store', 2, 0);
  } catch (err) {
    if (err instanceof Unsupported) return err.message;
    throw err;
  }
  const module = new WebAssembly.Module(m.finish() as Uint8Array<ArrayBuffer>);
  const fn = new WebAssembly.Instance(module, { env: { memory: heap.memory, ...MATH_IMPORTS } }).exports.kernel as (...args: number[]) => void;
  const entry: CallsModule = { fn, module, id: newModuleId() };
  const run = runner(heap, entry, scratch, priv, tables, split, laneBytes);
  // the worker threads drop their instance of the module when the scan is dropped
  dropped.register(run, entry.id);
  return run;
}

const dropped = new FinalizationRegistry<number>((id) => forgetModule(id));

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Views of the whole heap by element type (its memory never grows, so they are made once). */
const heapViews = new WeakMap<ArrayBufferLike, Map<unknown, TypedArray>>();

/** The view of `mem` with the element type of `like` (staging copies are then one `set` each). */
function heapView(mem: ArrayBufferLike, like: TypedArray): TypedArray {
  let byType = heapViews.get(mem);
  if (byType === undefined) heapViews.set(mem, (byType = new Map()));
  let v = byType.get(like.constructor);
  if (v === undefined) byType.set(like.constructor, (v = new (like.constructor as new (b: ArrayBufferLike) => TypedArray)(mem)));
  return v;
}

/**
 * Whether an output shares memory with an input, among the heap views (`staged[i] < 0`, for
 * arrays in the order ins, lits, outs): views of one memory overlap when their byte ranges do.
 */
function sharesMemory(outs: readonly TypedArray[], ins: readonly TypedArray[], staged: readonly number[]): boolean {
  const firstOut = staged.length - outs.length;
  for (let o = 0; o < outs.length; o++) {
    if (staged[firstOut + o] >= 0) continue;
    const a = outs[o];
    for (let i = 0; i < ins.length; i++) {
      if (staged[i] >= 0) continue;
      const b = ins[i];
      if (a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength) return true;
    }
  }
  return false;
}

/**
 * Calls the scan with heap addresses: arrays outside the heap are staged in the scratch
 * block, which follows them. A scan split by lanes runs in ranges of `rangeLanes` lanes, on
 * the worker threads when it is long enough and runs faster there (`ThreadChoice`); when a
 * range saw an index outside its lanes, the call runs again as one range.
 */
function runner(heap: WasmHeap, entry: CallsModule, scratchBytes: number, privBytes: number, tables: readonly { at: number; values: Int32Array }[], split: LaneSplit | null, laneBytes: number): WasmScan {
  const choice = new ThreadChoice();
  return (k, ins, outs, lits) => {
    const arrays = [...ins, ...lits, ...outs];
    const nInputs = ins.length + lits.length;
    // bool carries in and every bool output are lane masks in the function: staged widened
    const firstCarry = k.numConsts;
    const masks = arrays.map((a, idx) => a instanceof Uint8Array && ((idx >= firstCarry && idx < firstCarry + k.numCarry) || idx >= nInputs));
    const staged: number[] = []; // byte offsets in the block, -1: in the heap already
    let bytes = 0;
    arrays.forEach((a, idx) => {
      if (inHeap(a)) staged.push(-1);
      else staged.push(bytes), (bytes += Math.ceil((a.byteLength * (masks[idx] ? 4 : 1)) / 16) * 16 + SKEW_BYTES);
    });
    // (an output sharing memory with an input would be half written when a range fails;
    // arrays outside the heap are staged apart, so only heap views can share memory)
    // long enough for the threads to pay off, and a choice to make
    const long = split !== null && laneRanges && k.length * split.L >= THREADED_LANE_STEPS && threadCount() > 1;
    const trial = long && k.length * split!.L >= TRIAL_LANE_STEPS;
    const threaded = long && (!trial || choice.threads());
    const block = split ? rangeLanes(split.L, laneBytes, threaded ? threadCount() : 1) : 0;
    const ranges = split && laneRanges ? Math.ceil(split.L / block) : 1;
    const parts = ranges > 1 && !sharesMemory(outs, ins, staged) ? ranges : 1;
    const scratchBlock = heap.tryAlloc('float32', (bytes + scratchBytes + parts * privBytes) / 4);
    if (!scratchBlock) return false;
    try {
      const mem = heap.memory.buffer;
      const args = arrays.map((a, idx) => {
        if (staged[idx] < 0) return a.byteOffset;
        const at = scratchBlock.offset + staged[idx];
        if (masks[idx] && idx < nInputs) {
          const v = new Int32Array(mem, at, a.length);
          for (let i = 0; i < a.length; i++) v[i] = a[i] ? -1 : 0;
        } else if (idx < nInputs) heapView(mem, a).set(a, at / a.BYTES_PER_ELEMENT);
        return at;
      });
      for (const { at, values } of tables) new Int32Array(mem, scratchBlock.offset + bytes + at, values.length).set(values);
      const privBase = scratchBlock.offset + bytes + scratchBytes;
      args.push(scratchBlock.offset + bytes, k.length, block, privBase);
      const blockArg = args.length - 2;
      const t0 = performance.now();
      if (parts > 1) {
        if (!threaded || !runCalls(heap, entry, args, parts)) for (let part = 0; part < parts; part++) entry.fn(...args, part);
        const flags = new Int32Array(mem, privBase, (parts * privBytes) / 4);
        let crossed = false;
        for (let part = 0; part < parts; part++) crossed ||= flags[(part * privBytes) / 4] !== 0;
        if (crossed) {
          wasmScanStats.crossed++;
          args[blockArg] = split!.L;
          entry.fn(...args, 0);
        } else wasmScanStats.split++;
      } else {
        args[blockArg] = split ? split.L : 0;
        entry.fn(...args, 0);
      }
      wasmScanStats.lastMs = performance.now() - t0;
      if (trial) choice.record(threaded, (wasmScanStats.lastMs * 1e6) / (k.length * split!.L));
      wasmScanStats.calls++;
      for (let idx = nInputs; idx < arrays.length; idx++) {
        const a = arrays[idx];
        if (masks[idx]) {
          const v = new Int32Array(mem, scratchBlock.offset + staged[idx], a.length);
          for (let i = 0; i < a.length; i++) a[i] = v[i] !== 0 ? 1 : 0;
        } else if (staged[idx] >= 0) {
          const from = (scratchBlock.offset + staged[idx]) / a.BYTES_PER_ELEMENT;
          a.set(heapView(mem, a).subarray(from, from + a.length));
        }
      }
      return true;
    } finally {
      heap.release(scratchBlock);
    }
  };
}
