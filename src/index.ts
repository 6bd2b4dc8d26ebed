// laxflow: a functional reactive dataflow engine with JAX semantics.
// The public surface is documented in docs/api.md.

export * as np from './operators/np.js';
export * as lax from './operators/lax.js';
export * as random from './random/index.js';
export { vmap, type VmapOptions } from './operators/vmap.js';
export { jit } from './operators/jit.js';
export { grad, valueAndGrad, vjp, jvp, jacfwd, jacrev, hessian, type GradOptions } from './operators/autodiff/api.js';
export { LaxArray, LaxArray as Array } from './operators/array.js';
export { Slice } from './operators/array.js';
export { config } from './config.js';
export { init, realize, backendName } from './devices.js';
export type { DType, TypedArray } from './graph/dtype.js';
