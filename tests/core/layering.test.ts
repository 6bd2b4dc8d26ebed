// The import rules of src (docs/architecture.md, "Layers"): layers point down only,
// graph <- scheduler <- backends (cpu, gpu) <- operators <- random, nats <- entry points (src/*.ts)
// <- the command line (src/cli); config.ts is a leaf anything may read; the two
// backends never import each other (a GPU program that falls back to the CPU asks the
// realization layer); and no two files import each other, directly or through others,
// type-only imports included.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Relative imports of a file (static, type-only, re-exports and dynamic), as paths under src. */
export function importsOf(file: string, text: string): string[] {
  const found = new Set<string>();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const re = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;
  for (const m of code.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    found.add(relative(SRC, normalize(join(dirname(file), spec))).replace(/\.js$/, '.ts'));
  }
  return [...found];
}

const files = sourceFiles(SRC).map((f) => relative(SRC, f));
const graph = new Map(files.map((f) => [f, importsOf(join(SRC, f), readFileSync(join(SRC, f), 'utf8'))]));

/** The layer of a file: its folder under src; files at the top are entry points, but config.ts (a leaf). */
function layerOf(f: string): string {
  if (f === 'config.ts') return 'config';
  return f.includes('/') ? f.split('/')[0] : 'entry';
}
const RANK: Record<string, number> = { config: 0, graph: 0, scheduler: 1, cpu: 2, gpu: 2, operators: 3, random: 4, nats: 4, entry: 5, cli: 6 };

/** Strongly connected components of more than one file (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('the import rules of src', () => {
  it('finds the imports it checks (the parser reads every form)', () => {
    const text = "// import { z } from './z.js';\nimport type { A } from './a.js';\nimport { b } from '../b.js';\nexport * as c from './c/c.js';\nconst d = await import('./d.js');\nimport './e.js';\n";
    expect(importsOf(join(SRC, 'operators/x.ts'), text).sort()).toEqual(['b.ts', 'operators/a.ts', 'operators/c/c.ts', 'operators/d.ts', 'operators/e.ts']);
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get('operators/nodes.ts')).toContain('graph/node.ts');
  });

  it('every import resolves to a file of src', () => {
    const missing = [...graph].flatMap(([f, to]) => to.filter((t) => !graph.has(t)).map((t) => `${f} -> ${t}`));
    expect(missing).toEqual([]);
  });

  it('layers point down only, and the backends never import each other', () => {
    const bad: string[] = [];
    for (const [f, to] of graph) {
      for (const t of to) {
        const [a, b] = [layerOf(f), layerOf(t)];
        if (a === b) continue;
        if (a === 'config' || RANK[b] >= RANK[a]) bad.push(`${f} (${a}) -> ${t} (${b})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the user API and the streams reach the scheduler only through the realization layer and the fusion rules', () => {
    // realize.ts runs graphs, program.ts runs compiled programs (a stream's batch step)
    const allowed = new Set(['scheduler/realize.ts', 'scheduler/program.ts', 'scheduler/boundaries.ts']);
    const bad = [...graph].filter(([f]) => layerOf(f) === 'operators' || layerOf(f) === 'random').flatMap(([f, to]) => to.filter((t) => layerOf(t) === 'scheduler' && !allowed.has(t)).map((t) => `${f} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it('no file circles (type-only imports included)', () => {
    expect(cycles(graph)).toEqual([]);
    // the check itself finds a circle
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });
});
