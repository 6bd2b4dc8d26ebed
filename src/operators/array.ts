// The user-facing Array: a thin, immutable handle on a graph node. Nothing is computed
// until a value is read (`data`, `tolist`, `item`, `format`, `realize`). Its NumPy-style
// methods (`add`, `sum`, `reshape`, `.at`, ...) are installed by array_methods.ts, which np.ts
// loads, as JAX sets jax.Array's methods from jax.numpy: this file knows no operation.

import type { DType, TypedArray } from '../graph/dtype.js';
import type { Liveness, Node } from '../graph/node.js';
import type { Shape } from '../graph/shape.js';
import { readFresh, realizeNodes } from '../scheduler/realize.js';
import { formatArray } from './format.js';

// Live handles per node, for deciding when an in-place update may take a buffer. The held
// value is the node's counters, not the node: a dead Array must not keep its node alive
// until the callback runs. The registry watches a token each Array holds, not the Array:
// a registered object and all it reaches survive young-generation collections (graph/node.ts).
const handleRegistry = new FinalizationRegistry<Liveness>((live) => {
  live.handles--;
});

export type Nested = number | boolean | Nested[];

/**
 * A pytree of user values as a transformation sees it (a scan body's carry, vmap's result):
 * every leaf (an Array, a JS number or boolean, a typed array) is an Array.
 */
export type Traced<T> = T extends LaxArray | number | boolean | ArrayBufferView
  ? LaxArray
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Traced<T[K]> }
    : T extends object
      ? { [K in keyof T]: Traced<T[K]> }
      : T;

/** A pytree of T's structure whose leaves may be any array-like value (what a scan body may return as its carry). */
export type ArrayTree<T> = T extends LaxArray | number | boolean | ArrayBufferView
  ? ArrayLike
  : T extends readonly unknown[]
    ? { readonly [K in keyof T]: ArrayTree<T[K]> }
    : T extends object
      ? { [K in keyof T]: ArrayTree<T[K]> }
      : T;
export type ArrayLike = LaxArray | number | boolean | Nested | TypedArray;
export interface AxisOptions {
  axis?: number | number[] | null;
  keepdims?: boolean;
}

/** A Python slice `start:stop:step` for indexing (`np.slice(1, 3)` is `1:3`). */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}
}

/** Basic index: an integer, a slice, or `null` for a whole axis. */
export type SliceIndex = number | Slice | null;
/** `.at` index: basic indices and integer index arrays. */
export type Index = SliceIndex | LaxArray | number[] | Int32Array;

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
  /**
   * The single element of a size-1 array: a number, or a boolean for a bool array. Typed as a
   * number unless asked otherwise (`item<boolean>()`), since an Array's type has no dtype.
   */
  async item<T extends number | boolean = number>(): Promise<T> {
    if (this.size !== 1) throw new TypeError(`item() can only be called on arrays of size 1, got shape ${fmt(this.node.shape)}`);
    const [buf] = await realizeNodes([this.node]);
    return (this.dtype === 'bool' ? buf[0] !== 0 : buf[0]) as T;
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
