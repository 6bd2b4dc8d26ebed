// Forward mode: the JVP rule of every primitive (a total table, as the other rule tables
// in prims.ts's list) and the walk that pushes tangents through a graph. A tangent is a node
// of its primal's shape, or null for a symbolic zero (integer and boolean values always have
// null tangents). Rules build ordinary primitives, so their graphs can be differentiated,
// batched, jitted and scheduled again.

import { node, withInputs, type Body, type Node } from '../../graph/node.js';
import { elementwiseRows, type Prim } from '../../graph/prims.js';
import { toposort } from '../../graph/toposort.js';
import { paramNode } from '../trace.js';
import { add, addMaybe, bin, div, fill, mul, orZeros, select, sumAxes, type Maybe } from './build.js';
import { applyPartial, partials } from './partials.js';
import { cumprodTerms, productOfOthers, runningSource, scatterChooser, scatterMulPartials } from './selection.js';

type Rule<P extends Prim> = (n: Node<P>, tangents: Maybe[]) => Maybe | Maybe[];

/** The error of a primitive without a derivative rule yet (never a silent zero). */
export function notDifferentiable(what: string): never {
  throw new TypeError(`Differentiation rule for '${what}' not implemented`);
}

const leaf = (): Maybe => null;
const zero = (): Maybe => null;
const linear = (n: Node, [t]: Maybe[]): Maybe => (t === null ? null : withInputs(n, [t]));

function elementwise(n: Node, ts: Maybe[]): Maybe {
  const ps = partials[n.prim as keyof typeof partials](n, n.inputs);
  return ts.reduce<Maybe>((acc, t, i) => addMaybe(acc, applyPartial(ps[i], t)), null);
}

/** Broadcast a reduction's result back over the reduced `axes` of `shape`. */
export function expandReduced(y: Node, shape: readonly number[], axes: readonly number[]): Node {
  const dims = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return node('broadcast', [y], { shape, dims });
}

/** JAX's _reduce_chooser_jvp_rule: the tangent at the maxima (minima), averaged over ties. */
function chooser(n: Node<'reduce_max' | 'reduce_min'>, [t]: Maybe[]): Maybe {
  if (t === null) return null;
  const x = n.inputs[0];
  const loc = select(bin('eq', x, expandReduced(n, x.shape, n.params.axes)), fill(1, x), fill(0, x));
  return div(sumAxes(mul(t, loc), n.params.axes), sumAxes(loc, n.params.axes));
}

/**
 * The JVP of a scan is a scan over the primal and tangent together: the body's JVP, with a
 * tangent carry wherever the initial tangent or the body makes one nonzero (a fixed point,
 * as batching finds batched carries).
 */
