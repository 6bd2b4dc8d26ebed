// A fuzz test of the public array API with bad input (issue 17). Every public function has
// argument slots of a kind (an array-like, a shape, an axis, a count, a dtype, options, an
// index, a finite number); fast-check puts a bad value of the slot's kind into one slot of a
// valid call. Every such call must throw at once an Error whose message names the function the
// user called: never an internal engine error (reading a property of undefined, "is not a
// constructor"), never accepted silently (which is how the hangs and runaway allocations
// began: a shape of -4, NaN or 1.5 elements), never a hang (the test's timeout). The outcome
// counts are printed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { init, lax, np, random, realize } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';

type Kind = 'array' | 'shape' | 'axis' | 'axes' | 'count' | 'dtype' | 'options' | 'index' | 'finite' | 'fill' | 'axisOptions';

/** Bad values of each kind (each is invalid wherever a slot of that kind takes it). */
const notArrays: unknown[] = ['abc', '', undefined, null, {}, { node: 1 }, Symbol('s'), () => 1, 5n, new DataView(new ArrayBuffer(8)), new BigInt64Array(2), [1, 'a'], [[1, 2], [3]], [[1], 2], [undefined], new Map(), new Date(0), [{}]];
const badNumbers: unknown[] = [NaN, Infinity, -Infinity, '3', null, {}, [2], true, 5n];
const bad: Record<Kind, unknown[]> = {
  array: notArrays,
  shape: ['abc', 3, null, {}, [-1], [2, -4], [1.5], [NaN], ['2'], [Infinity], [[2]], [1e6, 1e6], [2 ** 31], [undefined], [2, null]],
  axis: [1.5, NaN, Infinity, '0', 7, -7, null, {}, [0, 0], true],
  axes: [1.5, NaN, '0', 7, -7, {}, [0, 0], [0, 1.5], [7], ['0'], true],
  count: [-1, -1e9, 1.5, NaN, Infinity, '3', null, {}, [3], 2 ** 40],
  dtype: ['float64', 'int64', 'float16', 'FLOAT32', '', 'complex64', 5, {}, null],
  options: [5, 'abc', [0], true, new Float32Array(1), { bogus: 1 }, { axes: 0 }],
  axisOptions: [5, 'abc', { axes: 0 }, { axis: 1.5 }, { axis: 7 }, { axis: -7 }, { axis: '0' }, { axis: [0, 0] }, { axis: NaN }, { keepdims: 'yes' }, { keepdims: 1 }],
  index: [1.5, NaN, 'a', {}, undefined, Symbol('i'), np.array([0.5]), [0.5], true, 5n],
  finite: badNumbers,
  // an int32 fill value: 1.5 and true convert (as in NumPy); these do not
  fill: [NaN, Infinity, -Infinity, 1e308, 2 ** 31, -(2 ** 31) - 1, '3', null, {}, [2], 5n, undefined],
};

const x = np.array([[1, 2, 3], [4, 5, 6]]);
const f = np.array([0.5, 1.5]);
const key = random.key(0);

interface Slot {
  /** The name the error must contain (the user's function; lax functions as lax.name). */
  fn: string;
  kind: Kind;
  call: (v: never) => unknown;
  /** Values of the kind's catalogue this slot accepts (a number of reps, a null bound). */
  valid?: (v: unknown) => boolean;
}
const slot = (fn: string, kind: Kind, call: (v: never) => unknown, valid?: (v: unknown) => boolean): Slot => ({ fn, kind, call, valid });

const binaries = ['add', 'subtract', 'multiply', 'divide', 'power', 'maximum', 'minimum', 'arctan2', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'floorDivide', 'remainder', 'logicalAnd', 'logicalOr', 'logicalXor'] as const;
const unaries = ['negative', 'abs', 'sign', 'sqrt', 'square', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'tanh', 'floor', 'ceil', 'round', 'isnan', 'isfinite', 'isinf', 'logicalNot', 'reciprocal'] as const;
const reductions = ['sum', 'mean', 'max', 'min', 'prod', 'any', 'all', 'var', 'std'] as const;
const laxBinaries = ['add', 'sub', 'mul', 'div', 'max', 'min', 'eq', 'lt'] as const;
const npf = np as unknown as Record<string, (...a: unknown[]) => LaxArray>;
const laxf = lax as unknown as Record<string, (...a: unknown[]) => LaxArray>;

