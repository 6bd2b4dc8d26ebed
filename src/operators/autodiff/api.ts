// The user-facing transformations: grad, valueAndGrad, vjp, jvp, jacfwd, jacrev, hessian.
// Each traces the function once over fresh param nodes (so a differentiated argument is
// never confused with an equal constant), transforms the traced graph with the JVP or VJP
// rules, and substitutes the caller's values for the params. Everything stays lazy: the
// result is an ordinary graph, so these compose with each other, vmap, jit and scan.

import { consingAll, node, withInputs, type Node } from '../../graph/node.js';
import { flatten, treeEqual, treeString, unflatten, type TreeDef } from '../../graph/pytree.js';
import { fmtShape, shapesEqual } from '../../graph/shape.js';
import { substitute, toposort } from '../../graph/toposort.js';
import type { LaxArray } from '../array.js';
import { wrap } from '../nodes.js';
import { flattenNodes, isLeaf, paramNode } from '../trace.js';
import { vmap } from '../vmap.js';
import { full, scalar, type Maybe } from './build.js';
import { jvpGraph } from './jvp.js';
import { forwardScans } from './scan_vjp.js';
import { vjpGraph } from './vjp.js';

type Fn = (...args: any[]) => any;
export interface GradOptions {
  argnums?: number | number[];
  hasAux?: boolean;
}

/** Rebuild `outputs` with the params in `env` replaced; `env` keeps what it built, so calls share nodes. */
function substituteInto(env: Map<Node, Node>, outputs: readonly Node[]): Node[] {
  for (const n of toposort(outputs, (x) => env.has(x))) {
    if (env.has(n)) continue;
    const inputs = n.inputs.map((x) => env.get(x) ?? x);
    env.set(n, inputs.every((x, i) => x === n.inputs[i]) ? n : withInputs(n, inputs));
  }
  return outputs.map((o) => env.get(o) ?? o);
}

/** `nodes` reading each differentiated scan's outputs from its residual-stacking forward scan instead (one forward loop). */
function shareForward(nodes: readonly Node[]): Node[] {
  const replace = new Map<Node, Node>();
  for (const n of toposort(nodes)) {
    const fwd = n.prim === 'proj' ? forwardScans.get(n.inputs[0]) : undefined;
    if (fwd) replace.set(n, node('proj', [fwd], n.params as never));
  }
  return replace.size === 0 ? [...nodes] : substitute(nodes, replace, withInputs);
}

function checkFn(f: unknown, what: string): void {
  if (typeof f !== 'function') throw new TypeError(`${what} requires a callable argument, got ${String(f)}`);
}

function normArgnums(argnums: number | number[], nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : argnums;
  if (!Array.isArray(list) || list.some((a) => !Number.isInteger(a))) throw new TypeError(`argnums must be an int or a list of ints, got ${String(argnums)}`);
  const norm = list.map((a) => (a < 0 ? a + nargs : a));
  const max = Math.max(...list.map((a) => (a < 0 ? -a - 1 : a)));
  if (norm.some((a) => a < 0 || a >= nargs)) {
    throw new TypeError(`differentiating with respect to argnums=${fmtArgnums(argnums)} requires at least ${max + 1} positional arguments to be passed by the caller, but got only ${nargs} positional arguments.`);
  }
  return norm;
}
const fmtArgnums = (a: number | number[]) => (typeof a === 'number' ? String(a) : `(${a.join(', ')}${a.length === 1 ? ',' : ''})`);

interface Trace {
  out: unknown;
  params: Node[][];
  defs: TreeDef[];
  env: Map<Node, Node>;
}

/** Call `f` with the arguments at `argnums` replaced by params of their leaves' avals. */
function trace(f: Fn, args: unknown[], argnums: number[], check?: (n: Node) => void): Trace {
  const env = new Map<Node, Node>();
  const params: Node[][] = [];
  const defs: TreeDef[] = [];
  const callArgs = args.slice();
  for (const i of argnums) {
    const [nodes, def] = flattenNodes(args[i]);
    if (check) nodes.forEach(check);
    const ps = nodes.map((n) => paramNode(n.shape, n.dtype));
    ps.forEach((p, k) => env.set(p, nodes[k]));
    params.push(ps);
    defs.push(def);
    callArgs[i] = unflatten(def, ps.map(wrap));
  }
  const out = consingAll(() => f(...callArgs));
  return { out, params, defs, env };
}

