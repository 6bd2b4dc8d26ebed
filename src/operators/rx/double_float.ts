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
  /** a - b exactly. */
  const twoDiff = (a: LaxArray, b: LaxArray): DD => {
    const s = opaque(a.sub(b));
    const bb = opaque(a.sub(s));
    return { hi: s, lo: a.sub(s.add(bb)).add(bb.sub(b)) };
  };
  /** a + b exactly, for |a| >= |b| (or a == 0). */
  const quickTwoSum = (a: LaxArray, b: LaxArray): DD => {
    const s = opaque(a.add(b));
    return { hi: s, lo: b.sub(s.sub(a)) };
  };
  /** a * b exactly, `as` the split of a (b: its split, or a whole number below 2^12, which is its own high part). */
  const product = (a: LaxArray, as: [LaxArray, LaxArray], b: LaxArray, bs: [LaxArray, LaxArray] | null): DD => {
    const p = a.mul(b);
    const [ah, al] = as;
    if (bs === null) return { hi: p, lo: ah.mul(b).sub(p).add(al.mul(b)) };
    const [bh, bl] = bs;
    return { hi: p, lo: ah.mul(bh).sub(p).add(ah.mul(bl)).add(al.mul(bh)).add(al.mul(bl)) };
  };
  return {
    /** a + b exactly, for float32s. */
    twoSum,
    /** a * a exactly. */
    twoSquare: (a: LaxArray): DD => {
      const p = a.mul(a);
      const [ah, al] = split(a);
      return { hi: p, lo: ah.mul(ah).sub(p).add(ah.mul(al).mul(2)).add(al.mul(al)) };
    },
    add: (a: DD, b: DD): DD => {
      const s = twoSum(a.hi, b.hi);
      return quickTwoSum(s.hi, s.lo.add(a.lo).add(b.lo));
    },
    /** a + b for a float32 b. */
    addF: (a: DD, b: LaxArray): DD => {
      const s = twoSum(a.hi, b);
      return quickTwoSum(s.hi, s.lo.add(a.lo));
    },
    sub: (a: DD, b: DD): DD => {
      const s = twoDiff(a.hi, b.hi);
      return quickTwoSum(s.hi, s.lo.add(a.lo).sub(b.lo));
    },
    /**
     * q - s^2 / n, as a float32, for the float32 mean m = s / n (a window's sum of squares
     * less its sum's share: the sum of squared deviations). With e = s - m * n (exact
     * products), s^2 / n = m * (s + e) + e^2 / n, and e^2 / n is below the precision. `small`:
     * n is a whole number below 2^12.
     */
    centered: (q: DD, s: DD, m: LaxArray, n: LaxArray, small: boolean): LaxArray => {
      const ms = split(m);
      const mn = product(m, ms, n, small ? null : split(n));
      const e = s.hi.sub(mn.hi).sub(mn.lo).add(s.lo); // s.hi - m * n is exact (they are within a factor 2)
      const p = product(m, ms, s.hi, split(s.hi));
      return q.hi.sub(p.hi).add(q.lo.sub(p.lo).sub(m.mul(s.lo.add(e))));
    },
    /** The float32 nearest hi + lo. */
    value: (a: DD): LaxArray => a.hi.add(a.lo),
  };
}
