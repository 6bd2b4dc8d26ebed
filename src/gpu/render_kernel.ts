// WGSL for each kernel of a schedule (src/scheduler/kernel.ts), one or more dispatches:
//   elementwise  one thread per element, the whole fused expression inline;
//   reduce       long reduced extent with few outputs: one workgroup per output element,
//                threads stride over the extent and combine in a workgroup tree; otherwise
//                one thread per output looping in the oracle's order; epilogue fused;
//   argreduce    one thread per output (the oracle's NaN and first-index rules);
//   cumulative   render_cumulative.ts: serial per line when short, a 3-phase parallel scan when long;
//   dot          render_dot.ts: 16 x 16 tiles in workgroup memory for float32 products of
//                16 or more rows, columns and contraction; else one thread per output element;
//   concat       one thread per element of the largest part, each part written through its map;
//   patch        the base copy (a parallel dispatch) then one thread applying the updates in
//                order, so repeated indices combine as in the oracle; nothing to copy in place;
//   scan         render_affine_scan.ts (long scans with affine carries: a parallel scan),
//                else render_scan.ts (one thread per lane, serial over time).
// Meta words: offs[s] = offset of input slot s, then one per output buffer.

import { scatterCombine } from '../graph/prims.js';
import { stridesOf, sizeOf } from '../graph/shape.js';
import type { Kernel } from '../scheduler/kernel.js';
import { groupId, threadId, WG, type Dispatch } from './dispatch.js';
import { renderAffineScan } from './render_affine_scan.js';
import { renderCumulative } from './render_cumulative.js';
import { renderTiledDot, tiledDot } from './render_dot.js';
import { renderScan } from './render_scan.js';
import { binaryWgsl, monoid, wgslType } from './wgsl_ops.js';
import { fromWord, opaqueZero, toWord, WgslWriter } from './wgsl_writer.js';

const TREE_WG = 256;
/** Reduced extent from which a reduction with few outputs uses a workgroup tree. */
const TREE_MIN = 1024;

