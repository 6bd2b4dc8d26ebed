"""Golden values for laxflow's ops, computed with NumPy under JAX's semantics (x64 off).

Run: python3 tests/golden/make_goldens.py  (writes tests/golden/ops.json; NumPy >= 2).

Each case names a jnp function, its arguments (arrays with a dtype, or weakly typed JS
scalars) and the expected result. NumPy is not JAX, so the differences are spelled out
here, each with the JAX source it follows (jax/_src/numpy/ufuncs.py, lax semantics):
  * promotion: jnp.result_type with x64 disabled (int32 + uint32 -> int32; weak Python
    scalars never widen an array: int32 + 1.5 -> float32). `jax_type` below is the table
    of https://docs.jax.dev/en/latest/type_promotion.html restricted to our dtypes.
  * ops run in the promoted dtype, so int32 overflow wraps and float math is float32.
  * integer x // 0: lax.div gives -1 (XLA), then floor_divide's sign adjustment;
    x % 0 is 0 (remainder replaces a zero divisor by 1).
  * int ** int: JAX's _pow_int_int (6 rounds of binary exponentiation, wrapping).
  * jnp.round is half to even (np.round too); jnp.divide of ints is float32.
  * mean/var/std accumulate in float32 (np with dtype=float32 pairwise-sums; we give a
    relative tolerance for them).
"""

import json
import math
import os

import numpy as np

F, I, U, B = np.float32, np.int32, np.uint32, np.bool_
NAMES = {F: 'float32', I: 'int32', U: 'uint32', B: 'bool'}
BY_NAME = {v: k for k, v in NAMES.items()}

# ---- JAX promotion (x64 disabled) -------------------------------------------------------------
STRONG = {  # join on JAX's lattice, int32 v uint32 = int64 -> canonicalized int32
    ('bool', 'bool'): 'bool', ('bool', 'int32'): 'int32', ('bool', 'uint32'): 'uint32', ('bool', 'float32'): 'float32',
    ('int32', 'int32'): 'int32', ('int32', 'uint32'): 'int32', ('int32', 'float32'): 'float32',
    ('uint32', 'uint32'): 'uint32', ('uint32', 'float32'): 'float32', ('float32', 'float32'): 'float32',
}


def join(a, b):
    return STRONG.get((a, b)) or STRONG[(b, a)]


def jax_type(*args):
    """(dtype, weak) of jnp.result_type(*args); args are ('arr', dtype) or ('weak', value)."""
    kinds = []
    for a in args:
        if isinstance(a, dict) and 'weak' in a:
            v = a['weak']
            kinds.append(('bool' if isinstance(v, bool) else 'int32' if float(v).is_integer() and not isinstance(v, float) else 'float32', True))
        else:
            kinds.append((a['dtype'], False))
    d, w = kinds[0]
    for d2, w2 in kinds[1:]:
        if w == w2:
            d = join(d, d2)
        else:
            strong, weak = (d, d2) if not w else (d2, d)
            if weak == 'float32':
                d = 'float32'
            elif weak == 'bool':
                d = strong
            else:
                d = 'int32' if strong == 'bool' else strong
            w = False
    return d, w


# ---- argument helpers ------------------------------------------------------------------------------
def arr(values, dtype):
    a = np.array(values, dtype=BY_NAME[dtype] if dtype in BY_NAME else dtype)
    return {'dtype': NAMES[a.dtype.type], 'shape': list(a.shape), 'np': a}


def weak(v):
    return {'weak': v}


def as_np(a, dtype=None):
    if 'weak' in a:
        v = a['weak']
        return np.array(v, dtype=BY_NAME[dtype]) if dtype else v
    return a['np'].astype(BY_NAME[dtype]) if dtype else a['np']


def enc_value(x, dtype):
    if dtype == 'bool':
        return bool(x)
    if dtype == 'float32':
        x = float(x)
        if math.isnan(x):
            return 'NaN'
        if math.isinf(x):
            return 'Infinity' if x > 0 else '-Infinity'
        if x == 0 and math.copysign(1, x) < 0:
            return '-0'
        return x
    return int(x)


def enc(a):
    if 'weak' in a:
        return {'weak': enc_value(a['weak'], 'float32') if isinstance(a['weak'], float) else a['weak'], 'float': isinstance(a['weak'], float)}
    flat = a['np'].reshape(-1)
    return {'dtype': a['dtype'], 'shape': a['shape'], 'data': [enc_value(x, a['dtype']) for x in flat]}


