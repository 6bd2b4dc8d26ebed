// The NumPy-style methods of an Array, installed on LaxArray's prototype from the jax.numpy
// functions (as JAX sets jax.Array's methods from jax.numpy): `x.add(y)` is `np.add(x, y)`.
// array.ts knows no operation, so the functions can build Arrays without a circle of imports.

import type { DType } from '../graph/dtype.js';
import { LaxArray } from './array.js';
import { IndexRef } from './at.js';
import { add, divide, multiply, negative, power, subtract } from './elementwise.js';
import { basicIndex } from './indexing.js';
import { astype } from './nodes.js';
import { argmax, argmin, cumprod, cumsum, max, mean, min, prod, std, sum, var_ } from './reductions.js';
import { broadcastTo, expandDims, flip, reshape, squeeze, transpose } from './shape_ops.js';

declare module './array.js' {
  interface LaxArray {
    add(b: ArrayLike): LaxArray;
    sub(b: ArrayLike): LaxArray;
    mul(b: ArrayLike): LaxArray;
    div(b: ArrayLike): LaxArray;
    pow(b: ArrayLike): LaxArray;
    neg(): LaxArray;
    astype(dtype: DType): LaxArray;

    sum(opts?: AxisOptions): LaxArray;
    mean(opts?: AxisOptions): LaxArray;
    max(opts?: AxisOptions): LaxArray;
    min(opts?: AxisOptions): LaxArray;
    prod(opts?: AxisOptions): LaxArray;
    argmax(opts?: { axis?: number; keepdims?: boolean }): LaxArray;
    argmin(opts?: { axis?: number; keepdims?: boolean }): LaxArray;
    var(opts?: AxisOptions & { ddof?: number }): LaxArray;
    std(opts?: AxisOptions & { ddof?: number }): LaxArray;
    cumsum(opts?: { axis?: number }): LaxArray;
    cumprod(opts?: { axis?: number }): LaxArray;

    reshape(shape: number[]): LaxArray;
    transpose(axes?: number[]): LaxArray;
    /** The transpose (all axes reversed). */
    readonly T: LaxArray;
    squeeze(axis?: number | number[]): LaxArray;
    expandDims(axis: number | number[]): LaxArray;
    flatten(): LaxArray;
    ravel(): LaxArray;
    flip(axis?: number | number[]): LaxArray;
    broadcastTo(shape: number[]): LaxArray;
    /** Basic indexing: integers, `np.slice(...)`, `null` for a whole axis. */
    slice(...index: SliceIndex[]): LaxArray;

    /** `x.at(i, j).set(v)`: JAX's `x.at[i, j].set(v)`, a persistent patch of `x`. */
    at(...index: Index[]): IndexRef;

    /** Iteration over the first axis, as a JAX array's: `const [k1, k2] = random.split(key)`; each item a lazy slice. */
    [Symbol.iterator](): Iterator<LaxArray>;
  }
}

const methods: ThisType<LaxArray> & Omit<LaxArray, typeof Symbol.iterator | 'T' | 'node' | 'shape' | 'dtype' | 'ndim' | 'size' | 'data' | 'tolist' | 'item' | 'format' | 'toString'> = {
  add(b) { return add(this, b); },
  sub(b) { return subtract(this, b); },
  mul(b) { return multiply(this, b); },
  div(b) { return divide(this, b); },
  pow(b) { return power(this, b); },
  neg() { return negative(this); },
  astype(dtype) { return astype(this, dtype); },

  sum(opts) { return sum(this, opts); },
  mean(opts) { return mean(this, opts); },
  max(opts) { return max(this, opts); },
  min(opts) { return min(this, opts); },
  prod(opts) { return prod(this, opts); },
  argmax(opts) { return argmax(this, opts); },
  argmin(opts) { return argmin(this, opts); },
  var(opts) { return var_(this, opts); },
  std(opts) { return std(this, opts); },
  cumsum(opts) { return cumsum(this, opts); },
  cumprod(opts) { return cumprod(this, opts); },

  reshape(shape) { return reshape(this, shape); },
  transpose(axes) { return transpose(this, axes); },
  squeeze(axis) { return squeeze(this, axis); },
  expandDims(axis) { return expandDims(this, axis); },
  flatten() { return reshape(this, [-1]); },
  ravel() { return reshape(this, [-1]); },
  flip(axis) { return flip(this, axis); },
  broadcastTo(shape) { return broadcastTo(this, shape); },
  slice(...index) { return basicIndex(this, index); },

  at(...index) { return new IndexRef(this, index); },
};

function* rows(this: LaxArray): Generator<LaxArray> {
  if (this.ndim === 0) throw new TypeError('iteration over a 0-d array');
  for (let i = 0; i < this.shape[0]; i++) yield basicIndex(this, [i]);
}

for (const [name, f] of Object.entries(methods)) Object.defineProperty(LaxArray.prototype, name, { value: f, writable: true, configurable: true });
Object.defineProperty(LaxArray.prototype, Symbol.iterator, { value: rows, writable: true, configurable: true });
Object.defineProperty(LaxArray.prototype, 'T', { get(this: LaxArray) { return transpose(this); }, configurable: true });
