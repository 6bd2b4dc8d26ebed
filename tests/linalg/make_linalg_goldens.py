"""Golden values for np.linalg (tests/linalg/linalg_goldens.test.ts).

Run: /usr/bin/python3 tests/linalg/make_linalg_goldens.py  (writes tests/linalg/linalg_goldens.json;
Debian's NumPy 1.24.2). Inputs are float32 matrices, well conditioned (random normal plus a
multiple of the identity, or with singular values spread over [1, 10]); NumPy computes in float64
from them (LAPACK) and the result is rounded to float32. laxflow computes in float32, so each case
states a tolerance: |got - want| <= rtol * (|want| + max |want| of the output).
Each case: fn (the name in np.linalg), args, kwargs (laxflow's option names), expected (one entry
per output), rtol, call (the NumPy call).
"""
import json

import numpy as np

rng = np.random.default_rng(2121)
cases = []


def enc(x):
    x = np.asarray(x)
    kind = 'int32' if x.dtype.kind in 'iu' else 'float32'
    num = lambda v: str(v) if np.isinf(v) else float(v)  # JSON has no infinities: 'inf', '-inf'
    return {'dtype': kind, 'shape': list(x.shape), 'data': [num(v) if kind == 'float32' else int(v) for v in x.astype(np.float64 if kind == 'float32' else np.int64).ravel()]}


def case(fn, args, expected, call, kwargs=None, rtol=1e-5):
    out = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    cases.append({'fn': fn, 'args': [enc(a) if isinstance(a, np.ndarray) else a for a in args], 'kwargs': kwargs or {},
                  'expected': [enc(e) for e in out], 'rtol': rtol, 'call': call})


def wellcond(*shape):
    """Random [..., n, n] float32 with singular values in [1, 10] (condition number <= 10)."""
    *batch, m, n = shape
    k = min(m, n)
    u = np.linalg.qr(rng.standard_normal((*batch, m, m)))[0][..., :, :k]
    v = np.linalg.qr(rng.standard_normal((*batch, n, n)))[0][..., :, :k]
    s = rng.uniform(1, 10, (*batch, k))
    return ((u * s[..., None, :]) @ np.swapaxes(v, -1, -2)).astype(np.float32)


def spd(*shape):
    *batch, n = shape
    m = rng.standard_normal((*batch, n, n))
    return (m @ np.swapaxes(m, -1, -2) + n * np.eye(n)).astype(np.float32)


def f64(x):
    return np.asarray(x, np.float64)


for shape in [(1, 1), (2, 2), (3, 3), (5, 5), (8, 8), (2, 3, 4, 4)]:
    a = wellcond(*shape)
    case('det', [a], np.linalg.det(f64(a)), f'np.linalg.det(a{shape})', rtol=2e-5)
    case('slogdet', [a], np.linalg.slogdet(f64(a)), f'np.linalg.slogdet(a{shape})', rtol=2e-5)
    case('inv', [a], np.linalg.inv(f64(a)), f'np.linalg.inv(a{shape})', rtol=2e-5)
a = wellcond(4, 4)
b = rng.standard_normal(4).astype(np.float32)
case('solve', [a, b], np.linalg.solve(f64(a), f64(b)), 'np.linalg.solve(a(4, 4), b(4,))', rtol=2e-5)
bm = rng.standard_normal((4, 3)).astype(np.float32)
case('solve', [a, bm], np.linalg.solve(f64(a), f64(bm)), 'np.linalg.solve(a(4, 4), b(4, 3))', rtol=2e-5)
ab = wellcond(3, 5, 5)
bb = rng.standard_normal((3, 5, 2)).astype(np.float32)
case('solve', [ab, bb], np.linalg.solve(f64(ab), f64(bb)), 'np.linalg.solve(a(3, 5, 5), b(3, 5, 2))', rtol=2e-5)
# a permutation matrix: every pivot is a row swap (det -1)
perm = np.eye(4, dtype=np.float32)[[2, 0, 3, 1]]
case('det', [perm], np.linalg.det(f64(perm)), 'np.linalg.det(eye(4)[[2, 0, 3, 1]])', rtol=0)
sing = np.array([[1, 2], [2, 4]], np.float32)
case('slogdet', [sing], np.linalg.slogdet(f64(sing)), 'np.linalg.slogdet([[1, 2], [2, 4]])', rtol=0)

for shape in [(3, 3), (6, 6), (2, 4, 4)]:
    s = spd(*shape[:-1])
    case('cholesky', [s], np.linalg.cholesky(f64(s)), f'np.linalg.cholesky(spd{shape})', rtol=2e-5)
    case('eigh', [s], np.linalg.eigh(f64(s))[0], f'np.linalg.eigh(spd{shape}).eigenvalues', rtol=2e-5)
s24 = rng.standard_normal((24, 24)).astype(np.float32)
s24 = ((s24 + s24.T) / 2).astype(np.float32)
case('eigh', [s24], np.linalg.eigh(f64(s24))[0], 'np.linalg.eigh(sym(24, 24)).eigenvalues (indefinite, symmetric)', rtol=2e-5)