# ---- JAX-semantics evaluation in NumPy ---------------------------------------------------------------
def binop(f, float_only=False, compare=False):
    def run(x, y):
        d, _ = jax_type(x, y)
        if float_only and d != 'float32':
            d = 'float32'
        out = f(as_np(x, d), as_np(y, d))
        return out.astype(B) if compare else np.asarray(out).astype(BY_NAME[d])
    return run


def unop(f, float_only=False):
    def run(x):
        d = x['dtype']
        if float_only:
            d = 'float32'
        return np.asarray(f(as_np(x, d))).astype(BY_NAME[d])
    return run


def floor_divide(x, y):
    d, _ = jax_type(x, y)
    a, b = as_np(x, d), as_np(y, d)
    if d == 'float32':
        return float_divmod(a, b)[0]
    # lax.div truncates toward zero and gives -1 for x / 0 (XLA); computed in int64.
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    safe = np.where(b64 == 0, 1, b64)
    q = np.where(b64 == 0, -1, np.trunc(a64 / safe).astype(np.int64))
    if d == 'uint32':
        return q.astype(U)
    r = np.where(b64 == 0, a64, a64 - np.trunc(a64 / safe).astype(np.int64) * safe)
    adjust = (np.sign(a64) != np.sign(b64)) & (r != 0)
    return np.where(adjust, q - 1, q).astype(I)


def float_divmod(a, b):
    # JAX's _float_divmod (CPython's float_divmod) on float32; NumPy differs in zero signs.
    mod = np.fmod(a, b)
    div = (a - mod) / b
    ind = (mod != 0) & (np.sign(b) != np.sign(mod))
    mod = np.where(ind, mod + b, mod).astype(F)
    div = np.where(ind, div - F(1), div).astype(F)
    # lax.round rounds half away from zero; the quotient is integral or nearly so here.
    return np.copysign(np.floor(np.abs(div) + F(0.5)), div).astype(F), mod


def remainder(x, y):
    d, _ = jax_type(x, y)
    a, b = as_np(x, d), as_np(y, d)
    if d != 'float32':
        return np.remainder(a, b).astype(BY_NAME[d])  # x % 0 is 0, as JAX
    # jnp.remainder: trunc_mod + y where the signs differ and trunc_mod != 0 (+0 stays +0).
    t = np.fmod(a, b)
    return np.where((t != 0) & ((t < 0) != (b < 0)), t + b, t).astype(F)


def sign(x):
    # lax.sign keeps the sign of zero (XLA: sign(-0.) is -0.), NumPy gives +0.
    a = as_np(x)
    return np.where(a == 0, a, np.sign(a)).astype(a.dtype)


def power(x, y):
    d, _ = jax_type(x, y)
    if d == 'float32':
        return np.power(as_np(x, d), as_np(y, d)).astype(F)
    d = 'int32' if d == 'bool' else d
    base = as_np(x, d).astype(np.int64)
    e = as_np(y, d).astype(np.int64) & 0xFFFFFFFF  # shift_right_logical sees the bits
    mask = (1 << 32) - 1
    acc = np.where((base == 0) & (e != 0), 0, 1).astype(np.int64)
    for _ in range(6):
        acc = np.where(e & 1, (acc * base) & mask, acc)
        base = (base * base) & mask
        e = e >> 1
    return acc.astype(np.uint32).astype(BY_NAME[d])


def shift(f):
    def run(x, y):
        d, _ = jax_type(x, y)
        a, b = as_np(x, d).astype(np.int64), as_np(y, d).astype(np.int64)
        out_of_range = (b < 0) | (b >= 32)
        bb = np.where(out_of_range, 0, b)
        if f == 'left':
            out = np.where(out_of_range, 0, (a << bb) & 0xFFFFFFFF)
        elif d == 'uint32':
            out = np.where(out_of_range, 0, a >> bb)
        else:
            out = np.where(out_of_range, np.where(a < 0, -1, 0), a >> bb)
        return (out & 0xFFFFFFFF).astype(np.uint32).astype(BY_NAME[d])
    return run


def reduction(f, float_out=False, bool_to_int=False):
    def run(x, axis=None, keepdims=False):
        a = as_np(x)
        if bool_to_int and a.dtype == B:
            a = a.astype(I)
        if float_out:
            a = a.astype(F)
        ax = tuple(axis) if isinstance(axis, list) else axis
        out = f(a, axis=ax, keepdims=keepdims)
        return np.asarray(out).astype(F if float_out else a.dtype)
    return run


