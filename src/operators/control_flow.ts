// jax.lax control flow: cond, switch, foriLoop, whileLoop, and stopGradient and optimizationBarrier.
//
// cond and switch trace every branch and select the chosen branch's outputs: JAX's lowering
// of cond under vmap (a select of both branches), used everywhere, so a cond composes with
// vmap, jit, scan and grad like any other graph, on every backend. (A branch's cost is paid
// whichever is taken; the values are the chosen one's.) foriLoop with static bounds is a
// scan, so it is differentiable in both modes; with traced bounds it is a whileLoop, as in
// JAX. whileLoop is one `while` primitive over its traced condition and body (forward-mode
// differentiable, batched, jitted; the realization layer runs it).

import { node, type Node } from '../graph/node.js';
import { flatten, treeEqual, treeString, unflatten, type TreeDef } from '../graph/pytree.js';
import { fmtShape, shapesEqual } from '../graph/shape.js';
import type { ArrayLike, LaxArray } from './array.js';
import { compiling } from './compiling.js';
import { broadcastNode, castNode, iotaNode, scalarNode, toNode, wrap } from './nodes.js';
import { scan } from './scan.js';
import { closeOver, flattenNodes, isLeaf, paramNode } from './trace.js';

/**
 * `x` (a pytree) with each float32 leaf behind an identity cast carrying `flag`; other leaves
 * as they are (integers and bools have no derivative and are exact anyway).
 */
function flaggedIdentity<T>(x: T, name: string, flag: 'barrier' | 'stopGradient'): T {
  const [leaves, def] = flatten<ArrayLike>(x, isLeaf);
  return unflatten(
    def,
    leaves.map((l) => {
      const n = toNode(l, name);
      if (n.dtype !== 'float32') return wrap(n);
      return wrap(node('cast', [n], { dtype: n.dtype, ...(n.weak ? { weak: true } : {}), [flag]: true }));
    }),
  ) as T;
}

/**
 * lax.optimization_barrier: the value of `x` (a pytree), which the compilers behind a backend
 * may not simplify across: a shader compiler that would rewrite (a + b) - a to b (lavapipe's
 * does) sees a value it cannot relate to a + b. Derivatives pass through it, as in JAX.
 */
export const optimizationBarrier = <T>(x: T): T => flaggedIdentity(x, 'lax.optimization_barrier', 'barrier');

/** lax.stop_gradient: the value of `x` (a pytree), with zero derivative. */
export const stopGradient = <T>(x: T): T => flaggedIdentity(x, 'lax.stop_gradient', 'stopGradient');

/** JAX's short form of an abstract value: float32[3], int32[]. */
const aval = (n: Node) => `${n.dtype}[${n.shape.join(',')}]`;

/**
 * Outputs of the branches, flattened, checked to have one structure and one type. A JS number
 * (weakly typed) returned by one branch takes the dtype of another branch's array first.
 */
function branchOutputs(outs: unknown[], names: (i: number) => string): { nodes: Node[][]; def: ReturnType<typeof flattenNodes>[1] } {
  const flat = outs.map((o) => flattenNodes(o));
  const [, def0] = flat[0];
  flat.forEach(([, def], i) => {
    if (i > 0 && !treeEqual(def, def0)) throw new TypeError(`${names(i)} output must have same type structure, got ${treeString(def0)} and ${treeString(def)}.`);
  });
  const nodes = flat.map(([ns]) => ns.map((n, k) => {
    const strong = flat.find(([m]) => !m[k].weak)?.[0][k];
    return n.weak && strong ? castNode(n, strong.dtype) : n;
  }));
  nodes.forEach((ns, i) => {
    const bad = ns.some((n, k) => n.dtype !== nodes[0][k].dtype || !shapesEqual(n.shape, nodes[0][k].shape));
    if (i > 0 && bad) throw new TypeError(`${names(i)} output must have identical types, got\n${nodes[0].map(aval).join(', ')}\nand\n${ns.map(aval).join(', ')}.`);
  });
  return { nodes, def: def0 };
}

function checkIndex(what: 'Pred' | 'Branch index', n: Node): void {
  if (n.shape.length !== 0) throw new TypeError(`${what} must be scalar, got ${aval(n)} of shape ${fmtShape(n.shape)}.`);
}

