// Kernel compilation for the CPU backend: JS source from codegen.ts turned into a function
// with `new Function`, cached by the kernel's structural key in a bounded LRU. The key is the
// kernel's description without buffer ids (expressions address inputs by slot) plus the
// dtypes of its buffers, which is everything the generated code depends on, plus the values
// of the *literal* inputs: strong scalar constants (threefry's rotation amounts, the index
// arithmetic of `.at`) are written into the code, because V8 folds a constant shift or
// multiply but not one read from memory. Weakly typed JS numbers stay runtime inputs, so
// `x * t` for a changing number `t` compiles once.

import type { DType } from '../graph/dtype.js';
import type { Kernel } from '../scheduler/kernel.js';
import { arrayAccess, argReduceCode, concatCode, cumulativeCode, elementwiseCode, patchCode, reduceCode } from './codegen.js';
import { runDot } from './dot.js';
import type { KernelFn } from './kernel_fn.js';
import { runtimeHelpers } from './lowering.js';
import { LRU } from '../graph/lru.js';
import { wasmKernel } from './wasm/kernels.js';

const helpers = runtimeHelpers();
/** LAXFLOW_DUMP_KERNELS=1 prints every generated kernel's source to stderr (for debugging). */
const dump = typeof process !== 'undefined' && !!process.env?.LAXFLOW_DUMP_KERNELS;
const helperNames = Object.keys(helpers);
const helperValues = helperNames.map((n) => helpers[n]);

/** The structural key: shared sub-expressions are written once and then referenced. */
function kernelKey(k: Kernel, dtypes: readonly DType[]): string {
  const seen = new Map<object, number>();
  const body = JSON.stringify(k, (key, v) => {
    if (key === 'inputs' || key === 'outputs' || key === 'label') return undefined;
    if (v && typeof v === 'object' && 'op' in v) {
      const id = seen.get(v);
      if (id !== undefined) return `#${id}`;
      seen.set(v, seen.size);
    }
    return v;
  });
  return `${dtypes.join(',')}|${body}`;
}

/**
 * Turn a code body over `in0..`, `out0..` into a KernelFn. `setup` runs once, outside the
 * kernel (scratch arrays a kernel reuses on every call: kernels are synchronous).
 */
export function makeFunction(code: string, nIn: number, nOut: number, setup = ''): KernelFn {
  const bind = [
    ...Array.from({ length: nIn }, (_, i) => `const in${i} = ins[${i}];`),
    ...Array.from({ length: nOut }, (_, i) => `const out${i} = outs[${i}];`),
  ].join('\n');
  if (dump) console.error(`--- kernel (${nIn} in, ${nOut} out)\n${setup}\n${code}`);
  const factory = new Function(...helperNames, `"use strict";\n${setup}\nreturn function kernel(ins, outs) {\n${bind}\n${code}\n};`);
  return factory(...helperValues) as KernelFn;
}

/** A JS literal for a stored scalar (exact: shortest round-trip digits of the double). */
export function literal(v: number): string {
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${v})` : String(v);
}

/** Literal values by input slot (undefined: read the buffer). */
export type Literals = readonly (number | undefined)[];

function generate(k: Kernel, dtypes: readonly DType[], lits: Literals): KernelFn {
  const names = arrayAccess(k.inputs.map((_, i) => `in${i}`));
  const hasLits = lits.some((v) => v !== undefined);
  const access = hasLits
    ? { read: (slot: number, index: string) => (lits[slot] !== undefined ? literal(lits[slot]) : names.read(slot, index)), name: names.name }
    : names;
  const write = (i: string, v: string) => `out0[${i}] = ${v};`;
  const nIn = k.inputs.length;
  const outDtype = dtypes[dtypes.length - 1];
  switch (k.kind) {
    case 'elementwise':
    case 'reduce': {
      const js = makeFunction(k.kind === 'elementwise' ? elementwiseCode(k, access, write) : reduceCode(k, access, write), nIn, 1);
      return wasmKernel(k, outDtype, lits, js) ?? js;
    }
    case 'argreduce':
      return makeFunction(argReduceCode(k, access, write), nIn, 1);
    case 'cumulative':
      return makeFunction(cumulativeCode(k, access, write, k.expr.dtype), nIn, 1);
    case 'concat':
      return makeFunction(concatCode(k, access, write), nIn, 1);
    case 'patch': {
      const size = k.shape.reduce((a, b) => a * b, 1);
      return makeFunction(patchCode(k, access, 'out0', size), nIn, 1);
    }
    case 'dot':
      return (ins, outs) => runDot(k, ins[0], ins[1], outs[0]);
    case 'scan':
      throw new Error('internal error: scan kernels are compiled by scan.ts');
  }
}

const cache = new LRU<string, KernelFn>(512);
const byKernel = new WeakMap<Kernel, { tag: string; fn: KernelFn }>();

/**
 * The compiled function of `k` (cached); `dtypes` are its input then output buffer dtypes,
 * `lits` the values of its literal inputs (see the header).
 */
export function compileKernel(k: Kernel, dtypes: readonly DType[], lits: Literals = []): KernelFn {
  // Kernel objects are immutable and reused (a scan body runs its kernels every step), so the
  // function found for one is remembered on it: the structural key is built once per kernel.
  const litKey = lits.map((v) => (v === undefined ? '' : literal(v))).join(',');
  const tag = `${dtypes.join(',')}|${litKey}`;
  const known = byKernel.get(k);
  if (known?.tag === tag) return known.fn;
  const key = `${kernelKey(k, dtypes)}|${litKey}`;
  let fn = cache.get(key);
  if (!fn) {
    fn = generate(k, dtypes, lits);
    cache.set(key, fn);
  }
  byKernel.set(k, { tag, fn });
  return fn;
}
