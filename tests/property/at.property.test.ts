// `.at(...).set/add/multiply/min/max/get` equal copy-and-mutate on JS arrays, for random
// shapes and random index expressions: integers (negative too), np.slice with negative
// steps, null, and integer index arrays with repeats and out-of-bounds values (updates
// dropped, reads clamped), mixed with slices under NumPy's placement rules (broadcast
// index dimensions where adjacent advanced indices were, or first when separated). The
// updated array never changes the original (persistence).

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, np, type DType } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { storeAs } from '../oracle/compare.js';
import { arbHost, arbShape, bget, broadcastShapes, ravel, sizeOf, toLax, unravel, type Host } from '../oracle/host.js';

const RUNS = { numRuns: 60 };

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

type Ix = { kind: 'int'; v: number } | { kind: 'none' } | { kind: 'slice'; start: number | null; stop: number | null; step: number } | { kind: 'array'; h: Host };

/** CPython's slice.indices as the selected positions. */
function pySlice(len: number, start: number | null, stop: number | null, step: number): number[] {
  const clampIdx = (v: number, lo: number, hi: number) => (v < 0 ? Math.max(v + len, lo) : Math.min(v, hi));
  const s = start === null ? (step > 0 ? 0 : len - 1) : clampIdx(start, step > 0 ? 0 : -1, step > 0 ? len : len - 1);
  const e = stop === null ? (step > 0 ? len : -1) : clampIdx(stop, step > 0 ? 0 : -1, step > 0 ? len : len - 1);
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

/**
 * NumPy's indexing: for each element of the indexed result (row-major), the coordinate
 * along each axis of x (raw: negative or out of bounds as given). Also the result shape.
 */
function plan(shape: number[], index: Ix[]): { shape: number[]; coords: number[][] } {
  const full: Ix[] = shape.map((_, ax) => index[ax] ?? { kind: 'none' });
  const hasArray = full.some((ix) => ix.kind === 'array');
  const isAdv = full.map((ix) => ix.kind === 'array' || (hasArray && ix.kind === 'int'));
  const advAxes = isAdv.flatMap((a, i) => (a ? [i] : []));
  const B = broadcastShapes(...full.map((ix, i) => (ix.kind === 'array' ? ix.h.shape : [])).filter((_, i) => isAdv[i]));
  const adjacent = advAxes.length > 0 && advAxes[advAxes.length - 1] - advAxes[0] === advAxes.length - 1;
  // Result dims: ['b', k] for broadcast dim k, ['s', axis] for a sliced axis.
  const dims: [string, number][] = [];
  const positions = full.map((ix, ax) => (ix.kind === 'slice' ? pySlice(shape[ax], ix.start, ix.stop, ix.step) : ix.kind === 'none' ? pySlice(shape[ax], null, null, 1) : []));
  if (advAxes.length && !adjacent) B.forEach((_, k) => dims.push(['b', k]));
  full.forEach((ix, ax) => {
    if (isAdv[ax]) {
      if (adjacent && ax === advAxes[0]) B.forEach((_, k) => dims.push(['b', k]));
    } else if (ix.kind !== 'int') dims.push(['s', ax]);
  });
  const outShape = dims.map(([t, k]) => (t === 'b' ? B[k] : positions[k].length));
  const coords: number[][] = [];
  for (let i = 0; i < sizeOf(outShape); i++) {
    const idx = unravel(i, outShape);
    const bIdx = dims.flatMap(([t], d) => (t === 'b' ? [idx[d]] : []));
    coords.push(
      full.map((ix, ax) => {
        if (ix.kind === 'int') return ix.v;
        if (ix.kind === 'array') return bget(ix.h, bIdx);
        return positions[ax][idx[dims.findIndex(([t, k]) => t === 's' && k === ax)]];
      }),
    );
  }
  return { shape: outShape, coords };
}

const arbIndex = (shape: number[]) =>
  fc.tuple(arbShape(2, 3, 1), fc.integer({ min: 0, max: shape.length })).chain(([bshape, n]) =>
    fc.tuple(
      ...shape.slice(0, n).map((dim): fc.Arbitrary<Ix> =>
        fc.oneof(
          ...(dim > 0 ? [fc.integer({ min: -dim, max: dim - 1 }).map((v): Ix => ({ kind: 'int', v }))] : []),
          fc.constant<Ix>({ kind: 'none' }),
          fc.record({ start: fc.option(fc.integer({ min: -5, max: 5 })), stop: fc.option(fc.integer({ min: -5, max: 5 })), step: fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0) }).map((s): Ix => ({ kind: 'slice', ...s })),
          // An index array broadcastable to the common index shape, with repeats and out-of-bounds values.
          fc.tuple(fc.integer({ min: 0, max: bshape.length }), fc.array(fc.boolean(), { minLength: bshape.length, maxLength: bshape.length }))
            .map(([drop, ones]) => bshape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)))
            .chain((s) => arbHost(s, 'int32', [-dim - 2, dim + 1]))
            .map((h): Ix => ({ kind: 'array', h })),
        ),
      ),
    ),
  );

