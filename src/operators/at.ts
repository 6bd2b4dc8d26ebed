// `.at` indexing: JAX's `x.at[idx].set(v)` and friends as persistent patch nodes.
//
// An index expression (integers, slices, `null` for a whole axis, integer index arrays)
// becomes an int32 array of flat offsets into `x`, shaped like the indexed result
// (NumPy's advanced-indexing rules place the broadcast index dimensions). Reads gather
// through it with clamped coordinates; updates are one `scatter` node over `x`, with
// out-of-bounds coordinates mapped to -1 so the update is dropped, as in JAX.
// `x` itself is untouched: the scatter node shares its storage until it is realized.

import type { Node } from '../graph/node.js';
import { node } from '../graph/node.js';
import type { ScatterMode } from '../graph/prims.js';
import { broadcastShapes, fmtShape, type Shape } from '../graph/shape.js';
import { Slice, type ArrayLike, type Index, type LaxArray } from './array.js';
import { checkIndexCount, intIndices, sliceIndices } from './indexing.js';
import { broadcastNode, castNode, freshConstant, iotaNode, toNode, wrap } from './nodes.js';
import { checkIntIndex, describe } from './validate.js';

type AxisIndex = { kind: 'slice'; start: number; count: number; step: number } | { kind: 'advanced'; index: Node } | { kind: 'int'; value: number };

const int = (v: number, shape: Shape) => broadcastNode(freshConstant(Int32Array.of(v), [], 'int32'), shape);
const bin = (prim: 'add' | 'mul' | 'lt' | 'ge' | 'and', a: Node, b: Node) => node(prim, [a, b], {});

function classify(x: Node, index: readonly Index[]): AxisIndex[] {
  checkIndexCount(index.length, x.shape.length);
  return x.shape.map((dim, ax): AxisIndex => {
    const ix = ax < index.length ? index[ax] : null;
    if (ix === null || ix instanceof Slice) {
      const [start, count, step] = sliceIndices(ix ?? new Slice(), dim);
      return { kind: 'slice', start, count, step };
    }
    if (typeof ix === 'number') return { kind: 'int', value: checkIntIndex('at', ix, ax) };
    if (typeof ix !== 'object' || !(Array.isArray(ix) || ArrayBuffer.isView(ix) || 'node' in ix)) {
      throw new TypeError(`at: Indexer must be an integer, a slice, null or an integer array, got ${describe(ix)} at position ${ax}`);
    }
    const n = toNode(ix as ArrayLike, 'at', ax);
    if (n.dtype === 'bool') throw new TypeError('at: Boolean index arrays are not supported in .at: use jnp.where');
    if (n.dtype === 'float32') throw new TypeError(`at: Indexer must have integer or boolean type, got indexer with type float32 at position ${ax}`);
    return { kind: 'advanced', index: intIndices(n) };
  });
}

interface Plan {
  /** Shape of the indexed result. */
  shape: Shape;
  /** Per axis of x: int32 coordinates shaped like the result (not yet bounds-handled). */
  coords: Node[];
}

function plan(x: Node, index: readonly Index[]): Plan {
  const axes = classify(x, index);
  const advanced = axes.some((a) => a.kind === 'advanced');
  // With index arrays present, integers are advanced indices too (0-d arrays), as in NumPy.
  const isAdv = axes.map((a) => a.kind === 'advanced' || (advanced && a.kind === 'int'));
  const advShapes = axes.map((a) => (a.kind === 'advanced' ? a.index.shape : [])).filter((_, i) => isAdv[i]);
  let bshape: Shape = [];
  try {
    bshape = broadcastShapes('index', ...advShapes);
  } catch {
    throw new TypeError(`shape mismatch: indexing arrays could not be broadcast together with shapes ${advShapes.map(fmtShape).join(' ')}`);
  }
  const advPos = isAdv.flatMap((a, i) => (a ? [i] : []));
  const adjacent = advPos.length > 0 && advPos[advPos.length - 1] - advPos[0] === advPos.length - 1;
  // Result layout: slice axes keep their place; the broadcast index dims sit where the
  // (adjacent) advanced axes were, or first when they are separated.
  const shape: number[] = [];
  const slicePos = new Map<number, number>();
  let bStart = advPos.length && !adjacent ? 0 : -1;
  if (bStart === 0) shape.push(...bshape);
  axes.forEach((a, ax) => {
    if (isAdv[ax]) {
      if (adjacent && ax === advPos[0]) (bStart = shape.length), shape.push(...bshape);
      return;
    }
    if (a.kind === 'slice') slicePos.set(ax, shape.length), shape.push(a.count);
  });
  const bDims = bshape.map((_, k) => bStart + k);
  const coords = axes.map((a, ax): Node => {
    if (a.kind === 'slice') return bin('add', int(a.start, shape), bin('mul', iotaNode(shape, slicePos.get(ax)!), int(a.step, shape)));
    if (a.kind === 'int' && !advanced) return int(a.value, shape);
    const idx = a.kind === 'int' ? freshConstant(Int32Array.of(a.value), [], 'int32') : a.index;
    const inB = broadcastNode(idx, bshape);
    return node('broadcast', [inB], { shape, dims: bDims });
  });
  return { shape, coords };
}