const slots: Slot[] = [
  ...binaries.flatMap((n) => [slot(n, 'array', (v) => npf[n](f, v)), slot(n, 'array', (v) => npf[n](v, f))]),
  ...unaries.map((n) => slot(n, 'array', (v) => npf[n](v))),
  ...reductions.flatMap((n) => [slot(n, 'array', (v) => npf[n](v)), slot(n, 'axisOptions', (v) => npf[n](x, v))]),
  ...(['argmax', 'argmin', 'cumsum', 'cumprod', 'cummax', 'cummin'] as const).flatMap((n) => [slot(n, 'array', (v) => npf[n](v)), slot(n, 'axisOptions', (v) => npf[n](x, v))]),
  ...laxBinaries.map((n) => slot(`lax.${n}`, 'array', (v) => laxf[n](x, v))),
  slot('where', 'array', (v) => np.where(v, x, 0)),
  slot('where', 'array', (v) => np.where(true, v, 0)),
  slot('clip', 'array', (v) => np.clip(v, 0, 1)),
  slot('clip', 'array', (v) => np.clip(x, v, 1), (v) => v === undefined || v === null),
  slot('array', 'array', (v) => np.array(v)),
  slot('array', 'dtype', (v) => np.array([1], { dtype: v })),
  slot('array', 'options', (v) => np.array([1], v)),
  slot('astype', 'dtype', (v) => np.astype(x, v)),
  slot('astype', 'array', (v) => np.astype(v, 'int32')),
  ...(['zeros', 'ones'] as const).flatMap((n) => [slot(n, 'shape', (v) => npf[n](v)), slot(n, 'dtype', (v) => npf[n]([2], { dtype: v })), slot(n, 'options', (v) => npf[n]([2], v))]),
  slot('full', 'shape', (v) => np.full(v, 1)),
  slot('full', 'fill', (v) => np.full([2], v, { dtype: 'int32' })),
  slot('full', 'dtype', (v) => np.full([2], 1, { dtype: v })),
  ...(['zerosLike', 'onesLike'] as const).flatMap((n) => [slot(n, 'array', (v) => npf[n](v)), slot(n, 'dtype', (v) => npf[n](x, { dtype: v }))]),
  slot('arange', 'finite', (v) => np.arange(v)),
  slot('arange', 'finite', (v) => np.arange(0, 10, v)),
  slot('arange', 'dtype', (v) => np.arange(3, undefined, 1, { dtype: v })),
  slot('linspace', 'count', (v) => np.linspace(0, 1, v)),
  slot('linspace', 'options', (v) => np.linspace(0, 1, 5, v)),
  slot('eye', 'count', (v) => np.eye(v)),
  slot('eye', 'dtype', (v) => np.eye(2, 2, { dtype: v })),
  slot('reshape', 'shape', (v) => np.reshape(x, v), (v) => Array.isArray(v) && v.length === 1 && v[0] === -1),
  slot('reshape', 'array', (v) => np.reshape(v, [1])),
  slot('broadcastTo', 'shape', (v) => np.broadcastTo(1, v)),
  slot('broadcastTo', 'array', (v) => np.broadcastTo(v, [2])),
  slot('tile', 'shape', (v) => np.tile(x, v), (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 20),
  slot('tile', 'count', (v) => np.tile(x, v), (v) => Array.isArray(v) && v.length === 1 && v[0] === 3),
  slot('repeat', 'count', (v) => np.repeat(x, v)),
  slot('repeat', 'axis', (v) => (v === null ? np.repeat(x, 2, { axis: 9 }) : np.repeat(x, 2, { axis: v }))),
  slot('expandDims', 'axes', (v) => np.expandDims(x, v)),
  slot('squeeze', 'axes', (v) => np.squeeze(np.zeros([1, 2]), v)),
  slot('transpose', 'axes', (v) => np.transpose(x, typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? [v, 0] : v)),
  slot('flip', 'axes', (v) => np.flip(x, v)),
  slot('concatenate', 'array', (v) => np.concatenate([x, v])),
  slot('concatenate', 'axis', (v) => (v === null ? np.concatenate([x, x], { axis: 9 }) : np.concatenate([x, x], { axis: v }))),
  slot('stack', 'array', (v) => np.stack([x, v])),
  slot('stack', 'axis', (v) => (v === null ? np.stack([x, x], { axis: 9 }) : np.stack([x, x], { axis: v }))),
  slot('take', 'index', (v) => np.take(x, v)),
  slot('take', 'options', (v) => np.take(x, [0], v)),
  slot('take', 'array', (v) => np.take(v, [0])),
  slot('slice', 'index', (v) => (typeof v === 'number' ? x.slice(v) : x.slice(v))),
  slot('at', 'index', (v) => x.at(v).set(0)),
  slot('at', 'index', (v) => x.at(0, v).get()),
  slot('at[...].set', 'array', (v) => x.at(0).set(v)),
  slot('at[...].add', 'array', (v) => x.at(0).add(v)),
  slot('matmul', 'array', (v) => np.matmul(x, v)),
  slot('lax.slice', 'shape', (v) => lax.slice(x, [0, 0], v)),
  slot('lax.rev', 'axes', (v) => lax.rev(x, Array.isArray(v) ? v : [v])),
  slot('lax.iota', 'count', (v) => lax.iota('int32', v)),
  slot('lax.iota', 'dtype', (v) => lax.iota(v, 3)),
  slot('lax.broadcast_in_dim', 'shape', (v) => lax.broadcastInDim(np.array([1, 2]), v, [0])),
  slot('lax.convert_element_type', 'dtype', (v) => lax.convertElementType(x, v)),
  slot('lax.broadcasted_iota', 'shape', (v) => lax.broadcastedIota('int32', v, 0)),
  ...(['uniform', 'normal', 'bits', 'exponential'] as const).map((n) => slot(n, 'shape', (v) => (random as unknown as Record<string, (...a: unknown[]) => LaxArray>)[n](key, v), (v) => v === undefined)),
  slot('randint', 'shape', (v) => random.randint(key, v, 0, 5)),
];

/** Messages of JS engine errors: a bad argument that got past the boundary. */
const internal = /Cannot read propert|Cannot set propert|is not a function|is not a constructor|is not iterable|Invalid (typed )?array length|Maximum call stack|Cannot convert a|Cannot mix BigInt|out of memory|Array buffer allocation failed/;

type Outcome = 'named' | 'other function' | 'internal' | 'accepted';
function outcome(s: Slot, v: unknown): [Outcome, string] {
  try {
    s.call(v as never);
    return ['accepted', ''];
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!(e instanceof Error) || internal.test(msg)) return ['internal', msg];
    return [msg.includes(s.fn) ? 'named' : 'other function', msg];
  }
}

