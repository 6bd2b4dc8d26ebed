// Double-float arithmetic on float32 arrays: a value is an unevaluated sum hi + lo of two
// float32s (about 48 significant bits), built from the error-free transformations TwoSum
// (Knuth) and TwoProduct (Dekker's split, no fused multiply-add). They need every operation
// rounded to float32 as written, which the oracle, the fused JS and the wasm scans do; the
// time windows use them to keep prefix sums whose differences are window sums.

import type { LaxArray } from '../array.js';

export interface DD {
  hi: LaxArray;
  lo: LaxArray;
}

/** a + b exactly, as a double-float. */
export function twoSum(a: LaxArray, b: LaxArray): DD {
  const s = a.add(b);
  const bb = s.sub(a);
  return { hi: s, lo: a.sub(s.sub(bb)).add(b.sub(bb)) };
}

/** a + b exactly, for |a| >= |b| (or a == 0). */
function quickTwoSum(a: LaxArray, b: LaxArray): DD {
  const s = a.add(b);
  return { hi: s, lo: b.sub(s.sub(a)) };
}

/** Dekker's split of a float32 into two halves of 12 bits each. */
function split(a: LaxArray): [LaxArray, LaxArray] {
  const c = a.mul(4097);
  const hi = c.sub(c.sub(a));
  return [hi, a.sub(hi)];
}

/** a * b exactly, as a double-float. */
export function twoProduct(a: LaxArray, b: LaxArray): DD {
  const p = a.mul(b);
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return { hi: p, lo: ah.mul(bh).sub(p).add(ah.mul(bl)).add(al.mul(bh)).add(al.mul(bl)) };
}

export function ddAdd(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  return quickTwoSum(s.hi, s.lo.add(a.lo).add(b.lo));
}

export function ddSub(a: DD, b: DD): DD {
  return ddAdd(a, { hi: b.hi.neg(), lo: b.lo.neg() });
}

/** a * a as a double-float (a a double-float; the lo * lo term is below its precision). */
export function ddSquare(a: DD): DD {
  const p = twoProduct(a.hi, a.hi);
  return quickTwoSum(p.hi, p.lo.add(a.hi.mul(a.lo).mul(2)));
}

/** a / b for a float32 b (exact integers here: counts), as a double-float. */
export function ddDivF(a: DD, b: LaxArray): DD {
  const q = a.hi.div(b);
  const p = twoProduct(q, b);
  const r = a.hi.sub(p.hi).sub(p.lo).add(a.lo);
  return quickTwoSum(q, r.div(b));
}

/** The float32 nearest hi + lo. */
export const ddValue = (a: DD): LaxArray => a.hi.add(a.lo);