OPS = {
    'add': binop(np.add), 'subtract': binop(np.subtract), 'multiply': binop(np.multiply),
    'divide': binop(np.divide, float_only=True), 'power': power,
    'floorDivide': floor_divide, 'remainder': remainder,
    'maximum': binop(np.maximum), 'minimum': binop(np.minimum), 'arctan2': binop(np.arctan2, float_only=True),
    'equal': binop(np.equal, compare=True), 'notEqual': binop(np.not_equal, compare=True),
    'less': binop(np.less, compare=True), 'lessEqual': binop(np.less_equal, compare=True),
    'greater': binop(np.greater, compare=True), 'greaterEqual': binop(np.greater_equal, compare=True),
    'bitwiseAnd': binop(np.bitwise_and), 'bitwiseOr': binop(np.bitwise_or), 'bitwiseXor': binop(np.bitwise_xor),
    'leftShift': shift('left'), 'rightShift': shift('right'),
    'logicalAnd': lambda x, y: np.logical_and(as_np(x), as_np(y)),
    'logicalOr': lambda x, y: np.logical_or(as_np(x), as_np(y)),
    'logicalNot': lambda x: np.logical_not(as_np(x)),
    'negative': unop(np.negative), 'abs': unop(np.abs), 'sign': sign,
    'sqrt': unop(np.sqrt, True), 'exp': unop(np.exp, True), 'log': unop(np.log, True),
    'log1p': unop(np.log1p, True), 'expm1': unop(np.expm1, True), 'sin': unop(np.sin, True),
    'cos': unop(np.cos, True), 'tan': unop(np.tan, True), 'tanh': unop(np.tanh, True),
    'floor': unop(np.floor), 'ceil': unop(np.ceil), 'round': unop(np.round), 'square': unop(np.square),
    'bitwiseNot': unop(np.invert),
    'isnan': lambda x: np.isnan(as_np(x)), 'isfinite': lambda x: np.isfinite(as_np(x)),
    'where': lambda c, x, y: np.where(as_np(c), as_np(x, jax_type(x, y)[0]), as_np(y, jax_type(x, y)[0])),
    'clip': lambda x, lo, hi: np.clip(as_np(x, jax_type(x, lo, hi)[0]), as_np(lo, jax_type(x, lo, hi)[0]), as_np(hi, jax_type(x, lo, hi)[0])),
    'sum': reduction(np.sum, bool_to_int=True), 'prod': reduction(np.prod, bool_to_int=True),
    'max': reduction(np.max), 'min': reduction(np.min),
    'mean': reduction(np.mean, float_out=True), 'var': reduction(np.var, float_out=True), 'std': reduction(np.std, float_out=True),
    'argmax': lambda x, axis=None, keepdims=False: np.argmax(as_np(x), axis=axis, keepdims=keepdims).astype(I),
    'argmin': lambda x, axis=None, keepdims=False: np.argmin(as_np(x), axis=axis, keepdims=keepdims).astype(I),
    'cumsum': lambda x, axis=None: np.cumsum(as_np(x).astype(I) if as_np(x).dtype == B else as_np(x), axis=axis).astype(I if as_np(x).dtype == B else as_np(x).dtype),
    'cumprod': lambda x, axis=None: np.cumprod(as_np(x).astype(I) if as_np(x).dtype == B else as_np(x), axis=axis).astype(I if as_np(x).dtype == B else as_np(x).dtype),
    'matmul': lambda x, y: np.matmul(as_np(x, jax_type(x, y)[0]), as_np(y, jax_type(x, y)[0])),
    'astype': lambda x, dtype: as_np(x).astype(BY_NAME[dtype]),
}

# ---- the cases ----------------------------------------------------------------------------------------
SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e-7, 123456.78, -1e30, 1e30, float('inf'), float('-inf'), float('nan')]
POSITIVE = [1e-30, 1e-7, 0.001, 0.5, 1.0, 2.0, 10.0, 88.0, 1e20, 3.4e38]
ANGLES = [-100.0, -3.14159, -1.0, -1e-4, 0.0, 0.3, 1.0, 1.5707964, 3.0, 10.0, 1000.0]
I32 = [0, 1, -1, 7, -7, 2147483647, -2147483648, 65536, -65536, 12345]
U32 = [0, 1, 7, 4294967295, 2147483648, 65536, 12345, 3]
ULP = {'exp': 2, 'log': 2, 'log1p': 2, 'expm1': 2, 'sin': 2, 'cos': 2, 'tan': 3, 'tanh': 2, 'arctan2': 2, 'power': 2}
REL = {'mean': 1e-6, 'var': 1e-5, 'std': 1e-5, 'sum': 1e-6, 'prod': 1e-6, 'cumsum': 1e-6, 'cumprod': 1e-6, 'matmul': 1e-6}

