// A plain-JS scalar Threefry-2x32 and JAX's key/bits algorithms on top of it, independent of the
// graph: the tests compare laxflow's graph-built random numbers against these loops.

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
];

const rotl = (x: number, d: number) => ((x << d) | (x >>> (32 - d))) >>> 0;

/** Threefry-2x32, 20 rounds, on one counter pair (Salmon et al., Random123). */
export function threefryPair(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = (x0 + ks[0]) >>> 0;
  let b = (x1 + ks[1]) >>> 0;
  for (let i = 0; i < 5; i++) {
    for (const r of ROTATIONS[i % 2]) {
      a = (a + b) >>> 0;
      b = (rotl(b, r) ^ a) >>> 0;
    }
    a = (a + ks[(i + 1) % 3]) >>> 0;
    b = (b + ks[(i + 2) % 3] + i + 1) >>> 0;
  }
  return [a, b];
}

/** JAX's threefry_2x32(key, counts): first half of the counts paired with the second half. */
export function threefryCounts(key: readonly number[], counts: readonly number[]): number[] {
  const n = counts.length;
  const padded = n % 2 ? [...counts, 0] : [...counts];
  const half = padded.length / 2;
  const out = new Array<number>(padded.length);
  for (let i = 0; i < half; i++) [out[i], out[half + i]] = threefryPair(key[0], key[1], padded[i], padded[half + i]);
  return out.slice(0, n);
}

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

export function splitRef(key: readonly number[], num: number, partitionable: boolean): number[][] {
  if (partitionable) return iota(num).map((i) => threefryPair(key[0], key[1], 0, i));
  const flat = threefryCounts(key, iota(2 * num));
  return iota(num).map((i) => [flat[2 * i], flat[2 * i + 1]]);
}

export const foldInRef = (key: readonly number[], data: number): number[] => threefryCounts(key, [0, data >>> 0]);

export function bitsRef(key: readonly number[], n: number, partitionable: boolean): number[] {
  if (partitionable) {
    return iota(n).map((i) => {
      const [a, b] = threefryPair(key[0], key[1], 0, i);
      return (a ^ b) >>> 0;
    });
  }
  return threefryCounts(key, iota(n));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** JAX's uniform on [0, 1): the top 23 bits as the mantissa of a float in [1, 2), minus 1. */
export function uniformFromWord(word: number): number {
  u32[0] = (word >>> 9) | 0x3f800000;
  return Math.fround(f32[0] - 1);
}

/** JAX's permutation of arange(n) for n <= 1625 (one round): a stable sort by random words. */
export function permutationRef(key: readonly number[], n: number, partitionable: boolean): number[] {
  const [, sub] = splitRef(key, 2, partitionable);
  const words = bitsRef(sub, n, partitionable);
  return iota(n).sort((i, j) => words[i] - words[j] || i - j);
}

const f = Math.fround;
const TINY = 2 ** -126;

/** JAX's gumbel, mode 'low': -log(-log(max(tiny, u * (1 - tiny) + tiny))), every step in float32. */
export function gumbelRef(key: readonly number[], n: number, partitionable: boolean): number[] {
  return bitsRef(key, n, partitionable).map((w) => {
    const u = Math.max(TINY, f(f(uniformFromWord(w) * f(1 - TINY)) + TINY));
    return -f(Math.log(f(-f(Math.log(u)))));
  });
}

/**
 * JAX's choice(key, n, (k,), replace=False, p): the indices of the k largest
 * gumbel(key, (n,)) + log(p) (float32), largest first, ties by index.
 */
export function weightedChoiceRef(key: readonly number[], p: readonly number[], k: number, partitionable: boolean): number[] {
  const g = gumbelRef(key, p.length, partitionable).map((x, i) => f(x + f(Math.log(f(p[i])))));
  return iota(p.length)
    .sort((i, j) => g[j] - g[i] || i - j)
    .slice(0, k);
}
