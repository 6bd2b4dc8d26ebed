// jax.numpy's shape functions: reshape, transpose, squeeze, broadcast, flip, concatenate,
// stack, repeat, tile.

import { promoteAll } from '../graph/dtype.js';
import { node } from '../graph/node.js';
import { fmtShape, shapesEqual, sizeOf } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { broadcastNode, castNode, reshapeNode, toNode, typeOf, wrap } from './nodes.js';
import { checkAxes, checkAxis, checkInt, checkOptions, checkShape, checkSize, describe } from './validate.js';

/** A list of arrays (concatenate, stack) as nodes. */
function arrayList(fn: string, arrays: unknown): ReturnType<typeof toNode>[] {
  if (!Array.isArray(arrays)) throw new TypeError(`${fn}: expected a list of arrays, got ${describe(arrays)}`);
  if (arrays.length === 0) throw new TypeError(`Need at least one array to ${fn}.`);
  return arrays.map((a, i) => toNode(a as ArrayLike, fn, i));
}

export function reshape(a: ArrayLike, shape: number[]): LaxArray {
  const x = toNode(a, 'reshape');
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < -1)) {
    checkShape('reshape', Array.isArray(shape) ? shape.map((d) => (d === -1 ? 0 : d)) : shape, 'newshape');
  }
  const holes = shape.filter((d) => d === -1).length;
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (holes > 1) throw new TypeError('reshape: can only specify one unknown dimension');
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (resolved.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(resolved) !== x.size) {
    throw new TypeError(`cannot reshape array of shape ${fmtShape(x.shape)} (size ${x.size}) into shape ${fmtShape(shape)}${holes ? '' : ` (size ${sizeOf(shape)})`}`);
  }
  return wrap(reshapeNode(x, resolved));
}

export function transpose(a: ArrayLike, axes?: number[]): LaxArray {
  const x = toNode(a, 'transpose');
  const nd = x.shape.length;
  if (axes !== undefined && !Array.isArray(axes)) throw new TypeError(`transpose: axes must be an array of integers, got ${describe(axes)}`);
  const perm = axes ? axes.map((ax) => checkAxis('transpose', ax, nd)) : Array.from({ length: nd }, (_, i) => nd - 1 - i);
  if (perm.length !== nd || new Set(perm).size !== nd) throw new TypeError(`transpose: axes ${fmtShape(axes ?? [])} don't match array of dimension ${nd}`);
  return wrap(perm.every((p, i) => p === i) ? x : node('transpose', [x], { perm }));
}

export function squeeze(a: ArrayLike, axis?: number | number[]): LaxArray {
  const x = toNode(a, 'squeeze');
  const axes = axis === undefined || axis === null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : checkAxes('squeeze', axis, x.shape.length);
  if (axes.some((ax) => x.shape[ax] !== 1)) {
    throw new TypeError(`cannot select an axis to squeeze out which has size not equal to one, got shape=${fmtShape(x.shape)} and dimensions=${fmtShape(axes)}`);
  }
  return wrap(reshapeNode(x, x.shape.filter((_, i) => !axes.includes(i))));
}

export function expandDims(a: ArrayLike, axis: number | number[]): LaxArray {
  const x = toNode(a, 'expandDims');
  if (!Array.isArray(axis) && typeof axis !== 'number') throw new TypeError(`expandDims: axis must be an integer or an array of integers, got ${describe(axis)}`);
  const list = typeof axis === 'number' ? [axis] : axis;
  const nd = x.shape.length + list.length;
  const axes = checkAxes('expandDims', list, nd);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < nd; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
  return wrap(reshapeNode(x, shape));
}

export function broadcastTo(a: ArrayLike, shape: number[]): LaxArray {
  const x = toNode(a, 'broadcastTo');
  shape = checkShape('broadcastTo', shape);
  const ok = shape.length >= x.shape.length && x.shape.every((d, i) => d === 1 || d === shape[shape.length - x.shape.length + i]);
  if (!ok) throw new TypeError(`Incompatible shapes for broadcasting: ${fmtShape(x.shape)} and requested shape ${fmtShape(shape)}`);
  return wrap(broadcastNode(x, shape));
}

