// Properties of formatArray that hold for any input (the byte-exact NumPy goldens live in
// tests/format.test.ts):
//  - float32 0-d arrays print the shortest decimal that round-trips to the same float32;
//  - in float32 arrays every token round-trips too, except where NumPy's positional mode
//    (precision=8) rounds a value at 8 fraction digits, and then it is within 0.5e-8;
//  - int32/uint32/bool arrays print exactly their values, in C order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/graph/dtype.js';
import { formatArray } from '../../src/operators/format.js';

/** Number tokens of a printed array (drops brackets, whitespace and the `...` marker). */
function tokens(s: string): string[] {
  return s
    .replace(/[[\]]/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '' && t !== '...');
}

function parseToken(t: string): number {
  if (t === 'nan') return NaN;
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  return Math.fround(parseFloat(t));
}

/** Significant digits in a decimal token (leading and trailing zeros excluded). */
function significantDigits(t: string): number {
  const mantissa = t.replace(/^-/, '').split('e')[0]!.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.max(mantissa.length, 1);
}

/** Shortest toPrecision length that round-trips (an upper bound on the shortest digits). */
function jsShortestLength(v: number): number {
  for (let p = 1; p <= 9; p++) if (Math.fround(parseFloat(v.toPrecision(p))) === v) return p;
  return 9;
}

const float32 = fc.float();
const finiteFloat32 = fc.float({ noNaN: true, noDefaultInfinity: true });

describe('formatArray properties', () => {
  it('0-d float32 prints the shortest round-trip decimal', () => {
    fc.assert(
      fc.property(float32, (v) => {
        const s = formatArray(Float32Array.of(v), [], 'float32');
        expect(s).not.toMatch(/\s/);
        expect(Object.is(parseToken(s), v)).toBe(true);
        if (Number.isFinite(v) && v !== 0) {
          expect(significantDigits(s)).toBeLessThanOrEqual(jsShortestLength(Math.abs(v)));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('float32 array tokens round-trip (or are positional values cut at 8 fraction digits)', () => {
    fc.assert(
      fc.property(fc.array(float32, { minLength: 1, maxLength: 40 }), (values) => {
        const data = Float32Array.from(values);
        const toks = tokens(formatArray(data, [data.length], 'float32'));
        expect(toks.length).toBe(data.length);
        toks.forEach((t, i) => {
          const v = data[i]!;
          const p = parseToken(t);
          if (Object.is(p, v) || (Number.isNaN(v) && Number.isNaN(p))) return;
          // Only positional mode cuts digits: rounded at the 8th fraction digit (then trailing
          // zeros trimmed, so at most 8 remain).
          expect(t).not.toContain('e');
          expect(t.split('.')[1]!.length).toBeLessThanOrEqual(8);
          expect(Math.abs(parseFloat(t) - v)).toBeLessThanOrEqual(5e-9 * (1 + 1e-6));
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('float32 arrays in scientific mode round-trip every token', () => {
    // A nonzero magnitude below float32(1e-4) forces scientific notation for the whole array.
    fc.assert(
      fc.property(fc.array(finiteFloat32, { minLength: 1, maxLength: 30 }), (values) => {
        const data = Float32Array.from([...values, 1e-6]);
        const out = formatArray(data, [data.length], 'float32');
        const toks = tokens(out);
        expect(toks.length).toBe(data.length);
        toks.forEach((t, i) => {
          expect(t).toContain('e');
          expect(Object.is(parseToken(t), data[i]!)).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  const shapes = fc
    .array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 })
    .filter((s) => s.reduce((a, b) => a * b, 1) <= 1000);

  const intCases: [DType, fc.Arbitrary<number>][] = [
    ['int32', fc.integer({ min: -2147483648, max: 2147483647 })],
    ['uint32', fc.integer({ min: 0, max: 4294967295 })],
    ['bool', fc.integer({ min: 0, max: 1 })],
  ];
  for (const [dtype, element] of intCases) {
    it(`${dtype} arrays print exactly their values in C order`, () => {
      fc.assert(
        fc.property(
          shapes.chain((shape) =>
            fc.tuple(
              fc.constant(shape),
              fc.array(element, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
            ),
          ),
          ([shape, values]) => {
            const data =
              dtype === 'int32' ? Int32Array.from(values) : dtype === 'uint32' ? Uint32Array.from(values) : Uint8Array.from(values);
            const expected = values.map((v) => (dtype === 'bool' ? (v ? 'True' : 'False') : String(v)));
            expect(tokens(formatArray(data, shape, dtype))).toEqual(expected);
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