function scanJvp(n: Node<'scan'>, ts: Maybe[]): Maybe[] {
  const { body, numConsts, numCarry, length, reverse } = n.params;
  const nz = ts.map((t) => t !== null);
  let tParams: (Node | null)[];
  let outT: Maybe[];
  for (;;) {
    tParams = body.params.map((p, i) => (nz[i] ? paramNode(p.shape, p.dtype) : null));
    const env = new Map<Node, Maybe>(body.params.map((p, i) => [p, tParams[i]]));
    outT = jvpGraph(body.outputs, env);
    let changed = false;
    for (let i = 0; i < numCarry; i++) if (outT[i] !== null && !nz[numConsts + i]) (nz[numConsts + i] = true), (changed = true);
    if (!changed) break;
  }
  const group = (from: number, to: number) => {
    const idx = [];
    for (let i = from; i < to; i++) if (nz[i]) idx.push(i);
    return idx;
  };
  const tc = group(0, numConsts);
  const tk = group(numConsts, numConsts + numCarry);
  const tx = group(numConsts + numCarry, n.inputs.length);
  const ys = body.outputs.map((_, j) => j).filter((j) => j >= numCarry && outT[j] !== null);
  const P = body.params;
  const newBody: Body = {
    params: [
      ...P.slice(0, numConsts), ...tc.map((i) => tParams[i]!),
      ...P.slice(numConsts, numConsts + numCarry), ...tk.map((i) => tParams[i]!),
      ...P.slice(numConsts + numCarry), ...tx.map((i) => tParams[i]!),
    ],
    outputs: [
      ...body.outputs.slice(0, numCarry), ...tk.map((i) => orZeros(outT[i - numConsts], body.outputs[i - numConsts])),
      ...body.outputs.slice(numCarry), ...ys.map((j) => outT[j]!),
    ],
  };
  const I = n.inputs;
  const inputs = [
    ...I.slice(0, numConsts), ...tc.map((i) => ts[i]!),
    ...I.slice(numConsts, numConsts + numCarry), ...tk.map((i) => orZeros(ts[i], I[i])),
    ...I.slice(numConsts + numCarry), ...tx.map((i) => ts[i]!),
  ];
  const s = node('scan', inputs, { body: newBody, length, reverse, numConsts: numConsts + tc.length, numCarry: numCarry + tk.length });
  const proj = (i: number) => node('proj', [s], { index: i });
  const nyP = body.outputs.length - numCarry;
  return body.outputs.map((_, j) => {
    if (j < numCarry) {
      const k = tk.indexOf(numConsts + j);
      return k < 0 ? null : proj(numCarry + k);
    }
    const k = ys.indexOf(j);
    return k < 0 ? null : proj(numCarry + tk.length + nyP + k);
  });
}

/**
 * JAX's _while_loop_jvp: the loop over the primal and tangent carries together, the body's
 * JVP stepping both; the condition reads the primal carry only (its constants need no
 * tangent). A carry has a tangent wherever its initial tangent or the body makes one nonzero
 * (a fixed point, as for scan).
 */
function whileJvp(n: Node<'while'>, ts: Maybe[]): Maybe[] {
  const { cond, body, numCondConsts: nc, numBodyConsts: nb } = n.params;
  const K = n.tuple.length;
  const nz = ts.slice(nc).map((t) => t !== null);
  let tParams: (Node | null)[];
  let outT: Maybe[];
  for (;;) {
    tParams = body.params.map((p, i) => (nz[i] ? paramNode(p.shape, p.dtype) : null));
    outT = jvpGraph(body.outputs, new Map<Node, Maybe>(body.params.map((p, i) => [p, tParams[i]])));
    let changed = false;
    for (let i = 0; i < K; i++) if (outT[i] !== null && !nz[nb + i]) (nz[nb + i] = true), (changed = true);
    if (!changed) break;
  }
  const tb = [...Array(nb).keys()].filter((i) => nz[i]);
  const tk = [...Array(K).keys()].filter((i) => nz[nb + i]);
  if (tk.length === 0) return n.tuple.map(() => null);
  const P = body.params;
  const newBody: Body = {
    params: [...P.slice(0, nb), ...tb.map((i) => tParams[i]!), ...P.slice(nb), ...tk.map((i) => tParams[nb + i]!)],
    outputs: [...body.outputs, ...tk.map((i) => orZeros(outT[i], body.outputs[i]))],
  };
  const newCond: Body = { params: [...cond.params, ...tk.map((i) => paramNode(P[nb + i].shape, P[nb + i].dtype))], outputs: cond.outputs };
  const I = n.inputs;
  const inputs = [...I.slice(0, nc + nb), ...tb.map((i) => ts[nc + i]!), ...I.slice(nc + nb), ...tk.map((i) => orZeros(ts[nc + nb + i], I[nc + nb + i]))];
  const w = node('while', inputs, { cond: newCond, body: newBody, numCondConsts: nc, numBodyConsts: nb + tb.length });
  return n.tuple.map((_, j) => {
    const k = tk.indexOf(j);
    return k < 0 ? null : node('proj', [w], { index: K + k });
  });
}

