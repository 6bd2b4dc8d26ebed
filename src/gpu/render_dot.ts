// lax.dot_general on WebGPU as a tiled product: each workgroup of 16 x 16 threads computes a
// 16 x 16 block of one batch's [M, N] output, staging 16 x 16 tiles of both operands in
// workgroup memory for each 16-long step along the contraction, so every operand element is
// read from storage once per tile instead of once per output. Each thread still sums its
// output's products one by one in the order of the contraction (padding is never added), so
// the result is the one-thread-per-output kernel's, and the oracle's up to WGSL's rounding.
// Float32 products with M, N and K of at least TILE; others keep that kernel (render_kernel.ts).
// On a software adapter (Mesa's lavapipe, SwiftShader) workgroup barriers are emulated and
// the tiled kernel measured about 2x slower than one thread per output ([128,784]x[784,512]:
// 318 vs 138 ms on lavapipe), so device.ts turns it on for hardware adapters only.

import { sizeOf, stridesOf } from '../graph/shape.js';
import type { Kernel } from '../scheduler/kernel.js';
import { groupId, type Dispatch } from './dispatch.js';
import { binaryWgsl, monoid } from './wgsl_ops.js';
import { fromWord, WgslWriter } from './wgsl_writer.js';

type DotOf = Extract<Kernel, { kind: 'dot' }>;

const TILE = 16;

/** The product's extents: batch, rows (lhs free), columns (rhs free), contraction. */
function extents(k: DotOf) {
  const lFree = k.lhsShape.map((_, i) => i).filter((i) => !k.lhsContract.includes(i) && !k.lhsBatch.includes(i));
  const rFree = k.rhsShape.map((_, i) => i).filter((i) => !k.rhsContract.includes(i) && !k.rhsBatch.includes(i));
  const along = (shape: readonly number[], axes: readonly number[]) => axes.map((a) => shape[a]);
  return {
    lFree,
    rFree,
    B: sizeOf(along(k.lhsShape, k.lhsBatch)),
    M: sizeOf(along(k.lhsShape, lFree)),
    N: sizeOf(along(k.rhsShape, rFree)),
    K: sizeOf(along(k.lhsShape, k.lhsContract)),
  };
}

let enabled = false;
/** Turn the tiled kernel on or off (device.ts: on for hardware adapters; tests); returns the previous setting. */
export function configureTiledDot(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether `k` takes the tiled kernel. */
export function tiledDot(k: DotOf): boolean {
  const { M, N, K } = extents(k);
  return enabled && k.dtype === 'float32' && M >= TILE && N >= TILE && K >= TILE;
}

export function renderTiledDot(k: DotOf): Dispatch[] {
  const w = new WgslWriter();
  const out = k.inputs.length;
  const d = k.dtype;
  const { lFree, rFree, B, M, N, K } = extents(k);
  const [tm, tn] = [Math.ceil(M / TILE), Math.ceil(N / TILE)];
  const aSt = stridesOf(k.lhsShape);
  const bSt = stridesOf(k.rhsShape);
  /** The u32 address in operand `slot` of the element at batch `b`, free index `f` and contraction index `c`. */
  const address = (shape: readonly number[], st: readonly number[], batch: readonly number[], free: readonly number[], contract: readonly number[], b: string, f: string, c: string): string => {
    const part = (idx: string, axes: readonly number[]) => {
      const cs = w.coords(idx, axes.map((a) => shape[a]));
      return axes.map((a, j) => `${cs[j]} * ${st[a]}`);
    };
    return `u32(${['0', ...part(b, batch), ...part(f, free), ...part(c, contract)].join(' + ')})`;
  };
  w.line(`let g = ${groupId};`);
  w.line(`let bi = g / ${tm * tn}u;`);
  w.line(`let m = ((g / ${tn}u) % ${tm}u) * ${TILE}u + lid.x / ${TILE}u;`);
  w.line(`let n = (g % ${tn}u) * ${TILE}u + lid.x % ${TILE}u;`);
  w.line(`let lx = lid.x % ${TILE}u;`);
  w.line(`let ly = lid.x / ${TILE}u;`);
  w.line(`var acc: f32 = ${monoid('add', d, w).init};`);
  w.open(`for (var t = 0u; t < ${K}u; t += ${TILE}u)`);
  /** Stages this thread's element of an operand's tile (0 outside the product) in workgroup array `tile`. */
  const stage = (tile: string, slot: number, k: string, free: string, freeExtent: number, address: string) => {
    w.line(`var ${tile}v: f32 = 0.0;`);
    w.open(`if (bi < ${B}u && ${free} < ${freeExtent}u && ${k} < ${K}u)`);
    w.line(`${tile}v = ${fromWord(`mem[offs[${slot}] + ${address}]`, d)};`);
    w.close();
    w.line(`${tile}[lid.x] = ${tile}v;`);
  };
  w.line('let ka = t + lx;');
  stage('ta', 0, 'ka', 'm', M, address(k.lhsShape, aSt, k.lhsBatch, lFree, k.lhsContract, 'bi', 'm', 'ka'));
  w.line('let kb = t + ly;');
  stage('tb', 1, 'kb', 'n', N, address(k.rhsShape, bSt, k.rhsBatch, rFree, k.rhsContract, 'bi', 'n', 'kb'));
  w.line('workgroupBarrier();');
  w.open(`for (var q = 0u; q < min(${TILE}u, ${K}u - t); q++)`);
  w.line(`acc = ${binaryWgsl.add('acc', binaryWgsl.mul(`ta[ly * ${TILE}u + q]`, `tb[q * ${TILE}u + lx]`, d, w), d, w)};`);
  w.close();
  w.line('workgroupBarrier();');
  w.close();
  w.open(`if (bi < ${B}u && m < ${M}u && n < ${N}u)`);
  w.store(out, `bi * ${M * N}u + m * ${N}u + n`, 'acc', d);
  w.close();
  const header = `var<workgroup> ta: array<f32, ${TILE * TILE}>;\nvar<workgroup> tb: array<f32, ${TILE * TILE}>;`;
  return [{ code: w.source(TILE * TILE, header), workgroups: B * tm * tn }];
}
