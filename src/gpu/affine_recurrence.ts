// Recognizing affine scan recurrences: a carry that evolves as `c' = a*c + b` where `a` and
// `b` depend only on the step's xs slices and the scan's constants (the seed's moving
// average `(2*prev + x)/3`, an EMA `alpha*x + (1-alpha)*prev`, a running sum `prev + x`).
//
// The walk runs on the scan body as the scheduler hands it over (src/scheduler/kernel.ts: the
// body's elementwise kernels, whose expressions are the body graph after fusion, views folded
// into index maps, intermediates named by buffer). From the carry's output it follows the
// path to the carry param, accepting only
//   add, sub, mul (one operand carry-free), div (carry-free divisor), neg,
// all float32, with exactly ONE path through the carry (`c*x + c` or `c*c` are refused) and
// no other carry anywhere (coupled carries are refused). Everything off that path is
// carry-free and is rendered as ordinary WGSL at step `t`. The result is WGSL for (a, b).

import type { Expr, Kernel } from '../scheduler/kernel.js';
import { bodyRead, laneRead, type ScanLayout } from './scan_layout.js';
import type { WgslWriter } from './wgsl_writer.js';

type ElementwiseKernel = Extract<Kernel, { kind: 'elementwise' }>;

/** WGSL f32 expressions with carry' = a * carry + b. */
export interface AffineStep {
  a: string;
  b: string;
}

/** Bit mask of the carries each expression depends on. */
function carryDeps(lay: ScanLayout): (e: Expr, kb: ElementwiseKernel) => number {
  const memo = new Map<Expr, number>();
  const carryOf = new Map<string, number>();
  for (let j = 0; j < lay.k.numCarry; j++) carryOf.set(`carry${j}`, j);
  const dep = (e: Expr, kb: ElementwiseKernel): number => {
    let r = memo.get(e);
    if (r !== undefined) return r;
    switch (e.op) {
      case 'read': {
        const id = kb.inputs[e.input];
        const j = carryOf.get(lay.regs.get(id) ?? '');
        const prod = lay.producer.get(id);
        r = j !== undefined ? 1 << j : prod ? dep(prod.expr, prod) : 0;
        break;
      }
      case 'iota':
      case 'acc':
        r = 0;
        break;
      case 'gather':
        r = dep(e.index, kb) | (lay.regs.has(kb.inputs[e.input]) ? -1 : 0);
        break;
      case 'unary':
      case 'cast':
      case 'bitcast':
        r = dep(e.a, kb);
        break;
      case 'binary':
        r = dep(e.a, kb) | dep(e.b, kb);
        break;
      case 'select':
        r = dep(e.cond, kb) | dep(e.a, kb) | dep(e.b, kb);
        break;
    }
    memo.set(e, r);
    return r;
  };
  return dep;
}

/**
 * (a, b) of carry `j` at step `t` (WGSL names in `w`'s current scope; `t` and `lane` must be
 * in scope), or null when carry j's update is not affine in it alone.
 */
export function affineStep(w: WgslWriter, lay: ScanLayout, j: number): AffineStep | null {
  const { body } = lay.k;
  const outId = body.outputs[j];
  if (body.buffers[outId].dtype !== 'float32') return null;
  const dep = carryDeps(lay);
  const coords = new Map<ElementwiseKernel, string[]>();
  const coordsOf = (kb: ElementwiseKernel) => {
    let c = coords.get(kb);
    if (!c) coords.set(kb, (c = w.coords(lay.laneIdx(kb.shape.reduce((s, d) => s * d, 1)), kb.shape)));
    return c;
  };
  // Carry-free values: intermediates are recomputed inline from their kernel's expression.
  const inline = (id: number): string => {
    const prod = lay.producer.get(id)!;
    return w.expr(prod.expr, coordsOf(prod), bodyRead(lay, prod, inline));
  };
  const free = (e: Expr, kb: ElementwiseKernel) => w.expr(e, coordsOf(kb), bodyRead(lay, kb, inline));
  const name = (v: string) => {
    if (v === '1.0' || v === '0.0' || v === '-1.0') return v;
    const n = w.fresh('af');
    w.line(`let ${n}: f32 = ${v};`);
    return n;
  };
  const mul = (x: string, y: string) => (x === '1.0' ? y : y === '1.0' ? x : x === '0.0' || y === '0.0' ? '0.0' : name(`${x} * ${y}`));
  const neg = (x: string) => (x === '0.0' ? '0.0' : x === '1.0' ? '-1.0' : x === '-1.0' ? '1.0' : name(`-${x}`));

  const walk = (e: Expr, kb: ElementwiseKernel): AffineStep | null => {
    const d = dep(e, kb);
    if (d !== 1 << j) return null; // carry-free values are handled by the caller; other carries refuse
    switch (e.op) {
      case 'read': {
        const id = kb.inputs[e.input];
        if (lay.regs.get(id) === `carry${j}`) return laneRead(e.map, kb.shape, lay.sizeOfBuf(id)) ? { a: '1.0', b: '0.0' } : null;
        const prod = lay.producer.get(id)!;
        return laneRead(e.map, kb.shape, lay.sizeOfBuf(id)) ? walk(prod.expr, prod) : null;
      }
      case 'unary':
        if (e.prim !== 'neg' || e.inDtype !== 'float32') return null;
        return mapStep(walk(e.a, kb), (s) => ({ a: neg(s.a), b: neg(s.b) }));
      case 'binary': {
        if (e.inDtype !== 'float32' || e.dtype !== 'float32') return null;
        const leftDep = dep(e.a, kb) !== 0;
        const rightDep = dep(e.b, kb) !== 0;
        if (leftDep === rightDep) return null; // two paths through the carry
        const inner = walk(leftDep ? e.a : e.b, kb);
        if (!inner) return null;
        const v = free(leftDep ? e.b : e.a, kb);
        switch (e.prim) {
          case 'add':
            return { a: inner.a, b: inner.b === '0.0' ? v : name(leftDep ? `${inner.b} + ${v}` : `${v} + ${inner.b}`) };
          case 'sub':
            return leftDep
              ? { a: inner.a, b: inner.b === '0.0' ? neg(v) : name(`${inner.b} - ${v}`) }
              : { a: neg(inner.a), b: inner.b === '0.0' ? v : name(`${v} - ${inner.b}`) };
          case 'mul':
            return leftDep ? { a: mul(inner.a, v), b: mul(inner.b, v) } : { a: mul(v, inner.a), b: mul(v, inner.b) };
          case 'div':
            return leftDep ? { a: name(`${inner.a} / ${v}`), b: inner.b === '0.0' ? '0.0' : name(`${inner.b} / ${v}`) } : null;
          default:
            return null;
        }
      }
      default:
        return null;
    }
  };

  const prod = lay.producer.get(outId);
  if (!prod) return null;
  const d = dep(prod.expr, prod);
  if (d === 0) return { a: '0.0', b: name(free(prod.expr, prod)) };
  return walk(prod.expr, prod);
}

const mapStep = (s: AffineStep | null, f: (s: AffineStep) => AffineStep) => (s ? f(s) : null);
