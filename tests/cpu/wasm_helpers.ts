// Test helpers for the wasm code generator: heap buffers from host arrays and back, running a
// compiled kernel on heap buffers (checked), and an elementwise graph cut out as an Expr, so
// that tests check kernels against the oracle on the same nodes.

import type { Node } from '../../src/graph/node.js';
import { binaryPrims, unaryPrims, type Prim } from '../../src/graph/prims.js';
import { shapesEqual } from '../../src/graph/shape.js';
import type { WasmKernel } from '../../src/cpu/wasm/compile.js';
import { acc, apply, constant, input, type Expr, type ExprPrim } from '../../src/cpu/wasm/expr.js';
import type { WasmBuffer, WasmDType, WasmHeap, WasmView } from '../../src/cpu/wasm/memory.js';

/** A buffer of `length` elements, or a RangeError when the heap is full. */
export function alloc(heap: WasmHeap, dtype: WasmDType, length: number): WasmBuffer {
  const b = heap.tryAlloc(dtype, length);
  if (!b) throw new RangeError(`wasm heap: out of memory allocating ${length * 4} bytes`);
  return b;
}

/** A heap copy of a host array. */
export function upload(heap: WasmHeap, src: WasmView): WasmBuffer {
  const d: WasmDType = src instanceof Float32Array ? 'float32' : src instanceof Int32Array ? 'int32' : 'uint32';
  const b = alloc(heap, d, src.length);
  b.view().set(src);
  return b;
}

/** A fresh host copy of a buffer. */
export const read = (b: WasmBuffer): WasmView => b.view().slice();

/** Run `k` on heap buffers: elementwise, every input has out.length elements; reduce, rows*cols with out.length = rows. */
export function run(k: WasmKernel, inputs: readonly WasmBuffer[], out: WasmBuffer): void {
  const length = out.length * k.parts.perUnit;
  if (inputs.length !== k.inputDtypes.length) throw new Error(`wasm kernel: expected ${k.inputDtypes.length} inputs, got ${inputs.length}`);
  inputs.forEach((b, i) => {
    if (b.heap !== out.heap || b.freed) throw new Error(`wasm kernel: input ${i} is not a live buffer of this heap`);
    if (b.length !== length) throw new Error(`wasm kernel: input ${i} has ${b.length} elements, expected ${length}`);
    if (b.dtype !== k.inputDtypes[i]) throw new Error(`wasm kernel: input ${i} is ${b.dtype}, expected ${k.inputDtypes[i]}`);
  });
  const values = k.constants.map((c) => {
    if (c.kind !== 'const') throw new Error('not a constant');
    return c.dtype === 'bool' ? (c.value ? -1 : 0) : c.value;
  });
  k.call(inputs.map((b) => b.offset), out.offset, out.length, values);
}

const exprPrims = new Set<Prim>([...unaryPrims, ...binaryPrims, 'select', 'cast', 'bitcast']);

/** The value of a size-1 constant node (possibly broadcast), or undefined. */
function scalarConst(n: Node): number | undefined {
  if (n.prim === 'broadcast' || n.prim === 'reshape') return n.inputs[0].size === 1 ? scalarConst(n.inputs[0]) : undefined;
  if (n.prim === 'const' && n.size === 1) return (n as Node<'const'>).params.data[0];
  return undefined;
}

/**
 * The elementwise expression computing `root`: elementwise nodes of root's shape are
 * inlined, scalar constants (possibly broadcast) become constants, every other node (and
 * any node `isLeaf` names, e.g. realized ones) becomes a kernel input, numbered in `inputs`.
 * For a reduction's epilogue, pass the reduce node as `accNode`: it becomes `acc()`.
 */
export function exprFromNode(root: Node, isLeaf: (n: Node) => boolean = (n) => n.buf !== undefined, accNode?: Node): { expr: Expr; inputs: Node[] } {
  const inputs: Node[] = [];
  const memo = new Map<Node, Expr>();
  const visit = (n: Node): Expr => {
    let e = memo.get(n);
    if (e) return e;
    const c = scalarConst(n);
    if (n === accNode) e = acc(n.dtype);
    else if (c !== undefined) e = constant(c, n.dtype);
    else if (!isLeaf(n) && exprPrims.has(n.prim) && shapesEqual(n.shape, root.shape)) {
      e = apply(n.prim as ExprPrim, n.inputs.map(visit), n.dtype);
    } else {
      e = input(inputs.length, n.dtype);
      inputs.push(n);
    }
    memo.set(n, e);
    return e;
  };
  return { expr: visit(root), inputs };
}
