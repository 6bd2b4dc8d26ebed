// jax.numpy: the user's array functions, as one public namespace (`np`). Each validates its
// arguments (errors name the function and the shapes), applies JAX's dtype promotion and
// NumPy broadcasting, and builds graph nodes of the lax-level primitives. Nothing is
// computed here. The functions live in files named for what they are; this module lists the
// public ones (tests/core/public_names.test.ts holds it to docs/api.md) and installs the
// Array methods.

import './array_methods.js';

export type { ArrayLike, AxisOptions, Index, Nested, SliceIndex } from './array.js';
export { array, asarray, astype } from './nodes.js';
export { arange, eye, full, fullLike, linspace, ones, onesLike, zeros, zerosLike } from './creation.js';
export {
  abs,
  absolute,
  add,
  arctan2,
  bitwiseAnd,
  bitwiseNot,
  bitwiseOr,
  bitwiseXor,
  ceil,
  clip,
  cos,
  divide,
  equal,
  exp,
  expm1,
  floor,
  floorDivide,
  greater,
  greaterEqual,
  invert,
  isfinite,
  isinf,
  isnan,
  leftShift,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  maximum,
  minimum,
  mod,
  multiply,
  negative,
  notEqual,
  power,
  reciprocal,
  remainder,
  rightShift,
  round,
  sign,
  sin,
  sqrt,
  square,
  subtract,
  tan,
  tanh,
  trueDivide,
  where,
} from './elementwise.js';
export { all, amax, amin, any, argmax, argmin, cummax, cummin, cumprod, cumsum, max, mean, min, prod, std, sum, var_ as var } from './reductions.js';
export { broadcastTo, concatenate, expandDims, flip, repeat, reshape, squeeze, stack, tile, transpose } from './shape_ops.js';
export { slice, take } from './indexing.js';
export { dot, matmul } from './linalg.js';
