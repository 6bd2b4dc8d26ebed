// Double-float arithmetic on float32 arrays: a value is an unevaluated sum hi + lo of two
// float32s (about 48 significant bits), built from the error-free transformations TwoSum
// (Knuth: additions only) and TwoProduct (Dekker's, with the split made by masking the low
// 12 mantissa bits, so every partial product is exact and a fused multiply-add changes
// nothing). They need each operation rounded to float32 as written. The oracle, the fused JS
// and the wasm scans do that; a WGSL compiler may instead rewrite (a + b) - a to b (lavapipe's
// does), which drops every error term. So each sum whose error is taken again goes through
// `lax.optimizationBarrier`: free on the CPU, a product with a 1 the compiler cannot see in a
// shader. The time windows keep prefix sums in it whose differences are window sums.

import type { LaxArray } from '../array.js';
import { optimizationBarrier } from '../control_flow.js';
import { bitwiseAnd } from '../elementwise.js';
import { bitcastConvertType } from '../lax.js';

export interface DD {
  hi: LaxArray;
  lo: LaxArray;
}

/** A float32 as hi + lo, each with at most 12 significant bits (hi: a with its low 12 mantissa bits cleared). */
function split(a: LaxArray): [LaxArray, LaxArray] {
  const hi = bitcastConvertType(bitwiseAnd(bitcastConvertType(a, 'uint32'), 0xfffff000), 'float32');
  return [hi, a.sub(hi)];
}

/** Double-float operations. */
export function ddOps() {
  const opaque = (x: LaxArray) => optimizationBarrier(x);
  /** a + b exactly. */
  const twoSum = (a: LaxArray, b: LaxArray): DD => {
    const s = opaque(a.add(b));
    const bb = opaque(s.sub(a));
    return { hi: s, lo: a.sub(s.sub(bb)).add(b.sub(bb)) };
  };
  /** a + b exactly, for |a| >= |b| (or a == 0). */
  const quickTwoSum = (a: LaxArray, b: LaxArray): DD => {
    const s = opaque(a.add(b));
    return { hi: s, lo: b.sub(s.sub(a)) };
  };
  /** a * b exactly. */
  const twoProduct = (a: LaxArray, b: LaxArray): DD => {
    const p = a.mul(b);
    const [ah, al] = split(a);
    const [bh, bl] = split(b);
    return { hi: p, lo: ah.mul(bh).sub(p).add(ah.mul(bl)).add(al.mul(bh)).add(al.mul(bl)) };
  };
  const add = (a: DD, b: DD): DD => {
    const s = twoSum(a.hi, b.hi);
    return quickTwoSum(s.hi, s.lo.add(a.lo).add(b.lo));
  };
  return {
    twoProduct,
    add,
    sub: (a: DD, b: DD): DD => add(a, { hi: b.hi.neg(), lo: b.lo.neg() }),
    /** a * a (the lo * lo term is below the precision). */
    square: (a: DD): DD => {
      const p = twoProduct(a.hi, a.hi);
      return quickTwoSum(p.hi, p.lo.add(a.hi.mul(a.lo).mul(2)));
    },
    /** a / b for a float32 b (counts here). */
    divF: (a: DD, b: LaxArray): DD => {
      const q = opaque(a.hi.div(b));
      const p = twoProduct(q, b);
      const r = a.hi.sub(p.hi).sub(p.lo).add(a.lo);
      return quickTwoSum(q, r.div(b));
    },
    /** The float32 nearest hi + lo. */
    value: (a: DD): LaxArray => a.hi.add(a.lo),
  };
}