export function renderKernel(k: Kernel): Dispatch[] {
  const out = k.inputs.length; // meta index of outputs[0]
  const w = new WgslWriter();
  switch (k.kind) {
    case 'elementwise': {
      const n = sizeOf(k.shape);
      w.line(`let i = ${threadId(WG)};`);
      w.line(`if (i >= ${n}u) { return; }`);
      w.store(out, 'i', w.expr(k.expr, w.coords('i', k.shape)), k.expr.dtype);
      return [{ code: w.source(WG), workgroups: Math.ceil(n / WG) }];
    }
    case 'reduce': {
      const n = sizeOf(k.shape);
      const R = sizeOf(k.reduceShape);
      const d = k.accDtype;
      const m = monoid(k.op, d, w);
      const outDtype = k.epilogue?.dtype ?? d;
      const tree = R >= TREE_MIN && n <= 65535 && d !== 'bool';
      const wg = tree ? TREE_WG : WG;
      w.line(`let o = ${tree ? groupId : threadId(WG)};`);
      if (!tree) w.line(`if (o >= ${n}u) { return; }`);
      // Over an empty axis the result is the identity through the epilogue; a float identity
      // the compiler could see would let it fold the epilogue (mean's 0 / 0 to 0, not NaN).
      const init = R === 0 && d === 'float32' ? `(${m.init} + f32(${opaqueZero}))` : m.init;
      w.line(`var acc: ${wgslType[d]} = ${init};`);
      w.open(`if (o < ${n}u)`);
      const kept = w.coords('o', k.shape);
      w.open(`for (var r = ${tree ? 'lid.x' : '0u'}; r < ${R}u; r += ${tree ? TREE_WG : 1}u)`);
      const c = [...kept, ...w.coords('r', k.reduceShape)];
      w.line(`acc = ${m.combine('acc', w.expr(k.expr, c))};`);
      w.close();
      w.close();
      if (tree) {
        w.line('sh[lid.x] = acc;');
        w.line('workgroupBarrier();');
        w.open(`for (var s = ${TREE_WG / 2}u; s > 0u; s = s >> 1u)`);
        w.line(`if (lid.x < s) { sh[lid.x] = ${m.combine('sh[lid.x]', 'sh[lid.x + s]')}; }`);
        w.line('workgroupBarrier();');
        w.close();
        w.open(`if (lid.x == 0u && o < ${n}u)`);
        w.line('let total = sh[0];');
      } else w.open('if (true)');
      const accName = tree ? 'total' : 'acc';
      const v = k.epilogue ? w.expr(k.epilogue, w.coords('o', k.shape), WgslWriter.memRead, accName) : accName;
      w.store(out, 'o', v, outDtype);
      w.close();
      const header = tree ? `var<workgroup> sh: array<${wgslType[d]}, ${TREE_WG}>;` : '';
      return [{ code: w.source(wg, header), workgroups: tree ? n : Math.ceil(n / WG) }];
    }
    case 'argreduce': {
      const n = sizeOf(k.shape);
      const d = k.expr.dtype;
      w.line(`let o = ${threadId(WG)};`);
      w.line(`if (o >= ${n}u) { return; }`);
      const kept = w.coords('o', k.shape);
      const isNan = (x: string) => (d === 'float32' ? `${w.use('fnan')}(${x})` : 'false');
      const op = k.op === 'argmax' ? '>' : '<';
      const u = (x: string) => (d === 'bool' ? `select(0u, 1u, ${x})` : x);
      w.line(`var best: ${wgslType[d]};`);
      w.line('var arg: i32 = 0;');
      w.open(`for (var r = 0u; r < ${k.axisSize}u; r++)`);
      const v = w.expr(k.expr, [...kept, 'i32(r)']);
      w.open(`if (r == 0u || (!${isNan('best')} && (${isNan(v)} || ${u(v)} ${op} ${u('best')})))`);
      w.line(`best = ${v};`);
      w.line('arg = i32(r);');
      w.close();
      w.close();
      w.store(out, 'o', 'arg', 'int32');
      return [{ code: w.source(WG), workgroups: Math.ceil(n / WG) }];
    }
    case 'cumulative':
      return renderCumulative(k as Extract<Kernel, { kind: 'cumulative' }>);
    case 'dot': {
      if (tiledDot(k)) return renderTiledDot(k);
      const n = sizeOf(k.shape);
      const { lhsShape, rhsShape, lhsContract, rhsContract, lhsBatch, rhsBatch, dtype: d } = k;
      const lFree = lhsShape.map((_, i) => i).filter((i) => !lhsContract.includes(i) && !lhsBatch.includes(i));
      const rFree = rhsShape.map((_, i) => i).filter((i) => !rhsContract.includes(i) && !rhsBatch.includes(i));
      const aSt = stridesOf(lhsShape);
      const bSt = stridesOf(rhsShape);
      const cShape = lhsContract.map((i) => lhsShape[i]);
      w.line(`let o = ${threadId(WG)};`);
      w.line(`if (o >= ${n}u) { return; }`);
      const c = w.coords('o', k.shape);
      const aTerms = [...lhsBatch.map((ax, j) => `${c[j]} * ${aSt[ax]}`), ...lFree.map((ax, j) => `${c[lhsBatch.length + j]} * ${aSt[ax]}`)];
      const bTerms = [...rhsBatch.map((ax, j) => `${c[j]} * ${bSt[ax]}`), ...rFree.map((ax, j) => `${c[lhsBatch.length + lFree.length + j]} * ${bSt[ax]}`)];
      w.line(`var acc: ${wgslType[d]} = ${monoid('add', d, w).init};`);
      w.open(`for (var r = 0u; r < ${sizeOf(cShape)}u; r++)`);
      const rc = w.coords('r', cShape);
      const a = `mem[offs[0] + u32(${['0', ...aTerms, ...lhsContract.map((ax, j) => `${rc[j]} * ${aSt[ax]}`)].join(' + ')})]`;
      const b = `mem[offs[1] + u32(${['0', ...bTerms, ...rhsContract.map((ax, j) => `${rc[j]} * ${bSt[ax]}`)].join(' + ')})]`;
      const prod = binaryWgsl.mul(fromWord(a, d), fromWord(b, d), d, w);
      w.line(`acc = ${binaryWgsl.add('acc', prod, d, w)};`);
      w.close();
      w.store(out, 'o', 'acc', d);
      return [{ code: w.source(WG), workgroups: Math.ceil(n / WG) }];
    }
    case 'concat': {
      const most = Math.max(0, ...k.parts.map((p) => sizeOf(p.shape)));
      w.line(`let i = ${threadId(WG)};`);
      k.parts.forEach((p) => {
        w.open(`if (i < ${sizeOf(p.shape)}u)`);
        const c = w.coords('i', p.shape);
        const v = w.expr(p.expr, c);
        w.line(`mem[offs[${out}] + u32(${w.address(p.out, c)})] = ${toWord(v, p.expr.dtype)};`);
        w.close();
      });
      return [{ code: w.source(WG), workgroups: Math.ceil(most / WG) }];
    }
    case 'patch':
      return renderPatch(k as Extract<Kernel, { kind: 'patch' }>);
    case 'scan':
      return renderAffineScan(k as Extract<Kernel, { kind: 'scan' }>) ?? [renderScan(k as Extract<Kernel, { kind: 'scan' }>)];
  }
}


function renderPatch(k: Extract<Kernel, { kind: 'patch' }>): Dispatch[] {
  const out = k.inputs.length;
  const n = sizeOf(k.shape);
  const dispatches: Dispatch[] = [];
  if (k.base) {
    const w = new WgslWriter();
    w.line(`let i = ${threadId(WG)};`);
    w.line(`if (i >= ${n}u) { return; }`);
    w.store(out, 'i', w.expr(k.base, w.coords('i', k.shape)), k.dtype);
    dispatches.push({ code: w.source(WG), workgroups: Math.ceil(n / WG) });
  }
  const w = new WgslWriter();
  w.open('if (lid.x == 0u && wid.x == 0u && wid.y == 0u)');
  for (const p of k.patches) {
    w.open(`for (var u = 0u; u < ${sizeOf(p.shape)}u; u++)`);
    const c = w.coords('u', p.shape);
    const j = w.expr(p.index, c);
    w.open(`if (${j} >= 0 && ${j} < ${n})`);
    const cur = fromWord(`mem[offs[${out}] + u32(${j})]`, k.dtype);
    const upd = w.expr(p.updates, c);
    const v = p.mode === 'set' ? upd : binaryWgsl[scatterCombine[p.mode]](cur, upd, k.dtype, w);
    w.line(`mem[offs[${out}] + u32(${j})] = ${toWord(v, k.dtype)};`);
    w.close();
    w.close();
  }
  w.close();
  dispatches.push({ code: w.source(1), workgroups: 1 });
  return dispatches;
}
