// Device-memory bandwidth of laxflow's generated WGSL at large sizes (issue: "run the
// benchmarks at 2^26 and record GB/s against the card's memory bandwidth; targets: fused
// elementwise >= 70%, parallel scan >= 50%").
//
// Each program is lowered by laxflow once; its kernels then run device-resident (inputs
// uploaded once, bench/gpu_raw.ts), K times in one submit, so host transfers and per-submit
// costs drop out: time per run = (t(K) - t(1)) / (K - 1), medians of a few submits. GB/s is
// the traffic a program cannot avoid (every input read once, every output written once)
// over that time; the percentage is against `--peak` GB/s (by default the card's datasheet
// figure when the adapter names a known card). Each program's result is checked against
// the CPU backend first.
//
//   XDG_RUNTIME_DIR=/tmp/xdg-runtime node --import tsx bench/gpu_bandwidth.ts [--log2 26] [--peak 4800] [--runs 20]

import { cpuBackend } from '../src/cpu/backend.js';
import { WebGpuBackend } from '../src/gpu/backend.js';
import { acquireGpu, gpuUnavailableReason } from '../src/gpu/device.js';
import { jit, lax, np, type LaxArray } from '../src/index.js';
import { setBackend } from '../src/scheduler/realize.js';
import { rawProgram } from './gpu_raw.js';
import { numberArg as arg } from './harness.js';

const N = 2 ** arg('log2', 26);
const RUNS = arg('runs', 20);

/** Datasheet memory bandwidth (GB/s) of cards the device machines may have. */
const PEAKS: [RegExp, number][] = [
  [/H200/i, 4800],
  [/H100.*(SXM|HBM3)/i, 3350],
  [/H100/i, 2000],
  [/A100.*80/i, 2039],
  [/A100/i, 1555],
  [/L40S?/i, 864],
  [/A10G?\b/i, 600],
  [/T4\b/i, 320],
];

interface Program {
  name: string;
  /** Bytes a run must move (inputs read once, outputs written once). */
  bytes: number;
  target: number | null;
  build(x: LaxArray): LaxArray;
}

const programs: Program[] = [
  { name: 'fused sqrt((x*x+1)*0.5)', bytes: 8 * N, target: 0.7, build: jit((a: LaxArray) => np.sqrt(a.mul(a).add(1).mul(0.5))) },
  { name: 'sum', bytes: 4 * N, target: null, build: jit((a: LaxArray) => np.sum(a)) },
  { name: 'cumsum (parallel scan)', bytes: 8 * N, target: 0.5, build: jit((a: LaxArray) => np.cumsum(a)) },
  {
    name: 'EMA lax.scan (affine, parallel)',
    bytes: 8 * N,
    target: 0.5,
    build: jit((a: LaxArray) => lax.scan((c: LaxArray, x: LaxArray): [LaxArray, LaxArray] => { const n = c.mul(0.9).add(x.mul(0.1)); return [n, n]; }, np.array(0, { dtype: 'float32' }), a)[1]),
  },
];

const gpu = await acquireGpu();
if (!gpu) {
  console.error(`no WebGPU adapter: ${gpuUnavailableReason()}`);
  process.exit(1);
}
const peak = arg('peak', PEAKS.find(([re]) => re.test(gpu.description))?.[1] ?? NaN);
const backend = new WebGpuBackend();
const { device } = gpu;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const host = new Float32Array(N);
for (let i = 0; i < N; i++) host[i] = ((i * 2654435761) >>> 8) / 2 ** 24;

console.log(`device: ${gpu.description}; N = 2^${Math.log2(N)} float32; peak ${Number.isNaN(peak) ? 'unknown (pass --peak GB/s)' : `${peak} GB/s`}\n`);
const rows: string[][] = [['program', 'kernels', 'dispatches', 'ms/run', 'GB/s', '% of peak', 'target']];
for (const p of programs) {
  try {
    rows.push(await measure(p));
  } catch (e) {
    // A device limit (one binding holds the whole arena) refuses a size: say so, go on.
    if (!(e instanceof RangeError)) throw e;
    rows.push([p.name, '-', '-', '-', '-', '-', `refused: ${e.message.replace(/^laxflow webgpu: /, '').slice(0, 90)}`]);
  }
}

async function measure(p: Program): Promise<string[]> {
  const x = np.array(host);
  // Correctness first: laxflow's WebGPU run against the CPU backend (a sample of elements).
  setBackend(cpuBackend);
  const want = (await p.build(x).data()) as Float32Array;
  setBackend(backend);
  const out = p.build(x);
  const got = (await out.data()) as Float32Array;
  if (backend.last?.ranOn !== 'webgpu') throw new Error(`${p.name} ran on ${backend.last?.ranOn}`);
  const scale = Math.max(1, ...Array.from({ length: 64 }, (_, k) => Math.abs(want[Math.floor((k * (want.length - 1)) / 63)])));
  for (let k = 0; k < 1024; k++) {
    const i = Math.floor((k * (want.length - 1)) / 1023);
    if (!(Math.abs(got[i] - want[i]) <= 1e-3 * scale)) throw new Error(`${p.name}[${i}]: webgpu ${got[i]}, cpu ${want[i]}`);
  }

  // A fresh replay (jit replays are new nodes; `out` is realized now) for the raw runner.
  const raw = await rawProgram(backend, gpu!, p.build(x).node);
  raw.upload();
  const submit = async (k: number) => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < k; i++) raw.encode(pass);
    pass.end();
    const t0 = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
  await submit(1);
  const times = async (k: number, n: number) => {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) ts.push(await submit(k));
    return median(ts);
  };
  const one = await times(1, 5);
  const many = await times(RUNS, 3);
  const ms = Math.max((many - one) / (RUNS - 1), 1e-6);
  raw.destroy();
  const gbs = p.bytes / (ms / 1000) / 1e9;
  const pct = gbs / peak;
  return [p.name, String(raw.kernels), String(raw.dispatches), ms.toFixed(3), gbs.toFixed(1), Number.isNaN(pct) ? '-' : `${(100 * pct).toFixed(0)}%`, p.target === null ? '-' : `>= ${100 * p.target}%${Number.isNaN(pct) ? '' : pct >= p.target ? ' MET' : ' MISSED'}`];
}

const width = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(width[c]) : v.padStart(width[c]))).join('  '));
process.exit(0);
