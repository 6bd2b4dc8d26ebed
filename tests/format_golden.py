#!/usr/bin/env python3
"""Generate tests/format.test.ts: golden strings for src/operators/format.ts.

Each case is a Python expression producing a NumPy array; its `str()` under NumPy's default
print options is the expected output of `formatArray(data, shape, dtype)`.

Re-run with:  python3 tests/format_golden.py   (rewrites tests/format.test.ts)

Small arrays embed their values (float32 values as the exact float64 that equals them).
Large arrays (> 200 elements) are described by `pat(n, mul, mod, sub, scale, dtype)`, which the
TypeScript test recomputes bit-exactly:  k_i = (i * mul) % mod - sub, then
  float32: float32(k_i) * float32(scale)    int32/uint32: k_i    bool: k_i % 2 == 0
"""
import json
import math
import os
import random

import numpy as np

assert np.get_printoptions()['threshold'] == 1000, 'expects default print options'

f32, i32, u32 = np.float32, np.int32, np.uint32
nan, inf = np.nan, np.inf
DTYPES = {np.dtype(f32): 'float32', np.dtype(i32): 'int32', np.dtype(u32): 'uint32', np.dtype(bool): 'bool'}


def pat(n, mul, mod, sub, scale, dtype):
    k = (np.arange(n, dtype=np.int64) * mul) % mod - sub
    if dtype is f32:
        return k.astype(f32) * f32(scale)
    if dtype is bool:
        return (k % 2) == 0
    return k.astype(dtype)


