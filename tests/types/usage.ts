// Strict TypeScript usage the public types must accept (tests/types/types.test.ts compiles
// it with tsc): what a user writes without casts or `as const`.

import { from } from 'rxjs';
import { jit, lax, np, random, vmap, type Array } from '../../src/index.js';
import { ema, emaStep, fanout, rollingStep, stepOperator, zscore } from '../../src/rx.js';

export async function usage(): Promise<void> {
  // lax.scan: [y, y] is a tuple; a JS number as the initial carry; a body declared on its own
  const [c1, ys1] = lax.scan((c, x) => { const y = c.add(x); return [y, y]; }, np.zeros([3]), np.ones([4, 3]));
  const [c2, ys2] = lax.scan((c, x) => { const y = np.add(c, x); return [y, y]; }, 0, np.ones([4]));
  const body = (c: Array, x: Array) => { const y = c.mul(0.5).add(x); return [y, y]; };
  const [c3] = lax.scan(body, 0, np.ones([4]));
  const [{ a, b }] = lax.scan((c, x) => [{ a: c.a.add(x), b: c.b }, x], { a: 0, b: np.zeros([]) }, np.ones([2]));
  const arrays: Array[] = [c1, ys1, c2, ys2, c3, a, b];
  // vmap and jit return Arrays, item() a number, iteration gives Arrays
  const d: Array = vmap((p: Array) => p.sum())(np.ones([2, 3]));
  const j: Array = jit((p: Array) => p.mul(2))(np.ones([2]));
  const n: number = await np.ones([2]).sum().item();
  const flag: boolean = await np.array(true).item<boolean>();
  const [k1, k2] = random.split(random.key(0));
  // rx operators: outputs follow inputs
  from([1, 2, 3]).pipe(ema({ span: 2 })).subscribe((x) => void (x satisfies number));
  const both = fanout({ e: emaStep({ span: 2 }), r: rollingStep({ window: 3 }, ['var', 'zscore']) });
  from([1, 2, 3]).pipe(stepOperator(both)).subscribe((x) => void ((x.e + x.r.zscore + x.r.var) satisfies number));
  from([new Float32Array(4)]).pipe(zscore({ window: 3, xShape: [4] })).subscribe((x) => void (x satisfies Float32Array));
  from([{ key: 'a', value: 1, t: 3 }]).pipe(ema({ span: 2 })).subscribe((r) => void ([r.key, r.value, r.t] satisfies [string, number, number]));
  from([[{ key: 'a', value: 1 }]]).pipe(stepOperator(both)).subscribe((rs) => void (rs[0].value.r.var satisfies number));
  void [arrays, d, j, n, flag, k1, k2];
}