const toArg = (ix: Ix) => (ix.kind === 'int' ? ix.v : ix.kind === 'none' ? null : ix.kind === 'slice' ? np.slice(ix.start, ix.stop, ix.step) : toLax(ix.h));

const arbCase = fc.constantFrom<DType>('float32', 'int32').chain((d) =>
  arbShape(3, 4).chain((shape) => fc.tuple(arbHost(shape, d, [-4, 4]), arbIndex(shape))),
);

type Mode = 'set' | 'add' | 'multiply' | 'min' | 'max';
const combine: Record<Mode, (a: number, b: number) => number> = {
  set: (_a, b) => b,
  add: (a, b) => a + b,
  multiply: (a, b) => a * b,
  min: Math.min,
  max: Math.max,
};

describe('.at updates equal copy-and-mutate', () => {
  for (const mode of ['set', 'add', 'multiply', 'min', 'max'] as Mode[]) {
    it(`.at(...).${mode}(v): out-of-bounds dropped, repeats ${mode === 'set' ? 'write one of the values' : 'accumulate'}, original unchanged`, async () => {
      const arb = arbCase.chain(([x, index]) => {
        const p = plan(x.shape, index);
        // The value: a JS number, or an array broadcastable to the indexed shape.
        const vShape = fc.tuple(fc.integer({ min: 0, max: p.shape.length }), fc.array(fc.boolean(), { minLength: p.shape.length, maxLength: p.shape.length })).map(([drop, ones]) => p.shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
        return fc.tuple(fc.constant(x), fc.constant(index), fc.oneof(fc.integer({ min: -4, max: 4 }), vShape.chain((s) => arbHost(s, x.dtype, [-4, 4]))), fc.boolean());
      });
      await fc.assert(
        fc.asyncProperty(arb, async ([x, index, value, readFirst]) => {
          const xa = toLax(x);
          if (readFirst) await xa.data(); // a realized operand must not be overwritten either
          const p = plan(x.shape, index);
          const out = x.data.slice();
          const written = new Map<number, number[]>();
          p.coords.forEach((c, i) => {
            const v = typeof value === 'number' ? value : bget(value, unravel(i, p.shape));
            const norm = c.map((v2, ax) => (v2 < 0 ? v2 + x.shape[ax] : v2));
            if (norm.some((v2, ax) => v2 < 0 || v2 >= x.shape[ax])) return; // dropped
            const j = ravel(norm, x.shape);
            out[j] = storeAs(x.dtype, [combine[mode](out[j], v)])[0];
            written.set(j, [...(written.get(j) ?? []), v]);
          });
          const v = typeof value === 'number' ? value : toLax(value);
          const y = xa.at(...index.map(toArg))[mode](v);
          expect(y.shape).toEqual(x.shape);
          expect(y.dtype).toBe(x.dtype);
          const got = Array.from(await y.data());
          got.forEach((g, j) => {
            if (mode === 'set' && (written.get(j)?.length ?? 0) > 1) expect(written.get(j)).toContain(g);
            else expect(g, `element ${j}`).toBe(out[j]);
          });
          expect(Array.from(await xa.data()), 'original unchanged').toEqual(x.data);
        }),
        RUNS,
      );
    });
  }

  it('.at(...).get() reads with clamped coordinates (NumPy placement of index dimensions)', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase.filter(([x]) => x.data.length > 0), async ([x, index]) => {
        const p = plan(x.shape, index);
        const want = p.coords.map((c) => x.data[ravel(c.map((v, ax) => Math.min(Math.max(v < 0 ? v + x.shape[ax] : v, 0), x.shape[ax] - 1)), x.shape)]);
        const y = toLax(x).at(...index.map(toArg)).get();
        expect(y.shape).toEqual(p.shape);
        expect(Array.from(await y.data())).toEqual(want);
      }),
      RUNS,
    );
  });

  it('chains of updates are persistent: every intermediate keeps its own value', async () => {
    const arb = fc.tuple(arbHost([6], 'float32', [-4, 4]), fc.array(fc.tuple(fc.integer({ min: -6, max: 5 }), fc.integer({ min: -4, max: 4 })), { minLength: 1, maxLength: 6 }));
    await fc.assert(
      fc.asyncProperty(arb, async ([x, steps]) => {
        const arrays: LaxArray[] = [toLax(x)];
        const refs = [x.data.slice()];
        for (const [i, v] of steps) {
          arrays.push(arrays[arrays.length - 1].at(i).add(v));
          const r = refs[refs.length - 1].slice();
          r[i < 0 ? i + 6 : i] = Math.fround(r[i < 0 ? i + 6 : i] + v);
          refs.push(r);
        }
        // Read in reverse order, so that later versions are realized before earlier ones.
        for (let k = arrays.length - 1; k >= 0; k--) expect(Array.from(await arrays[k].data())).toEqual(refs[k]);
      }),
      RUNS,
    );
  });
});
