// lax.scan on the CPU: the body's schedule is compiled once and the whole scan runs as one
// loop, with no graph building per step and the carry in preallocated buffers.
//
// - Fused: when every body kernel is elementwise, a reduction, or an `.at` update of a carry
//   that can be done in place (scan_plan.ts; later kernels then read the updated value from
//   the carried array), ONE generated function holds the time loop; the body
//   kernels are inlined in it (time outside, lanes inside, for a batched carry). Kernels
//   of one shape share a loop, with shared sub-expressions computed once (value numbering)
//   and intermediates only that loop reads kept in variables; array carries swap with their
//   output buffers; scratch arrays are made once per compiled scan, and the length is an
//   argument, so one compiled body serves every length. When every body buffer is a single
//   element (an EMA, a running sum), body buffers become JS locals.
//   That plan (`fusedSteps`) is rendered as wasm SIMD first (wasm/scan.ts: the same loops,
//   four lanes per instruction, exact float32 instructions), and as the JS above where wasm
//   refuses the body (reductions among others) or the heap has no room.
// - Otherwise the executor (executor.ts) runs the body's compiled kernels once per step.

import type { TypedArray } from '../graph/dtype.js';
import { sizeOf } from '../graph/shape.js';
import { mapSlots } from '../scheduler/buffers.js';
import type { Kernel, Schedule } from '../scheduler/kernel.js';
import { type Access, groupedElementwiseCode, patchCode, reduceCode } from './codegen.js';
import { literal, makeFunction } from './compile.js';
import { leafData, literalValue } from './bind.js';
import { heapResident, takeKept } from './pool.js';
import { LRU } from '../graph/lru.js';
import { fusedSteps, type ElementwiseOf } from '../scheduler/scan_plan.js';
import { compileWasmScan, wasmScanOn } from './wasm/scan.js';
import { laneMajor, laneMajorRun } from './wasm/scan_scalarize.js';

type ScanKernel = Extract<Kernel, { kind: 'scan' }>;

/** What a fused scan step may hold: elementwise groups, in-place carry patches (whose updated value later kernels may read), reductions. */
const FUSED = (patches: boolean) => ({ patches, reductions: true, readPatched: true });

const bodyKeys = new WeakMap<Schedule['kernels'], Map<string, string>>();

/**
 * The body's leaf constants written into the code: strong scalars (as cpu/compile.ts does for
 * plain kernels; the index arithmetic of a ring buffer's `.at` and `take` then folds), by
 * body buffer. Weak JS numbers stay inputs, and so does a constant the body outputs.
 */
function bakedOf(body: Schedule): Map<number, number> {
  const m = new Map<number, number>();
  for (const inp of body.inputs) {
    const v = literalValue(inp);
    if (v !== undefined && !body.outputs.includes(inp.buffer)) m.set(inp.buffer, v);
  }
  return m;
}

/** Key of everything the compiled scan depends on (body wiring and baked constants; not the length, nodes or labels). */
function scanKey(k: ScanKernel): string {
  // Body schedules are cached by structure (schedule.ts), so every trace of one step shares
  // one kernels list and one key string (whose hash the engine then computes once).
  let byParams = bodyKeys.get(k.body.kernels);
  if (byParams === undefined) bodyKeys.set(k.body.kernels, (byParams = new Map()));
  // The scan's input count too: xs the body never reads are not in its schedule, but the
  // compiled function finds its literals after every input (without it, one body with and
  // without an unused xs would share a function, which would read an xs array as a literal).
  const params = `${k.reverse}|${k.numConsts}|${k.numCarry}|${k.inputs.length}`;
  let key = byParams.get(params);
  if (key === undefined) {
    const seen = new Map<object, number>();
    const body = JSON.stringify(k.body, (name, v) => {
      if (name === 'node' || name === 'label') return undefined;
      if (v && typeof v === 'object' && 'op' in v) {
        const id = seen.get(v);
        if (id !== undefined) return `#${id}`;
        seen.set(v, seen.size);
      }
      return v;
    });
    byParams.set(params, (key = `${params}|${body}`));
  }
  const baked = [...bakedOf(k.body)].map(([b, v]) => `${b}=${literal(v)}`).join(',');
  return baked ? `${key}|${baked}` : key;
}

