// Reverse mode: the VJP (transpose) rule of every primitive, a total table, and the walk
// that pulls cotangents back through a graph in reverse topological order. A rule gets
// the primal node (whose inputs are the primal values it may read) and the cotangent of its
// output, and returns one cotangent per input (null: zero, or not a float input).

import { node, type Node } from '../../graph/node.js';
import { elementwiseRows, type Prim } from '../../graph/prims.js';
import { toposort } from '../../graph/toposort.js';
import { addMaybe, bin, clampIndex, div, fill, flatIndex, full, mul, reshape, select, sumAxes, unbroadcast, zerosLike, type Maybe } from './build.js';
import { expandReduced } from './jvp.js';
import { applyPartial, partials } from './partials.js';
import { scanVjp } from './scan_vjp.js';
import { cumprodTerms, productOfOthers, runningSource, scatterChooser, scatterMulPartials } from './selection.js';

type Rule<P extends Prim> = (n: Node<P>, ct: Node, tupleCts: Maybe[]) => Maybe[];

const leaf = (): Maybe[] => [];
const none = (n: Node): Maybe[] => n.inputs.map(() => null);

function elementwise(n: Node, ct: Node): Maybe[] {
  const ps = partials[n.prim as keyof typeof partials](n, n.inputs);
  return ps.map((p) => applyPartial(p, ct));
}

function chooser(n: Node<'reduce_max' | 'reduce_min'>, ct: Node): Maybe[] {
  const x = n.inputs[0];
  const { axes } = n.params;
  const loc = select(bin('eq', x, expandReduced(n, x.shape, axes)), fill(1, x), fill(0, x));
  return [mul(expandReduced(div(ct, sumAxes(loc, axes)), x.shape, axes), loc)];
}

/**
 * The cotangent of one dot operand (JAX's _dot_general_transpose_lhs): the output
 * cotangent contracted with the other operand over their free axes, batched over the batch
 * axes, then transposed into the operand's axis order. `lhs` says which operand.
 */
function dotOperand(n: Node<'dot'>, ct: Node, lhs: boolean): Node {
  const p = n.params;
  const [A, B] = n.inputs;
  const [self, other] = lhs ? [A, B] : [B, A];
  const [sc, oc, sb, ob] = lhs ? [p.lhsContract, p.rhsContract, p.lhsBatch, p.rhsBatch] : [p.rhsContract, p.lhsContract, p.rhsBatch, p.lhsBatch];
  const nb = sb.length;
  const aFree = A.shape.length - nb - p.lhsContract.length;
  const bFree = B.shape.length - nb - p.rhsContract.length;
  const freeOf = (x: Node, c: readonly number[], b: readonly number[]) => x.shape.map((_, i) => i).filter((i) => !c.includes(i) && !b.includes(i));
  const selfFree = freeOf(self, sc, sb);
  const otherFree = freeOf(other, oc, ob);
  // ct axes: batch, lhs free, rhs free.
  const ctOther = lhs ? otherFree.map((_, k) => nb + aFree + k) : otherFree.map((_, k) => nb + k);
  const batch = sb.map((_, k) => k);
  const r = node('dot', [ct, other], { lhsContract: ctOther, rhsContract: otherFree, lhsBatch: batch, rhsBatch: ob });
  // r axes: batch, self free (in order), other's contracting axes in increasing order.
  const sortedOc = [...oc].sort((x, y) => x - y);
  const perm = self.shape.map((_, a) => {
    const bi = sb.indexOf(a);
    if (bi >= 0) return bi;
    const fi = selfFree.indexOf(a);
    if (fi >= 0) return nb + fi;
    return nb + selfFree.length + sortedOc.indexOf(oc[sc.indexOf(a)]);
  });
  void bFree;
  return perm.every((q, i) => q === i) ? r : node('transpose', [r], { perm });
}

