// Node builders the derivative rules share: constants of a node's shape, arithmetic on
// nodes of equal shape, sums of symbolic zeros (null), and undoing a broadcast.

import type { DType } from '../../graph/dtype.js';
import { node, type Node } from '../../graph/node.js';
import type { BinaryPrim, UnaryPrim } from '../../graph/prims.js';
import type { Shape } from '../../graph/shape.js';

/** A tangent or cotangent: a node, or null for a symbolic zero (nothing computed). */
export type Maybe = Node | null;

export function scalar(v: number, dtype: DType = 'float32'): Node {
  const data = dtype === 'float32' ? Float32Array.of(v) : dtype === 'uint32' ? Uint32Array.of(v) : dtype === 'bool' ? Uint8Array.of(v) : Int32Array.of(v);
  return node('const', [], { data, shape: [], dtype, weak: false });
}

/** `v` broadcast to `shape`. */
export function full(v: number, shape: Shape, dtype: DType = 'float32'): Node {
  const s = scalar(v, dtype);
  return shape.length === 0 ? s : node('broadcast', [s], { shape, dims: [] });
}

export const zerosLike = (n: Node): Node => full(0, n.shape, n.dtype);
export const orZeros = (t: Maybe, like: Node): Node => t ?? zerosLike(like);

export const un = (p: UnaryPrim, a: Node): Node => node(p, [a], {});
export const bin = (p: BinaryPrim, a: Node, b: Node): Node => node(p, [a, b], {});
export const neg = (a: Node) => un('neg', a);
export const add = (a: Node, b: Node) => bin('add', a, b);
export const sub = (a: Node, b: Node) => bin('sub', a, b);
export const mul = (a: Node, b: Node) => bin('mul', a, b);
export const div = (a: Node, b: Node) => bin('div', a, b);
export const select = (p: Node, a: Node, b: Node) => node('select', [p, a, b], {});
/** `v` as a constant of `like`'s shape and dtype. */
export const fill = (v: number, like: Node) => full(v, like.shape, like.dtype);

/** Sum of possibly-zero terms. */
export function addMaybe(a: Maybe, b: Maybe): Maybe {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

export function sumAxes(x: Node, axes: readonly number[]): Node {
  return axes.length === 0 ? x : node('reduce_sum', [x], { axes: [...axes].sort((p, q) => p - q) });
}

export function reshape(x: Node, shape: Shape): Node {
  return x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]) ? x : node('reshape', [x], { shape });
}

/** The transpose of broadcast(x; shape, dims): sum the cotangent over the axes the broadcast made or stretched. */
export function unbroadcast(ct: Node, inShape: Shape, dims: readonly number[]): Node {
  const axes: number[] = [];
  for (let d = 0; d < ct.shape.length; d++) {
    const k = dims.indexOf(d);
    if (k < 0 || (inShape[k] === 1 && ct.shape[d] !== 1)) axes.push(d);
  }
  return reshape(sumAxes(ct, axes), inShape);
}

/** Row-major flat index (int32) of each element of an array of `shape` inside one of `inShape`, element d at `starts[d] + i*strides[d]`. */
export function flatIndex(shape: Shape, inShape: Shape, starts: readonly number[], strides: readonly number[]): Node {
  let stride = 1;
  let idx: Node | null = null;
  for (let d = inShape.length - 1; d >= 0; d--) {
    const i = node('iota', [], { shape, dtype: 'int32', axis: d });
    const term = mul(add(mul(i, full(strides[d], shape, 'int32')), full(starts[d], shape, 'int32')), full(stride, shape, 'int32'));
    idx = idx === null ? term : add(idx, term);
    stride *= inShape[d];
  }
  return idx ?? full(0, shape, 'int32');
}

/** Indices clamped into [0, size) as gather clamps them, and whether each was in range (scatter drops the rest). */
export function clampIndex(idx: Node, size: number): { clamped: Node; inRange: Node } {
  const lo = fill(0, idx);
  const hi = fill(size - 1, idx);
  const inRange = node('and', [bin('ge', idx, lo), bin('le', idx, hi)], {});
  return { clamped: bin('min', bin('max', idx, lo), hi), inRange };
}