# ---------------------------------------------------------------------------------------------
# Hand-written cases: (expression, name). Expressions are evaluated with np, f32, i32, u32, pat.
# ---------------------------------------------------------------------------------------------
HAND = [
    # float32 shortest digits and column alignment
    ("np.array([3.3333335, 6.222223, 8.8148155, 11.209877, 13.473251], f32)", 'aligned columns'),
    ("np.array([10, 15, 20], f32)", 'integral floats'),
    ("np.array([10/3, 20/3, 1/3], f32)", 'thirds'),
    ("np.array([0.1, 0.2, 0.3], f32)", 'tenths'),
    ("np.array([1.5, -2.25, 3.125, -4.0625], f32)", 'negatives'),
    ("np.array([16777216, 16777217, 1], f32)", '2**24'),
    ("np.array([999999.9, 1.0], f32)", 'just below 1e6'),
    ("np.array([123456.78, 0.5], f32)", 'large value, ratio forces scientific'),
    ("np.array([999999.9, 1000.0, -2048.5], f32)", 'positional just below 1e6'),
    ("np.array([123456.78, 345.5], f32)", 'positional large'),
    ("np.array([0.33333334, 200.0], f32)", 'positional 8 fraction digits'),
    ("np.array([0.00012345678, 0.1], f32)", 'positional cut at 8 fraction digits'),
    ("np.array([0.0001, 0.05], f32)", 'float32(1e-4) is not < 1e-4'),
    ("np.array([1.0, 1000.0], f32)", 'ratio exactly 1000'),
    ("np.array([0.5, 1e-3], f32)", 'ratio 500'),
    ("np.array([0.0, 0.0], f32)", 'all zero'),
    ("np.array([-0.0, 0.0, 1.0], f32)", 'negative zero'),
    ("np.array([-0.0], f32)", 'lone negative zero'),
    # scientific notation
    ("np.array([1e6], f32)", '1e6 goes scientific'),
    ("np.array([1e-5, 1.2345678e-5], f32)", 'scientific with min_digits'),
    ("np.array([0.0001, 0.1], f32)", 'ratio just above 1000'),
    ("np.array([1.0, 1001.0], f32)", 'ratio 1001'),
    ("np.array([1e-20, 1.0, 1e20], f32)", 'wide range'),
    ("np.array([0.0, 1e-5], f32)", 'zero in scientific'),
    ("np.array([1e8, -1e-8, 3.0], f32)", 'mixed sign scientific'),
    ("np.array([3.4028235e38, 1.0], f32)", 'float32 max'),
    ("np.array([1.4e-45, 1.0], f32)", 'smallest subnormal'),
    ("np.array([1.1754944e-38, 2.5e-40], f32)", 'normal/subnormal boundary'),
    ("np.array([9.9999999e-5, 1.0], f32)", 'just below 1e-4'),
    ("np.array([12345678.0, 0.1, -7.0], f32)", 'big and small'),
    ("np.array([3e38, 1e-38], f32)", 'float32 ratio overflows to inf'),
    # non-finite
    ("np.array([nan, 1.5, -inf], f32)", 'nan and -inf'),
    ("np.array([nan, inf], f32)", 'only non-finite'),
    ("np.array([nan, -inf], f32)", 'nan and -inf only'),
    ("np.array([nan, -inf, 1e20], f32)", 'non-finite with scientific'),
    ("np.array([nan], f32)", 'lone nan'),
    ("np.array([0.0, nan], f32)", 'zero and nan'),
    ("np.array([inf, 1e-5, -2.5e7], f32)", 'inf with scientific'),
    ("np.array([-inf, 123.456, 0.5], f32)", '-inf with positional'),
    ("np.array([[nan, 1.0], [2.0, inf]], f32)", '2-d with non-finite'),
    # 0-d (str of the scalar)
    ("np.asarray(10/3, f32)", '0-d thirds'),
    ("np.asarray(3.3333335, f32)", '0-d 3.3333335'),
    ("np.asarray(1.0, f32)", '0-d one'),
    ("np.asarray(0.0, f32)", '0-d zero'),
    ("np.asarray(-0.0, f32)", '0-d negative zero'),
    ("np.asarray(nan, f32)", '0-d nan'),
    ("np.asarray(inf, f32)", '0-d inf'),
    ("np.asarray(-inf, f32)", '0-d -inf'),
    ("np.asarray(1e6, f32)", '0-d 1e6'),
    ("np.asarray(999999.9, f32)", '0-d below 1e6'),
    ("np.asarray(1e-4, f32)", '0-d float32(1e-4)'),
    ("np.asarray(1.5e-4, f32)", '0-d 1.5e-4'),
    ("np.asarray(1e-5, f32)", '0-d 1e-5'),
    ("np.asarray(-1.2345678e-20, f32)", '0-d negative tiny'),
    ("np.asarray(3.4028235e38, f32)", '0-d float32 max'),
    ("np.asarray(1.4e-45, f32)", '0-d smallest subnormal'),
    ("np.asarray(123456.7, f32)", '0-d 123456.7'),
    ("np.asarray(5, i32)", '0-d int'),
    ("np.asarray(-2147483648, i32)", '0-d int32 min'),
    ("np.asarray(4294967295, u32)", '0-d uint32 max'),
    ("np.asarray(True)", '0-d True'),
    ("np.asarray(False)", '0-d False'),
    # size 0
    ("np.zeros((0,), f32)", 'empty 1-d'),
    ("np.zeros((2, 0), f32)", 'empty 2x0'),
    ("np.zeros((0, 3, 2), i32)", 'empty 0x3x2'),
    ("np.zeros((3, 0), bool)", 'empty bool'),
    ("np.zeros((0,), u32)", 'empty uint32'),
    # integers
    ("np.array([[1, 1, 1, 1, 1], [4, 4, 4, 4, 4]], i32)", '2-d int'),
    ("np.array([-1, 10, -100], i32)", 'int negatives'),
    ("np.array([0], i32)", 'int zero'),
    ("np.array([-2147483648, 2147483647, 0], i32)", 'int32 extremes'),
    ("np.array([0, 4294967295, 123], u32)", 'uint32 extremes'),
    ("np.array([3000000000, 7], u32)", 'uint32 large'),
    ("np.arange(24, dtype=i32).reshape(2, 3, 4)", '3-d int'),
    ("np.arange(24, dtype=i32).reshape(2, 3, 2, 2)", '4-d int'),
    ("np.arange(-12, 12, dtype=i32).reshape(4, 1, 6)", '3-d int with unit axis'),
    ("np.array([[[5]]], i32)", '1x1x1'),
    # bool
    ("np.array([True, False, True])", 'bool 1-d'),
    ("np.array([[True, False], [False, False]])", 'bool 2-d'),
    ("np.array([[[True], [False]], [[False], [True]]])", 'bool 3-d'),
    ("np.array([False])", 'lone False'),
    # wrapping
    ("np.arange(30, dtype=f32) / f32(7)", 'float wrap'),
    ("np.arange(100, dtype=i32)", 'int wrap'),
    ("np.arange(-50, 50, dtype=i32) * i32(1000)", 'int wrap negatives'),
    ("(np.arange(60, dtype=f32) - f32(30)) * f32(1.37e-7)", 'scientific wrap'),
    ("np.arange(40, dtype=f32).reshape(2, 20) / f32(3)", '2-d wrap'),
    ("np.arange(72, dtype=f32).reshape(2, 2, 18) * f32(1.5)", '3-d wrap'),
    ("np.array([True, False] * 20)", 'bool wrap'),
    ("np.arange(37, dtype=u32) * u32(100000000)", 'uint32 wrap'),
    # summaries (size > 1000)
    ("pat(2000, 1, 2000, 0, 1, i32)", 'summary 1-d int (arange)'),
    ("pat(2000, 1, 2000, 0, 1, i32).reshape(40, 50)", 'summary 2-d int (arange)'),
    ("pat(1001, 7919, 1000, 500, 0.37, f32)", 'summary 1-d float'),
    ("pat(2000, 7919, 1000, 500, 0.37, f32).reshape(100, 20)", 'summary 2-d float'),
    ("pat(2000, 7919, 20001, 10000, 1e-3, f32).reshape(20, 10, 10)", 'summary 3-d float'),
    ("pat(1050, 31, 997, 400, 1.0, i32).reshape(6, 7, 5, 5)", 'summary 4-d int'),
    ("pat(1001, 3, 7, 0, 1.0, bool)", 'summary bool'),
    ("pat(1200, 7919, 100003, 0, 1.0, u32).reshape(2, 600)", 'summary 2x600 uint32'),
    ("pat(1500, 13, 101, 50, 1e5, f32).reshape(500, 3)", 'summary 500x3 scientific'),
    ("pat(1001, 1, 1001, 0, 1.0, f32)", 'summary fitted to shown values'),
]


