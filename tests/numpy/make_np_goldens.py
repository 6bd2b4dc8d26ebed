"""Golden values for jax.numpy breadth (np_math, np_stack, np_matrix, np_sort, np_stats).

Run: /usr/bin/python3 tests/numpy/make_np_goldens.py  (writes tests/numpy/np_goldens.json;
NumPy 1.24.2). Inputs are float32 (or int32) arrays; NumPy computes in float64 from them
and the result is rounded to float32, so the test compares with a stated tolerance (`rtol`)
per case. Where JAX differs from NumPy the case follows JAX and says so (`note`).
Each case: fn (laxflow's name), args (arrays or scalars), kwargs (laxflow's option names),
expected, rtol, call (the NumPy call that produced it).
"""
import json
import warnings

import numpy as np

warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN slices are cases here

rng = np.random.default_rng(21)
cases = []


def enc(x):
    x = np.asarray(x)
    kind = 'bool' if x.dtype == np.bool_ else 'int32' if x.dtype.kind in 'iu' else 'float32'
    flat = [None if (kind == 'float32' and np.isnan(v)) else (str(v) if kind == 'float32' and np.isinf(v) else (bool(v) if kind == 'bool' else float(v) if kind == 'float32' else int(v))) for v in x.astype(np.float64 if kind == 'float32' else x.dtype).ravel()]
    return {'dtype': kind, 'shape': list(x.shape), 'data': flat}


def case(fn, args, expected, call, kwargs=None, rtol=1e-5, note=None):
    out = expected if isinstance(expected, (list, tuple)) else [expected]
    cases.append({'fn': fn, 'args': [enc(a) if isinstance(a, np.ndarray) else float(a) if isinstance(a, np.floating) else a for a in args], 'kwargs': kwargs or {},
                  'expected': [enc(np.asarray(e)) for e in out], 'tuple': isinstance(expected, (list, tuple)), 'rtol': rtol, 'call': call, 'note': note})


f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
u = lambda lo, hi, *s: rng.uniform(lo, hi, s).astype(np.float32)

# elementwise
x = u(-0.99, 0.99, 40)
for name, fn in [('arcsin', np.arcsin), ('arccos', np.arccos), ('arctanh', np.arctanh)]:
    case(name, [x], fn(x.astype(np.float64)), f'np.{name}(x)', rtol=1e-5)
y = u(-20, 20, 40)
for name, fn in [('arctan', np.arctan), ('sinh', np.sinh), ('cosh', np.cosh), ('arcsinh', np.arcsinh), ('cbrt', np.cbrt),
                 ('exp2', np.exp2), ('deg2rad', np.deg2rad), ('rad2deg', np.rad2deg), ('trunc', np.trunc), ('rint', np.rint), ('sinc', np.sinc)]:
    case(name, [y], fn(y.astype(np.float64)), f'np.{name}(y)', rtol=2e-6 if name not in ('sinh', 'cosh', 'sinc') else 1e-5)
z = u(0.01, 1e4, 40)
for name, fn in [('log2', np.log2), ('log10', np.log10), ('arccosh', lambda v: np.arccosh(v + 1))]:
    arg = z if name != 'arccosh' else (z + 1).astype(np.float32)
    case(name, [arg], fn(z.astype(np.float64)) if name != 'arccosh' else np.arccosh(arg.astype(np.float64)), f'np.{name}(z)', rtol=2e-6)
a, b = f32(30) * 10, f32(30) * 10
for name, fn in [('hypot', np.hypot), ('logaddexp', np.logaddexp), ('logaddexp2', np.logaddexp2), ('copysign', np.copysign), ('fmod', np.fmod)]:
    case(name, [a, b], fn(a.astype(np.float64), b.astype(np.float64)), f'np.{name}(a, b)', rtol=2e-6)
case('signbit', [np.array([-1, 0, -0.0, 2, -np.inf, np.nan], np.float32)], np.signbit(np.array([-1, 0, -0.0, 2, -np.inf, np.nan], np.float32)), 'np.signbit(...)', rtol=0)
case('nanToNum', [np.array([1, np.nan, np.inf, -np.inf], np.float32)], np.nan_to_num(np.array([1, np.nan, np.inf, -np.inf], np.float32)), 'np.nan_to_num(...)', rtol=0)
case('heaviside', [np.array([-1, 0, 2, np.nan], np.float32), np.float32(0.5)], np.heaviside(np.array([-1, 0, 2, np.nan], np.float32), 0.5), 'np.heaviside(x, 0.5)', rtol=0)

