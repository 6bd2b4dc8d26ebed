// jax.numpy's reductions (sum, mean, var, argmax, ...) and cumulative scans (cumsum, ...).

import { normalizeAxes, normalizeAxis, type Shape } from '../graph/shape.js';
import { node, type Node } from '../graph/node.js';
import type { CumulativePrim, ReducePrim } from '../graph/prims.js';
import type { ArrayLike, AxisOptions, LaxArray } from './array.js';
import { divideWith, multiply, sqrt, subtract, toBool } from './elementwise.js';
import { castNode, reshapeNode, toNode, wrap } from './nodes.js';

function keepdims(n: Node, inShape: Shape, axes: number[], keep: boolean | undefined): Node {
  return keep ? reshapeNode(n, inShape.map((d, i) => (axes.includes(i) ? 1 : d))) : n;
}

function reduction(prim: ReducePrim, name: string, a: ArrayLike, opts: AxisOptions = {}, needsIdentity = false): LaxArray {
  let x = toNode(a);
  const axes = normalizeAxes(opts.axis, x.shape.length);
  if (needsIdentity && axes.some((ax) => x.shape[ax] === 0)) {
    throw new RangeError(`zero-size array to reduction operation ${name} which has no identity`);
  }
  if (x.dtype === 'bool' && (prim === 'reduce_sum' || prim === 'reduce_prod')) x = castNode(x, 'int32');
  return wrap(keepdims(node(prim, [x], { axes }), x.shape, axes, opts.keepdims));
}

export const sum = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_sum', 'sum', a, opts);
export const prod = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_prod', 'prod', a, opts);
export const max = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_max', 'max', a, opts, true);
export const min = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_min', 'min', a, opts, true);
export const amax = max;
export const amin = min;
export const any = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_max', 'any', wrap(toBool(a)), opts);
export const all = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_min', 'all', wrap(toBool(a)), opts);

function count(shape: Shape, axis: AxisOptions['axis']): number {
  return normalizeAxes(axis, shape.length).reduce((n, ax) => n * shape[ax], 1);
}

export function mean(a: ArrayLike, opts: AxisOptions = {}): LaxArray {
  const x = castNode(toNode(a), 'float32');
  return divideWith(sum(wrap(x), opts), count(x.shape, opts.axis), true); // jnp.mean is jitted: XLA multiplies by 1/n
}

/** Variance with `ddof` (default 0), computed from centered values as jnp.var. */
export function var_(a: ArrayLike, opts: AxisOptions & { ddof?: number } = {}): LaxArray {
  const x = wrap(castNode(toNode(a), 'float32'));
  const centered = subtract(x, mean(x, { axis: opts.axis, keepdims: true }));
  const n = count(x.shape, opts.axis) - (opts.ddof ?? 0);
  return divideWith(sum(multiply(centered, centered), opts), Math.max(n, 0), true); // jitted in JAX, as mean
}
export { var_ as var };
export const std = (a: ArrayLike, opts?: AxisOptions & { ddof?: number }) => sqrt(var_(a, opts));

function argReduction(prim: 'argmax' | 'argmin', a: ArrayLike, opts: { axis?: number; keepdims?: boolean } = {}): LaxArray {
  let x = toNode(a);
  if (opts.axis === undefined || opts.axis === null) x = reshapeNode(x, [x.size]);
  const axis = normalizeAxis(opts.axis ?? 0, x.shape.length);
  if (x.shape[axis] === 0) throw new RangeError(`attempt to get ${prim} of an empty sequence`);
  return wrap(keepdims(node(prim, [x], { axis }), x.shape, [axis], opts.keepdims));
}
export const argmax = (a: ArrayLike, opts?: { axis?: number; keepdims?: boolean }) => argReduction('argmax', a, opts);
export const argmin = (a: ArrayLike, opts?: { axis?: number; keepdims?: boolean }) => argReduction('argmin', a, opts);

function cumulative(prim: CumulativePrim, a: ArrayLike, opts: { axis?: number | null; reverse?: boolean } = {}): LaxArray {
  let x = toNode(a);
  if (opts.axis === undefined || opts.axis === null) x = reshapeNode(x, [x.size]);
  if (x.dtype === 'bool' && (prim === 'cumsum' || prim === 'cumprod')) x = castNode(x, 'int32');
  const axis = normalizeAxis(opts.axis ?? 0, x.shape.length);
  return wrap(node(prim, [x], { axis, reverse: opts.reverse ?? false }));
}
export const cumsum = (a: ArrayLike, opts?: { axis?: number | null }) => cumulative('cumsum', a, opts);
export const cumprod = (a: ArrayLike, opts?: { axis?: number | null }) => cumulative('cumprod', a, opts);
export const cummax = (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }) => cumulative('cummax', a, opts);
export const cummin = (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }) => cumulative('cummin', a, opts);