cases = []


def case(name, op, args, kwargs=None):
    with np.errstate(all='ignore'):
        out = np.asarray(OPS[op](*args, **(kwargs or {})))
    expected = {'dtype': NAMES[out.dtype.type], 'shape': list(out.shape), 'np': out}
    cases.append({
        'name': name, 'op': op, 'args': [enc(a) for a in args], 'kwargs': kwargs or {},
        'expected': enc(expected), 'ulp': ULP.get(op, 0), 'rtol': REL.get(op, 0.0),
        'call': f"{op}({', '.join(repr(a['weak']) if 'weak' in a else a['dtype'] + str(a['shape']) for a in args)}{', ' + repr(kwargs) if kwargs else ''})",
    })


fs = arr(SPECIAL, 'float32')
for op in ['negative', 'abs', 'sign', 'floor', 'ceil', 'round', 'isnan', 'isfinite', 'square', 'sqrt', 'exp', 'tanh', 'log', 'log1p', 'expm1']:
    case(f'{op} float32 specials', op, [fs])
for op in ['sqrt', 'log', 'log1p', 'exp', 'expm1']:
    case(f'{op} float32 positive', op, [arr(POSITIVE, 'float32')])
for op in ['sin', 'cos', 'tan', 'tanh', 'exp', 'expm1']:
    case(f'{op} float32 angles', op, [arr(ANGLES, 'float32')])
for op in ['negative', 'abs', 'sign', 'square', 'floor', 'round', 'bitwiseNot']:
    case(f'{op} int32', op, [arr(I32, 'int32')])
for op in ['negative', 'abs', 'sign', 'square', 'bitwiseNot']:
    case(f'{op} uint32', op, [arr(U32, 'uint32')])
case('sqrt int32 promotes', 'sqrt', [arr([0, 1, 2, 4, 10, 100], 'int32')])
case('bitwiseNot bool', 'bitwiseNot', [arr([True, False], 'bool')])
case('logicalNot float', 'logicalNot', [arr([0.0, 1.0, float('nan'), -0.0], 'float32')])

