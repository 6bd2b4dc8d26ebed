// The wasm code generator's input: an elementwise expression over kernel inputs (element i
// of each input array) and scalar constants, using the primitives' own names and meanings
// (src/graph/prims.ts, defined by src/cpu/oracle.ts). A DAG: an Expr object used twice is
// computed once.
//
// `exprKey` linearizes an expression into the cache key of its compiled code. Constant
// *values* are not in the key: they are passed to the kernel at run time, so `x * 0.5` and
// `x * 0.25` share one module.

import type { DType } from '../../graph/dtype.js';
import type { BinaryPrim, UnaryPrim } from '../../graph/prims.js';

export type ExprPrim = UnaryPrim | BinaryPrim | 'select' | 'cast' | 'bitcast';

export type Expr =
  /** Element i of kernel input `index`. */
  | { readonly kind: 'input'; readonly index: number; readonly dtype: DType }
  /**
   * A scalar, broadcast; stored as `dtype` (float32 rounding, integer wrap). Its value is a
   * kernel argument, unless `baked`: then it is compiled in (and part of the cache key).
   */
  | { readonly kind: 'const'; readonly value: number; readonly dtype: DType; readonly baked?: boolean }
  /** In a reduction's epilogue: the reduced value of the row. */
  | { readonly kind: 'acc'; readonly dtype: DType }
  /** The element's flat index plus `offset` (lax.iota over a contiguous domain), int32 or uint32. */
  | { readonly kind: 'iota'; readonly offset: number; readonly dtype: DType }
  /** `prim(args)` with result dtype `dtype` (for cast/bitcast, the target). */
  | { readonly kind: 'op'; readonly prim: ExprPrim; readonly dtype: DType; readonly args: readonly Expr[] };

export type OpExpr = Extract<Expr, { kind: 'op' }>;

export const input = (index: number, dtype: DType = 'float32'): Expr => ({ kind: 'input', index, dtype });
export const constant = (value: number, dtype: DType = 'float32'): Expr => ({ kind: 'const', value, dtype });
export const bakedConstant = (value: number, dtype: DType = 'float32'): Expr => ({ kind: 'const', value, dtype, baked: true });
export const acc = (dtype: DType = 'float32'): Expr => ({ kind: 'acc', dtype });
export const iota = (offset: number, dtype: DType = 'int32'): Expr => ({ kind: 'iota', offset, dtype });

/** `prim(...args)` with result dtype `dtype`: the node's, which its primitive's shape rule gave. */
export const apply = (prim: ExprPrim, args: readonly Expr[], dtype: DType): Expr => ({ kind: 'op', prim, dtype, args });

/** The nodes of `root` in evaluation order (inputs first), each once. */
export function exprOrder(roots: readonly Expr[]): Expr[] {
  const seen = new Set<Expr>();
  const order: Expr[] = [];
  const visit = (e: Expr) => {
    if (seen.has(e)) return;
    seen.add(e);
    if (e.kind === 'op') e.args.forEach(visit);
    order.push(e);
  };
  roots.forEach(visit);
  return order;
}

/** The structural key of `roots` (sharing included, constant values excluded) and its constants in key order. */
export function exprKey(roots: readonly Expr[]): { key: string; constants: Expr[] } {
  const order = exprOrder(roots);
  const id = new Map(order.map((e, i) => [e, i]));
  const constants: Expr[] = [];
  const parts = order.map((e) => {
    switch (e.kind) {
      case 'input':
        return `in${e.index}:${e.dtype}`;
      case 'const':
        if (e.baked) return `k:${e.dtype}:${Object.is(e.value, -0) ? '-0' : e.value}`;
        constants.push(e);
        return `c:${e.dtype}`;
      case 'acc':
        return `acc:${e.dtype}`;
      case 'iota':
        return `iota:${e.dtype}:${e.offset}`;
      case 'op':
        return `${e.prim}:${e.dtype}(${e.args.map((a) => id.get(a)).join(',')})`;
    }
  });
  return { key: `${parts.join(';')}->${roots.map((r) => id.get(r)).join(',')}`, constants };
}
