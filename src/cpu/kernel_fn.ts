// The form of every compiled CPU kernel, whichever way it was made (generated JS by
// compile.ts, wasm SIMD by wasm/kernels.ts), so that neither file imports the other for it.

import type { TypedArray } from '../graph/dtype.js';

/** A compiled kernel: reads `ins` (the kernel's input buffers, in order) and writes `outs`. */
export type KernelFn = (ins: readonly TypedArray[], outs: readonly TypedArray[]) => void;