function flatOffsets(x: Node, p: Plan, bounds: 'clamp' | 'drop'): Node {
  const { shape } = p;
  let flat: Node = int(0, shape);
  let valid: Node | undefined;
  let stride = 1;
  for (let ax = x.shape.length - 1; ax >= 0; ax--) {
    const dim = x.shape[ax];
    let c = p.coords[ax];
    // Negative indices count from the end.
    c = node('select', [bin('lt', c, int(0, shape)), bin('add', c, int(dim, shape)), c], {});
    if (bounds === 'clamp') {
      c = node('max', [node('min', [c, int(dim - 1, shape)], {}), int(0, shape)], {});
    } else {
      const ok = bin('and', bin('ge', c, int(0, shape)), bin('lt', c, int(dim, shape)));
      valid = valid ? bin('and', valid, ok) : ok;
    }
    flat = bin('add', flat, bin('mul', c, int(stride, shape)));
    stride *= dim;
  }
  return valid ? node('select', [valid, flat, int(-1, shape)], {}) : flat;
}

/** The result of `x.at(...index)`: JAX's `_IndexUpdateRef`. */
export class IndexRef {
  constructor(
    private readonly x: LaxArray,
    private readonly index: readonly Index[],
  ) {}

  /** `x[index]` with out-of-bounds coordinates clamped (JAX's default for reads). */
  get(): LaxArray {
    const x = this.x.node;
    const p = plan(x, this.index);
    if (x.size === 0 && p.shape.every((d) => d > 0)) throw new RangeError('index is out of bounds for an empty array');
    return wrap(node('gather', [x, flatOffsets(x, p, 'clamp')], {}));
  }

  private update(mode: ScatterMode, name: string, value: ArrayLike): LaxArray {
    const x = this.x.node;
    const p = plan(x, this.index);
    const v = castNode(toNode(value, `at[...].${name}`), x.dtype);
    const ok = v.shape.length <= p.shape.length && v.shape.every((d, i) => d === 1 || d === p.shape[p.shape.length - v.shape.length + i]);
    if (!ok) throw new TypeError(`at[...].${name}: Incompatible shapes for broadcasting: ${fmtShape(v.shape)} and requested shape ${fmtShape(p.shape)}`);
    return wrap(node('scatter', [x, flatOffsets(x, p, 'drop'), broadcastNode(v, p.shape)], { mode }));
  }

  /** `x.at[index].set(v)`. */
  set(value: ArrayLike): LaxArray {
    return this.update('set', 'set', value);
  }
  /** `x.at[index].add(v)`; repeated indices accumulate. */
  add(value: ArrayLike): LaxArray {
    return this.update('add', 'add', value);
  }
  /** `x.at[index].multiply(v)`. */
  multiply(value: ArrayLike): LaxArray {
    return this.update('mul', 'multiply', value);
  }
  mul(value: ArrayLike): LaxArray {
    return this.multiply(value);
  }
  /** `x.at[index].min(v)`. */
  min(value: ArrayLike): LaxArray {
    return this.update('min', 'min', value);
  }
  /** `x.at[index].max(v)`. */
  max(value: ArrayLike): LaxArray {
    return this.update('max', 'max', value);
  }
}
