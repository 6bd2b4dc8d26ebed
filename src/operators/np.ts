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
export {
  acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, around, asin, asinh, atan, atan2, atanh, cbrt, copysign, cosh, deg2rad, degrees, e, eulerGamma,
  exp2, fabs, fix, floatPower, fmax, fmin, fmod, heaviside, hypot, inf, isneginf, isposinf, log10, log2, logaddexp, logaddexp2, modf, nan, nanToNum, pi, positive,
  pow, rad2deg, radians, rint, signbit, sinc, sinh, trunc, nextafter, spacing, ldexp, frexp, gcd, lcm, bitwiseCount, divmod,
} from './np_math.js';
export {
  append, arraySplit, atleast1d, atleast2d, atleast3d, columnStack, concat, dsplit, dstack, fliplr, flipud, hsplit, hstack, matrixTranspose, moveaxis, pad,
  permuteDims, ravel, roll, rollaxis, rot90, rowStack, split, swapaxes, unstack, vsplit, vstack,
} from './np_stack.js';
export {
  diag, diagflat, diagIndices, diagonal, einsum, geomspace, identity, indices, inner, kron, logspace, matvec, meshgrid, outer, tensordot, trace, tri, tril,
  trilIndices, trilIndicesFrom, triu, triuIndices, triuIndicesFrom, vander, vdot, vecdot, vecmat, cross, fillDiagonal,
} from './np_matrix.js';
export { argsort, lexsort, median, msort, nanmedian, nanpercentile, nanquantile, percentile, quantile, searchsorted, sort } from './np_sort.js';
export { choose, countNonzero, piecewise, putAlongAxis, ravelMultiIndex, select, takeAlongAxis, unravelIndex } from './np_index.js';
export { argpartition, argwhere, flatnonzero, isin, nonzero, partition, topK, unique } from './np_select.js';
export { bartlett, blackman, hamming, hanning, polyadd, polyder, polyint, polymul, polysub, polyval } from './np_poly.js';
export {
  allclose, arrayEqual, arrayEquiv, average, bincount, convolve, corrcoef, correlate, cov, cumulativeProd, cumulativeSum, diff, digitize, ediff1d, histogram,
  histogramBinEdges, interp, isclose, gradient, unwrap, nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, ptp, trapezoid,
} from './np_stats.js';
export {
  angle, broadcastArrays, broadcastShapes, canCast, conj, conjugate, copy, empty, emptyLike, finfo, iinfo, imag, iscomplex, iscomplexobj, isdtype, isreal, isrealobj,
  isscalar, issubdtype, iterable, ndim, promoteTypes, real, resultType, shape, size,
} from './np_dtypes.js';
export type { FInfo, IInfo } from './np_dtypes.js';
export { bitwiseNot as bitwiseInvert, leftShift as bitwiseLeftShift, rightShift as bitwiseRightShift } from './elementwise.js';
export * as linalg from './np_linalg.js';
