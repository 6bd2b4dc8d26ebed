// Stream benchmark: 4096 sensors at a simulated 1 kHz (one Float32Array(4096) row per
// tick), EMA + rolling variance + z-score per sensor, three ways:
//   laxflow   rx operator, xShape [4096]: one vmapped-free scan schedule per micro-batch
//   groupBy   RxJS per-record: each row split into 4096 records, groupBy(sensor) + scan
//   rowScan   RxJS `scan` whose accumulator loops over the row (hand-written JS)
// Two runs each: `flood` (all rows at once: throughput) and `paced` (rows released on a
// real 1 kHz clock; latency from a row's due time to its output, p50/p99, and the time to
// compute each batch). The baselines use the same formulas (pandas ewm adjust=True mean;
// two-pass window variance, ddof=1; z = (x - mean) / std) in float64; the table's last
// column is the largest difference from laxflow's float32 z-scores where both are finite.
//
//   node --import tsx bench/stream.ts [--ticks 1000] [--sensors 4096] [--window 32] [--no-warmup] [--webgpu]
//
// --webgpu adds `laxflow-webgpu`: the laxflow pipeline on the WebGPU backend (needs an adapter).
//
// Each implementation first gets one untimed flood run (warm-up: V8 compiles the baselines'
// loops, laxflow generates and compiles its kernels); --no-warmup measures a cold start.

import { from, groupBy, lastValueFrom, mergeMap, Observable, scan as rxScan, Subject, tap } from 'rxjs';
import { WebGpuBackend } from '../src/gpu/backend.js';
import { acquireGpu, gpuUnavailableReason } from '../src/gpu/device.js';
import { emaStep, fanout, rollingStep, stepOperator, type BatchInfo } from '../src/rx.js';
import { currentBackend, setBackend } from '../src/scheduler/realize.js';

export interface StreamBenchOptions {
  sensors?: number;
  ticks?: number;
  window?: number;
  span?: number;
  hz?: number;
  /** One untimed flood run per implementation first (default true). */
  warmup?: boolean;
  /** Also run the laxflow pipeline on the WebGPU backend (`laxflow-webgpu`). */
  webgpu?: boolean;
}

export interface StreamBenchRow {
  impl: string;
  mode: 'flood' | 'paced';
  rowsPerSecond: number;
  valuesPerSecond: number;
  latencyP50ms: number;
  latencyP99ms: number;
  batchP50ms: number;
  batchP99ms: number;
  batches: number;
  maxZDiff: number;
}

type Impl = (rows: Observable<Float32Array>, onOut: (tick: number, z: ArrayLike<number>) => void, onBatch: (ms: number) => void) => Promise<unknown>;

function rowsOf(sensors: number, ticks: number): Float32Array[] {
  return Array.from({ length: ticks }, (_, t) => Float32Array.from({ length: sensors }, (_, s) => Math.sin(t / 25 + s) * 10 + ((t * 7919 + s * 104729) % 13) / 13 + (s % 100)));
}

/** One sensor's state, as the baselines keep it: pandas ewm (adjust=True) and a window ring. */
class SensorState {
  weighted = NaN;
  oldWt = 1;
  buf: number[] = [];
  constructor(readonly window: number, readonly alpha: number) {}
  push(x: number): number {
    if (this.weighted === this.weighted) {
      this.oldWt *= 1 - this.alpha;
      if (this.weighted !== x) this.weighted = (this.oldWt * this.weighted + x) / (this.oldWt + 1);
      this.oldWt += 1;
    } else this.weighted = x;
    this.buf.push(x);
    if (this.buf.length > this.window) this.buf.shift();
    return this.z(x);
  }
  z(x: number): number {
    const n = this.buf.length;
    if (n < this.window) return NaN;
    let s = 0;
    for (const v of this.buf) s += v;
    const mean = s / n;
    let m2 = 0;
    for (const v of this.buf) m2 += (v - mean) ** 2;
    return (x - mean) / Math.sqrt(m2 / (n - 1));
  }
}

const laxflow = (o: Required<StreamBenchOptions>): Impl => (rows, onOut, onBatch) => {
  const step = fanout({ ema: emaStep({ span: o.span }), roll: rollingStep({ window: o.window }, ['var', 'zscore']) });
  const op = stepOperator(step, { xShape: [o.sensors], maxBatch: 256, maxQueue: 1 << 16, onBatch: (b: BatchInfo) => onBatch(b.ms) });
  let t = 0;
  return lastValueFrom(rows.pipe(op, tap((y: any) => onOut(t++, y.roll.zscore))), { defaultValue: null });
};

let gpuBackend: WebGpuBackend | undefined;

/** The laxflow pipeline with the WebGPU backend set for the whole run. */
const onWebGpu = (impl: Impl): Impl => async (rows, onOut, onBatch) => {
  const before = currentBackend();
  setBackend((gpuBackend ??= new WebGpuBackend()));
  try {
    return await impl(rows, onOut, onBatch);
  } finally {
    setBackend(before);
  }
};