const show = (v: unknown) => (typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'function' ? String(v) : v instanceof Object && !Array.isArray(v) && v.constructor !== Object ? v.constructor.name : JSON.stringify(v) ?? String(v));

describe('bad input to the public array API (fuzz)', () => {
  it('every slot with every bad value of its kind: an error naming the function, at the call', () => {
    const counts: Record<Outcome, number> = { named: 0, 'other function': 0, internal: 0, accepted: 0 };
    const failures: string[] = [];
    for (const s of slots) {
      for (const v of bad[s.kind].filter((b) => !s.valid?.(b))) {
        const [o, msg] = outcome(s, v);
        counts[o]++;
        if (o !== 'named') failures.push(`${s.fn} (${s.kind}) with ${show(v)}: ${o}${msg ? `: ${msg}` : ''}`);
      }
    }
    console.info(`bad-input fuzz, exhaustive: ${slots.length} slots, ${Object.values(counts).reduce((a, b) => a + b)} calls: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
  }, 30_000);

  it('random bad shapes, axes and counts (fast-check): an error naming the function', () => {
    const nonInt = fc.oneof(fc.double({ noInteger: true }), fc.constant(NaN), fc.integer({ max: -1 }));
    const badShape = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((ok) => nonInt.map((b) => [...ok, b])),
      fc.tuple(fc.integer({ min: 2 ** 16, max: 2 ** 30 }), fc.integer({ min: 2 ** 16, max: 2 ** 30 })).map(([a, b]) => [a, b]),
      fc.anything().filter((v) => !Array.isArray(v)),
    );
    const badAxis = fc.oneof(fc.integer({ min: 2 }), fc.integer({ max: -3 }), fc.double({ noInteger: true }), fc.string());
    const shapeSlots = slots.filter((s) => s.kind === 'shape');
    const axisSlots = slots.filter((s) => s.kind === 'axis' || s.kind === 'axes');
    let calls = 0;
    fc.assert(
      fc.property(fc.constantFrom(...shapeSlots), badShape, (s, v) => {
        calls++;
        if (s.valid?.(v)) return;
        const [o, msg] = outcome(s, v);
        if (o !== 'named') throw new Error(`${s.fn} with shape ${show(v)}: ${o}: ${msg}`);
      }),
      { numRuns: 400, seed: 17 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...axisSlots), badAxis, (s, v) => {
        calls++;
        // 2 and -3 are in range for the 3 dimensions of expandDims and stack's results
        if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 4) return;
        const [o, msg] = outcome(s, v);
        if (o !== 'named') throw new Error(`${s.fn} with axis ${show(v)}: ${o}: ${msg}`);
      }),
      { numRuns: 400, seed: 17 },
    );
    console.info(`bad-input fuzz, fast-check: ${calls} calls, all named errors`);
  }, 30_000);

  it('async entry points: realize and init', async () => {
    for (const v of notArrays) await expect(realize(v as never)).rejects.toThrow(/^realize: argument 0 must be an Array/);
    for (const v of ['CPU', 'gpu', '', 5, null]) await expect(init({ backend: v as never })).rejects.toThrow(/^init: invalid backend/);
    for (const v of [5, 'cpu', { backend: 'cpu', verbose: 1 }]) await expect(init(v as never)).rejects.toThrow(/^init/);
    expect(await init({ backend: 'cpu' })).toBe('cpu');
  });
});
