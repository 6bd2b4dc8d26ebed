// Derivative helpers for the primitives whose derivative selects or multiplies the other
// elements: the product of all other elements of a reduction (reduce_prod), and the position
// each running maximum/minimum came from (cummax, cummin).

import { node, type Node } from '../../graph/node.js';
import { bin, clampIndex, full, select } from './build.js';

const range = (n: number) => [...Array(n).keys()];

/**
 * For y = reduce_prod(x, axes): the product of the other elements of each element's line,
 * shaped as x (exclusive products from both sides, so zeros need no division).
 */
export function productOfOthers(x: Node, axes: readonly number[]): Node {
  const kept = range(x.shape.length).filter((d) => !axes.includes(d));
  const perm = [...kept, ...axes];
  const M = kept.reduce((p, d) => p * x.shape[d], 1);
  const K = axes.reduce((p, d) => p * x.shape[d], 1);
  if (K === 0 || M === 0) return full(1, x.shape); // no elements
  const moved = node('reshape', [node('transpose', [x], { perm })], { shape: [M, K] });
  const ones = full(1, [M, 1]);
  const sl = (n: Node, from: number, to: number) => node('slice', [n], { starts: [0, from], limits: [M, to], strides: [1, 1] });
  const left = node('concat', [ones, sl(node('cumprod', [moved], { axis: 1, reverse: false }), 0, K - 1)], { axis: 1 });
  const right = node('concat', [sl(node('cumprod', [moved], { axis: 1, reverse: true }), 1, K), ones], { axis: 1 });
  const others = node('reshape', [bin('mul', left, right)], { shape: perm.map((d) => x.shape[d]) });
  const inv: number[] = [];
  perm.forEach((p, i) => (inv[p] = i));
  return node('transpose', [others], { perm: inv });
}

/**
 * For y = cummax/cummin(x) along `axis`: the flat index (into x) of the element each y came
 * from, the latest such in scan order. Where x equals y a new extremum starts; the source of
 * y_k is the nearest such position at or before k (after k, for a reverse scan).
 */
export function runningSource(x: Node, y: Node, axis: number, reverse: boolean): Node {
  const shape = x.shape;
  const at = node('iota', [], { shape, dtype: 'int32', axis });
  const starts = bin('eq', x, y);
  const pos = reverse
    ? node('cummin', [select(starts, at, full(shape[axis], shape, 'int32'))], { axis, reverse: true })
    : node('cummax', [select(starts, at, full(-1, shape, 'int32'))], { axis, reverse: false });
  let stride = 1;
  for (let d = shape.length - 1; d > axis; d--) stride *= shape[d];
  let flat: Node | null = null;
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const term = bin('mul', node('iota', [], { shape, dtype: 'int32', axis: d }), full(s, shape, 'int32'));
    flat = flat === null ? term : bin('add', flat, term);
    s *= shape[d];
  }
  return bin('add', flat!, bin('mul', bin('sub', pos, at), full(stride, shape, 'int32')));
}

/**
 * y = cumprod(x) is linear in each x_i with coefficient prod_{j <= k, j != i} x_j, which is
 * y_k / x_i while no zero has been met, the product of the nonzero elements at the one zero
 * (i the zero), and 0 after two zeros. So its JVP is a sum of two terms A * cumsum(t * B), and
 * its VJP their transpose B * cumsum_reversed(ct * A); this gives the [A, B] pairs. (B = 1/x:
 * a nonzero x below ~1e-38 has an infinite reciprocal, and its derivative is not finite.)
 */
export function cumprodTerms(n: Node<'cumprod'>): [Node, Node][] {
  const x = n.inputs[0];
  const { axis, reverse } = n.params;
  const zero = bin('eq', x, full(0, x.shape));
  const zf = select(zero, full(1, x.shape), full(0, x.shape));
  const count = node('cumsum', [zf], { axis, reverse });
  const safe = select(zero, full(1, x.shape), x);
  const none = bin('eq', count, full(0, x.shape));
  const one = bin('eq', count, full(1, x.shape));
  const zeros = full(0, x.shape);
  return [
    [select(none, n, zeros), bin('div', full(1, x.shape), safe)],
    [select(one, node('cumprod', [safe], { axis, reverse }), zeros), zf],
  ];
}

/**
 * For y = scatter max/min (x, idx, u): which operand elements and which updates attain each
 * output (equal to it; out-of-range updates never do), and the number that tie for each
 * output, as JAX's _scatter_extremal_jvp splits the derivative evenly among ties.
 */
export function scatterChooser(n: Node<'scatter'>): { atX: Node; atU: Node; count: Node; clamped: Node } {
  const [x, idx, u] = n.inputs;
  const { clamped, inRange } = clampIndex(idx, x.size);
  const one = (like: Node) => full(1, like.shape);
  const zero = (like: Node) => full(0, like.shape);
  const atX = select(bin('eq', x, n), one(x), zero(x));
  const hit = node('and', [inRange, bin('eq', u, node('gather', [n, clamped], {}))], {});
  const atU = select(hit, one(u), zero(u));
  const count = bin('add', atX, node('scatter', [zero(x), idx, atU], { mode: 'add' }));
  return { atX, atU, count, clamped };
}

/**
 * For y = scatter mul (x, idx, u): the derivative of each output with respect to its operand
 * element (shaped as x) and with respect to each update (shaped as u; 0 out of range). Each
 * is the product of the output's other factors: y / factor while the output has no zero
 * factor, the product of the nonzero factors at its one zero factor, and 0 otherwise.
 */
export function scatterMulPartials(n: Node<'scatter'>): { dx: Node; du: Node; clamped: Node } {
  const [x, idx, u] = n.inputs;
  const { clamped, inRange } = clampIndex(idx, x.size);
  const isZero = (v: Node) => bin('eq', v, full(0, v.shape));
  const ones = (v: Node) => full(1, v.shape);
  const zeros = (v: Node) => full(0, v.shape);
  const safeX = select(isZero(x), ones(x), x);
  const safeU = select(isZero(u), ones(u), u);
  const nonzero = node('scatter', [safeX, idx, safeU], { mode: 'mul' });
  const zeroU = select(node('and', [inRange, isZero(u)], {}), ones(u), zeros(u));
  const count = bin('add', select(isZero(x), ones(x), zeros(x)), node('scatter', [zeros(x), idx, zeroU], { mode: 'add' }));
  const none = bin('eq', count, zeros(x));
  const one = bin('eq', count, ones(x));
  const partial = (self: Node, safe: Node, nz: Node, cnt0: Node, cnt1: Node) =>
    select(cnt0, bin('div', nz, safe), select(node('and', [cnt1, isZero(self)], {}), nz, zeros(self)));
  const dx = partial(x, safeX, nonzero, none, one);
  const at = (v: Node) => node('gather', [v, clamped], {});
  const du = select(inRange, partial(u, safeU, at(nonzero), at(none), at(one)), zeros(u));
  return { dx, du, clamped };
}
