// jax.numpy's matrix products: matmul and dot, as lax.dot_general.

import { promoteAll } from '../graph/dtype.js';
import { node } from '../graph/node.js';
import { broadcastShapes, fmtShape } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { multiply } from './elementwise.js';
import { broadcastNode, castNode, reshapeNode, toNode, typeOf, wrap } from './nodes.js';

/** jnp.matmul: 1-D, 2-D and batched (broadcast batch dimensions). */
export function matmul(a: ArrayLike, b: ArrayLike): LaxArray {
  let x = toNode(a, 'matmul', 0);
  let y = toNode(b, 'matmul', 1);
  const [xShape, yShape] = [x.shape, y.shape];
  if (x.shape.length === 0 || y.shape.length === 0) throw new TypeError('matmul: Input operand does not have enough dimensions');
  const dtype = promoteAll([typeOf(x), typeOf(y)]).dtype;
  x = castNode(x, dtype);
  y = castNode(y, dtype);
  const xVec = x.shape.length === 1;
  const yVec = y.shape.length === 1;
  if (xVec) x = reshapeNode(x, [1, x.shape[0]]);
  if (yVec) y = reshapeNode(y, [y.shape[0], 1]);
  const k1 = x.shape[x.shape.length - 1];
  const k2 = y.shape[y.shape.length - 2];
  if (k1 !== k2) throw new TypeError(`matmul: contracting dimensions differ, got shapes ${fmtShape(xShape)} and ${fmtShape(yShape)} (size ${k1} is different from ${k2})`);
  const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  if (y.shape.length === 2 && batch.length > 0) {
    // batch axes on the left only: one [batch * m, k] x [k, n] product (the right operand is
    // never broadcast, so an unrealized one is computed once and the kernel sees one matrix)
    const [m, n] = [x.shape[x.shape.length - 2], y.shape[1]];
    const rows = reshapeNode(x, [batch.reduce((p, d) => p * d, 1) * m, k1]);
    const flat = node('dot', [rows, y], { lhsContract: [1], rhsContract: [0], lhsBatch: [], rhsBatch: [] });
    return wrap(reshapeNode(flat, [...batch, ...(xVec ? [] : [m]), ...(yVec ? [] : [n])]));
  }
  x = broadcastNode(x, [...batch, ...x.shape.slice(-2)]);
  y = broadcastNode(y, [...batch, ...y.shape.slice(-2)]);
  const nb = batch.length;
  const bdims = Array.from({ length: nb }, (_, i) => i);
  const out = node('dot', [x, y], { lhsContract: [nb + 1], rhsContract: [nb], lhsBatch: bdims, rhsBatch: bdims });
  const shape = [...batch, ...(xVec ? [] : [out.shape[nb]]), ...(yVec ? [] : [out.shape[nb + 1]])];
  return wrap(reshapeNode(out, shape));
}

/** jnp.dot: products of scalars, vectors (inner product) and matrices. */
export function dot(a: ArrayLike, b: ArrayLike): LaxArray {
  const x = toNode(a, 'dot', 0);
  const y = toNode(b, 'dot', 1);
  if (x.shape.length === 0 || y.shape.length === 0) return multiply(wrap(x), wrap(y));
  if (y.shape.length <= 2) return matmul(wrap(x), wrap(y));
  throw new TypeError('dot: arrays of more than 2 dimensions on the right are not supported; use matmul');
}
