"""The public function names of jax.numpy, from its __init__.py, for tests/coverage/jnp_names.json.

Run: python3 tests/coverage/jnp_names.py PATH/TO/jax/numpy/__init__.py VERSION COMMIT
Names are every `name as name` re-export, less what is not a function: scalar types and
type classes (float32, integer, ...), constants (pi, e, inf, nan, newaxis, euler_gamma),
submodules (fft, linalg), index objects (c_, r_, s_, mgrid, ogrid, index_exp), classes
(ndarray, ufunc, ComplexWarning) and dunder names.
"""
import json
import re
import sys

path, version, commit = sys.argv[1:4]
text = open(path).read()
names = sorted(set(re.findall(r'\b(\w+) as \1\b', text)))
TYPES = re.compile(r'^(u?int\d*|float\d*.*|complex\d*|bfloat16|bool_|cdouble|csingle|double|single|int_|uint|float_|complex_|object_)$')
CLASSES = {'ComplexWarning', 'character', 'complexfloating', 'dtype', 'flexible', 'floating', 'generic', 'inexact',
           'integer', 'number', 'signedinteger', 'unsignedinteger', 'ufunc', 'ndarray'}
CONSTANTS = {'pi', 'e', 'inf', 'nan', 'newaxis', 'euler_gamma'}
OTHER = {'fft', 'linalg', 'c_', 'r_', 's_', 'mgrid', 'ogrid', 'index_exp'}
funcs = [n for n in names if not n.startswith('__') and not TYPES.match(n) and n not in CLASSES | CONSTANTS | OTHER]
json.dump({'jax': version, 'commit': commit, 'source': 'jax/numpy/__init__.py', 'names': funcs}, open('tests/coverage/jnp_names.json', 'w'), indent=0)
print(len(funcs), 'functions')
