// lax.scan: the body is traced once into a closed graph and the loop is one `scan` node.
//
// Semantics, as the reference loop in JAX's docstring:
//   def scan(f, init, xs, length=None):
//     carry = init; ys = []
//     for x in xs:
//       carry, y = f(carry, x)
//       ys.append(y)
//     return carry, np.stack(ys)

import type { DType } from '../graph/dtype.js';
import { node, type Node } from '../graph/node.js';
import { treeEqual, treeString, unflatten, type TreeDef } from '../graph/pytree.js';
import { fmtShape, shapesEqual } from '../graph/shape.js';
import type { ArrayTree, LaxArray, Traced } from './array.js';
import { compiling } from './compiling.js';
import { castNode, wrap } from './nodes.js';
import { closeOver, flattenNodes, paramNode } from './trace.js';

export interface ScanOptions {
  length?: number;
  reverse?: boolean;
}

interface TracedBody {
  carryOut: Node[];
  carryDef: TreeDef;
  ys: Node[];
  yDef: TreeDef;
  params: Node[];
}

function traceBody(f: (carry: any, x: any) => unknown, carryInit: Node[], carryDef: TreeDef, xs: Node[], xDef: TreeDef): TracedBody {
  const carryParams = carryInit.map((c) => paramNode(c.shape, c.dtype));
  const xParams = xs.map((x) => paramNode(x.shape.slice(1), x.dtype));
  const result = compiling(() => f(unflatten(carryDef, carryParams.map(wrap)), unflatten(xDef, xParams.map(wrap))));
  if (!Array.isArray(result) || result.length !== 2) {
    throw new TypeError(`scan body output must be a pair [carry, y], got ${Array.isArray(result) ? `an array of length ${result.length}` : typeof result}`);
  }
  const [carryOut, outDef] = flattenNodes(result[0]);
  const [ys, yDef] = flattenNodes(result[1]);
  if (!treeEqual(outDef, carryDef)) {
    throw new TypeError(`scan body function carry input and carry output must have the same pytree structure, but they differ: the input carry is ${treeString(carryDef)} and the output carry is ${treeString(outDef)}`);
  }
  return { carryOut, carryDef, ys, yDef, params: [...carryParams, ...xParams] };
}

/**
 * lax.scan(f, init, xs, {length, reverse}) -> [finalCarry, stackedYs]. Inside `f` every leaf
 * of the carry and of x is an Array (a JS number initial carry too); `f` may return any
 * array-like leaves for the carry.
 */
export function scan<const C, const X, Y>(f: (carry: Traced<C>, x: Traced<X>) => readonly [ArrayTree<C>, Y], init: C, xs?: X | null, opts?: ScanOptions): [Traced<C>, Traced<Y>];
/** A body declared on its own that returns `[carry, y]` of two Arrays (TypeScript types that `Array[]`). */
export function scan<const C, const X>(f: (carry: Traced<C>, x: Traced<X>) => LaxArray[], init: C, xs?: X | null, opts?: ScanOptions): [Traced<C>, LaxArray];
export function scan<C, X, Y>(f: (carry: Traced<C>, x: Traced<X>) => unknown, init: C, xs: X | null = null, opts: ScanOptions = {}): [Traced<C>, Traced<Y>] {
  const [xNodes, xDef] = flattenNodes(xs);
  const lengths = [...new Set(xNodes.map((x) => x.shape[0]))];
  xNodes.forEach((x) => {
    if (x.shape.length === 0) throw new TypeError('scan got value with no leading axis to scan over: xs leaves must have a leading axis');
  });
  if (lengths.length > 1) throw new TypeError(`scan got values with different leading axis sizes: ${xNodes.map((x) => x.shape[0]).join(', ')}`);
  if (opts.length !== undefined && lengths.length && lengths[0] !== opts.length) {
    throw new TypeError(`scan got \`length\` argument of ${opts.length} which disagrees with leading axis sizes ${fmtShape(lengths)}`);
  }
  const length = opts.length ?? lengths[0];
  if (length === undefined) throw new TypeError('scan got no values to scan over and `length` not provided');

  let [carryInit, carryDef] = flattenNodes(init);
  let traced = traceBody(f, carryInit, carryDef, xNodes, xDef);
  // A weakly typed initial carry (a JS number) takes the dtype the body gives it, as JAX
  // promotes weak-typed carries; then the body is traced again with that dtype.
  const promoted = carryInit.map((c, i) => (c.weak && c.dtype !== traced.carryOut[i].dtype ? castNode(c, traced.carryOut[i].dtype as DType) : c));
  if (promoted.some((c, i) => c !== carryInit[i])) {
    carryInit = promoted;
    traced = traceBody(f, carryInit, carryDef, xNodes, xDef);
  }
  carryInit.forEach((c, i) => {
    const o = traced.carryOut[i];
    if (c.dtype === 'int32' && o.dtype === 'float32' && shapesEqual(c.shape, o.shape)) {
      throw new TypeError(
        `scan body function carry input and carry output must have equal types, but carry[${i}] is int32${fmtShape(c.shape)} on input and float32${fmtShape(o.shape)} on output. ` +
          "An initial carry of JS numbers with no fraction (np.array(0.0), np.array([1, 2])) is int32, since JS cannot tell 0.0 from 0: " +
          "give it { dtype: 'float32' } (np.array(0, { dtype: 'float32' })), or pass a plain JS number, which takes the dtype the body gives it.",
      );
    }
  });
  const { body, consts } = closeOver(traced.params, [...traced.carryOut, ...traced.ys]);
  const scanNode = node('scan', [...consts, ...carryInit, ...xNodes], {
    body,
    length,
    reverse: opts.reverse ?? false,
    numConsts: consts.length,
    numCarry: carryInit.length,
  });
  const outs = scanNode.tuple.map((_, i) => wrap(node('proj', [scanNode], { index: i })));
  return [unflatten(carryDef, outs.slice(0, carryInit.length)) as Traced<C>, unflatten(traced.yDef, outs.slice(carryInit.length)) as Traced<Y>];
}