export function flip(a: ArrayLike, axis?: number | number[]): LaxArray {
  const x = toNode(a, 'flip');
  return wrap(node('rev', [x], { axes: checkAxes('flip', axis, x.shape.length) }));
}

export function concatenate(arrays: ArrayLike[], opts: { axis?: number } = {}): LaxArray {
  const { axis: axis0 } = checkOptions<{ axis?: number }>('concatenate', opts, ['axis']);
  const nodes = arrayList('concatenate', arrays);
  if (nodes.some((n) => n.shape.length === 0)) throw new TypeError('concatenate: Zero-dimensional arrays cannot be concatenated.');
  const dtype = promoteAll(nodes.map(typeOf)).dtype;
  const axis = checkAxis('concatenate', axis0 ?? 0, nodes[0].shape.length);
  const nd = nodes[0].shape.length;
  const bad = nodes.find((n) => n.shape.length !== nd || n.shape.some((d, i) => i !== axis && d !== nodes[0].shape[i]));
  if (bad) throw new TypeError(`concatenate: all the input array dimensions except for the concatenation axis must match exactly, got ${nodes.map((n) => fmtShape(n.shape)).join(', ')}`);
  checkSize('concatenate', nodes[0].shape.map((d, i) => (i === axis ? nodes.reduce((s, n) => s + n.shape[axis], 0) : d)));
  if (nodes.length === 1) return wrap(castNode(nodes[0], dtype));
  return wrap(node('concat', nodes.map((n) => castNode(n, dtype)), { axis }));
}

export function stack(arrays: ArrayLike[], opts: { axis?: number } = {}): LaxArray {
  const { axis: axis0 } = checkOptions<{ axis?: number }>('stack', opts, ['axis']);
  const nodes = arrayList('stack', arrays);
  if (nodes.some((n) => !shapesEqual(n.shape, nodes[0].shape))) throw new TypeError(`stack: all input arrays must have the same shape, got ${nodes.map((n) => fmtShape(n.shape)).join(', ')}`);
  const axis = checkAxis('stack', axis0 ?? 0, nodes[0].shape.length + 1);
  return concatenate(nodes.map((n) => expandDims(wrap(n), axis)), { axis });
}

/** jnp.repeat with an integer count: each element repeated along `axis` (flattened when omitted). */
export function repeat(a: ArrayLike, repeats: number, opts: { axis?: number } = {}): LaxArray {
  let x = toNode(a, 'repeat');
  checkInt('repeat', 'repeats', repeats, { min: 0 });
  const { axis: axis0 } = checkOptions<{ axis?: number | null }>('repeat', opts, ['axis']);
  if (axis0 === undefined || axis0 === null) x = reshapeNode(x, [x.size]);
  const axis = checkAxis('repeat', axis0 ?? 0, x.shape.length);
  checkSize('repeat', x.shape.map((d, i) => (i === axis ? d * repeats : d)));
  const expanded = reshapeNode(x, [...x.shape.slice(0, axis + 1), 1, ...x.shape.slice(axis + 1)]);
  const b = broadcastNode(expanded, [...x.shape.slice(0, axis + 1), repeats, ...x.shape.slice(axis + 1)]);
  return wrap(reshapeNode(b, x.shape.map((d, i) => (i === axis ? d * repeats : d))));
}

export function tile(a: ArrayLike, reps: number | number[]): LaxArray {
  let x = toNode(a, 'tile');
  const r = checkShape('tile', typeof reps === 'number' ? [reps] : reps, 'reps');
  const nd = Math.max(r.length, x.shape.length);
  const full = [...new Array(nd - r.length).fill(1), ...r];
  x = reshapeNode(x, [...new Array(nd - x.shape.length).fill(1), ...x.shape]);
  checkSize('tile', x.shape.map((d, i) => d * full[i]));
  const interleaved = x.shape.flatMap((d, i) => [full[i], d]);
  const b = node('broadcast', [x], { shape: interleaved, dims: x.shape.map((_, i) => 2 * i + 1) });
  return wrap(reshapeNode(b, x.shape.map((d, i) => d * full[i])));
}

