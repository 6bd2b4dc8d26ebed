# Golden values for tests/rx/event_time.pandas.test.ts: the event-time stream operators
# (offset windows, ewm with times, resample) computed by pandas itself.
# Run with Debian's pandas (python3-pandas 1.5.3+dfsg-2; the pyenv python3 has no pandas):
#   /usr/bin/python3 tests/rx/event_time_ref.py    (writes tests/rx/event_time_ref.json)
#
# Inputs: 50 readings at irregular times (epoch ms; gaps from 0 ms, i.e. repeated times, to
# 45 s; pairs exactly 10 s and 30 s apart, overall and within a key, to hit window edges;
# one reading on a minute boundary), NaNs (the first reading among them), a jump up and
# back, three keys interleaved with times sorted overall (repeated times within a key too).
# Every golden is keyed by the pandas call that produced it, on
#   s = pd.Series(value, index=pd.to_datetime(t, unit='ms'))     (all records: 'unkeyed')
# and on each key's series alone, in that key's record order ('by_key'). null stands for NaN,
# the strings 'Infinity' / '-Infinity' for +-inf. Resample rows are
#   { t: window start (epoch ms), mean, min, ..., std }; windows holding no record are dropped
# (pandas keeps them with count 0); a window whose records are all NaN has records, so it stays.
import json
import math

import numpy as np
import pandas as pd

BASE = 1_700_000_000_000  # 2023-11-14T22:13:20Z, 20 s into a minute
GAPS_MS = [0, 1200, 3400, 0, 250, 7800, 12000, 30000, 2500, 4100, 0, 9000, 44750, 600, 3000,
           10000, 10000, 5200, 0, 0, 14800, 21000, 1000, 800, 6600, 30000, 2000, 2700, 38000,
           500, 8300, 0, 11000, 3900, 7200, 26100, 1500, 9400, 0, 4600, 17000, 2200, 30000, 3300,
           6100, 900, 12700, 0, 5000]
VALUES = [None, 20.4, 21.13, 19.87, 20.02, None, 22.5, 21.76, 20.9, 19.35,
          19.35, 21.08, None, 23.41, 22.17, 20.66, 21.92, 35.8, 36.42, 34.97,
          None, None, 37.15, 35.6, 36.08, 34.71, 36.9, 35.27, 22.3, 21.05,
          20.48, None, 22.86, 23.12, 21.7, 20.95, 22.4, 21.18, 21.18, 23.05,
          None, 19.92, 20.73, 22.61, 21.4, 20.1, 21.85, 22.02, 20.67, 21.3]
KEYS = 'aabbbcabcbbbaabaacbabcabbaacbcaacbacbcaacabbcabcca'

t = BASE + np.concatenate([[0], np.cumsum(GAPS_MS)]).astype(np.int64)
value = np.array([np.nan if v is None else v for v in VALUES], dtype=np.float64)
keys = list(KEYS)
assert len(t) == len(value) == len(keys) == 50 and np.all(np.diff(t) >= 0)


def series(rows):
    return pd.Series(value[rows], index=pd.to_datetime(t[rows], unit='ms'))


def num(x):
    x = float(x)
    return None if math.isnan(x) else ('Infinity' if x == math.inf else '-Infinity' if x == -math.inf else x)


STATS = ['mean', 'min', 'max', 'count', 'sum', 'first', 'last', 'var', 'std']


def resample(s, every):
    r = s.resample(every, origin='epoch')
    frame = r.agg(STATS)
    frame = frame[r.size() > 0]  # drop windows without records (not those of NaNs only)
    return [{'t': int(start.value // 10**6), **{k: int(row[k]) if k == 'count' else num(row[k]) for k in STATS}} for start, row in frame.iterrows()]


def zscore(s, r, ddof=1):
    return (s - r.mean()) / r.std(ddof=ddof)


# The calls, each on a series s with a DatetimeIndex (times tt = s.index).
CALLS = {
    "s.rolling('30s').mean()": lambda s: s.rolling('30s').mean(),
    "s.rolling('30s', min_periods=3).mean()": lambda s: s.rolling('30s', min_periods=3).mean(),
    "s.rolling('30s').var()": lambda s: s.rolling('30s').var(),
    "s.rolling('30s').std()": lambda s: s.rolling('30s').std(),
    "s.rolling('10s').var(ddof=0)": lambda s: s.rolling('10s').var(ddof=0),
    "s.rolling('30s', closed='left').mean()": lambda s: s.rolling('30s', closed='left').mean(),
    "s.rolling('30s', closed='left').var()": lambda s: s.rolling('30s', closed='left').var(),
    "s.rolling('30s', closed='both').mean()": lambda s: s.rolling('30s', closed='both').mean(),
    "s.rolling('30s', closed='neither').mean()": lambda s: s.rolling('30s', closed='neither').mean(),
    "(s - r.mean()) / r.std(ddof=1), r = s.rolling('30s')": lambda s: zscore(s, s.rolling('30s')),
    "(s - r.mean()) / r.std(ddof=1), r = s.rolling('30s', closed='left')": lambda s: zscore(s, s.rolling('30s', closed='left')),
    "s.ewm(halflife='10s', times=tt).mean()": lambda s: s.ewm(halflife='10s', times=s.index).mean(),
    "s.ewm(halflife='10s', times=tt, min_periods=2).mean()": lambda s: s.ewm(halflife='10s', times=s.index, min_periods=2).mean(),
}
RESAMPLE = {
    f"s.resample('{every}', origin='epoch').agg({STATS}) (windows with records)": every for every in ['1min', '15s']
}

all_rows = np.arange(len(t))
key_rows = {k: np.array([i for i in all_rows if keys[i] == k]) for k in sorted(set(keys))}
with np.errstate(all='ignore'):
    out = {
        'pandas': pd.__version__,
        'generator': 'tests/rx/event_time_ref.py',
        'input': {'t': [int(x) for x in t], 'value': [num(v) for v in value], 'key': keys},
        'unkeyed': {call: [num(v) for v in f(series(all_rows))] for call, f in CALLS.items()},
        'by_key': {k: {call: [num(v) for v in f(series(rows))] for call, f in CALLS.items()} for k, rows in key_rows.items()},
        'resample_unkeyed': {call: resample(series(all_rows), every) for call, every in RESAMPLE.items()},
        'resample_by_key': {k: {call: resample(series(rows), every) for call, every in RESAMPLE.items()} for k, rows in key_rows.items()},
    }

path = __file__.replace('.py', '.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1, allow_nan=False)
    f.write('\n')
print(f'wrote {path} (pandas {pd.__version__})')
