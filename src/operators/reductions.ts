// jax.numpy's reductions (sum, mean, var, argmax, ...) and cumulative scans (cumsum, ...).

import type { Shape } from '../graph/shape.js';
import { node, type Node } from '../graph/node.js';
import type { CumulativePrim, ReducePrim } from '../graph/prims.js';
import type { ArrayLike, AxisOptions, LaxArray } from './array.js';
import { divideWith, multiply, sqrt, subtract, toBool } from './elementwise.js';
import { castNode, reshapeNode, toNode, wrap } from './nodes.js';
import { checkAxes, checkAxis, checkBool, checkInt, checkOptions } from './validate.js';

/** A reduction's options, checked: its axes (normalized) and keepdims. */
function axisOptions(fn: string, x: Node, opts: unknown, extra: readonly string[] = []): { axes: number[]; keepdims: boolean; opts: AxisOptions & Record<string, unknown> } {
  const o = checkOptions<AxisOptions & Record<string, unknown>>(fn, opts, ['axis', 'keepdims', ...extra]);
  if (o.keepdims !== undefined) checkBool(fn, 'keepdims', o.keepdims);
  return { axes: checkAxes(fn, o.axis, x.shape.length), keepdims: o.keepdims ?? false, opts: o };
}

function keepdims(n: Node, inShape: Shape, axes: number[], keep: boolean | undefined): Node {
  return keep ? reshapeNode(n, inShape.map((d, i) => (axes.includes(i) ? 1 : d))) : n;
}

function reduction(prim: ReducePrim, name: string, a: ArrayLike, opts: AxisOptions = {}, needsIdentity = false): LaxArray {
  let x = toNode(a, name);
  const { axes } = axisOptions(name, x, opts);
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
export const any = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_max', 'any', wrap(toBool(wrap(toNode(a, 'any')))), opts);
export const all = (a: ArrayLike, opts?: AxisOptions) => reduction('reduce_min', 'all', wrap(toBool(wrap(toNode(a, 'all')))), opts);

const count = (shape: Shape, axes: number[]): number => axes.reduce((n, ax) => n * shape[ax], 1);

export function mean(a: ArrayLike, opts: AxisOptions = {}): LaxArray {
  const x = castNode(toNode(a, 'mean'), 'float32');
  const { axes } = axisOptions('mean', x, opts);
  return divideWith(sum(wrap(x), opts), count(x.shape, axes), true); // jnp.mean is jitted: XLA multiplies by 1/n
}

/** Variance with `ddof` (default 0), computed from centered values as jnp.var. */
function variance(fn: string, a: ArrayLike, opts: AxisOptions & { ddof?: number } = {}): LaxArray {
  const x = wrap(castNode(toNode(a, fn), 'float32'));
  const { axes, opts: o } = axisOptions(fn, x.node, opts, ['ddof']);
  const ddof = o.ddof === undefined ? 0 : checkInt(fn, 'ddof', o.ddof);
  const centered = subtract(x, mean(x, { axis: o.axis, keepdims: true }));
  const n = count(x.shape, axes) - ddof;
  return divideWith(sum(multiply(centered, centered), { axis: o.axis, keepdims: o.keepdims }), Math.max(n, 0), true); // jitted in JAX, as mean
}
export const var_ = (a: ArrayLike, opts?: AxisOptions & { ddof?: number }) => variance('var', a, opts);
export { var_ as var };
export const std = (a: ArrayLike, opts?: AxisOptions & { ddof?: number }) => sqrt(variance('std', a, opts));

function argReduction(prim: 'argmax' | 'argmin', a: ArrayLike, opts0: { axis?: number; keepdims?: boolean } = {}): LaxArray {
  let x = toNode(a, prim);
  const opts = checkOptions<{ axis?: number | null; keepdims?: boolean }>(prim, opts0, ['axis', 'keepdims']);
  if (opts.keepdims !== undefined) checkBool(prim, 'keepdims', opts.keepdims);
  if (opts.axis === undefined || opts.axis === null) x = reshapeNode(x, [x.size]);
  const axis = checkAxis(prim, opts.axis ?? 0, x.shape.length);
  if (x.shape[axis] === 0) throw new RangeError(`attempt to get ${prim} of an empty sequence`);
  return wrap(keepdims(node(prim, [x], { axis }), x.shape, [axis], opts.keepdims));
}
export const argmax = (a: ArrayLike, opts?: { axis?: number; keepdims?: boolean }) => argReduction('argmax', a, opts);
export const argmin = (a: ArrayLike, opts?: { axis?: number; keepdims?: boolean }) => argReduction('argmin', a, opts);

function cumulative(prim: CumulativePrim, a: ArrayLike, opts0: { axis?: number | null; reverse?: boolean } = {}): LaxArray {
  let x = toNode(a, prim);
  const opts = checkOptions<{ axis?: number | null; reverse?: boolean }>(prim, opts0, ['axis', 'reverse']);
  if (opts.reverse !== undefined) checkBool(prim, 'reverse', opts.reverse);
  if (opts.axis === undefined || opts.axis === null) x = reshapeNode(x, [x.size]);
  if (x.dtype === 'bool' && (prim === 'cumsum' || prim === 'cumprod')) x = castNode(x, 'int32');
  const axis = checkAxis(prim, opts.axis ?? 0, x.shape.length);
  return wrap(node(prim, [x], { axis, reverse: opts.reverse ?? false }));
}
export const cumsum = (a: ArrayLike, opts?: { axis?: number | null }) => cumulative('cumsum', a, opts);
export const cumprod = (a: ArrayLike, opts?: { axis?: number | null }) => cumulative('cumprod', a, opts);
export const cummax = (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }) => cumulative('cummax', a, opts);
export const cummin = (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }) => cumulative('cummin', a, opts);