const gradInputCheck = (what: string) => (n: Node) => {
  if (n.dtype !== 'float32') {
    throw new TypeError(`${what} requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got ${n.dtype}. If you want to use Boolean- or integer-valued inputs, use vjp or set allow_int to True.`);
  }
};

/** valueAndGrad(f)(...args) -> [value, grads]; with hasAux, [[value, aux], grads]. */
export function valueAndGrad<F extends Fn>(f: F, opts: GradOptions = {}): (...args: Parameters<F>) => [any, any] {
  checkFn(f, 'value_and_grad');
  const { argnums = 0, hasAux = false } = opts;
  return (...args: unknown[]) => {
    const nums = normArgnums(argnums, args.length);
    const t = trace(f, args, nums, gradInputCheck('grad'));
    let out = t.out;
    let aux: unknown = undefined;
    if (hasAux) {
      if (!Array.isArray(out) || out.length !== 2) throw new TypeError(`expected function with aux output to return a two-element tuple, but got ${describeOut(out)}`);
      [out, aux] = out;
    }
    const [leaves] = flatten<unknown>(out, isLeaf);
    if (leaves.length !== 1 || !isLeaf(out)) throw new TypeError(`Gradient only defined for scalar-output functions. Output was ${describeOut(out)}.`);
    const [[o]] = flattenNodes(out);
    if (o.shape.length !== 0) throw new TypeError(`Gradient only defined for scalar-output functions. Output had shape: ${fmtShape(o.shape)}.`);
    if (o.dtype !== 'float32') {
      throw new TypeError(`grad requires real-valued outputs (output dtype that is a sub-dtype of np.floating), but got ${o.dtype}. For holomorphic differentiation, pass holomorphic=True. For differentiation of non-holomorphic functions involving complex outputs, use jax.vjp directly.`);
    }
    const wrt = t.params.flat();
    const g = vjpGraph([o], [scalar(1)], wrt).map((x, i) => x ?? full(0, wrt[i].shape));
    const [auxNodes, auxDef] = flattenNodes(aux ?? null);
    const all = substituteInto(t.env, [...shareForward([o]), ...g, ...shareForward(auxNodes)]);
    let at = 1;
    const grads = t.defs.map((def, k) => {
      const n = t.params[k].length;
      return unflatten(def, all.slice(at, (at += n)).map(wrap));
    });
    const gradOut = typeof argnums === 'number' ? grads[0] : grads;
    const value = wrap(all[0]);
    return hasAux ? [[value, unflatten(auxDef, all.slice(at).map(wrap))], gradOut] : [value, gradOut];
  };
}

/** grad(f)(...args): the gradient of scalar-valued f with respect to args[argnums]. */
export function grad<F extends Fn>(f: F, opts: GradOptions = {}): (...args: Parameters<F>) => any {
  checkFn(f, 'grad');
  const vg = valueAndGrad(f, opts);
  return (...args: Parameters<F>) => {
    const [v, g] = vg(...args);
    return opts.hasAux ? [g, v[1]] : g;
  };
}

/** JAX's short form of an abstract value: float32[3], int32[]. */
const aval = (n: Node) => `${n.dtype}[${n.shape.join(',')}]`;

function describeOut(x: unknown): string {
  if (isLeaf(x)) {
    const [[n]] = flattenNodes(x);
    return aval(n);
  }
  const [leaves, def] = flatten<unknown>(x, isLeaf);
  return `a pytree ${treeString(def)} of ${leaves.length} leaves`;
}