/** Generated code (and its once-only setup) for a scan whose body kernels are all elementwise; null otherwise. */
export function fusedScanCode(k: ScanKernel): { setup: string; code: string } | null {
  const body: Schedule = k.body;
  const { numConsts, numCarry } = k;
  const scalar = body.buffers.every((b) => b.size === 1);
  const steps = fusedSteps(k, FUSED(!scalar));
  if (steps === null) return null;
  const role = new Map<number, { param: number } | { lit: number }>();
  let nLits = 0;
  body.inputs.forEach((inp) => role.set(inp.buffer, inp.param !== null ? { param: inp.param } : { lit: nLits++ }));
  const isX = (p: number) => p >= numConsts + numCarry;
  const isCarry = (p: number) => p >= numConsts && p < numConsts + numCarry;
  const pre: string[] = [];
  const setup: { id: number; ctor: string; size: number; init: string | null }[] = [];
  const name = (b: number) => `B${b}`;
  // Declarations: every body buffer gets a variable (a local number when scalar, else an
  // array); x params are the xs arrays, read at the step's offset. Leaf constants of the body
  // come after the scan's inputs.
  const nIn = k.inputs.length;
  const baked = bakedOf(body);
  for (const buf of body.buffers) {
    if (baked.has(buf.id)) continue; // read as a literal
    const r = role.get(buf.id);
    const src = r === undefined ? null : 'param' in r ? `in${r.param}` : `in${nIn + r.lit}`;
    const ctor = { float32: 'Float32Array', int32: 'Int32Array', uint32: 'Uint32Array', bool: 'Uint8Array' }[buf.dtype];
    // Array carries and the step's own buffers are scratch arrays made once per compiled scan.
    if (r && 'param' in r && isX(r.param)) pre.push(`const ${name(buf.id)} = ${src};`);
    else if (scalar) pre.push(`let ${name(buf.id)} = ${src ? `${src}[0]` : '0'};`);
    else if (src === null) setup.push({ id: buf.id, ctor, size: buf.size, init: null });
    else if (r && 'param' in r && isCarry(r.param)) setup.push({ id: buf.id, ctor, size: buf.size, init: src });
    else pre.push(`const ${name(buf.id)} = ${src};`);
  }
  const xOffset = (b: number) => `xo${b}`;
  const step: string[] = [];
  for (const buf of body.buffers) {
    const r = role.get(buf.id);
    if (r && 'param' in r && isX(r.param)) step.push(`const ${xOffset(buf.id)} = t * ${buf.size};`);
  }
  const carryBuf = (c: number) => body.inputs.find((inp) => inp.param === numConsts + c)?.buffer;
  // A carry updated in place is its own storage before and after the update: reads of the
  // updated value (the patch's output buffer) read the carry's array.
  const storage = new Map(steps.flatMap((st) => (st.kind === 'patch' ? [[st.patch.outputs[0], carryBuf(st.carry)!] as const] : [])));
  // Reads name buffers (kernels' slots are mapped to buffers before emitting).
  const access: Access = {
    read: (b, index) => {
      const v = baked.get(b);
      if (v !== undefined) return literal(v);
      const r = role.get(b);
      if (r && 'param' in r && isX(r.param)) return `${name(b)}[${xOffset(b)} + ${index}]`;
      const at = storage.get(b) ?? b;
      return scalar ? name(at) : `${name(at)}[${index}]`;
    },
    name,
  };
  const write = (b: number, i: string, v: string) => (scalar ? `${name(b)} = ${v};` : `${name(b)}[${i}] = ${v};`);
  /** Reads of kernel `kk`'s input slots. */
  const slotAccess = (kk: Kernel): Access => ({ read: (slot, index) => access.read(kk.inputs[slot], index), name: (slot) => name(kk.inputs[slot]) });
  for (const st of steps) {
    if (st.kind === 'group') {
      // An intermediate that only this group reads lives in a variable, never in its buffer.
      const group = st.kernels;
      const readElsewhere = new Set(body.kernels.filter((kk) => !group.includes(kk as ElementwiseOf)).flatMap((kk) => kk.inputs));
      const local = (b: number) => body.buffers[b].role === 'intermediate' && !readElsewhere.has(b);
      const items = group.map((kk) => ({ expr: mapSlots(kk.expr, (slot) => kk.inputs[slot]), out: kk.outputs[0], store: !local(kk.outputs[0]) }));
      step.push(`{\n${groupedElementwiseCode(group[0].shape, items, access, write)}\n}`);
      continue;
    }
    if (st.kind === 'reduce') {
      const kr = st.kernel;
      step.push(`{\n${reduceCode(kr, slotAccess(kr), (i, v) => write(kr.outputs[0], i, v))}\n}`);
      continue;
    }
    const { patch } = st;
    step.push(`{\n${patchCode({ ...patch, base: null }, slotAccess(patch), name(carryBuf(st.carry)!), sizeOf(patch.shape))}\n}`);
  }
  // ys, then carries (the body's outputs are never its input buffers).
  const outputs = body.outputs;
  for (let j = numCarry; j < outputs.length; j++) {
    const src = outputs[j];
    const size = body.buffers[src].size;
    const ys = `out${j}`;
    step.push(scalar ? `${ys}[t] = ${name(src)};` : `for (let i = 0; i < ${size}; i++) ${ys}[t * ${size} + i] = ${name(src)}[i];`);
  }
  const patched = new Set(steps.flatMap((st) => (st.kind === 'patch' ? [st.carry] : [])));
  for (let c = 0; c < numCarry; c++) {
    const dst = carryBuf(c);
    if (dst === undefined || patched.has(c)) continue; // ignored by the body, or updated in place
    const src = outputs[c];
    // An array carry swaps with the step's output buffer when nothing else holds that buffer
    // (the next step overwrites it whole), instead of copying it.
    const swaps = !scalar && body.buffers[src].role === 'output' && outputs.filter((o, j) => o === src && j < numCarry).length === 1;
    if (scalar) step.push(`${name(dst)} = ${name(src)};`);
    else if (swaps) step.push(`{ const tmp = ${name(dst)}; ${name(dst)} = ${name(src)}; ${name(src)} = tmp; }`);
    else step.push(`${name(dst)}.set(${name(src)});`);
  }
  const fin: string[] = [];
  for (let c = 0; c < numCarry; c++) {
    const dst = carryBuf(c);
    const src = dst ?? outputs[c];
    fin.push(scalar ? `out${c}[0] = ${name(src)};` : `out${c}.set(${name(src)});`);
  }
  // A carry the body ignores still comes out as its final value: the last step's output.
  // The length is an argument (the last input), so one compiled body serves every length
  // (stream batches come in many sizes).
  const loop = `const len = in${nIn + nLits};\nfor (let s = 0; s < len; s++) {\nconst t = ${k.reverse ? 'len - 1 - s' : 's'};\n${step.join('\n')}\n}`;
  const main = `${loop}\n${fin.join('\n')}`;
  // Scratch arrays live in the closure (S*) and in locals while the kernel runs (swaps change
  // which is which). Buffers that became variables (groupedElementwiseCode) need none.
  const used = setup.filter((d) => new RegExp(`\\b${name(d.id)}\\b`).test(main));
  const bindScratch = used.map((d) => `let ${name(d.id)} = S${d.id};${d.init ? ` ${name(d.id)}.set(${d.init});` : ''}`);
  const keepScratch = used.map((d) => `S${d.id} = ${name(d.id)};`);
  return {
    setup: used.map((d) => `let S${d.id} = new ${d.ctor}(${d.size});`).join('\n'),
    code: `${pre.join('\n')}\n${bindScratch.join('\n')}\n${main}\n${keepScratch.join('\n')}`,
  };
}