def random_cases(rng):
    """Seeded random arrays: shapes from 1-d to 4-d, many value distributions."""
    out = []
    kinds = ['normal', 'uniform', 'lognormal', 'ints_as_float', 'tiny', 'huge', 'mixed', 'nonfinite',
             'int32', 'int32_big', 'uint32', 'bool']
    for n in range(60):
        kind = kinds[n % len(kinds)]
        ndim = rng.randint(1, 4)
        shape = tuple(rng.randint(1, 5 if ndim > 2 else 8) for _ in range(ndim))
        size = math.prod(shape)
        seed = rng.randrange(1 << 30)
        r = np.random.default_rng(seed)
        if kind == 'normal':
            scale = 10.0 ** rng.randint(-3, 5)
            expr = f"(np.random.default_rng({seed}).standard_normal({size}) * {scale!r}).astype(f32)"
        elif kind == 'uniform':
            expr = f"np.random.default_rng({seed}).uniform(-100, 100, {size}).astype(f32)"
        elif kind == 'lognormal':
            expr = f"np.random.default_rng({seed}).lognormal(0, 4, {size}).astype(f32)"
        elif kind == 'ints_as_float':
            expr = f"np.random.default_rng({seed}).integers(-1000, 1000, {size}).astype(f32)"
        elif kind == 'tiny':
            expr = f"(np.random.default_rng({seed}).standard_normal({size}) * 1e-7).astype(f32)"
        elif kind == 'huge':
            expr = f"(np.random.default_rng({seed}).standard_normal({size}) * 1e12).astype(f32)"
        elif kind == 'mixed':
            expr = (f"(np.random.default_rng({seed}).standard_normal({size}) * "
                    f"10.0 ** np.random.default_rng({seed + 1}).integers(-6, 7, {size})).astype(f32)")
        elif kind == 'nonfinite':
            expr = (f"np.where(np.random.default_rng({seed}).random({size}) < 0.3, "
                    f"np.array([nan, inf, -inf])[np.random.default_rng({seed + 1}).integers(0, 3, {size})], "
                    f"np.random.default_rng({seed + 2}).standard_normal({size}) * 50).astype(f32)")
        elif kind == 'int32':
            expr = f"np.random.default_rng({seed}).integers(-500, 500, {size}).astype(i32)"
        elif kind == 'int32_big':
            expr = f"np.random.default_rng({seed}).integers(-2**31, 2**31, {size}).astype(i32)"
        elif kind == 'uint32':
            expr = f"np.random.default_rng({seed}).integers(0, 2**32, {size}).astype(u32)"
        else:
            expr = f"(np.random.default_rng({seed}).random({size}) < 0.5)"
        out.append((f"{expr}.reshape{shape}", f'random {kind} {shape}'))
    return out