/** Select among branch outputs by an int32 index already in range. */
function choose(index: Node, nodes: Node[][]): Node[] {
  return nodes[0].map((_, k) => {
    let out = nodes[nodes.length - 1][k];
    for (let b = nodes.length - 2; b >= 0; b--) {
      const here = node('eq', [index, scalarNode(b, 'int32')], {});
      out = node('select', [broadcastNode(here, out.shape), nodes[b][k], out], {});
    }
    return out;
  });
}

/** A constant's value, when the node is one (a branch index known without computing). */
function constValue(n: Node): number | undefined {
  return n.prim === 'const' ? Number((n as Node<'const'>).params.data[0]) : undefined;
}

/** lax.switch(index, branches, ...operands): branches[clamp(index, 0, n - 1)](...operands). */
export function switchFn<T>(index: ArrayLike, branches: readonly ((...operands: any[]) => T)[], ...operands: unknown[]): T {
  if (!Array.isArray(branches) || branches.length === 0) throw new TypeError('Empty branch sequence');
  branches.forEach((b) => {
    if (typeof b !== 'function') throw new TypeError(`switch: branches must be callable, got ${String(b)}`);
  });
  let idx = toNode(index, 'lax.switch');
  checkIndex('Branch index', idx);
  if (idx.dtype !== 'int32' && idx.dtype !== 'uint32') throw new TypeError(`Index type must be an integer, got ${idx.dtype}.`);
  idx = castNode(idx, 'int32');
  const n = branches.length;
  const known = constValue(idx);
  if (known !== undefined) return branches[Math.min(Math.max(known, 0), n - 1)](...operands);
  const outs = branches.map((b) => compiling(() => b(...operands)));
  const { nodes, def } = branchOutputs(outs, (i) => `branch 0 and ${i}`);
  const clamped = node('min', [node('max', [idx, scalarNode(0, 'int32')], {}), scalarNode(n - 1, 'int32')], {});
  return unflatten(def, choose(clamped, nodes).map(wrap)) as T;
}

/** lax.cond(pred, trueFn, falseFn, ...operands). */
export function cond<T>(pred: ArrayLike, trueFn: (...operands: any[]) => T, falseFn: (...operands: any[]) => T, ...operands: unknown[]): T {
  if (typeof trueFn !== 'function' || typeof falseFn !== 'function') throw new TypeError('cond: true_fun and false_fun arguments should be callable.');
  let p = toNode(pred, 'lax.cond');
  checkIndex('Pred', p);
  if (p.dtype === 'float32') throw new TypeError(`Pred type must be either boolean or number, got ${p.dtype}.`);
  if (p.dtype !== 'bool') p = node('ne', [p, scalarNode(0, p.dtype)], {});
  const known = constValue(p);
  if (known !== undefined) return known ? trueFn(...operands) : falseFn(...operands);
  const outs = [falseFn, trueFn].map((b) => compiling(() => b(...operands)));
  const { nodes, def } = branchOutputs(outs.reverse(), () => 'true_fun and false_fun');
  return unflatten(def, choose(castNode(node('not', [p], {}), 'int32'), nodes).map(wrap)) as T;
}

/** The carry's avals, for messages. */
const avals = (ns: readonly Node[]) => ns.map(aval).join(', ');

/**
 * condFn and bodyFn traced once over param nodes of the carry's avals (as a scan body): the
 * predicate (a boolean scalar) and the next carry, checked against the carry.
 */
function traceLoop<T>(condFn: (val: T) => ArrayLike, bodyFn: (val: T) => T, init: Node[], def: TreeDef): { carry: Node[]; pred: Node; next: Node[] } {
  const carry = init.map((c) => paramNode(c.shape, c.dtype));
  const val = () => unflatten(def, carry.map(wrap)) as T;
  const pred = toNode(compiling(() => condFn(val())), 'lax.while_loop');
  if (pred.dtype !== 'bool' || pred.shape.length !== 0) throw new TypeError(`cond_fun must return a boolean scalar, but got output type(s) [${aval(pred)}].`);
  const [outs, outDef] = flattenNodes(compiling(() => bodyFn(val())));
  if (!treeEqual(outDef, def)) throw new TypeError(`body_fun output and input must have same type structure, got ${treeString(outDef)} and ${treeString(def)}.`);
  // A JS number with no fraction is a weak int32 (JS cannot tell 0.0 from 0): for a float
  // carry it is the float.
  const next = outs.map((o, k) => (o.weak && o.dtype === 'int32' && carry[k].dtype === 'float32' ? castNode(o, 'float32') : o));
  return { carry, pred, next };
}

