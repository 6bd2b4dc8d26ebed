// The user-facing Array: a thin, immutable handle on a graph node. Nothing is computed
// until a value is read (`data`, `tolist`, `item`, `format`, `realize`).

import type { DType, TypedArray } from '../graph/dtype.js';
import type { Liveness, Node } from '../graph/node.js';
import type { Shape } from '../graph/shape.js';
import { readFresh, realizeNodes } from '../scheduler/realize.js';
import { formatArray } from './format.js';
import * as np from './np.js';
import type { ArrayLike, AxisOptions, Index, SliceIndex } from './np.js';
import { IndexRef } from './at.js';

// Live handles per node, for deciding when an in-place update may take a buffer. The held
// value is the node's counters, not the node: a dead Array must not keep its node alive
// until the callback runs. The registry watches a token each Array holds, not the Array:
// a registered object and all it reaches survive young-generation collections (graph/node.ts).
const handleRegistry = new FinalizationRegistry<Liveness>((live) => {
  live.handles--;
});

export type Nested = number | boolean | Nested[];

export class LaxArray {
  readonly #lifetime = {};
  constructor(readonly node: Node) {
    node.live.handles++;
    handleRegistry.register(this.#lifetime, node.live);
  }

  get shape(): number[] {
    return [...this.node.shape];
  }
  get dtype(): DType {
    return this.node.dtype;
  }
  get ndim(): number {
    return this.node.shape.length;
  }
  get size(): number {
    return this.node.size;
  }

  // ---- reading: this is when work runs --------------------------------------------------
  /**
   * The values, row-major, as a new typed array you own (the array stays immutable). An
   * unrealized array of elementwise work may be computed straight into it on the CPU
   * backend and stay unrealized; `realize()` keeps a value.
   */
  async data(): Promise<TypedArray> {
    return readFresh(this.node);
  }
  /** Nested JS arrays of numbers or booleans (a number or boolean for 0-d). */
  async tolist(): Promise<Nested> {
    const [buf] = await realizeNodes([this.node]);
    return toNested(buf, this.node.shape, this.dtype);
  }
  /** The single element of a size-1 array. */
  async item(): Promise<number | boolean> {
    if (this.size !== 1) throw new TypeError(`item() can only be called on arrays of size 1, got shape ${fmt(this.node.shape)}`);
    const [buf] = await realizeNodes([this.node]);
    return this.dtype === 'bool' ? buf[0] !== 0 : buf[0];
  }
  /** NumPy's `str()` of the array, byte for byte. */
  async format(): Promise<string> {
    const [buf] = await realizeNodes([this.node]);
    return formatArray(buf, this.node.shape, this.dtype);
  }
  /** The NumPy string once realized; before that, a description of the lazy node. */
  toString(): string {
    const buf = this.node.buf;
    if (buf) return formatArray(buf, this.node.shape, this.dtype);
    return `Array(lazy ${this.node.prim}, shape=${fmt(this.node.shape)}, dtype=${this.dtype})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- arithmetic -------------------------------------------------------------------------
  add(b: ArrayLike) { return np.add(this, b); }
  sub(b: ArrayLike) { return np.subtract(this, b); }
  mul(b: ArrayLike) { return np.multiply(this, b); }
  div(b: ArrayLike) { return np.divide(this, b); }
  pow(b: ArrayLike) { return np.power(this, b); }
  neg() { return np.negative(this); }
  astype(dtype: DType) { return np.astype(this, dtype); }

  // ---- reductions ------------------------------------------------------------------------
  sum(opts?: AxisOptions) { return np.sum(this, opts); }
  mean(opts?: AxisOptions) { return np.mean(this, opts); }
  max(opts?: AxisOptions) { return np.max(this, opts); }
  min(opts?: AxisOptions) { return np.min(this, opts); }
  prod(opts?: AxisOptions) { return np.prod(this, opts); }
  argmax(opts?: { axis?: number; keepdims?: boolean }) { return np.argmax(this, opts); }
  argmin(opts?: { axis?: number; keepdims?: boolean }) { return np.argmin(this, opts); }
  var(opts?: AxisOptions & { ddof?: number }) { return np.var_(this, opts); }
  std(opts?: AxisOptions & { ddof?: number }) { return np.std(this, opts); }
  cumsum(opts?: { axis?: number }) { return np.cumsum(this, opts); }
  cumprod(opts?: { axis?: number }) { return np.cumprod(this, opts); }

  // ---- shape -------------------------------------------------------------------------------
  reshape(shape: number[]) { return np.reshape(this, shape); }
  transpose(axes?: number[]) { return np.transpose(this, axes); }
  get T() { return np.transpose(this); }
  squeeze(axis?: number | number[]) { return np.squeeze(this, axis); }
  expandDims(axis: number | number[]) { return np.expandDims(this, axis); }
  flatten() { return np.reshape(this, [-1]); }
  ravel() { return np.reshape(this, [-1]); }
  flip(axis?: number | number[]) { return np.flip(this, axis); }
  broadcastTo(shape: number[]) { return np.broadcastTo(this, shape); }
  /** Basic indexing: integers, `np.slice(...)`, `null` for a whole axis. */
  slice(...index: SliceIndex[]) { return np.basicIndex(this, index); }

  // ---- functional updates ------------------------------------------------------------------
  /** `x.at(i, j).set(v)`: JAX's `x.at[i, j].set(v)`, a persistent patch of `x`. */
  at(...index: Index[]): IndexRef { return new IndexRef(this, index); }
}

function fmt(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function toNested(buf: TypedArray, shape: Shape, dtype: DType): Nested {
  const conv = dtype === 'bool' ? (x: number) => x !== 0 : (x: number) => x;
  const rec = (offset: number, dim: number): Nested => {
    if (dim === shape.length) return conv(buf[offset]);
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[dim] }, (_, i) => rec(offset + i * stride, dim + 1));
  };
  return rec(0, 0);
}
