// The programs tests/browser/browser.test.ts runs in Node and, as this very file (served
// untransformed), in the page: plain JavaScript, given the laxflow module.

/** @param {typeof import('../../src/index.js')} lf */
export async function programs(lf) {
  const { np, lax, random, vmap } = lf;
  const list = async (a) => Array.from(await a.data(), Number);
  const out = {};
  const x = np.arange(12).astype('float32').div(7).reshape([3, 4]);
  out.format = await x.format();
  out.fused = await list(np.sqrt(x.mul(x).add(1).mul(0.5)));
  out.sum = await list(np.sum(x, { axis: 1 }));
  out.cumsum = await list(np.cumsum(np.arange(1, 40).astype('float32')));
  const step = (c, v) => {
    const n = c.mul(2).add(v).div(3);
    return [n, n];
  };
  out.ema = await list(lax.scan(step, np.array(0, { dtype: 'float32' }), np.arange(16).astype('float32'))[1]);
  out.euclid = await list(vmap((p, q) => np.sqrt(np.sum(p.sub(q).mul(p.sub(q)))))(x, x.mul(0.5)));
  out.at = await list(np.zeros([6]).at(np.array([1, 3, 1, -1, 9])).add(2));
  out.split = await list(random.split(random.key(42)));
  out.bits = await list(random.bits(random.key(7), [64]));
  out.uniform = await list(random.uniform(random.key(0), [64], { minval: -1, maxval: 1 }));
  // large enough for the wasm heap and its SIMD kernels on the CPU backend
  const n = 1 << 18;
  const big = np.arange(n).astype('float32').mul(1 / n);
  const y = await big.mul(big).add(1).data();
  out.big = [y[0], y[1], y[n >> 1], y[n - 1], await np.sum(big).item()];
  return out;
}
