// jax.numpy's array creation: filled arrays, ranges and the identity.

import { allocate, castScalar, scalarType, type DType, type TypedArray } from '../graph/dtype.js';
import { node, type Node } from '../graph/node.js';
import type { ArrayLike, LaxArray } from './array.js';
import { astype, broadcastNode, castNode, checkIntRange, constant, freshConstant, scalarNode, toNode, wrap } from './nodes.js';
import { checkBool, checkDType, checkInt, checkNumber, checkOptions, checkScalar, checkShape, checkSize } from './validate.js';

type DTypeOpt = { dtype?: DType };

/** jnp.full and its kin, `fn` naming the user's function in errors. */
function filled(fn: string, shape: unknown, fillValue: unknown, opts: unknown, dflt?: DType): LaxArray {
  const o = checkOptions<DTypeOpt>(fn, opts, ['dtype']);
  const s = checkShape(fn, shape);
  const v = checkScalar(fn, 'fill_value', fillValue);
  const dtype = checkDType(fn, o.dtype) ?? dflt ?? scalarType(v).dtype;
  if ((dtype === 'int32' || dtype === 'uint32') && typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`${fn}: cannot convert float ${v} to integer (dtype ${dtype})`);
  checkIntRange(v, dtype, fn);
  return wrap(broadcastNode(scalarNode(v, dtype), s));
}

export const full = (shape: number[], fillValue: number | boolean, opts: DTypeOpt = {}): LaxArray => filled('full', shape, fillValue, opts);
export const zeros = (shape: number[], opts: DTypeOpt = {}) => filled('zeros', shape, 0, opts, 'float32');
export const ones = (shape: number[], opts: DTypeOpt = {}) => filled('ones', shape, 1, opts, 'float32');
function filledLike(fn: string, a: ArrayLike, v: unknown, opts: unknown): LaxArray {
  const n = toNode(a, fn);
  return filled(fn, [...n.shape], v, opts, n.dtype);
}
export const fullLike = (a: ArrayLike, v: number | boolean, opts: DTypeOpt = {}) => filledLike('fullLike', a, v, opts);
export const zerosLike = (a: ArrayLike, opts: DTypeOpt = {}) => filledLike('zerosLike', a, 0, opts);
export const onesLike = (a: ArrayLike, opts: DTypeOpt = {}) => filledLike('onesLike', a, 1, opts);

/**
 * Data just made (arange, linspace) as a constant: hash-consed while small, so nodes over it
 * are shared (x.reshape(s) twice is one node); unique from 64 KiB, since a hash-consed node
 * (its table entry and finalizer) lives until a full collection and with it its data and
 * every node over it: a plain loop over np.arange(2**18) held 811 MB after 800 reads.
 */
const BIG_BYTES = 1 << 16;
const dataConstant = (data: TypedArray, shape: number[], dtype: DType): Node => (data.byteLength >= BIG_BYTES ? freshConstant : constant)(data, shape, dtype);

/**
 * jnp.arange(stop) / arange(start, stop, step): int32 when all integers, else float32. JAX
 * computes a concrete arange with NumPy in the result dtype, so float32 values follow
 * NumPy's fill: the first two in float64 (start, start + step), then
 * `a[i] = a[0] + i * (a[1] - a[0])` in float32 arithmetic (`np.arange(3.6, 1.2, -0.1,
 * dtype=np.float32)[3]` is 3.3000002, not 3.3).
 */
export function arange(start: number, stop?: number, step = 1, opts: { dtype?: DType } = {}): LaxArray {
  const o = checkOptions<DTypeOpt>('arange', opts, ['dtype']);
  if (stop === undefined || stop === null) [start, stop] = [0, start];
  checkNumber('arange', 'start', start);
  checkNumber('arange', 'stop', stop);
  checkNumber('arange', 'step', step);
  if (step === 0) throw new RangeError('arange: step cannot be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkSize('arange', [n]);
  const dtype = checkDType('arange', o.dtype) ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const buf = allocate(dtype, n);
  if (dtype === 'float32' && n > 0) {
    const f = Math.fround;
    buf[0] = f(start);
    if (n > 1) buf[1] = f(start + step);
    const delta = f(buf[1] - buf[0]);
    for (let i = 2; i < n; i++) buf[i] = f(buf[0] + f(f(i) * delta));
  } else for (let i = 0; i < n; i++) buf[i] = castScalar(start + i * step, dtype);
  return wrap(dataConstant(buf, [n], dtype));
}

/** jnp.linspace: `num` evenly spaced values over [start, stop] (float32). */
export function linspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; dtype?: DType } = {}): LaxArray {
  opts = checkOptions('linspace', opts, ['endpoint', 'dtype']);
  checkNumber('linspace', 'start', start, { finite: false });
  checkNumber('linspace', 'stop', stop, { finite: false });
  if (typeof num === 'number' && Number.isInteger(num) && num < 0) throw new RangeError(`linspace: Number of samples, ${num}, must be non-negative.`);
  checkInt('linspace', 'num', num, { min: 0 });
  checkSize('linspace', [num]);
  checkDType('linspace', opts.dtype);
  if (opts.endpoint !== undefined) checkBool('linspace', 'endpoint', opts.endpoint);
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const f = Math.fround;
  const delta = div > 0 ? f(f(f(stop) - f(start)) / div) : 0;
  const buf = new Float32Array(num);
  for (let i = 0; i < num; i++) buf[i] = f(f(start) + f(i * delta));
  if (endpoint && num > 1) buf[num - 1] = stop;
  const out = wrap(dataConstant(buf, [num], 'float32'));
  return opts.dtype ? astype(out, opts.dtype) : out;
}

export function eye(n: number, m = n, opts: { k?: number; dtype?: DType } = {}): LaxArray {
  opts = checkOptions('eye', opts, ['k', 'dtype']);
  checkShape('eye', [checkInt('eye', 'N', n), checkInt('eye', 'M', m ?? n)]);
  checkInt('eye', 'k', opts.k ?? 0);
  checkDType('eye', opts.dtype);
  const rows = node('iota', [], { shape: [n, m], dtype: 'int32', axis: 0 });
  const cols = node('iota', [], { shape: [n, m], dtype: 'int32', axis: 1 });
  const diag = node('eq', [node('add', [rows, broadcastNode(scalarNode(opts.k ?? 0, 'int32'), [n, m])], {}), cols], {});
  return wrap(castNode(diag, opts.dtype ?? 'float32'));
}