fa = arr([[1.5, -2.0, 0.0, 7.25], [float('nan'), float('inf'), -3.0, 1e-3]], 'float32')
fb = arr([2.0, -0.5, float('-inf'), 3.0], 'float32')
ia = arr([[7, -7, 2147483647, -2147483648], [0, 5, -1, 100]], 'int32')
ib = arr([2, -3, 1, -1], 'int32')
iz = arr([0, 0, 3, -3], 'int32')
ua = arr([[7, 4294967295, 2147483648, 0], [5, 1, 9, 100]], 'uint32')
ub = arr([2, 3, 2, 7], 'uint32')
ba = arr([[True, False, True, False]], 'bool')
bb = arr([True, True, False, False], 'bool')
BIN = ['add', 'subtract', 'multiply', 'divide', 'maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'floorDivide', 'remainder', 'power']
for op in BIN + ['arctan2']:
    case(f'{op} float32 broadcast', op, [fa, fb])
for op in BIN + ['bitwiseAnd', 'bitwiseOr', 'bitwiseXor']:
    case(f'{op} int32 broadcast', op, [ia, ib])
    case(f'{op} uint32 broadcast', op, [ua, ub])
for op in ['floorDivide', 'remainder', 'divide']:
    case(f'{op} int32 by zero', op, [arr([5, -5, 0, 7], 'int32'), iz])
    case(f'{op} uint32 by zero', op, [arr([5, 6, 0, 7], 'uint32'), arr([0, 0, 4, 3], 'uint32')])
case('floorDivide float32 inexact', 'floorDivide', [arr([1.0, -1.0, 7.5, -7.5, 0.3], 'float32'), arr([0.1, 0.1, -2.0, 2.0, 0.1], 'float32')])
case('remainder float32 signs', 'remainder', [arr([5.5, -5.5, 5.5, -5.5, 1.0], 'float32'), arr([2.0, 2.0, -2.0, -2.0, 0.1], 'float32')])
case('power int32 overflow wraps', 'power', [arr([3, 2, -2, 0, 0, 5, 7, -1], 'int32'), arr([21, 31, 3, 0, 2, 1, 12, 33], 'int32')])
case('power int32 by weak 2', 'power', [arr([3, -4, 46341], 'int32'), weak(2)])
case('power float32 by weak 2', 'power', [arr([3.0, -0.5, 1e20], 'float32'), weak(2)])
case('power float32 fractional', 'power', [arr([4.0, 2.0, 0.0, -8.0], 'float32'), arr([0.5, -1.5, 0.0, 1.0 / 3], 'float32')])
for op in ['add', 'subtract', 'multiply', 'maximum', 'equal', 'less', 'bitwiseAnd', 'bitwiseXor']:
    case(f'{op} bool', op, [ba, bb]) if op not in ('subtract',) else None
for op in ['leftShift', 'rightShift']:
    case(f'{op} int32', op, [arr([1, -8, 12345, -1, 5, -5], 'int32'), arr([3, 1, 31, 0, 32, -1], 'int32')])
    case(f'{op} uint32', op, [arr([1, 4294967288, 12345, 1, 5, 5], 'uint32'), arr([3, 1, 31, 0, 32, 40], 'uint32')])
for op in ['logicalAnd', 'logicalOr']:
    case(f'{op} mixed', op, [arr([0.0, 1.5, float('nan'), 0.0], 'float32'), arr([0, 0, 3, 5], 'int32')])

# Promotion across dtypes and with weak scalars.
for d1, a1 in [('int32', ib), ('uint32', ub), ('float32', fb), ('bool', bb)]:
    for d2, a2 in [('int32', arr([1, 2, 3, 4], 'int32')), ('uint32', arr([1, 2, 3, 4], 'uint32')), ('float32', arr([0.5, 1.5, 2.5, -1.0], 'float32')), ('bool', bb)]:
        if d1 != d2:
            case(f'add {d1}+{d2}', 'add', [a1, a2])
    for w in [1, 1.5, -2, True, 3000000000]:
        if isinstance(w, bool) and d1 == 'bool':
            continue
        if (w == 3000000000 and d1 != 'uint32') or (w == -2 and d1 == 'uint32'):
            continue  # JAX raises OverflowError for weak ints out of the array's range
        case(f'multiply {d1}*{w!r}', 'multiply', [a1, weak(w)])
case('add int32 overflow', 'add', [arr([2147483647, -2147483648], 'int32'), weak(1)])
case('subtract uint32 underflow', 'subtract', [arr([0, 1], 'uint32'), weak(2)])
case('multiply int32 overflow', 'multiply', [arr([65536, 123456789], 'int32'), arr([65536, 100], 'int32')])
# Division by a constant scalar multiplies by its float32 reciprocal in laxflow (XLA's
# algebraic simplifier does so inside jit/scan; eager JAX divides exactly): 1 ulp.
case('divide int32 by weak int', 'divide', [arr([10, 7, -3], 'int32'), weak(3)])
cases[-1]['ulp'] = 1
case('where promotes', 'where', [arr([True, False, True], 'bool'), arr([1, 2, 3], 'int32'), weak(0.5)])
case('where weak int keeps uint32', 'where', [arr([True, False], 'bool'), arr([1, 2], 'uint32'), weak(7)])
case('clip int32 weak bounds', 'clip', [arr([-5, 0, 5, 10], 'int32'), weak(0), weak(6)])
case('clip float32 arrays', 'clip', [arr([-5.5, 0.0, 5.5, float('nan')], 'float32'), arr([-1.0, 1.0, 1.0, 0.0], 'float32'), weak(3.0)])

# Reductions.
rf = arr(np.arange(24, dtype=np.float32).reshape(2, 3, 4) * np.float32(0.37) - np.float32(3), 'float32')
ri = arr((np.arange(24).reshape(2, 3, 4) * 7919 % 41) - 20, 'int32')
ru = arr(np.arange(12).reshape(3, 4) * 400000007 % 4294967291, 'uint32')
rb = arr((np.arange(12).reshape(3, 4) % 3) == 0, 'bool')
rn = arr([[1.0, float('nan'), 3.0], [-1.0, 5.0, 2.0]], 'float32')
for op in ['sum', 'prod', 'max', 'min', 'mean', 'var', 'std']:
    for kw in [{}, {'axis': 0}, {'axis': 1, 'keepdims': True}, {'axis': [0, 2]}, {'axis': -1}]:
        case(f'{op} float32 {kw}', op, [rf], kw)
    for kw in [{}, {'axis': 1}, {'axis': [0, 1], 'keepdims': True}]:
        case(f'{op} int32 {kw}', op, [ri], kw)
    case(f'{op} nan propagates', op, [rn], {'axis': 1})
for op in ['sum', 'prod', 'max', 'min']:
    case(f'{op} uint32', op, [ru], {'axis': 0})
    case(f'{op} bool', op, [rb], {'axis': 1})
case('sum int32 overflow wraps', 'sum', [arr([2147483647, 1, 2147483647], 'int32')])
case('prod int32 overflow wraps', 'prod', [arr([65536, 65536, 3], 'int32')])
case('sum size-0 axis', 'sum', [arr(np.zeros((0, 3)), 'float32')], {'axis': 0})
case('prod size-0', 'prod', [arr(np.zeros((2, 0)), 'int32')], {'axis': 1})
for op in ['argmax', 'argmin']:
    case(f'{op} flat', op, [ri])
    case(f'{op} axis', op, [rf], {'axis': 1})
    case(f'{op} ties first', op, [arr([[3, 1, 3, 1], [2, 2, 2, 2]], 'int32')], {'axis': 1, 'keepdims': True})
    case(f'{op} nan wins', op, [rn], {'axis': 1})
for op in ['cumsum', 'cumprod']:
    case(f'{op} float32 axis 1', op, [rf], {'axis': 1})
    case(f'{op} int32 flat', op, [ri])
    case(f'{op} bool', op, [rb], {'axis': 0})
case('cumsum int32 wraps', 'cumsum', [arr([2147483647, 1, 1], 'int32')])

# matmul.
case('matmul 2x3 @ 3x2 float32', 'matmul', [arr([[1.5, 2, 3], [4, 5, 6.25]], 'float32'), arr([[1, 0.5], [-2, 3], [0, 1]], 'float32')])
case('matmul vec @ mat int32', 'matmul', [arr([1, 2, 3], 'int32'), arr([[1, 2], [3, 4], [5, 6]], 'int32')])
case('matmul mat @ vec', 'matmul', [arr([[1, 2], [3, 4]], 'int32'), arr([5, 6], 'int32')])
case('matmul vec @ vec', 'matmul', [arr([1.0, 2.0, 3.0], 'float32'), arr([4.0, 5.0, 6.0], 'float32')])
case('matmul batched broadcast', 'matmul', [arr(np.arange(12).reshape(2, 2, 3), 'int32'), arr(np.arange(6).reshape(3, 2), 'int32')])
case('matmul int32 wraps', 'matmul', [arr([[65536, 65536]], 'int32'), arr([[65536], [1]], 'int32')])
case('matmul int32 @ float32 promotes', 'matmul', [arr([[1, 2]], 'int32'), arr([[0.5], [0.25]], 'float32')])

# astype between all dtypes (in-range values: out-of-range float -> int is
# implementation-defined in NumPy and saturating in XLA).
src = {
    'float32': arr([0.0, -0.0, 1.5, -1.5, 2.7, -2.7, 100.0, 16777217.0, float('nan')], 'float32'),
    'int32': arr([0, 1, -1, 2147483647, -2147483648, 16777217, 100], 'int32'),
    'uint32': arr([0, 1, 4294967295, 2147483648, 16777217, 100], 'uint32'),
    'bool': arr([True, False], 'bool'),
}
for d1, a in src.items():
    for d2 in ['float32', 'int32', 'uint32', 'bool']:
        if d1 == 'float32' and d2 in ('int32', 'uint32'):
            a = arr([0.0, -0.0, 1.5, 2.7, 100.0, 16777216.0] + ([] if d2 == 'uint32' else [-1.5, -2.7]), 'float32')
        case(f'astype {d1} -> {d2}', 'astype', [a], {'dtype': d2})
        a = src[d1]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ops.json')
with open(out, 'w') as f:
    json.dump({'numpy': np.__version__, 'generator': 'tests/golden/make_goldens.py', 'cases': cases}, f, indent=None, separators=(',', ':'))
    f.write('\n')
print(f'wrote {len(cases)} cases to {out}')