# ---------------------------------------------------------------------------------------------
# TypeScript emission
# ---------------------------------------------------------------------------------------------

def js_number(x, dtype):
    if dtype == 'float32':
        x = float(x)
        if math.isnan(x):
            return 'NaN'
        if math.isinf(x):
            return 'Infinity' if x > 0 else '-Infinity'
        if x == 0:
            return '-0' if math.copysign(1, x) < 0 else '0'
        return repr(x)  # shortest float64 repr of the float32 value: exact
    if dtype == 'bool':
        return '1' if x else '0'
    return str(int(x))


def emit_case(expr, name):
    arr = eval(expr, {'np': np, 'f32': f32, 'i32': i32, 'u32': u32, 'pat': pat, 'nan': nan, 'inf': inf})
    dtype = DTYPES[arr.dtype]
    expected = str(arr)
    pm = expr.startswith('pat(')
    if pm:
        inner = expr[len('pat('):expr.index(')')]
        n, mul, mod, sub, scale, _ = [s.strip() for s in inner.split(',')]
        data = f"{{ n: {n}, mul: {mul}, mod: {mod}, sub: {sub}, scale: {scale} }}"
    else:
        assert arr.size <= 200, expr
        data = '[' + ', '.join(js_number(x, dtype) for x in arr.reshape(-1)) + ']'
    shape = '[' + ', '.join(str(d) for d in arr.shape) + ']'
    return (f"  // str({expr})\n"
            f"  {{ name: {json.dumps(name)}, dtype: '{dtype}', shape: {shape}, data: {data},\n"
            f"    expected: {json.dumps(expected)} }},\n")


HEADER = '''\
// Golden tests: formatArray must equal NumPy's str() byte for byte.
// GENERATED by tests/format_golden.py with NumPy {version} -- do not edit; re-run the script.
import {{ describe, expect, it }} from 'vitest';
import {{ storage, type DType }} from '../src/graph/dtype.js';
import {{ formatArray }} from '../src/operators/format.js';

/** pat(n, mul, mod, sub, scale, dtype) of format_golden.py: k = (i * mul) % mod - sub. */
interface Pattern {{
  n: number;
  mul: number;
  mod: number;
  sub: number;
  scale: number;
}}

interface GoldenCase {{
  name: string;
  dtype: DType;
  shape: number[];
  data: number[] | Pattern;
  expected: string;
}}

function materialize(c: GoldenCase): number[] {{
  if (Array.isArray(c.data)) return c.data;
  const {{ n, mul, mod, sub, scale }} = c.data;
  return Array.from({{ length: n }}, (_, i) => {{
    const k = ((i * mul) % mod) - sub;
    if (c.dtype === 'float32') return Math.fround(Math.fround(k) * Math.fround(scale));
    if (c.dtype === 'bool') return ((k % 2) + 2) % 2 === 0 ? 1 : 0;
    return k;
  }});
}}

const cases: GoldenCase[] = [
'''

FOOTER = '''\
];

describe('formatArray matches numpy str()', () => {
  it('has many golden cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
  for (const c of cases) {
    it(`${c.name} (${c.dtype} [${c.shape.join(', ')}])`, () => {
      const data = new storage[c.dtype](materialize(c));
      expect(formatArray(data, c.shape, c.dtype)).toBe(c.expected);
    });
  }
});
'''


def main():
    rng = random.Random(20240607)
    cases = HAND + random_cases(rng)
    body = ''.join(emit_case(expr, name) for expr, name in cases)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'format.test.ts')
    with open(path, 'w') as f:
        f.write(HEADER.format(version=np.__version__) + body + FOOTER)
    print(f'wrote {len(cases)} cases to {path}')


if __name__ == '__main__':
    main()
