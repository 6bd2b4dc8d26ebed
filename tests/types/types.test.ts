// The public types under `strict`: tests/types/usage.ts (what users write without casts)
// compiles, and wrong uses are rejected where the types can tell.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** tsc's diagnostics for `files` (absolute paths) under strict settings; '' when clean. */
function tsc(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'laxflow-types-'));
  const compilerOptions = { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')], skipLibCheck: true };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    return (e as { stdout: string }).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('public types', () => {
  it('accept what users write (tests/types/usage.ts)', () => {
    expect(tsc([join(root, 'tests/types/usage.ts')])).toBe('');
  }, 60_000);

  it('reject wrong uses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'laxflow-bad-'));
    const bad = join(dir, 'bad_usage.ts');
    writeFileSync(
      bad,
      [
        `import { from } from '${join(root, 'node_modules/rxjs/dist/types/index.js')}';`,
        `import { lax, np } from '${join(root, 'src/index.js')}';`,
        `import { ema } from '${join(root, 'src/rx.js')}';`,
        'export const s: string = np.ones([2]).shape;', // shape is number[]
        "from([1]).pipe(ema({ span: 2 })).subscribe((x) => { const y: string = x; });", // a number out
        'lax.scan((c, x) => [c.add(x), c], np.zeros([2]), np.ones([3, 2]))[0].nope;', // the carry is an Array
      ].join('\n'),
    );
    try {
      const out = tsc([bad]);
      expect(out).toMatch(/bad_usage\.ts\(4,14\): error TS2322: Type 'number\[\]' is not assignable to type 'string'/);
      expect(out).toMatch(/bad_usage\.ts\(5,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
      expect(out).toMatch(/bad_usage\.ts\(6,\d+\): error TS2339: Property 'nope' does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
