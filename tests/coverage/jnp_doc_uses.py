"""How often JAX's docs use each jax.numpy function, for tests/coverage/jnp_doc_uses.json.

The weights behind issue 21's target (">= 98% of jax.numpy weighted by use in JAX's docs"),
which tests/coverage/jnp_coverage.test.ts checks.

Run (from the repo root; python3, stdlib only):
  python3 tests/coverage/jnp_doc_uses.py PATH
where PATH is a JAX checkout (a work tree with docs/ and jax/version.py) or a bare git dir
of one (read at HEAD with `git show` / `git ls-tree`; the snapshot this json came from was
the bare mirror /work/.mirror/jax-ml+jax/repo that the `fetch` tool made of github:jax-ml/jax).

What is counted: for each name in tests/coverage/jnp_names.json, the occurrences of
`jnp.<name>` not followed by a word character (so `jnp.sum(`, `jnp.sum)` and `jnp.sum,` all
count, `jnp.sum_of` does not) in every docs/**/*.md, *.rst, *.py and *.ipynb file.
A notebook is read as the text of its cells' sources (outputs are left out), and a notebook
with a jupytext twin (docs/x.ipynb beside docs/x.md, as 34 of JAX's 35 are) is skipped, so a
page is not counted twice. `jnp.linalg.*` and `jnp.fft.*` are not jax.numpy names here.

The json records the JAX version and commit the counts came from, and says whether that
is the commit jnp_names.json was made from.
"""
import json
import os
import re
import subprocess
import sys

EXTS = ('.md', '.rst', '.py', '.ipynb')
HERE = os.path.dirname(os.path.abspath(__file__))


def sources(path):
  """(commit, version file text, {docs path: text}) from a work tree or a bare git dir."""
  bare = not os.path.isdir(os.path.join(path, 'docs'))
  git = ['git', '--git-dir', path] if bare else ['git', '-C', path]
  run = lambda *args: subprocess.run(git + list(args), check=True, capture_output=True, text=True).stdout
  commit = run('rev-parse', 'HEAD').strip()
  if bare:
    files = [p for p in run('ls-tree', '-r', '--name-only', 'HEAD', 'docs').splitlines() if p.endswith(EXTS)]
    read = lambda p: run('show', f'HEAD:{p}')
  else:
    files = [os.path.relpath(os.path.join(d, f), path).replace(os.sep, '/')
             for d, _, fs in os.walk(os.path.join(path, 'docs')) for f in fs if f.endswith(EXTS)]
    read = lambda p: open(os.path.join(path, p), encoding='utf8').read()
  return commit, read('jax/version.py'), {p: read(p) for p in sorted(files)}


def notebook_text(raw):
  cells = json.loads(raw).get('cells', [])
  return '\n'.join(''.join(c['source']) if isinstance(c['source'], list) else c['source'] for c in cells)


def main():
  path = sys.argv[1]
  commit, version_py, docs = sources(path)
  version = re.search(r'^_version\s*=\s*"([^"]+)"', version_py, re.M).group(1)
  names_json = json.load(open(os.path.join(HERE, 'jnp_names.json')))
  names = set(names_json['names'])
  counts = {n: 0 for n in sorted(names)}
  counted, skipped = [], []
  for p, text in docs.items():
    if p.endswith('.ipynb'):
      if p[:-len('.ipynb')] + '.md' in docs:
        skipped.append(p)
        continue
      text = notebook_text(text)
    counted.append(p)
    for n in re.findall(r'\bjnp\.([A-Za-z_]\w*)\b', text):
      if n in names:
        counts[n] += 1
  same = commit == names_json['commit']
  out = {
    'jax': version,
    'commit': commit,
    'names_from': {'jax': names_json['jax'], 'commit': names_json['commit'], 'same_commit': same},
    'note': 'occurrences of jnp.<name> in docs/**/{*.md,*.rst,*.py,*.ipynb} of this commit; notebooks with a '
            'jupytext .md twin are skipped; made by tests/coverage/jnp_doc_uses.py' +
            ('' if same else '; NOTE: jnp_names.json was made from a different JAX commit'),
    'files': len(counted),
    'total': sum(counts.values()),
    'counts': counts,
  }
  with open(os.path.join(HERE, 'jnp_doc_uses.json'), 'w') as f:
    json.dump(out, f, indent=0)
    f.write('\n')
  used = sum(1 for v in counts.values() if v)
  print(f'jax {version} @ {commit[:12]}: {out["total"]} uses of {used} names in {len(counted)} files '
        f'({len(skipped)} paired notebooks skipped); same commit as jnp_names.json: {same}')


if __name__ == '__main__':
  main()
