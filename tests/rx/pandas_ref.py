# Reference values for tests/rx/pandas.test.ts: pandas' window algorithms written out in
# NumPy float64 (pandas is not installed here). Each function follows the pandas source
# (pandas/_libs/window/aggregations.pyx: ewm, roll_mean, roll_var) and is named for the
# pandas call it stands for. Run: python3 tests/rx/pandas_ref.py
import json
import numpy as np

def ewm_mean(x, alpha, adjust, min_periods=0):
    """pd.Series(x).ewm(alpha=alpha, adjust=adjust, ignore_na=False, min_periods=min_periods).mean()"""
    minp = max(min_periods, 1)
    old_wt_factor = 1.0 - alpha
    new_wt = 1.0 if adjust else alpha
    out = np.empty(len(x))
    weighted = x[0]
    nobs = int(weighted == weighted)
    out[0] = weighted if nobs >= minp else np.nan
    old_wt = 1.0
    for i in range(1, len(x)):
        cur = x[i]
        is_obs = cur == cur
        nobs += int(is_obs)
        if weighted == weighted:
            old_wt *= old_wt_factor
            if is_obs:
                if weighted != cur:
                    weighted = old_wt * weighted + new_wt * cur
                    weighted /= old_wt + new_wt
                old_wt = old_wt + new_wt if adjust else 1.0
        elif is_obs:
            weighted = cur
        out[i] = weighted if nobs >= minp else np.nan
    return out

def rolling(x, window, min_periods, stat, ddof=1):
    """pd.Series(x).rolling(window, min_periods=min_periods).mean() / .var(ddof=ddof)"""
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        w = x[max(0, i - window + 1): i + 1]
        v = w[~np.isnan(w)]
        n = len(v)
        same = n > 0 and v.min() == v.max()
        if stat == 'mean':
            if n >= min_periods and n > 0:
                out[i] = v[-1] if same else v.sum() / n
        else:
            if n >= min_periods and n > ddof:
                out[i] = 0.0 if (n == 1 or same) else ((v - v.mean()) ** 2).sum() / (n - ddof)
    return out

x = np.array([np.nan, 1, 2, np.nan, 4, 8, 8, 8, np.nan, np.nan, 3, -2.5, 10, 0.5, np.nan, 6, 6.25, 1e3, -7, 2])
span3 = 2 / (3 + 1)
half2 = 1 - np.exp(np.log(0.5) / 2)
with np.errstate(all='ignore'):
  refs = {
    'x': x,
    'ewm(span=3).mean()': ewm_mean(x, span3, True),
    'ewm(span=3, adjust=False).mean()': ewm_mean(x, span3, False),
    'ewm(alpha=0.3, min_periods=3).mean()': ewm_mean(x, 0.3, True, 3),
    'ewm(halflife=2, adjust=False).mean()': ewm_mean(x, half2, False),
    'rolling(3).mean()': rolling(x, 3, 3, 'mean'),
    'rolling(4, min_periods=2).mean()': rolling(x, 4, 2, 'mean'),
    'rolling(3).var()': rolling(x, 3, 3, 'var', 1),
    'rolling(4, min_periods=2).var(ddof=0)': rolling(x, 4, 2, 'var', 0),
    'zscore(window=4, min_periods=2)': (x - rolling(x, 4, 2, 'mean')) / np.sqrt(rolling(x, 4, 2, 'var', 1)),
}
print(json.dumps({k: [None if np.isnan(v) else float(v) for v in a] for k, a in refs.items()}, indent=0))
