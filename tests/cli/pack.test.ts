// The package as users get it: `npm pack` (its `prepare` builds dist/) on a copy of the
// sources, installed into a fresh project with rxjs, then used through `laxflow`,
// `laxflow/rx` and the `laxflow` bin. The results must equal the same programs run here on
// the sources. (The copy keeps the build away from dist/ of this checkout, which other test
// files may be building at the same time.)

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, from, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { lax, np } from '../../src/index.js';
import { rollingStep, stepOperator } from '../../src/rx.js';

const root = join(import.meta.dirname, '../..');

/** The consumer's program (plain JS), also run here through the sources. */
const program = `
import { np, lax } from 'laxflow';
import { rollingStep, stepOperator } from 'laxflow/rx';
import { from, lastValueFrom, toArray } from 'rxjs';
const [, ys] = lax.scan((c, x) => { const n = c.mul(0.5).add(x); return [n, n]; }, np.zeros([6]), np.arange(30).astype('float32').div(7).reshape([5, 6]));
const rows = Array.from({ length: 9 }, (_, t) => Float32Array.from({ length: 5 }, (_, s) => Math.sin(t + s) * 3));
const out = await lastValueFrom(from(rows).pipe(stepOperator(rollingStep({ window: 3 }, 'var'), { xShape: [5] }), toArray()));
console.log(JSON.stringify({ scan: Array.from(await ys.data()), rolling: out.map((r) => Array.from(r)) }));
`;

async function here(): Promise<unknown> {
  const [, ys] = lax.scan((c: any, x: any) => { const n = c.mul(0.5).add(x); return [n, n]; }, np.zeros([6]), np.arange(30).astype('float32').div(7).reshape([5, 6]));
  const rows = Array.from({ length: 9 }, (_, t) => Float32Array.from({ length: 5 }, (_, s) => Math.sin(t + s) * 3));
  const out = await lastValueFrom(from(rows).pipe(stepOperator(rollingStep({ window: 3 }, 'var'), { xShape: [5] }), toArray()));
  return JSON.parse(JSON.stringify({ scan: Array.from(await (ys as any).data()), rolling: (out as Float32Array[]).map((r) => Array.from(r)) }));
}

describe('the packed package', () => {
  it('installs into a new project and runs the API, laxflow/rx and the bin, equal to the sources', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'laxflow-pack-'));
    const pkg = join(tmp, 'pkg');
    mkdirSync(pkg);
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'src', 'bin', 'docs']) cpSync(join(root, f), join(pkg, f), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    const quiet = { stdio: 'pipe' as const, encoding: 'utf8' as const };
    execFileSync('npm', ['pack', '--pack-destination', tmp, '--silent'], { ...quiet, cwd: pkg });
    const tarball = readdirSync(tmp).find((f) => f.startsWith('laxflow-') && f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, tarball!), 'rxjs@^7.8.0'], { ...quiet, cwd: app });
    writeFileSync(join(app, 'main.js'), program);
    const got = JSON.parse(execFileSync(process.execPath, ['main.js'], { ...quiet, cwd: app }).trim());
    expect(got).toEqual(await here());

    // the bin, on NDJSON from stdin (pandas ewm(span=3, adjust=True): (3 + 0.5 * 1) / 1.5; float32 printed shortest)
    const input = ['{"k":"a","v":1}', '{"k":"a","v":3}', '{"k":"b","v":10}'].join('\n') + '\n';
    const lines = execFileSync(join(app, 'node_modules/.bin/laxflow'), ['--key', 'k', '--value', 'v', '--op', 'ema', '--span', '3'], { ...quiet, cwd: app, input }).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.key, l.value, l.ema])).toEqual([['a', 1, 1], ['a', 3, 2.3333333], ['b', 10, 10]]);
    rmSync(tmp, { recursive: true, force: true });
  }, 240_000);
});