/** A compiled scan; false when the body has no fused form (the executor then runs it per step). */
type CompiledScan = (k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[], lits: readonly TypedArray[]) => boolean;

const cache = new LRU<string, CompiledScan>(128);
/** By kernel object: a schedule run many times (a program, a scan body) finds its function without building the key. */
const byKernel = new WeakMap<ScanKernel, CompiledScan>();

function compileScan(k: ScanKernel): CompiledScan {
  let fn = byKernel.get(k);
  if (fn) return fn;
  const key = scanKey(k);
  fn = cache.get(key);
  if (fn) return byKernel.set(k, fn), fn;
  // the wasm SIMD form of the fused plan where it has one (wasm/scan.ts), else the JS
  const steps = fusedSteps(k, FUSED(true));
  const wasmFor = (consts: ReadonlyMap<number, ArrayLike<number>>) => (steps === null ? null : laneMajorWasm(k, steps, consts) ?? compileWasmScan(k, steps, bakedOf(k.body), consts));
  const small = smallConsts(k);
  const wasm = small.length === 0 ? wasmFor(new Map()) : steps === null ? null : specialized(small, wasmFor);
  let js: CompiledScan | undefined;
  const jsScan = (): CompiledScan => {
    if (js) return js;
    const code = fusedScanCode(k);
    if (code === null) return (js = () => false);
    const nLits = k.body.inputs.filter((i) => i.param === null).length;
    const inner = makeFunction(code.code, k.inputs.length + nLits + 1, k.body.outputs.length, code.setup) as unknown as (ins: readonly (TypedArray | number)[], outs: readonly TypedArray[]) => void;
    return (js = (kk, ins, outs, lits) => (inner([...ins, ...lits, kk.length], outs), true));
  };
  if (wasm === null || typeof wasm === 'string') fn = jsScan();
  else fn = (kk, ins, outs, lits) => (wasmScanOn() && wasm(kk, ins, outs, lits)) || jsScan()(kk, ins, outs, lits);
  cache.set(key, fn);
  byKernel.set(k, fn);
  return fn;
}

