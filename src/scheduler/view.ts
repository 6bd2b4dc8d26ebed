// Views: broadcast, transpose, slice, rev and reshape never move data inside a kernel.
// Each is a rewrite of the affine index maps at an expression's leaves (see kernel.ts),
// applied once per leaf and memoized so shared sub-expressions stay shared.
// A reshape of a strided map that is not expressible with strides (NumPy's "cannot reshape
// without a copy") returns null: the scheduler then materializes the reshape's operand.

import type { Node, PrimParams } from '../graph/node.js';
import { stridesOf, type Shape } from '../graph/shape.js';
import { rewriteLeaves, type Expr, type IndexMap } from './kernel.js';

export type ViewPrim = 'broadcast' | 'transpose' | 'slice' | 'rev' | 'reshape';

/** The new map of a leaf, or null when impossible; `from` is the operand's shape. */
export function mapView(prim: ViewPrim, params: PrimParams[ViewPrim], from: Shape, to: Shape, m: IndexMap): IndexMap | null {
  const st = m.strides;
  switch (prim) {
    case 'broadcast': {
      const { dims } = params as PrimParams['broadcast'];
      const strides = to.map(() => 0);
      dims.forEach((d, i) => (strides[d] = from[i] === 1 ? 0 : st[i]));
      return { offset: m.offset, strides };
    }
    case 'transpose':
      return { offset: m.offset, strides: (params as PrimParams['transpose']).perm.map((p) => st[p]) };
    case 'slice': {
      const p = params as PrimParams['slice'];
      const offset = m.offset + p.starts.reduce((s, v, i) => s + v * st[i], 0);
      return { offset, strides: st.map((s, i) => s * p.strides[i]) };
    }
    case 'rev': {
      const { axes } = params as PrimParams['rev'];
      let offset = m.offset;
      const strides = st.map((s, i) => {
        if (!axes.includes(i)) return s;
        offset += (from[i] - 1) * s;
        return -s;
      });
      return { offset, strides };
    }
    case 'reshape':
      return reshapeMap(from, to, m);
  }
}

/** Strides for `to` that address the same elements as `m` over `from`, if any (NumPy's no-copy reshape). */
export function reshapeMap(from: Shape, to: Shape, m: IndexMap): IndexMap | null {
  if (to.some((d) => d === 0) || from.some((d) => d === 0)) return { offset: m.offset, strides: to.map(() => 0) };
  const strides = new Array<number>(to.length).fill(0);
  // Drop size-1 axes of the source; group the rest with the target into equal-product runs.
  const src = from.map((d, i) => [d, m.strides[i]] as const).filter(([d]) => d !== 1);
  let i = 0;
  let j = 0;
  while (j < to.length) {
    if (to[j] === 1) {
      j++;
      continue;
    }
    if (i >= src.length) return null;
    // Take source axes i..i2 and target axes j..j2 with equal products.
    let i2 = i + 1;
    let j2 = j + 1;
    let ps = src[i][0];
    let pt = to[j];
    while (ps !== pt) {
      if (ps < pt) ps *= src[i2++][0];
      else pt *= to[j2++];
    }
    for (let k = i; k < i2 - 1; k++) if (src[k][1] !== src[k + 1][1] * src[k + 1][0]) return null;
    let s = src[i2 - 1][1];
    for (let k = j2 - 1; k >= j; k--) {
      strides[k] = to[k] === 1 ? 0 : s;
      s *= to[k];
    }
    i = i2;
    j = j2;
  }
  return i === src.length ? { offset: m.offset, strides } : null;
}

/** The identity map of a contiguous buffer of `shape`. */
export const contiguous = (shape: Shape): IndexMap => ({ offset: 0, strides: stridesOf(shape) });

/** Apply a view primitive to every leaf of `e`; null when some leaf cannot take it. */
export function viewExpr(n: Node, e: Expr): Expr | null {
  const prim = n.prim as ViewPrim;
  const from = n.inputs[0].shape;
  const memo = new Map<Expr, Expr | null>();
  const go = (x: Expr): Expr | null => {
    let r = memo.get(x);
    if (r !== undefined) return r;
    r = rewrite(x);
    memo.set(x, r);
    return r;
  };
  const rewrite = (x: Expr): Expr | null => {
    switch (x.op) {
      case 'read':
      case 'iota': {
        const map = mapView(prim, n.params as PrimParams[ViewPrim], from, n.shape, x.map);
        return map && { ...x, map };
      }
      case 'acc':
        return x;
      case 'gather': {
        const index = go(x.index);
        return index && { ...x, index };
      }
      case 'unary':
      case 'cast':
      case 'bitcast': {
        const a = go(x.a);
        return a && { ...x, a };
      }
      case 'binary': {
        const a = go(x.a);
        const b = a && go(x.b);
        return b && { ...x, a: a!, b };
      }
      case 'select': {
        const cond = go(x.cond);
        const a = cond && go(x.a);
        const b = a && go(x.b);
        return b && { ...x, cond: cond!, a: a!, b };
      }
    }
  };
  return go(e);
}

/** Permute the domain axes of `e`: new axis k is old axis perm[k]. */
export function permuteExpr(e: Expr, perm: readonly number[]): Expr {
  return rewriteLeaves(e, (x) => ({ ...x, map: { offset: x.map.offset, strides: perm.map((p) => x.map.strides[p]) } }));
}

/**
 * A dot operand's expression `e` (over the operand's shape) read at the dot's output
 * coordinates with its contracted axes fixed at `c` (boundaries.ts rule 12): output axis k
 * reads operand axis axes[k] (null: not an axis of this operand, stride 0), and contracted
 * axis contract[j] sits at c[j].
 */
export function dotTermExpr(e: Expr, axes: readonly (number | null)[], contract: readonly number[], c: readonly number[]): Expr {
  return rewriteLeaves(e, (x) => {
    const st = x.map.strides;
    const offset = contract.reduce((o, ax, j) => o + c[j] * st[ax], x.map.offset);
    return { ...x, map: { offset, strides: axes.map((ax) => (ax === null ? 0 : st[ax])) } };
  });
}