const impls = (o: Required<StreamBenchOptions>): Record<string, Impl> => ({
  laxflow: laxflow(o),
  ...(o.webgpu ? { 'laxflow-webgpu': onWebGpu(laxflow(o)) } : {}),
  groupBy: (rows, onOut) => {
    const alpha = 2 / (o.span + 1);
    let t = 0;
    const z = new Float64Array(o.sensors);
    let filled = 0;
    return lastValueFrom(
      rows.pipe(
        mergeMap((row) => from(Array.from(row, (value, sensor) => ({ sensor, value })))),
        groupBy((r) => r.sensor),
        mergeMap((g) => g.pipe(rxScan((st: { s: SensorState; z: number; sensor: number }, r) => ((st.z = st.s.push(r.value)), st), { s: new SensorState(o.window, alpha), z: NaN, sensor: g.key }))),
        tap((st) => {
          z[st.sensor] = st.z;
          if (++filled === o.sensors) (filled = 0), onOut(t++, z);
        }),
      ),
      { defaultValue: null },
    );
  },
  rowScan: (rows, onOut) => {
    const alpha = 2 / (o.span + 1);
    let t = 0;
    const z = new Float64Array(o.sensors);
    return lastValueFrom(
      rows.pipe(
        rxScan((states: SensorState[], row: Float32Array) => {
          for (let i = 0; i < row.length; i++) z[i] = states[i].push(row[i]);
          return states;
        }, Array.from({ length: o.sensors }, () => new SensorState(o.window, alpha))),
        tap(() => onOut(t++, z)),
      ),
      { defaultValue: null },
    );
  },
});

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

async function runOne(name: string, impl: Impl, rows: Float32Array[], mode: 'flood' | 'paced', hz: number, reference: Float32Array[] | null): Promise<{ row: StreamBenchRow; z: Float32Array[] }> {
  const due: number[] = [];
  const latency: number[] = [];
  const batchMs: number[] = [];
  const zs: Float32Array[] = [];
  const onOut = (t: number, z: ArrayLike<number>) => {
    latency.push(performance.now() - due[t]);
    zs.push(Float32Array.from(z));
  };
  const subject = new Subject<Float32Array>();
  const done = impl(subject, onOut, (ms) => batchMs.push(ms));
  const t0 = performance.now();
  if (mode === 'flood') {
    rows.forEach((r, i) => ((due[i] = t0), subject.next(r)));
  } else {
    // Release every row whose time has come, then yield to the event loop (1 ms timer).
    let next = 0;
    while (next < rows.length) {
      const now = performance.now();
      while (next < rows.length && t0 + (next * 1000) / hz <= now) (due[next] = t0 + (next * 1000) / hz), subject.next(rows[next++]);
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  subject.complete();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  let maxZDiff = 0;
  if (reference) {
    zs.forEach((z, t) => z.forEach((v, i) => {
      const r = reference[t][i];
      if (Number.isFinite(v) && Number.isFinite(r)) maxZDiff = Math.max(maxZDiff, Math.abs(v - r));
    }));
  }
  const sensors = rows[0].length;
  return {
    row: {
      impl: name,
      mode,
      rowsPerSecond: rows.length / seconds,
      valuesPerSecond: (rows.length * sensors) / seconds,
      latencyP50ms: pct(latency, 50),
      latencyP99ms: pct(latency, 99),
      batchP50ms: pct(batchMs, 50),
      batchP99ms: pct(batchMs, 99),
      batches: batchMs.length || rows.length,
      maxZDiff,
    },
    z: zs,
  };
}

export async function streamBench(opts: StreamBenchOptions = {}): Promise<StreamBenchRow[]> {
  const o: Required<StreamBenchOptions> = { sensors: 4096, ticks: 1000, window: 32, span: 20, hz: 1000, warmup: true, webgpu: false, ...opts };
  const rows = rowsOf(o.sensors, o.ticks);
  const out: StreamBenchRow[] = [];
  let reference: Float32Array[] | null = null;
  for (const [name, impl] of Object.entries(impls(o))) {
    // Warm-up (untimed): one flood run, so every implementation is measured with its code
    // compiled by V8 (and laxflow's kernels generated); a long-running stream pays that once.
    if (o.warmup) await runOne(name, impl, rows, 'flood', o.hz, null);
    for (const mode of ['flood', 'paced'] as const) {
      const { row, z } = await runOne(name, impl, rows, mode, o.hz, reference);
      if (name === 'laxflow' && mode === 'flood') reference = z;
      out.push(row);
    }
  }
  return out;
}

export function formatStreamBench(rows: StreamBenchRow[]): string {
  const head = ['impl', 'mode', 'rows/s', 'values/s', 'lat p50 ms', 'lat p99 ms', 'batch p50 ms', 'batch p99 ms', 'batches', 'max |dz|'];
  const body = rows.map((r) => [r.impl, r.mode, r.rowsPerSecond.toFixed(0), r.valuesPerSecond.toExponential(2), r.latencyP50ms.toFixed(1), r.latencyP99ms.toFixed(1), r.batchP50ms.toFixed(2), r.batchP99ms.toFixed(2), String(r.batches), r.maxZDiff.toExponential(1)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((r) => r.map((c, i) => c.padStart(width[i])).join('  ')).join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (n: string) => {
    const i = process.argv.indexOf(`--${n}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const o = { ticks: arg('ticks'), sensors: arg('sensors'), window: arg('window') };
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const webgpu = process.argv.includes('--webgpu');
  if (webgpu && !(await acquireGpu())) {
    console.error(`--webgpu: no WebGPU adapter (${gpuUnavailableReason()})`);
    process.exit(1);
  }
  const rows = await streamBench({ ...given, warmup: !process.argv.includes('--no-warmup'), webgpu });
  console.log(`stream: ${o.sensors ?? 4096} sensors, ${o.ticks ?? 1000} ticks at 1 kHz, EMA(span 20) + rolling var + z-score (window ${o.window ?? 32})\n`);
  console.log(formatStreamBench(rows));
  if (webgpu) console.log(`\nlaxflow-webgpu ran on: ${gpuBackend?.last?.ranOn ?? 'nothing'} (${(await acquireGpu())?.description})`);
  process.exit(0);
}
