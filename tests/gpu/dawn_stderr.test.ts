// What a start on WebGPU prints (issues 16 and 17): `init({ backend: 'webgpu' })` keeps
// Dawn's "artificially reduced" limit warnings (printed from native code at adapter
// discovery, src/gpu/dawn_stderr.ts) off stderr, and `npm start -- --backend webgpu` with no
// adapter ends with one line naming why, exit status 2, no stack trace.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutLimitWarnings } from '../../src/gpu/dawn_stderr.js';
import { requireGpu } from './gpu_harness.js';

/**
 * Run node with `args`, its stderr a file (as a terminal, a pipe or a redirect: Node's own
 * child-process pipes are sockets, which dawn_stderr.ts cannot reopen and leaves alone).
 */
function run(args: string[], opts: SpawnSyncOptions): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'laxflow-stderr-'));
  const fd = openSync(join(dir, 'stderr'), 'w');
  try {
    const r = spawnSync(process.execPath, args, { ...opts, stdio: ['ignore', 'pipe', fd], encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: String(r.stdout), stderr: readFileSync(join(dir, 'stderr'), 'utf8') };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg-runtime' };
const script = "import { init, np } from './src/index.ts'; console.log(await init({ backend: 'auto', quiet: true }), JSON.stringify(await np.arange(3).add(1).tolist())); process.exit(0);";

describe('Dawn on stderr', () => {
  it('the limit warnings are dropped, any other line kept', () => {
    const w = (k: string) => `Warning: maxDynamic${k}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.`;
    expect(withoutLimitWarnings(`${w('Uniform')}\n${w('Storage')}\n`)).toBe('');
    expect(withoutLimitWarnings(`${w('Uniform')}\nWarning: vkCreateInstance: Found no drivers!\n${w('Storage')}\n`)).toBe('Warning: vkCreateInstance: Found no drivers!\n');
  });

  it("init({ backend: 'webgpu' }) prints nothing on stderr", (ctx) => {
    const r = run(['--import', 'tsx', '--input-type=module', '-e', script], { env });
    expect(r.status, r.stderr).toBe(0);
    const [backend, values] = r.stdout.trim().split(' ');
    expect(values).toBe('[1,2,3]');
    if (backend !== 'webgpu') {
      if (requireGpu) expect.fail(`LAXFLOW_REQUIRE_GPU is set but the child found no WebGPU adapter (stderr: ${r.stderr})`);
      console.warn('[laxflow gpu] no WebGPU adapter, skipping the stderr check of a WebGPU start');
      ctx.skip();
    }
    expect(r.stderr).toBe('');
  }, 130_000);

  it('npm start -- --backend webgpu without an adapter: one line, exit status 2', () => {
    const r = run(['--import', 'tsx', 'examples/sensors.ts', '--backend', 'webgpu'], { env: { ...env, VK_ICD_FILENAMES: '/nonexistent', VK_DRIVER_FILES: '/nonexistent', LAXFLOW_DAWN_BACKEND: '' } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^npm start: init: no WebGPU adapter is available: Dawn \(npm 'webgpu'\) found no WebGPU adapter \[[^\n]*\n$/);
  }, 130_000);
});