export const jvpRules: { [P in Prim]: Rule<P> } = {
  ...elementwiseRows(elementwise),
  select: (n, [, ta, tb]) => (ta === null && tb === null ? null : select(n.inputs[0], orZeros(ta, n), orZeros(tb, n))),
  // float32 is the one float dtype: a differentiable cast is the identity on tangents.
  cast: (n, [t]) => (n.params.stopGradient || n.dtype !== 'float32' || n.inputs[0].dtype !== 'float32' ? null : t),
  bitcast: zero, // reinterpreted bits (random keys) are not differentiable
  const: leaf, param: leaf, iota: leaf,
  broadcast: linear, reshape: linear, transpose: linear, slice: linear, rev: linear,
  concat: (n, ts) => node('concat', ts.map((t, i) => orZeros(t, n.inputs[i])), n.params),
  reduce_sum: linear,
  reduce_max: chooser,
  reduce_min: chooser,
  reduce_prod: (n, [t]) => (t === null ? null : sumAxes(mul(t, productOfOthers(n.inputs[0], n.params.axes)), n.params.axes)),
  argmax: zero, argmin: zero, // integer outputs
  cumsum: linear,
  cumprod: (n, [t]) => {
    if (t === null) return null;
    const [[a1, b1], [a2, b2]] = cumprodTerms(n);
    const cum = (v: Node) => node('cumsum', [v], n.params);
    return add(mul(a1, cum(mul(t, b1))), mul(a2, cum(mul(t, b2))));
  },
  cummax: (n, [t]) => (t === null ? null : node('gather', [t, runningSource(n.inputs[0], n, n.params.axis, n.params.reverse)], {})),
  cummin: (n, [t]) => (t === null ? null : node('gather', [t, runningSource(n.inputs[0], n, n.params.axis, n.params.reverse)], {})),
  dot: (n, [ta, tb]) => addMaybe(ta && withInputs(n, [ta, n.inputs[1]]), tb && withInputs(n, [n.inputs[0], tb])),
  gather: (n, [t]) => (t === null ? null : node('gather', [t, n.inputs[1]], {})),
  scatter: (n, [to, , tu]) => {
    const mode = n.params.mode;
    if (mode === 'max' || mode === 'min') {
      const { atX, atU, count } = scatterChooser(n);
      const fromX = mul(orZeros(to, n), atX);
      const fromU = node('scatter', [fromX, n.inputs[1], mul(orZeros(tu, n.inputs[2]), atU)], { mode: 'add' });
      return div(fromU, count);
    }
    if (mode === 'mul') {
      const { dx, du } = scatterMulPartials(n);
      return node('scatter', [mul(orZeros(to, n), dx), n.inputs[1], mul(orZeros(tu, n.inputs[2]), du)], { mode: 'add' });
    }
    return node('scatter', [orZeros(to, n.inputs[0]), n.inputs[1], orZeros(tu, n.inputs[2])], n.params);
  },
  scan: scanJvp,
  while: whileJvp,
  proj: () => {
    throw new Error('internal error: proj is differentiated with its tuple');
  },
};

/** Tangents of `outputs` given tangents of some nodes (`env`; others are constant). */
export function jvpGraph(outputs: readonly Node[], env0: Map<Node, Maybe>): Maybe[] {
  const env = new Map(env0);
  const tuples = new Map<Node, Maybe[]>();
  for (const n of toposort(outputs, (x) => env.has(x))) {
    if (env.has(n)) continue;
    if (n.prim === 'proj') {
      env.set(n, tuples.get(n.inputs[0])?.[(n as Node<'proj'>).params.index] ?? null);
      continue;
    }
    const ts = n.inputs.map((x) => env.get(x) ?? null);
    if (ts.every((t) => t === null) || (n.tuple.length === 0 && n.dtype !== 'float32')) {
      env.set(n, null);
      continue;
    }
    const out = (jvpRules[n.prim] as Rule<Prim>)(n, ts);
    if (Array.isArray(out)) tuples.set(n, out);
    else env.set(n, out);
  }
  return outputs.map((o) => env.get(o) ?? null);
}

