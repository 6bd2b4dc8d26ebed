// @vitest-environment node
// laxflow in a browser: the built package (tsc, as `npm pack` ships it) loaded as ES modules
// by headless Chromium from a localhost server, with no shims. The same programs run in the
// page on the CPU backend (one thread, an ordinary wasm memory: no SharedArrayBuffer without
// cross-origin isolation) and on WebGPU through `navigator.gpu` (SwiftShader in Chromium),
// and here in Node on the CPU backend: the page's CPU results must equal Node's bit for
// bit, its WebGPU results within float32 tolerances (WGSL's sqrt and division are not
// correctly rounded; integers and random bits are exact).
//
// Needs Debian's `chromium` (LAXFLOW_CHROMIUM to point elsewhere). Without it the file skips
// with a printed reason, except where LAXFLOW_REQUIRE_BROWSER is set (CI), where it fails.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as laxflow from '../../src/index.js';
import { programs } from './programs.js';

const chromiumPath = process.env.LAXFLOW_CHROMIUM ?? '/usr/bin/chromium';
const requireBrowser = !!process.env.LAXFLOW_REQUIRE_BROWSER && process.env.LAXFLOW_REQUIRE_BROWSER !== '0';
const root = path.resolve(import.meta.dirname, '../..');

type Results = Record<string, number[] | string>;
interface PageResults {
  cpu: Results;
  gpu: Results | null;
  threads: number;
  shared: boolean;
  backend: string;
  noGpu: string | null;
}

/**
 * In the page (a string, so that nothing transforms it): the built package, then
 * programs.js on the CPU backend and on WebGPU when there is an adapter.
 */
const inPage = `(async () => {
  const lf = await import('/laxflow/index.js');
  const { threadCount } = await import('/laxflow/cpu/wasm/thread_count.js');
  const { sharedHeap } = await import('/laxflow/cpu/wasm/memory.js');
  const { programs } = await import('/programs.js');
  const cpu = await programs(lf);
  const adapter = 'gpu' in navigator ? await navigator.gpu.requestAdapter() : null;
  let gpu = null;
  let backend = 'cpu';
  if (adapter) {
    backend = await lf.init({ backend: 'webgpu' });
    gpu = await programs(lf);
  }
  return { cpu, gpu, threads: threadCount(), shared: sharedHeap().shared, backend, noGpu: adapter ? null : 'gpu' in navigator ? 'requestAdapter() gave null' : 'no navigator.gpu' };
})()`;

let skipReason: string | null = null;
let server: http.Server | undefined;
let pageResults: PageResults | undefined;
let nodeResults: Results | undefined;
let built: string | undefined;
const consoleLines: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(chromiumPath)) {
    skipReason = `no Chromium at ${chromiumPath} (install Debian's chromium, or set LAXFLOW_CHROMIUM)`;
    if (!requireBrowser) console.warn(`[laxflow browser] skipping the browser tests: ${skipReason}`);
    return;
  }
  // the package as it ships: the build of src/ (a fresh one, so a stale dist/ cannot pass)
  built = fs.mkdtempSync(path.join(os.tmpdir(), 'laxflow-browser-'));
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', built, '--sourceMap', 'false', '--declaration', 'false'], { stdio: 'pipe' });
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><meta charset="utf-8"><title>laxflow</title>');
      return;
    }
    const file = url.pathname === '/programs.js' ? path.join(import.meta.dirname, 'programs.js') : path.join(built!, url.pathname.replace(/^\/laxflow\//, '/'));
    const inside = url.pathname === '/programs.js' || (url.pathname.startsWith('/laxflow/') && file.startsWith(built! + path.sep));
    if (!inside || !fs.existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/javascript');
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    // the machine's closed network: no background connections; WebGPU on SwiftShader
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    pageResults = (await page.evaluate(inPage)) as PageResults;
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
  await laxflow.init({ backend: 'cpu' });
  nodeResults = await programs(laxflow);
}, 120_000);

afterAll(() => {
  server?.close();
  if (built) fs.rmSync(built, { recursive: true, force: true });
});

function need(ctx: { skip: () => void }): boolean {
  if (pageResults) return true;
  if (requireBrowser) expect.fail(`LAXFLOW_REQUIRE_BROWSER is set but the browser tests cannot run: ${skipReason}`);
  ctx.skip();
  return false;
}

const same = (a: number | string, b: number | string) => Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

describe('laxflow in Chromium', () => {
  it('runs on the CPU backend in the page: one thread, an ordinary memory, the same bits as Node', (ctx) => {
    if (!need(ctx)) return;
    const { cpu, threads, shared } = pageResults!;
    expect(threads).toBe(1);
    expect(shared).toBe(false);
    expect(Object.keys(cpu).sort()).toEqual(Object.keys(nodeResults!).sort());
    for (const [k, want] of Object.entries(nodeResults!)) {
      const got = cpu[k];
      if (typeof want === 'string') expect(got, k).toBe(want);
      else expect((got as number[]).every((v, i) => same(v, want[i])) && got.length === want.length, `${k}: ${got} vs ${want}`).toBe(true);
    }
    // JAX: jax.random.split(jax.random.PRNGKey(42)) (jax_threefry_partitionable=True, JAX >= 0.5)
    expect(cpu.split).toEqual([1832780943, 270669613, 64467757, 2916123636]);
  });

  it('runs on WebGPU through navigator.gpu, no shims, within float32 tolerances of the CPU', (ctx) => {
    if (!need(ctx)) return;
    const { gpu, backend, noGpu } = pageResults!;
    if (!gpu) {
      if (requireBrowser) expect.fail(`no WebGPU adapter in Chromium: ${noGpu}`);
      console.warn(`[laxflow browser] no WebGPU adapter in Chromium (${noGpu}): skipping the WebGPU half`);
      ctx.skip();
      return;
    }
    expect(backend).toBe('webgpu');
    // Every program ran on the GPU: the backend announces any schedule it hands to the CPU.
    expect(consoleLines.filter((l) => /on the CPU backend/.test(l))).toEqual([]);
    for (const [k, want] of Object.entries(nodeResults!)) {
      const got = gpu[k];
      if (typeof want === 'string') {
        expect(got, k).toBe(want);
        continue;
      }
      const exact = ['at', 'split', 'bits', 'uniform'].includes(k);
      (got as number[]).forEach((v, i) => {
        if (exact) expect(v, `${k}[${i}]`).toBe(want[i]);
        else expect(Math.abs(v - want[i]), `${k}[${i}]: ${v} vs ${want[i]}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
      });
      expect(got.length, k).toBe(want.length);
    }
  });
});