/**
 * lax.while_loop(condFn, bodyFn, init): `while (condFn(val)) val = bodyFn(val); return val`.
 * condFn and bodyFn are traced once (as a scan body) into one `while` node, so it composes
 * with jit, vmap (lanes whose predicate turns false keep their carry while others go on)
 * and jvp, on every backend; reverse mode is JAX's error (the number of steps is data).
 * The realization layer runs the loop (scheduler/realize.ts), one compiled step per
 * iteration.
 */
export function whileLoop<T>(condFn: (val: T) => ArrayLike, bodyFn: (val: T) => T, init: T): T {
  if (typeof condFn !== 'function' || typeof bodyFn !== 'function') throw new TypeError('while_loop: cond_fun and body_fun arguments should be callable.');
  let [initNodes, initDef] = flattenNodes(init);
  let t = traceLoop(condFn, bodyFn, initNodes, initDef);
  // A weakly typed initial carry (a JS number) takes the dtype the body gives it, as JAX
  // promotes weak-typed carries; then both functions are traced again with that dtype.
  const promoted = initNodes.map((c, i) => (c.weak && c.dtype !== t.next[i].dtype ? castNode(c, t.next[i].dtype) : c));
  if (promoted.some((c, i) => c !== initNodes[i])) {
    initNodes = promoted;
    t = traceLoop(condFn, bodyFn, initNodes, initDef);
  }
  if (t.next.some((n, k) => n.dtype !== initNodes[k].dtype || !shapesEqual(n.shape, initNodes[k].shape))) {
    throw new TypeError(`body_fun output and input must have identical types, got\n${avals(t.next)}\nand\n${avals(initNodes)}.`);
  }
  if (initNodes.length === 0) return init; // no carry: nothing the loop could change
  const c = closeOver(t.carry, [t.pred]);
  const b = closeOver(t.carry, t.next);
  const w = node('while', [...c.consts, ...b.consts, ...initNodes], { cond: c.body, body: b.body, numCondConsts: c.consts.length, numBodyConsts: b.consts.length });
  return unflatten(initDef, w.tuple.map((_, i) => wrap(node('proj', [w], { index: i })))) as T;
}

/**
 * lax.fori_loop(lower, upper, body, init): `for (i = lower; i < upper; i++) val = body(i, val)`.
 * With static bounds (numbers, or constants) it is a scan over i (differentiable, one loop
 * on every backend); otherwise a whileLoop (JAX's: forward mode only).
 */
export function foriLoop<T>(lower: ArrayLike, upper: ArrayLike, body: (i: LaxArray, val: T) => T, init: T): T {
  if (typeof body !== 'function') throw new TypeError('fori_loop: body_fun argument should be callable.');
  const lo = typeof lower === 'number' ? lower : constValue(toNode(lower, 'lax.fori_loop'));
  const hi = typeof upper === 'number' ? upper : constValue(toNode(upper, 'lax.fori_loop'));
  if (lo !== undefined && hi !== undefined) {
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new TypeError(`lower and upper arguments to fori_loop must have equal types, got ${lo} and ${hi}: integers expected`);
    if (hi <= lo) return init;
    const is = wrap(node('add', [iotaNode([hi - lo], 0), broadcastNode(scalarNode(lo, 'int32'), [hi - lo])], {}));
    const [out] = scan((c: any, i: any) => [body(i, c), null] as const, init as any, is);
    return out as T;
  }
  const [, val] = whileLoop<[LaxArray, T]>(([i]) => wrap(node('lt', [i.node, castNode(toNode(upper), i.dtype)], {})), ([i, v]) => [wrap(node('add', [i.node, scalarNode(1, i.dtype)], {})), body(i, v)], [wrap(castNode(toNode(lower), 'int32')), init]);
  return val;
}