# stacking and layout
m = f32(3, 4)
case('roll', [m, 5], np.roll(m, 5), 'np.roll(m, 5)', rtol=0)
case('roll', [m, [1, -2]], np.roll(m, [1, -2], axis=[0, 1]), 'np.roll(m, [1, -2], axis=[0, 1])', kwargs={'axis': [0, 1]}, rtol=0)
case('rot90', [m, 3], np.rot90(m, 3), 'np.rot90(m, 3)', rtol=0)
for mode in ['constant', 'edge', 'reflect', 'symmetric']:
    case('pad', [m, [[2, 3], [5, 1]]], np.pad(m, [[2, 3], [5, 1]], mode=mode), f"np.pad(m, [[2, 3], [5, 1]], mode='{mode}')", kwargs={'mode': mode}, rtol=0)
# 'wrap' wider than the axis: JAX's _pad_wrap repeats the axis periodically; NumPy 1.24's wrap
# does not (it pads [0 1 2 3] by 5 as [0 0 1 2 3 ...]; NumPy 1.25 made it periodic), so the
# expected value is the periodic extension, taken with modular indices.
wrapped = np.take(np.take(m, np.arange(-2, 6) % 3, axis=0), np.arange(-5, 5) % 4, axis=1)
case('pad', [m, [[2, 3], [5, 1]]], wrapped, "np.take(np.take(m, np.arange(-2, 6) % 3, 0), np.arange(-5, 5) % 4, 1)  (JAX's periodic wrap)", kwargs={'mode': 'wrap'}, rtol=0)
case('pad', [m, [[2, 1], [3, 0]]], np.pad(m, [[2, 1], [3, 0]], mode='wrap'), "np.pad(m, [[2, 1], [3, 0]], mode='wrap')", kwargs={'mode': 'wrap'}, rtol=0)
case('pad', [m, 2], np.pad(m, 2, constant_values=7), 'np.pad(m, 2, constant_values=7)', kwargs={'constantValues': 7}, rtol=0)
t = f32(2, 3, 4)
case('moveaxis', [t, 0, -1], np.moveaxis(t, 0, -1), 'np.moveaxis(t, 0, -1)', rtol=0)

# matrices
sq = f32(4, 4)
case('tril', [sq, -1], np.tril(sq, -1), 'np.tril(sq, -1)', rtol=0)
case('triu', [sq, 1], np.triu(sq, 1), 'np.triu(sq, 1)', rtol=0)
case('diagonal', [m], np.diagonal(m, offset=1), 'np.diagonal(m, offset=1)', kwargs={'offset': 1}, rtol=0)
case('trace', [m], np.trace(m, offset=-1), 'np.trace(m, offset=-1)', kwargs={'offset': -1}, rtol=1e-6)
d3 = f32(3)
case('diag', [d3, 2], np.diag(d3, 2), 'np.diag(d3, 2)', rtol=0)
case('kron', [m[:2, :2].copy(), sq[:3, :2].copy()], np.kron(m[:2, :2], sq[:3, :2]), 'np.kron(...)', rtol=1e-6)
t1, t2 = f32(2, 3, 4), f32(4, 3, 5)
case('tensordot', [t1, t2, [[1, 2], [1, 0]]], np.tensordot(t1, t2, axes=([1, 2], [1, 0])), 'np.tensordot(t1, t2, ([1, 2], [1, 0]))', rtol=1e-5)
e1, e2 = f32(2, 3, 4), f32(2, 4, 5)
case('einsum', ['bij,bjk->bik', e1, e2], np.einsum('bij,bjk->bik', e1, e2), "np.einsum('bij,bjk->bik', e1, e2)", rtol=1e-5)
case('einsum', ['ij,ij->', m, m], np.einsum('ij,ij->', m, m), "np.einsum('ij,ij->', m, m)", rtol=1e-5)
case('einsum', ['ii->i', sq], np.einsum('ii->i', sq), "np.einsum('ii->i', sq)", rtol=0)
q2, q3 = f32(4, 2), f32(2, 3)
case('einsum', ['ij,jk,kl', m, q2, q3], np.einsum('ij,jk,kl', m, q2, q3), "np.einsum('ij,jk,kl', m, q2, q3)", rtol=1e-5)
o1, o2 = f32(3), f32(4)
case('outer', [o1, o2], np.outer(o1, o2), 'np.outer(o1, o2)', rtol=1e-6)
i2, v2 = f32(2, 4), f32(3, 4)
case('inner', [m, i2], np.inner(m, i2), 'np.inner(m, i2)', rtol=1e-5)
case('vdot', [m, v2], np.vdot(m, v2), 'np.vdot(m, v2)', rtol=1e-5)

