// lax.dot_general on the CPU: for each output element, a sequential float32 (or wrapping
// integer) accumulation over the contracting axes in row-major order, as the oracle does.

import type { TypedArray } from '../graph/dtype.js';
import { sizeOf, stridesOf } from '../graph/shape.js';
import type { DotKernel } from '../scheduler/kernel.js';

/** Flat offsets of every index of `shape` along `axes` of an array with `strides`. */
function offsets(shape: readonly number[], axes: readonly number[], strides: readonly number[]): Int32Array {
  const sizes = axes.map((a) => shape[a]);
  const out = new Int32Array(sizeOf(sizes));
  for (let i = 0; i < out.length; i++) {
    let r = i;
    let off = 0;
    for (let k = axes.length - 1; k >= 0; k--) {
      off += (r % sizes[k]) * strides[axes[k]];
      r = Math.floor(r / sizes[k]);
    }
    out[i] = off;
  }
  return out;
}

export function runDot(k: DotKernel, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const aSt = stridesOf(k.lhsShape);
  const bSt = stridesOf(k.rhsShape);
  const free = (shape: readonly number[], used: readonly number[]) => shape.map((_, i) => i).filter((i) => !used.includes(i));
  const lFree = free(k.lhsShape, [...k.lhsContract, ...k.lhsBatch]);
  const rFree = free(k.rhsShape, [...k.rhsContract, ...k.rhsBatch]);
  const aC = offsets(k.lhsShape, k.lhsContract, aSt);
  const bC = offsets(k.rhsShape, k.rhsContract, bSt);
  const aB = offsets(k.lhsShape, k.lhsBatch, aSt);
  const bB = offsets(k.rhsShape, k.rhsBatch, bSt);
  const aF = offsets(k.lhsShape, lFree, aSt);
  const bF = offsets(k.rhsShape, rFree, bSt);
  const f = Math.fround;
  const K = aC.length;
  let o = 0;
  for (let bi = 0; bi < aB.length; bi++) {
    for (let i = 0; i < aF.length; i++) {
      const a0 = aB[bi] + aF[i];
      for (let j = 0; j < bF.length; j++) {
        const b0 = bB[bi] + bF[j];
        let acc = 0;
        if (k.dtype === 'float32') for (let c = 0; c < K; c++) acc = f(acc + f(a[a0 + aC[c]] * b[b0 + bC[c]]));
        else if (k.dtype === 'int32') for (let c = 0; c < K; c++) acc = (acc + Math.imul(a[a0 + aC[c]], b[b0 + bC[c]])) | 0;
        else if (k.dtype === 'uint32') for (let c = 0; c < K; c++) acc = (acc + Math.imul(a[a0 + aC[c]], b[b0 + bC[c]])) >>> 0;
        else for (let c = 0; c < K; c++) acc = acc | (a[a0 + aC[c]] & b[b0 + bC[c]]);
        out[o++] = acc;
      }
    }
  }
}