for shape in [(4, 4), (6, 3), (3, 6), (2, 5, 3)]:
    a = wellcond(*shape)
    q, r = np.linalg.qr(f64(a))
    case('qr', [a], (q, r), f'np.linalg.qr(a{shape})', rtol=2e-5)
    case('svd', [a], np.linalg.svd(f64(a), compute_uv=False), f'np.linalg.svd(a{shape}, compute_uv=False)', kwargs={'computeUv': False}, rtol=2e-5)
    case('pinv', [a], np.linalg.pinv(f64(a)), f'np.linalg.pinv(a{shape})', rtol=5e-5)
a = wellcond(5, 3)
q, r = np.linalg.qr(f64(a), mode='complete')
case('qr', [a], (q, r), "np.linalg.qr(a(5, 3), mode='complete') (Q is H1 H2 H3, as LAPACK's orgqr forms it)", kwargs={'mode': 'complete'}, rtol=2e-5)
case('qr', [a], np.linalg.qr(f64(a), mode='r'), "np.linalg.qr(a(5, 3), mode='r')", kwargs={'mode': 'r'}, rtol=2e-5)
s20 = rng.standard_normal((20, 12)).astype(np.float32)
case('svd', [s20], np.linalg.svd(f64(s20), compute_uv=False), 'np.linalg.svd(randn(20, 12), compute_uv=False)', kwargs={'computeUv': False}, rtol=2e-5)

a = wellcond(6, 3)
b = rng.standard_normal(6).astype(np.float32)
x, res, rank, sv = np.linalg.lstsq(f64(a), f64(b), rcond=None)
case('lstsq', [a, b], (x, res, np.int32(rank), sv), 'np.linalg.lstsq(a(6, 3), b(6,), rcond=None)', rtol=5e-5)
bm = rng.standard_normal((6, 2)).astype(np.float32)
x, res, rank, sv = np.linalg.lstsq(f64(a), f64(bm), rcond=None)
case('lstsq', [a, bm], (x, res, np.int32(rank), sv), 'np.linalg.lstsq(a(6, 3), b(6, 2), rcond=None)', rtol=5e-5)
# rank-deficient: the third column is the sum of the first two; x is the minimum-norm solution
d = wellcond(6, 3)
d[:, 2] = d[:, 0] + d[:, 1]
x, _, rank, sv = np.linalg.lstsq(f64(d), f64(b), rcond=1e-5)
case('lstsq', [d, b], (x, np.sum((f64(b) - f64(d) @ x) ** 2, axis=0, keepdims=True), np.int32(rank), sv),
     'np.linalg.lstsq(d(6, 3) of rank 2, b(6,), rcond=1e-5); residuals sum((b - d @ x)**2) (NumPy gives [] below full rank, JAX the value)', kwargs={'rcond': 1e-5}, rtol=1e-4)

a = wellcond(3, 3) / np.float32(3)
for p in [0, 1, 2, 5, -1, -2]:
    case('matrixPower', [a, p], np.linalg.matrix_power(f64(a), p), f'np.linalg.matrix_power(a(3, 3), {p})', rtol=5e-5)

v = rng.standard_normal(7).astype(np.float32)
m = rng.standard_normal((3, 4)).astype(np.float32)
t = rng.standard_normal((2, 3, 4)).astype(np.float32)
case('norm', [v], np.linalg.norm(f64(v)), 'np.linalg.norm(v)')
case('norm', [t], np.linalg.norm(f64(t)), 'np.linalg.norm(t(2, 3, 4))')
for o in [1, 2, 3, 0.5, 0, np.inf, -np.inf]:
    case('norm', [v], np.linalg.norm(f64(v), ord=o), f'np.linalg.norm(v, ord={o})', kwargs={'ord': str(o) if np.isinf(o) else o}, rtol=2e-6)
for o in [None, 'fro', 'nuc', 1, -1, 2, -2, np.inf, -np.inf]:
    case('norm', [m], np.linalg.norm(f64(m), ord=o), f'np.linalg.norm(m(3, 4), ord={o})', kwargs={'ord': str(o) if isinstance(o, float) else o}, rtol=2e-5)
case('norm', [t], np.linalg.norm(f64(t), axis=1), 'np.linalg.norm(t, axis=1)', kwargs={'axis': 1}, rtol=2e-6)
case('norm', [t], np.linalg.norm(f64(t), ord=1, axis=(2, 0), keepdims=True), 'np.linalg.norm(t, ord=1, axis=(2, 0), keepdims=True)', kwargs={'ord': 1, 'axis': [2, 0], 'keepdims': True}, rtol=2e-6)
case('norm', [t], np.linalg.norm(f64(t), ord=2, axis=(0, 2)), 'np.linalg.norm(t, ord=2, axis=(0, 2))', kwargs={'ord': 2, 'axis': [0, 2]}, rtol=2e-5)
case('norm', [t], np.linalg.norm(f64(t), ord='nuc', axis=(1, 2), keepdims=True), "np.linalg.norm(t, ord='nuc', axis=(1, 2), keepdims=True)", kwargs={'ord': 'nuc', 'axis': [1, 2], 'keepdims': True}, rtol=2e-5)

json.dump({'numpy': np.__version__, 'cases': cases}, open('tests/linalg/linalg_goldens.json', 'w'))
print(len(cases), 'cases, numpy', np.__version__)
