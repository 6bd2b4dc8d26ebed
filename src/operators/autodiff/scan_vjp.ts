// Reverse mode through lax.scan, over the whole loop: a forward scan that also stacks the
// carry each step started from (the residuals), then a scan in the opposite direction whose
// body recomputes the step from its saved carry and pulls the step's cotangents back through
// it (the body's VJP). Storing only the carries, not every intermediate of the body, is
// JAX's checkpointed scan (jax.checkpoint on the body): T carries of memory, and the body's
// forward computed twice.

import { node, withInputs, type Node } from '../../graph/node.js';
import { substitute } from '../../graph/toposort.js';
import { closeOver, paramNode } from '../trace.js';
import { add, orZeros, type Maybe } from './build.js';

export type VjpGraph = (outputs: readonly Node[], cts: readonly Maybe[], wrt: readonly Node[]) => Maybe[];

const isFloat = (n: Node) => n.dtype === 'float32';

/**
 * The residual-stacking forward scan made for each differentiated scan: its outputs begin
 * with the original's, so valueAndGrad reads the value from it and the loop runs forward once.
 */
export const forwardScans = new WeakMap<Node, Node>();

export function scanVjp(n: Node<'scan'>, cts: Maybe[], vjpGraph: VjpGraph): Maybe[] {
  const { body, numConsts: C, numCarry: K, length, reverse } = n.params;
  const I = n.inputs;
  const P = body.params;
  const nY = body.outputs.length - K;
  // Forward again, stacking each step's incoming carry.
  const fwd = node('scan', I, { body: { params: P, outputs: [...body.outputs, ...P.slice(C, C + K)] }, length, reverse, numConsts: C, numCarry: K });
  forwardScans.set(n, fwd);
  const saved = P.slice(C, C + K).map((_, k) => node('proj', [fwd], { index: K + nY + k }));

  // The backward body over fresh params: consts, saved carry and x slices as primal values.
  const fresh = P.map((p) => paramNode(p.shape, p.dtype));
  const outs = substitute(body.outputs, new Map(P.map((p, i) => [p, fresh[i]])), withInputs);
  const floatCarry = [...Array(K).keys()].filter((k) => isFloat(P[C + k]));
  const floatConst = [...Array(C).keys()].filter((c) => isFloat(P[c]));
  const floatX = [...Array(P.length - C - K).keys()].filter((j) => isFloat(P[C + K + j]));
  const ys = [...Array(nY).keys()].filter((j) => cts[K + j] !== null && isFloat(body.outputs[K + j]));
  const ctCarry = floatCarry.map((k) => paramNode(P[C + k].shape, 'float32'));
  const acc = floatConst.map((c) => paramNode(P[c].shape, 'float32'));
  const ctY = ys.map((j) => paramNode(body.outputs[K + j].shape, 'float32'));
  const outCts: Maybe[] = body.outputs.map(() => null);
  floatCarry.forEach((k, i) => (outCts[k] = ctCarry[i]));
  ys.forEach((j, i) => (outCts[K + j] = ctY[i]));
  const wrt = [...floatConst.map((c) => fresh[c]), ...floatCarry.map((k) => fresh[C + k]), ...floatX.map((j) => fresh[C + K + j])];
  const g = vjpGraph(outs, outCts, wrt);
  const gConst = g.slice(0, floatConst.length);
  const gCarry = g.slice(floatConst.length, floatConst.length + floatCarry.length);
  const gX = g.slice(floatConst.length + floatCarry.length);
  const bodyParams = [...fresh.slice(0, C), ...ctCarry, ...acc, ...fresh.slice(C, C + K), ...fresh.slice(C + K), ...ctY];
  const bodyOuts = [
    ...gCarry.map((x, i) => orZeros(x, ctCarry[i])),
    ...gConst.map((x, i) => (x === null ? acc[i] : add(acc[i], x))),
    ...gX.map((x, i) => orZeros(x, fresh[C + K + floatX[i]])),
  ];
  const { body: back, consts } = closeOver(bodyParams, bodyOuts);
  const ctInit = floatCarry.map((k) => orZeros(cts[k], I[C + k]));
  const accInit = floatConst.map((c) => orZeros(null, I[c]));
  const bwd = node('scan', [...consts, ...I.slice(0, C), ...ctInit, ...accInit, ...saved, ...I.slice(C + K), ...ys.map((j) => cts[K + j]!)], {
    body: back,
    length,
    reverse: !reverse,
    numConsts: consts.length + C,
    numCarry: floatCarry.length + floatConst.length,
  });
  const proj = (i: number) => node('proj', [bwd], { index: i });
  const result: Maybe[] = I.map(() => null);
  floatCarry.forEach((k, i) => (result[C + k] = proj(i)));
  floatConst.forEach((c, i) => (result[c] = proj(floatCarry.length + i)));
  floatX.forEach((j, i) => (result[C + K + j] = proj(floatCarry.length + floatConst.length + i)));
  return result;
}