# sorting and order statistics
s = np.array([3, np.nan, -1, 2, 2, -np.inf, 0.5, 7, np.nan, -3], np.float32)
case('sort', [s], np.sort(s), 'np.sort(s)  (NaNs last, as JAX)', rtol=0)
r = f32(5, 6)
case('sort', [r], np.sort(r, axis=0), 'np.sort(r, axis=0)', kwargs={'axis': 0}, rtol=0)
ties = np.array([[2, 1, 2, 1, 0, 2], [5, 5, 5, 1, 1, 0]], np.int32)
case('argsort', [ties], np.argsort(ties, kind='stable'), "np.argsort(ties, kind='stable')", rtol=0)
srt = np.sort(f32(20))
qv = f32(10)
case('searchsorted', [srt, qv], np.searchsorted(srt, qv), 'np.searchsorted(srt, qv)', rtol=0)
case('searchsorted', [np.array([1, 2, 2, 2, 3], np.float32), np.array([2, 0, 4], np.float32)], np.searchsorted([1, 2, 2, 2, 3], [2, 0, 4], side='right'), "np.searchsorted(.., side='right')", kwargs={'side': 'right'}, rtol=0)
qd = f32(4, 7)
case('median', [qd], np.median(qd, axis=1), 'np.median(qd, axis=1)', kwargs={'axis': 1}, rtol=1e-6)
case('median', [qd], np.median(qd), 'np.median(qd)', rtol=1e-6)
# 'nearest' at a tie (position exactly k + 0.5): JAX takes the lower value (high weight <= 0.5),
# NumPy rounds the position half to even; the qs below have no ties for 'nearest'.
for method in ['linear', 'lower', 'higher', 'midpoint', 'nearest']:
    qs = [0.1, 0.5, 0.77] if method != 'nearest' else [0.1, 0.4, 0.77]
    case('quantile', [qd, np.array(qs, np.float32)], np.quantile(qd, qs, axis=0, method=method), f"np.quantile(qd, {qs}, axis=0, method='{method}')", kwargs={'axis': 0, 'method': method}, rtol=1e-5)
case('percentile', [qd, 30.0], np.percentile(qd, 30, axis=1, keepdims=True), 'np.percentile(qd, 30, axis=1, keepdims=True)', kwargs={'axis': 1, 'keepdims': True}, rtol=1e-5)
qn = qd.copy(); qn[0, 2] = np.nan; qn[2, :] = np.nan
case('nanmedian', [qn], np.nanmedian(qn, axis=1), 'np.nanmedian(qn, axis=1)', kwargs={'axis': 1}, rtol=1e-6)
case('nanquantile', [qn, 0.3], np.nanquantile(qn, 0.3, axis=1), 'np.nanquantile(qn, 0.3, axis=1)', kwargs={'axis': 1}, rtol=1e-5)
case('quantile', [qn, 0.3], np.quantile(qn, 0.3, axis=1), 'np.quantile(qn, 0.3, axis=1)  (NaN propagates)', kwargs={'axis': 1}, rtol=1e-5)

# statistics
for name in ['nansum', 'nanmean', 'nanmax', 'nanmin', 'nanvar', 'nanstd', 'nanprod']:
    with np.errstate(all='ignore'):
        exp = getattr(np, name)(qn.astype(np.float64), axis=1)
    case(name, [qn], exp, f'np.{name}(qn, axis=1)', kwargs={'axis': 1}, rtol=1e-5)
