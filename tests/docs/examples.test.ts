// The examples of README.md and docs/*.md typecheck as written under `strict`, against the
// sources as the packages `laxflow`, `laxflow/rx` and `laxflow/nats`. An example is a ```ts block that
// imports from 'laxflow'; other ts blocks are signature listings and are not compiled.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The ```ts blocks of a markdown text that import from laxflow. */
export function examples(md: string): string[] {
  return [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => /from 'laxflow(\/rx|\/nats)?'/.test(code));
}

describe('documentation examples', () => {
  it('finds the examples (README.md and docs/api.md have some)', () => {
    expect(examples(readFileSync(join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(0);
    expect(examples(readFileSync(join(root, 'docs/api.md'), 'utf8')).length).toBeGreaterThan(1);
    expect(examples("```ts\nconst a = 1;\n```\n```ts\nimport { np } from 'laxflow';\n```\n")).toEqual(["import { np } from 'laxflow';\n"]);
  });

  it('typecheck under strict TypeScript', () => {
    const dir = mkdtempSync(join(tmpdir(), 'laxflow-docs-'));
    const files: string[] = [];
    for (const doc of docs) {
      examples(readFileSync(join(root, doc), 'utf8')).forEach((code, i) => {
        const name = `${doc.replace(/[/.]/g, '_')}_${i}.ts`;
        writeFileSync(join(dir, name), `${code}\nexport {};\n`);
        files.push(name);
      });
    }
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        skipLibCheck: true,
        paths: { laxflow: [join(root, 'src/index.ts')], 'laxflow/rx': [join(root, 'src/rx.ts')], 'laxflow/nats': [join(root, 'src/nats.ts')], '@nats-io/transport-node': [join(root, 'node_modules/@nats-io/transport-node/lib/mod.d.ts')], rxjs: [join(root, 'node_modules/rxjs/dist/types/index.d.ts')] },
        allowImportingTsExtensions: true,
      },
      files,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    let out = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = (e as { stdout: string }).stdout;
    }
    rmSync(dir, { recursive: true, force: true });
    expect(out).toBe('');
  }, 60_000);
});