export const vjpRules: { [P in Prim]: Rule<P> } = {
  ...elementwiseRows(elementwise),
  select: (n, ct) => [null, select(n.inputs[0], ct, zerosLike(ct)), select(n.inputs[0], zerosLike(ct), ct)],
  cast: (n, ct) => [n.params.stopGradient || n.inputs[0].dtype !== 'float32' ? null : ct],
  bitcast: none, // reinterpreted bits (random keys) are not differentiable
  const: leaf, param: leaf, iota: leaf,
  broadcast: (n, ct) => [unbroadcast(ct, n.inputs[0].shape, n.params.dims)],
  reshape: (n, ct) => [reshape(ct, n.inputs[0].shape)],
  transpose: (n, ct) => {
    const inv: number[] = [];
    n.params.perm.forEach((p, i) => (inv[p] = i));
    return [node('transpose', [ct], { perm: inv })];
  },
  // Each sliced element's cotangent added at its place in a zero array of the operand's shape.
  slice: (n, ct) => {
    const x = n.inputs[0];
    const idx = flatIndex(n.shape, x.shape, n.params.starts, n.params.strides);
    return [node('scatter', [zerosLike(x), idx, ct], { mode: 'add' })];
  },
  rev: (n, ct) => [node('rev', [ct], n.params)],
  concat: (n, ct) => {
    const axis = n.params.axis;
    let at = 0;
    return n.inputs.map((x) => {
      const starts = ct.shape.map((_, d) => (d === axis ? at : 0));
      const limits = ct.shape.map((s, d) => (d === axis ? at + x.shape[d] : s));
      at += x.shape[axis];
      return node('slice', [ct], { starts, limits, strides: ct.shape.map(() => 1) });
    });
  },
  reduce_sum: (n, ct) => [expandReduced(ct, n.inputs[0].shape, n.params.axes)],
  reduce_max: chooser,
  reduce_min: chooser,
  reduce_prod: (n, ct) => [mul(expandReduced(ct, n.inputs[0].shape, n.params.axes), productOfOthers(n.inputs[0], n.params.axes))],
  argmax: none, argmin: none, // integer outputs
  cumsum: (n, ct) => [node('cumsum', [ct], { axis: n.params.axis, reverse: !n.params.reverse })],
  cumprod: (n, ct) => {
    const [[a1, b1], [a2, b2]] = cumprodTerms(n);
    const back = (v: Node) => node('cumsum', [v], { axis: n.params.axis, reverse: !n.params.reverse });
    return [bin('add', mul(b1, back(mul(ct, a1))), mul(b2, back(mul(ct, a2))))];
  },
  cummax: (n, ct) => [node('scatter', [zerosLike(ct), runningSource(n.inputs[0], n, n.params.axis, n.params.reverse), ct], { mode: 'add' })],
  cummin: (n, ct) => [node('scatter', [zerosLike(ct), runningSource(n.inputs[0], n, n.params.axis, n.params.reverse), ct], { mode: 'add' })],
  dot: (n, ct) => [dotOperand(n, ct, true), dotOperand(n, ct, false)],
  // gather clamps its indices: the cotangent goes to the element it read.
  gather: (n, ct) => {
    const x = n.inputs[0];
    const { clamped } = clampIndex(n.inputs[1], x.size);
    return [node('scatter', [zerosLike(x), clamped, ct], { mode: 'add' }), null];
  },
  scatter: (n, ct) => {
    const [x, idx, upd] = n.inputs;
    const { clamped, inRange } = clampIndex(idx, x.size);
    const read = select(inRange, node('gather', [ct, clamped], {}), zerosLike(upd));
    if (n.params.mode === 'add') return [ct, null, read];
    if (n.params.mode === 'max' || n.params.mode === 'min') {
      const { atX, atU, count } = scatterChooser(n);
      const share = div(ct, count);
      return [mul(share, atX), null, mul(select(inRange, node('gather', [share, clamped], {}), zerosLike(upd)), atU)];
    }
    if (n.params.mode === 'mul') {
      const { dx, du } = scatterMulPartials(n);
      return [mul(ct, dx), null, mul(node('gather', [ct, clamped], {}), du)];
    }
    // Overwritten elements get no cotangent; of updates to one element, the last one written wins.
    const pos = reshape(node('iota', [], { shape: [idx.size], dtype: 'int32', axis: 0 }), idx.shape);
    const owner = node('scatter', [full(-1, x.shape, 'int32'), idx, pos], { mode: 'set' });
    const wins = node('and', [inRange, bin('eq', node('gather', [owner, clamped], {}), pos)], {});
    return [node('scatter', [ct, idx, zerosLike(upd)], { mode: 'set' }), null, select(wins, read, zerosLike(upd))];
  },
  scan: (n, _ct, cts) => scanVjp(n, cts, vjpGraph),
  // As JAX: a loop of data-dependent length cannot be transposed without storing every step
  // (use lax.scan, or lax.foriLoop with static bounds, which is a scan).
  while: () => {
    throw new TypeError('Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using fori_loop with static start/stop.');
  },
  proj: () => {
    throw new Error('internal error: proj is transposed with its tuple');
  },
};

/**
 * Cotangents of `wrt` given cotangents of `outputs` (null: zero). Only nodes on a path from
 * `wrt` to the outputs are visited; integer and boolean nodes carry none.
 */
export function vjpGraph(outputs: readonly Node[], cts: readonly Maybe[], wrt: readonly Node[]): Maybe[] {
  const wrtSet = new Set(wrt);
  const order = toposort(outputs, (x) => wrtSet.has(x));
  const active = new Set<Node>();
  for (const n of order) if (wrtSet.has(n) || n.inputs.some((x) => active.has(x))) active.add(n);
  const ct = new Map<Node, Maybe>();
  const tupleCt = new Map<Node, Maybe[]>();
  const give = (x: Node, g: Maybe) => {
    if (g !== null && active.has(x) && x.dtype === 'float32' && x.tuple.length === 0) ct.set(x, addMaybe(ct.get(x) ?? null, g));
  };
  outputs.forEach((o, i) => give(o, cts[i]));
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    if (!active.has(n) || wrtSet.has(n)) continue;
    if (n.prim === 'proj') {
      const g = ct.get(n) ?? null;
      if (g === null) continue;
      const t = n.inputs[0];
      const list = tupleCt.get(t) ?? t.tuple.map(() => null);
      const i = (n as Node<'proj'>).params.index;
      list[i] = addMaybe(list[i], g);
      tupleCt.set(t, list);
      continue;
    }
    let ins: Maybe[];
    if (n.tuple.length > 0) {
      const list = tupleCt.get(n);
      if (!list) continue;
      ins = (vjpRules[n.prim] as Rule<Prim>)(n, null as never, list);
    } else {
      const g = ct.get(n) ?? null;
      if (g === null) continue;
      ins = (vjpRules[n.prim] as Rule<Prim>)(n, g, []);
    }
    ins.forEach((g, i) => give(n.inputs[i], g));
  }
  return wrt.map((w) => ct.get(w) ?? null);
}