for name in ['nanargmax', 'nanargmin']:
    case(name, [qn[:2].copy()], getattr(np, name)(qn[:2], axis=1), f'np.{name}(qn[:2], axis=1)', kwargs={'axis': 1}, rtol=0)
case('nancumsum', [qn], np.nancumsum(qn, axis=1), 'np.nancumsum(qn, axis=1)', kwargs={'axis': 1}, rtol=1e-5)
case('ptp', [qd], np.ptp(qd, axis=0), 'np.ptp(qd, axis=0)', kwargs={'axis': 0}, rtol=1e-6)
w = u(0, 1, 7)
case('average', [qd], np.average(qd, axis=1, weights=w), 'np.average(qd, axis=1, weights=w)', kwargs={'axis': 1, 'weights': enc(w)}, rtol=1e-5)
cv = f32(3, 10)
case('cov', [cv], np.cov(cv), 'np.cov(cv)', rtol=1e-5)
case('cov', [cv.T.copy()], np.cov(cv.T, rowvar=False, bias=True), 'np.cov(cv.T, rowvar=False, bias=True)', kwargs={'rowvar': False, 'bias': True}, rtol=1e-5)
case('corrcoef', [cv], np.corrcoef(cv), 'np.corrcoef(cv)', rtol=1e-5)
c1, c2 = f32(9), f32(4)
for mode in ['full', 'same', 'valid']:
    case('convolve', [c1, c2], np.convolve(c1, c2, mode=mode), f"np.convolve(c1, c2, mode='{mode}')", kwargs={'mode': mode}, rtol=1e-5)
c3 = f32(5)
for mode in ['full', 'valid']:
    case('correlate', [c1, c3], np.correlate(c1, c3, mode=mode), f"np.correlate(c1, c3, mode='{mode}')", kwargs={'mode': mode}, rtol=1e-5)
    case('correlate', [c3, c1], np.correlate(c3, c1, mode=mode), f"np.correlate(c3, c1, mode='{mode}')", kwargs={'mode': mode}, rtol=1e-5)
case('diff', [qd], np.diff(qd, n=2, axis=0), 'np.diff(qd, n=2, axis=0)', kwargs={'n': 2, 'axis': 0}, rtol=1e-5)
case('ediff1d', [qd], np.ediff1d(qd), 'np.ediff1d(qd)', rtol=1e-5)
case('trapezoid', [qd], np.trapz(qd, dx=0.5, axis=1), 'np.trapz(qd, dx=0.5, axis=1)', kwargs={'dx': 0.5, 'axis': 1}, rtol=1e-5)
xp = np.sort(u(-5, 5, 8)); fp = f32(8); xq = u(-6, 6, 20)
case('interp', [xq, xp, fp], np.interp(xq, xp, fp), 'np.interp(xq, xp, fp)', rtol=1e-5)
bins = np.sort(u(-2, 2, 6))
case('digitize', [qv, bins], np.digitize(qv, bins), 'np.digitize(qv, bins)', rtol=0)
case('digitize', [qv, bins], np.digitize(qv, bins, right=True), 'np.digitize(qv, bins, right=True)', kwargs={'right': True}, rtol=0)
hx = f32(50)
hist, edges = np.histogram(hx, bins=7)
case('histogram', [hx], [hist.astype(np.float32), edges], 'np.histogram(hx, bins=7)', kwargs={'bins': 7}, rtol=1e-5)
bc = rng.integers(0, 6, 30).astype(np.int32)
case('bincount', [bc], np.bincount(bc, minlength=8), 'np.bincount(bc, minlength=8)', kwargs={'length': 8}, rtol=0)
case('isclose', [np.array([1, 1.00001, np.inf, np.nan, -np.inf, 0], np.float32), np.array([1.000001, 1, np.inf, np.nan, np.inf, 1e-9], np.float32)],
     np.isclose(np.array([1, 1.00001, np.inf, np.nan, -np.inf, 0], np.float32), np.array([1.000001, 1, np.inf, np.nan, np.inf, 1e-9], np.float32)), 'np.isclose(...)', rtol=0)