/** vjp(f, ...primals) -> [out, vjpFn]: vjpFn(cotangent) gives one cotangent per primal (a tuple). */
export function vjp<F extends Fn>(f: F, ...primals: Parameters<F>): [any, (ct: unknown) => any[]] {
  checkFn(f, 'vjp');
  const t = trace(f, primals, primals.map((_, i) => i));
  const [outs, outDef] = flattenNodes(t.out);
  const primalOut = substituteInto(t.env, outs);
  const wrt = t.params.flat();
  const pullback = (ct: unknown): any[] => {
    const [cts, ctDef] = flattenNodes(ct);
    if (!treeEqual(ctDef, outDef)) throw new TypeError(`unexpected tree structure of argument to vjp function: got ${treeString(ctDef)}, but expected to match ${treeString(outDef)}`);
    cts.forEach((c, i) => {
      const o = outs[i];
      if (!shapesEqual(c.shape, o.shape) || (c.dtype !== o.dtype && o.dtype === 'float32')) {
        throw new TypeError(`Type of cotangent input to vjp pullback function (${aval(c)}) is not the expected tangent type (${aval(o)}) of corresponding primal output with dtype ${aval(o)}.`);
      }
    });
    const g = vjpGraph(outs, cts.map((c, i) => (outs[i].dtype === 'float32' ? c : null)), wrt).map((x, i) => x ?? full(0, wrt[i].shape, wrt[i].dtype));
    const all = substituteInto(t.env, g);
    let at = 0;
    return t.defs.map((def, k) => unflatten(def, all.slice(at, (at += t.params[k].length)).map(wrap)));
  };
  return [unflatten(outDef, primalOut.map(wrap)), pullback];
}

/** jvp(f, primals, tangents) -> [f(...primals), the directional derivative along tangents]. */
export function jvp<F extends Fn>(f: F, primals: Parameters<F>, tangents: unknown[]): [any, any] {
  checkFn(f, 'jvp');
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new TypeError(`primal and tangent arguments to jax.jvp must be tuples or lists; found ${Array.isArray(primals) ? 'list' : typeof primals} and ${Array.isArray(tangents) ? 'list' : typeof tangents}.`);
  }
  const [pn, pDef] = flattenNodes(primals);
  const [tn, tDef] = flattenNodes(tangents);
  if (!treeEqual(pDef, tDef)) throw new TypeError(`primal and tangent arguments to jax.jvp must have the same tree structure; primals have tree structure ${treeString(pDef)} whereas tangents have tree structure ${treeString(tDef)}.`);
  pn.forEach((p, i) => {
    const tt = tn[i];
    if (p.dtype === 'float32' && tt.dtype !== 'float32') {
      throw new TypeError(`primal and tangent arguments to jax.jvp do not match; dtypes must be equal, or in case of int/bool primal dtype the tangent dtype must be float0.Got primal dtype ${p.dtype} and so expected tangent dtype ${p.dtype}, but got tangent dtype ${tt.dtype} instead.`);
    }
    if (!shapesEqual(p.shape, tt.shape)) throw new TypeError(`jvp called with different primal and tangent shapes;Got primal shape ${fmtShape(p.shape)} and tangent shape as ${fmtShape(tt.shape)}`);
  });
  const t = trace(f, primals, primals.map((_, i) => i));
  const wrt = t.params.flat();
  const [outs, outDef] = flattenNodes(t.out);
  const tangentsOut = jvpGraph(outs, new Map<Node, Maybe>(wrt.map((p, i) => [p, p.dtype === 'float32' ? tn[i] : null]))).map((x, i) => x ?? full(0, outs[i].shape, outs[i].dtype));
  const all = substituteInto(t.env, [...outs, ...tangentsOut]);
  return [unflatten(outDef, all.slice(0, outs.length).map(wrap)), unflatten(outDef, all.slice(outs.length).map(wrap))];
}

/** An identity matrix of n rows, each row reshaped to `shape` ([n, ...shape]). */
function basis(shape: readonly number[]): LaxArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return wrap(node('const', [], { data, shape: [n, ...shape], dtype: 'float32', weak: false }));
}