/** Most elements of a const input whose values a wasm scan is compiled in (a filter's F and H). */
const SMALL_CONST = 16;

/** The scan's const params of at most SMALL_CONST float32 or integer elements. */
function smallConsts(k: ScanKernel): number[] {
  return k.body.inputs.flatMap((i) => {
    const b = k.body.buffers[i.buffer];
    return i.param !== null && i.param < k.numConsts && b.size <= SMALL_CONST && (b.dtype === 'float32' || b.dtype === 'int32' || b.dtype === 'uint32') ? [i.param] : [];
  });
}

/** Value sets of a scan's small consts compiled in, at most; past them, the scan's one form for any values. */
const MAX_FORMS = 8;

/**
 * A wasm scan compiled per value of its small const inputs (their bits the key): their
 * elements are then constants of the code, so a product with a 1 in them is no operation
 * (wasm/scan_loops.ts). A scan run again with other values compiles again, up to MAX_FORMS
 * value sets; one whose consts keep changing (a parameter sweep) then runs a form compiled
 * for any values rather than compiling per call.
 */
function specialized(small: readonly number[], wasmFor: (consts: ReadonlyMap<number, ArrayLike<number>>) => CompiledScan | string | null): CompiledScan {
  const forms = new Map<string, CompiledScan | string | null>();
  let generic: CompiledScan | string | null | undefined;
  return (kk, ins, outs, lits) => {
    const key = small.map((p) => Array.from(new Int32Array(ins[p].buffer, ins[p].byteOffset, ins[p].length)).join(',')).join('|');
    let w = forms.get(key);
    if (w === undefined) {
      if (forms.size < MAX_FORMS) forms.set(key, (w = wasmFor(new Map(small.map((p) => [p, Array.from(ins[p], Number)])))));
      else w = generic ??= wasmFor(new Map());
    }
    return w !== null && typeof w !== 'string' && w(kk, ins, outs, lits);
  };
}

/** The wasm form of the scan's lane-major transform (wasm/scan_scalarize.ts), where it has one. */
function laneMajorWasm(k: ScanKernel, steps: NonNullable<ReturnType<typeof fusedSteps>>, consts: ReadonlyMap<number, ArrayLike<number>>): CompiledScan | null {
  const lm = laneMajor(k, steps);
  if (typeof lm === 'string') return null;
  const steps2 = fusedSteps(lm.k, FUSED(true));
  const inner = steps2 === null ? null : compileWasmScan(lm.k, steps2, bakedOf(lm.k.body), consts);
  return inner === null || typeof inner === 'string' ? null : laneMajorRun(lm, inner);
}

/**
 * Run a scan kernel as one compiled loop (ins = [...consts, ...carryInit, ...xs],
 * outs = [...carryFinal, ...ys]); false, with nothing written, when its body has no fused form.
 */
export function runFusedScan(k: ScanKernel, ins: readonly TypedArray[], outs: readonly TypedArray[]): boolean {
  return compileScan(k)(k, ins, outs, litsOf(k));
}

/**
 * The body's constant inputs, as heap-resident copies kept with the kernel (a scan run many
 * times, a stream's batch step, would otherwise stage each of them into the heap per call).
 */
const residentLits = new WeakMap<ScanKernel, TypedArray[]>();

function litsOf(k: ScanKernel): TypedArray[] {
  let lits = residentLits.get(k);
  if (lits === undefined) {
    lits = k.body.inputs.filter((i) => i.param === null).map((i) => {
      const data = leafData(i.node);
      if (heapResident(data)) return data;
      const copy = takeKept(k, i.node.dtype, data.length);
      copy.set(data as never);
      return copy;
    });
    residentLits.set(k, lits);
  }
  return lits;
}