case('logspace', [0.0, 3.0, 7], np.logspace(0, 3, 7), 'np.logspace(0, 3, 7)', rtol=2e-6)
case('geomspace', [1.0, 1000.0, 5], np.geomspace(1, 1000, 5), 'np.geomspace(1, 1000, 5)', rtol=1e-6)
case('vander', [np.array([1, 2, 3, 5], np.int32), 3], np.vander(np.array([1, 2, 3, 5], np.int32), 3), 'np.vander([1, 2, 3, 5], 3)', rtol=0)


# more elementwise, sets and selections with a static size, polynomials, windows
nx, ny = np.array([1, 1, 0, -0.0, 2, 3e38, np.inf, -1], np.float32), np.array([2, 0, 1, -1, 2, np.inf, 0, -np.inf], np.float32)
case('nextafter', [nx, ny], np.nextafter(nx, ny), 'np.nextafter(nx, ny)  (float32)', rtol=0)
sp = np.array([1, -1, 1e-30, 1e30, 0.1], np.float32)
case('spacing', [sp], np.spacing(sp), 'np.spacing(sp)  (float32)', rtol=0)
case('ldexp', [np.array([1, 0.75, -3, 1e-30], np.float32), np.array([3, 130, -2, 100], np.int32)], np.ldexp(np.array([1, 0.75, -3, 1e-30], np.float32), np.array([3, 130, -2, 100], np.int32)), 'np.ldexp(...)', rtol=0)
fx = np.array([8, -3, 0.1, 1e-40, 0, 1.5], np.float32)
mant, ex = np.frexp(fx)
case('frexp', [fx], [mant, ex.astype(np.int32)], 'np.frexp(fx)', rtol=0)
g1, g2 = rng.integers(-60, 60, 30).astype(np.int32), rng.integers(-60, 60, 30).astype(np.int32)
case('gcd', [g1, g2], np.gcd(g1, g2), 'np.gcd(g1, g2)', rtol=0)
case('lcm', [g1, g2], np.lcm(g1, g2), 'np.lcm(g1, g2)', rtol=0)
bc2 = np.array([0, 1, 7, -1, 255, -2147483648, 2147483647], np.int32)
case('bitwiseCount', [bc2], np.array([bin(abs(int(v))).count('1') for v in bc2], np.int32), "[bin(abs(v)).count('1')]  (np.bitwise_count is NumPy >= 2)", rtol=0)
d1, d2 = f32(12) * 5, f32(12) * 2
q_, r_ = np.divmod(d1, d2)
case('divmod', [d1, d2], [q_, r_], 'np.divmod(d1, d2)', rtol=1e-6)
v3a, v3b = f32(4, 3), f32(3)
case('cross', [v3a, v3b], np.cross(v3a, v3b), 'np.cross(v3a, v3b)', rtol=1e-6)
fd = f32(4, 5)
fdo = fd.copy(); np.fill_diagonal(fdo, 9)
case('fillDiagonal', [fd, 9.0], fdo, 'np.fill_diagonal(copy, 9)', kwargs={'inplace': False}, rtol=0)
pa_ = f32(3, 4); pidx = rng.integers(0, 4, (3, 2)).astype(np.int32); pvals = f32(3, 2)
pao = pa_.copy(); np.put_along_axis(pao, pidx, pvals, axis=1)
case('putAlongAxis', [pa_, pidx, pvals], pao, 'np.put_along_axis(copy, pidx, pvals, axis=1)', kwargs={'axis': 1, 'inplace': False}, rtol=0)
flat_i = np.array([0, 7, 11, 5], np.int32)
case('unravelIndex', [flat_i, [3, 4]], list(np.unravel_index(flat_i, (3, 4))), 'np.unravel_index(flat_i, (3, 4))', rtol=0)
case('isin', [g1, g2[:10].copy()], np.isin(g1, g2[:10]), 'np.isin(g1, g2[:10])', rtol=0)
nz = (rng.random((3, 4)) < 0.4).astype(np.float32) * f32(3, 4)
def padded(v, size, fill=0):
    v = np.asarray(v)[:size]
    return np.concatenate([v, np.full(size - len(v), fill, v.dtype)])
