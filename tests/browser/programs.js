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
  // a scan over arrays (a ring buffer updated in place): the CPU backend's wasm SIMD scan, and
  // on WebGPU one kernel with the ring in device memory
  const ring = ({ buf, pos }, v) => {
    const leaving = np.take(buf, pos, { axis: 0, mode: 'clip' });
    const next = buf.at(pos).set(v);
    const p = np.where(np.equal(pos, 2), 0, pos.add(1));
    return [{ buf: next, pos: p }, v.sub(leaving).mul(0.5)];
  };
  const ringInit = { buf: np.zeros([3, 6]), pos: np.zeros([], { dtype: 'int32' }) };
  out.ring = await list(lax.scan(ring, ringInit, np.arange(60).astype('float32').div(7).reshape([10, 6]))[1]);
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
  // integer division and remainder (wasm, lane by lane; x / 0 = -1 and x % 0 = x as XLA)
  const ints = np.arange(n).astype('int32').sub(n >> 1);
  const q = await lax.div(ints, lax.rem(ints.mul(3), np.full([n], 7, { dtype: 'int32' }))).data();
  out.intdiv = [q[0], q[1], q[n >> 1], q[n - 1], await np.sum(lax.rem(ints, np.full([n], 5, { dtype: 'int32' }))).item()];
  return out;
}
