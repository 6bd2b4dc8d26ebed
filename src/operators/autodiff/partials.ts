// Partial derivatives of the elementwise primitives: for node y = f(x) or y = f(a, b), the
// derivative of y with respect to each input, elementwise. Both the JVP (tangent times
// partial) and the VJP (cotangent times partial) of an elementwise primitive come from
// here, since its Jacobian is diagonal. 1 and -1 avoid multiplying by a constant; null is a
// zero derivative (integer, boolean and piecewise-constant primitives, as JAX).

import type { Node } from '../../graph/node.js';
import type { BinaryPrim, UnaryPrim } from '../../graph/prims.js';
import { add, bin, div, fill, mul, neg, select, un } from './build.js';

export type Partial = Node | 1 | -1 | null;

const zero = (): Partial[] => [null];
const zero2 = (): Partial[] => [null, null];

/** JAX's _balanced_eq: 1 where x alone attains the extremum z, 1/2 where both do, else 0. */
function balanced(x: Node, z: Node, y: Node): Node {
  return select(bin('eq', x, z), select(bin('eq', y, z), fill(0.5, z), fill(1, z)), fill(0, z));
}

/** Round toward zero (rem's quotient). */
const trunc = (q: Node) => mul(un('sign', q), un('floor', un('abs', q)));

export const partials: { [P in UnaryPrim | BinaryPrim]: (y: Node, x: readonly Node[]) => Partial[] } = {
  neg: () => [-1],
  abs: (_, [x]) => [un('sign', x)],
  sign: zero,
  sqrt: (y) => [div(fill(0.5, y), y)],
  exp: (y) => [y],
  log: (_, [x]) => [div(fill(1, x), x)],
  log1p: (_, [x]) => [div(fill(1, x), add(fill(1, x), x))],
  expm1: (y) => [add(y, fill(1, y))],
  sin: (_, [x]) => [un('cos', x)],
  cos: (_, [x]) => [neg(un('sin', x))],
  tan: (y) => [add(fill(1, y), mul(y, y))],
  tanh: (y) => [bin('sub', fill(1, y), mul(y, y))],
  floor: zero, ceil: zero, round: zero, not: zero, isfinite: zero,
  add: () => [1, 1],
  sub: () => [1, -1],
  mul: (_, [a, b]) => [b, a],
  div: (y, [, b]) => [div(fill(1, b), b), neg(div(y, b))],
  rem: (_, [a, b]) => [1, neg(trunc(div(a, b)))],
  // JAX's _pow_jvp_lhs / _pow_jvp_rhs: d/da is 0 where b == 0, d/db uses log(a) with a == 0 read as 1.
  pow: (y, [a, b]) => [
    select(bin('eq', b, fill(0, b)), fill(0, y), mul(b, bin('pow', a, bin('sub', b, fill(1, b))))),
    mul(un('log', select(bin('eq', a, fill(0, a)), fill(1, a), a)), y),
  ],
  max: (y, [a, b]) => [balanced(a, y, b), balanced(b, y, a)],
  min: (y, [a, b]) => [balanced(a, y, b), balanced(b, y, a)],
  atan2: (_, [a, b]) => {
    const r = add(mul(a, a), mul(b, b));
    return [div(b, r), neg(div(a, r))];
  },
  eq: zero2, ne: zero2, lt: zero2, le: zero2, gt: zero2, ge: zero2,
  and: zero2, or: zero2, xor: zero2, shl: zero2, shr: zero2,
};

/** `partial * t`, or null when either is zero. */
export function applyPartial(p: Partial, t: Node | null): Node | null {
  if (p === null || t === null) return null;
  if (p === 1) return t;
  if (p === -1) return neg(t);
  return mul(p, t);
}
