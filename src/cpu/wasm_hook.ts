// The hook through which the WebAssembly SIMD code generator (src/cpu/wasm/) plugs into the
// CPU backend: given a fused elementwise or reduction kernel it may return a compiled
// implementation; when it returns null (or nothing is registered) the backend uses its JS.

import type { DType, TypedArray } from '../graph/dtype.js';
import type { ElementwiseKernel, ReduceKernel } from '../scheduler/kernel.js';

/** A compiled kernel: reads `ins` (the kernel's inputs, in order) and writes `outs`. */
export type KernelFn = (ins: readonly TypedArray[], outs: readonly TypedArray[]) => void;

/**
 * `kernel` is the scheduler's description (its `inputs`/`outputs` name buffers; the
 * expression reads slot i of `ins`); `inputDtypes[i]` and `outputDtype` are the typed-array
 * dtypes. The result is cached by the backend under the kernel's structural key.
 */
export type WasmCompiler = (kernel: ElementwiseKernel | ReduceKernel, inputDtypes: readonly DType[], outputDtype: DType) => KernelFn | null;

let compiler: WasmCompiler | null = null;

/** Register (or with null, remove) the wasm compiler. Clears nothing: call before first use. */
export function registerWasmCompiler(c: WasmCompiler | null): void {
  compiler = c;
}

export const wasmCompiler = (): WasmCompiler | null => compiler;