/** [n, ...a] -> [...a, ...b] where n = size of b: the stacked axis moved last and unfolded. */
function unfoldLast(x: Node, b: readonly number[]): Node {
  const r = x.shape.length;
  const moved = r <= 1 ? x : node('transpose', [x], { perm: [...Array(r - 1).keys()].map((i) => i + 1).concat([0]) });
  const shape = [...x.shape.slice(1), ...b];
  return shapesEqual(moved.shape, shape) ? moved : node('reshape', [moved], { shape });
}

function single(argnums: number | number[] | undefined, what: string): number {
  if (argnums === undefined) return 0;
  if (typeof argnums !== 'number') throw new TypeError(`${what}: laxflow takes one argnums (an int), got ${String(argnums)}`);
  return argnums;
}

/** The Jacobian by forward mode: one JVP per input element, batched with vmap. Output leaves have shape out.shape + in.shape. */
export function jacfwd<F extends Fn>(f: F, opts: { argnums?: number } = {}): (...args: Parameters<F>) => any {
  checkFn(f, 'jacfwd');
  return (...args: unknown[]) => {
    const [a] = normArgnums(single(opts.argnums, 'jacfwd'), args.length);
    const [leaves, inDef] = flattenNodes(args[a]);
    leaves.forEach((n) => {
      if (n.dtype !== 'float32') throw new TypeError(`jacfwd requires real-valued inputs (input dtype that is a sub-dtype of np.floating), but got ${n.dtype}. For holomorphic differentiation, pass holomorphic=True. For differentiation of non-holomorphic functions involving complex inputs or integer inputs, use jax.jvp directly.`);
    });
    const g = (x: unknown) => f(...args.map((v, i) => (i === a ? x : v)));
    let outDef: TreeDef | undefined;
    const perLeaf = leaves.map((l, li) => {
      const one = (t: LaxArray) => jvp(g, [unflatten(inDef, leaves.map(wrap))], [unflatten(inDef, leaves.map((m, mi) => (mi === li ? t : wrap(full(0, m.shape)))))])[1];
      const stacked = vmap(one)(basis(l.shape));
      const [outs, def] = flattenNodes(stacked);
      outDef = def;
      return outs.map((o) => unfoldLast(o, l.shape));
    });
    const nOut = perLeaf.length ? perLeaf[0].length : 0;
    if (outDef === undefined) return unflatten(inDef, []);
    return unflatten(outDef, [...Array(nOut).keys()].map((oi) => unflatten(inDef, perLeaf.map((p) => wrap(p[oi])))));
  };
}

/** The Jacobian by reverse mode: one VJP per output element, batched with vmap. */
export function jacrev<F extends Fn>(f: F, opts: { argnums?: number } = {}): (...args: Parameters<F>) => any {
  checkFn(f, 'jacrev');
  return (...args: unknown[]) => {
    const [a] = normArgnums(single(opts.argnums, 'jacrev'), args.length);
    const [leaves, inDef] = flattenNodes(args[a]);
    leaves.forEach(gradInputCheck('jacrev'));
    const g = (x: unknown) => f(...args.map((v, i) => (i === a ? x : v)));
    const [out, pullback] = vjp(g, unflatten(inDef, leaves.map(wrap)));
    const [outs, outDef] = flattenNodes(out);
    const rows = outs.map((o, oi) => {
      const one = (c: LaxArray) => pullback(unflatten(outDef, outs.map((m, mi) => (mi === oi ? c : wrap(full(0, m.shape, m.dtype))))))[0];
      const stacked = vmap(one)(basis(o.shape));
      const [ins] = flattenNodes(stacked);
      return unflatten(inDef, ins.map((x) => wrap(node('reshape', [x], { shape: [...o.shape, ...x.shape.slice(1)] }))));
    });
    return unflatten(outDef, rows);
  };
}

/** hessian(f) = jacfwd(jacrev(f)), as JAX. */
export function hessian<F extends Fn>(f: F, opts: { argnums?: number } = {}): (...args: Parameters<F>) => any {
  checkFn(f, 'hessian');
  return jacfwd(jacrev(f, opts), opts) as never;
}
