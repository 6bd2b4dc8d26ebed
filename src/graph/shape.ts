// Shapes: broadcasting, axis normalization and the error messages JAX gives for them.

export type Shape = readonly number[];

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** Python's tuple spelling, as JAX prints shapes in errors: (3,), (2, 5), (). */
export function fmtShape(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Does an index map with these strides walk `shape` in row-major order, i.e. count its flat
 * index (size-1 axes, whose stride is never used, aside)? With offset 0 that is the identity
 * read: element i of the domain is element i of the buffer.
 */
export function walksFlat(strides: readonly number[], shape: Shape): boolean {
  let k = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== k) return false;
    k *= shape[i];
  }
  return true;
}

/** NumPy broadcasting of several shapes; `name` is the user-facing function for errors. */
export function broadcastShapes(name: string, ...shapes: Shape[]): Shape {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new TypeError(`${name} got incompatible shapes for broadcasting: ${shapes.map(fmtShape).join(', ')}`);
      }
    }
  }
  return out;
}

/** Normalize a possibly negative axis, with JAX's error for out-of-range axes. */
export function normalizeAxis(axis: number, ndim: number, name = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${name} ${axis} is out of bounds for array of dimension ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalize `axis?: number | number[]` for reductions: all axes when undefined. */
export function normalizeAxes(axis: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length) throw new RangeError(`repeated axis in reduction: ${fmtShape(list)}`);
  return out.sort((a, b) => a - b);
}
