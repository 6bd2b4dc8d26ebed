// The package as users get it: `npm pack` (its `prepare` builds dist/) on a copy of the
// sources, installed into a fresh project with rxjs (and the NATS clients, the optional peers
// of `laxflow/nats`), then used through `laxflow`, `laxflow/rx`, `laxflow/nats` and the `laxflow` bin. The results must equal the same programs run here on
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
import { partitionOf } from '../../src/nats.js';

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

/** The same kind of program in strict TypeScript: it must typecheck against the package's declarations. */
const typedProgram = `
import { np, lax, random, vmap, jit, type Array as LaxArray, type DType } from 'laxflow';
import { ema, movingAverage, resample, rollingStep, stepOperator, type Snapshot } from 'laxflow/rx';
import { from } from 'rxjs';
const x: LaxArray = np.arange(6).astype('float32').reshape([2, 3]);
const y: LaxArray = x.add(1).mul(x.T.T).sum({ axis: 0 }).at(1).set(7).at(np.slice(0, 2)).add(1);
const dt: DType = y.dtype;
const shape: number[] = x.slice(0, null).shape;
const f = jit((a: LaxArray) => a.sub(a.mean()).div(a.std()));
const g = vmap((a: LaxArray) => np.sqrt(a.pow(2).sum()));
const [last, ys] = lax.scan((c: LaxArray, v: LaxArray): [LaxArray, LaxArray] => [c.add(v), c], np.zeros([3]), x);
const k = random.split(random.key(0)).slice(0);
const r: LaxArray = random.normal(k, [2]);
const op = stepOperator(rollingStep({ window: 3 }, 'var'), { xShape: [3] });
const snap: Snapshot = op.snapshot();
from([1, 2, 3]).pipe(ema({ span: 2 })).subscribe((v: unknown) => v);
const readings = [{ key: 'a', value: 1, t: 0 }, { key: 'a', value: 2, t: '1970-01-01T00:00:01Z' }, { key: 'b', value: null, t: new Date(2000) }];
from(readings).pipe(movingAverage({ window: '30s', maxLateness: '5s', late: (r: unknown) => r })).subscribe((v: unknown) => v);
from(readings).pipe(resample({ every: '1min', stats: ['mean', 'count'] })).subscribe((w) => w.value.mean + w.value.count);
void Promise.all([y.data(), f(x).data(), g(x).data(), last.data(), ys.data(), r.data()]).then(() => [dt, shape, snap]);
`;

/** A strict TypeScript consumer of laxflow/nats (the @nats-io 3.x declarations need lib esnext.disposable). */
const typedNats = `
import { ema } from 'laxflow/rx';
import { runPartitioned, partitionOf, type PartitionedOptions, type RunMetrics } from 'laxflow/nats';
const opts: PartitionedOptions = { servers: 'nats://127.0.0.1:4222', input: 'in', partitions: 8, output: 'out', pipeline: (r$) => r$.pipe(ema({ span: 2 })) };
const start: (o: PartitionedOptions) => Promise<{ metrics(): RunMetrics; stop(): Promise<void> }> = runPartitioned;
const partition: number = partitionOf('k0', 8);
export const used = [opts, start, partition];
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
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, tarball!), 'rxjs@^7.8.0', '@nats-io/transport-node@^3.4.0', '@nats-io/jetstream@^3.4.0', '@nats-io/kv@^3.4.0'], { ...quiet, cwd: app });
    writeFileSync(join(app, 'main.js'), program);
    // A strict TypeScript consumer: the declarations carry the Array methods (installed from np,
    // declared by module augmentation), `.at` updates, the namespaces and the rx operators.
    writeFileSync(join(app, 'typed.ts'), typedProgram);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false }, files: ['typed.ts'] }));
    const tsc = (project: string) => {
      try {
        return execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { ...quiet, cwd: app });
      } catch (e) {
        const { stdout, stderr } = e as { stdout: string; stderr: string };
        throw new Error(`tsc -p ${project}: ${stdout}${stderr}`);
      }
    };
    tsc(app);
    writeFileSync(join(app, 'typed_nats.ts'), typedNats);
    writeFileSync(join(app, 'tsconfig.nats.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { lib: ['ES2022', 'DOM', 'ESNext.Disposable'] }, files: ['typed_nats.ts'] }));
    tsc(join(app, 'tsconfig.nats.json'));
    writeFileSync(join(app, 'typed_bad.ts'), 'import { np } from "laxflow";\nconst n: number = np.zeros([2]).sum();\n');
    writeFileSync(join(app, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.json', files: ['typed_bad.ts'] }));
    expect(() => tsc(join(app, 'tsconfig.bad.json'))).toThrow(/not assignable to type 'number'/);
    const got = JSON.parse(execFileSync(process.execPath, ['main.js'], { ...quiet, cwd: app }).trim());
    expect(got).toEqual(await here());
    // laxflow/nats resolves with its peers installed (nats-server's partition of 'k0' among 8: FNV-1a)
    const nats = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('laxflow/nats'); console.log(typeof m.runPartitioned, m.partitionOf('k0', 8))"], { ...quiet, cwd: app }).trim();
    expect(nats).toBe(`function ${partitionOf('k0', 8)}`);

    // the bin, on NDJSON from stdin (pandas ewm(span=3, adjust=True): (3 + 0.5 * 1) / 1.5; float32 printed shortest)
    const input = ['{"k":"a","v":1}', '{"k":"a","v":3}', '{"k":"b","v":10}'].join('\n') + '\n';
    const lines = execFileSync(join(app, 'node_modules/.bin/laxflow'), ['--key', 'k', '--value', 'v', '--op', 'ema', '--span', '3'], { ...quiet, cwd: app, input }).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.key, l.value, l.ema])).toEqual([['a', 1, 1], ['a', 3, 2.3333333], ['b', 10, 10]]);
    rmSync(tmp, { recursive: true, force: true });
  }, 240_000);
});
