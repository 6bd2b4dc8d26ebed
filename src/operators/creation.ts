// jax.numpy's array creation: filled arrays, ranges and the identity.

import { allocate, castScalar, scalarType, type DType } from '../graph/dtype.js';
import { node } from '../graph/node.js';
import type { ArrayLike, LaxArray } from './array.js';
import { astype, broadcastNode, castNode, checkIntRange, constant, scalarNode, toNode, wrap } from './nodes.js';

function checkShape(name: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(`${name}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

export function full(shape: number[], fillValue: number | boolean, opts: { dtype?: DType } = {}): LaxArray {
  const dtype = opts.dtype ?? scalarType(fillValue).dtype;
  checkIntRange(fillValue, dtype);
  return wrap(broadcastNode(scalarNode(fillValue, dtype), checkShape('full', shape)));
}
export const zeros = (shape: number[], opts: { dtype?: DType } = {}) => full(shape, 0, { dtype: opts.dtype ?? 'float32' });
export const ones = (shape: number[], opts: { dtype?: DType } = {}) => full(shape, 1, { dtype: opts.dtype ?? 'float32' });
export const fullLike = (a: ArrayLike, v: number | boolean, opts: { dtype?: DType } = {}) => {
  const n = toNode(a);
  return full([...n.shape], v, { dtype: opts.dtype ?? n.dtype });
};
export const zerosLike = (a: ArrayLike, opts: { dtype?: DType } = {}) => fullLike(a, 0, opts);
export const onesLike = (a: ArrayLike, opts: { dtype?: DType } = {}) => fullLike(a, 1, opts);

/**
 * jnp.arange(stop) / arange(start, stop, step): int32 when all integers, else float32. JAX
 * computes a concrete arange with NumPy in the result dtype, so float32 values follow
 * NumPy's fill: the first two in float64 (start, start + step), then
 * `a[i] = a[0] + i * (a[1] - a[0])` in float32 arithmetic (`np.arange(3.6, 1.2, -0.1,
 * dtype=np.float32)[3]` is 3.3000002, not 3.3).
 */
export function arange(start: number, stop?: number, step = 1, opts: { dtype?: DType } = {}): LaxArray {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new RangeError('arange: step cannot be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const buf = allocate(dtype, n);
  if (dtype === 'float32' && n > 0) {
    const f = Math.fround;
    buf[0] = f(start);
    if (n > 1) buf[1] = f(start + step);
    const delta = f(buf[1] - buf[0]);
    for (let i = 2; i < n; i++) buf[i] = f(buf[0] + f(f(i) * delta));
  } else for (let i = 0; i < n; i++) buf[i] = castScalar(start + i * step, dtype);
  return wrap(constant(buf, [n], dtype));
}

/** jnp.linspace: `num` evenly spaced values over [start, stop] (float32). */
export function linspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; dtype?: DType } = {}): LaxArray {
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const f = Math.fround;
  const delta = div > 0 ? f(f(f(stop) - f(start)) / div) : 0;
  const buf = new Float32Array(num);
  for (let i = 0; i < num; i++) buf[i] = f(f(start) + f(i * delta));
  if (endpoint && num > 1) buf[num - 1] = stop;
  const out = wrap(constant(buf, [num], 'float32'));
  return opts.dtype ? astype(out, opts.dtype) : out;
}

export function eye(n: number, m = n, opts: { k?: number; dtype?: DType } = {}): LaxArray {
  const rows = node('iota', [], { shape: [n, m], dtype: 'int32', axis: 0 });
  const cols = node('iota', [], { shape: [n, m], dtype: 'int32', axis: 1 });
  const diag = node('eq', [node('add', [rows, broadcastNode(scalarNode(opts.k ?? 0, 'int32'), [n, m])], {}), cols], {});
  return wrap(castNode(diag, opts.dtype ?? 'float32'));
}