case('nonzero', [nz], [padded(i.astype(np.int32), 8) for i in np.nonzero(nz)], 'np.nonzero(nz) padded with 0 to size=8', kwargs={'size': 8}, rtol=0)
case('flatnonzero', [nz], padded(np.flatnonzero(nz).astype(np.int32), 10, -1), 'np.flatnonzero(nz) padded with -1 to size=10', kwargs={'size': 10, 'fillValue': -1}, rtol=0)
case('argwhere', [nz], np.concatenate([np.argwhere(nz)[:3]]).astype(np.int32), 'np.argwhere(nz)[:3]', kwargs={'size': 3}, rtol=0)
uq = rng.integers(0, 6, 20).astype(np.float32); uq[3] = np.nan; uq[9] = np.nan
uu = np.unique(uq)  # NumPy 1.24 keeps every NaN; JAX (equal_nan) keeps one
uu = np.concatenate([uu[~np.isnan(uu)], [np.nan]])
case('unique', [uq], padded(uu, 9, uu[0]), 'np.unique(uq) with one NaN (JAX equal_nan), padded with its minimum to size=9', kwargs={'size': 9}, rtol=0)
tk = np.array([[3, 1, 3, 2, 5], [0, 0, -1, 7, 7]], np.float32)
tki = np.array([sorted(range(5), key=lambda j: (-row[j], j))[:3] for row in tk], np.int32)
case('topK', [tk, 3], [np.take_along_axis(tk, tki, 1), tki], 'lax.top_k(tk, 3): largest first, ties by index', rtol=0)
pc, pc2 = f32(4), f32(3)
px = u(-2, 2, 9)
case('polyval', [pc, px], np.polyval(pc, px), 'np.polyval(pc, px)', rtol=1e-5)
case('polyadd', [pc, pc2], np.polyadd(pc, pc2), 'np.polyadd(pc, pc2)', rtol=1e-6)
case('polysub', [pc, pc2], np.polysub(pc, pc2), 'np.polysub(pc, pc2)', rtol=1e-6)
case('polymul', [pc, pc2], np.polymul(pc, pc2), 'np.polymul(pc, pc2)', rtol=1e-5)
case('polyder', [pc, 2], np.polyder(pc, 2), 'np.polyder(pc, 2)', rtol=1e-6)
case('polyint', [pc], np.polyint(pc, m=2, k=0.5), 'np.polyint(pc, m=2, k=0.5)', kwargs={'m': 2, 'k': 0.5}, rtol=1e-6)
for w in ['bartlett', 'blackman', 'hamming', 'hanning']:
    case(w, [7], getattr(np, w)(7), f'np.{w}(7)', rtol=1e-6)

gr = f32(4, 6)
case('gradient', [gr], list(np.gradient(gr)), 'np.gradient(gr)', rtol=1e-6)
case('gradient', [gr], np.gradient(gr, 0.5, axis=1), 'np.gradient(gr, 0.5, axis=1)', kwargs={'axis': 1, 'spacing': 0.5}, rtol=1e-6)
ph = np.cumsum(u(-3, 3, 30)).astype(np.float32)
wrapped_ph = ((ph + np.pi) % (2 * np.pi) - np.pi).astype(np.float32)
case('unwrap', [wrapped_ph], np.unwrap(wrapped_ph.astype(np.float64)), 'np.unwrap(wrapped_ph)', rtol=1e-5)
case('unwrap', [ph], np.unwrap(ph.astype(np.float64), period=4.0), 'np.unwrap(ph, period=4)', kwargs={'period': 4.0}, rtol=1e-5)
sh = np.array([1, -2, 7, 255], np.int32)
case('bitwiseInvert', [sh], np.bitwise_not(sh), 'np.bitwise_not(sh)', rtol=0)
case('bitwiseLeftShift', [sh, np.array([1, 2, 3, 4], np.int32)], np.left_shift(sh, [1, 2, 3, 4]), 'np.left_shift(sh, [1, 2, 3, 4])', rtol=0)
case('bitwiseRightShift', [sh, np.array([1, 2, 3, 4], np.int32)], np.right_shift(sh, [1, 2, 3, 4]), 'np.right_shift(sh, [1, 2, 3, 4])', rtol=0)

json.dump({'numpy': np.__version__, 'cases': cases}, open('tests/numpy/np_goldens.json', 'w'))
print(len(cases), 'cases, numpy', np.__version__)
