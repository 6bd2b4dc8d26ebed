// Stream benchmark: laxflow's flagship pipeline, EMA(span 20) + rolling variance + z-score
// (window 32) per sensor, against the strongest alternatives we know, in two cases:
//
// `rows`: 4096 sensors at a simulated 1 kHz, one Float32Array(4096) row per tick.
//   plain-js  the strong plain-JS loop below, fed through RxJS `scan`, one row per emission
//   c         the same loop in C (bench/stream_ref.c: float32, one thread), built here with the
//             system `cc -O3 -march=native` and run as a child process that times itself on
//             the same rows (written to a temp file); skipped, with the reason, without `cc`
//   groupBy   "what the docs suggest": RxJS per record, each row split into 4096 records,
//             groupBy(sensor) + scan over a naive per-sensor state (array window, two-pass var)
//   laxflow   stepOperator(fanout(emaStep, rollingStep)), xShape [4096], micro-batched
// Each runs `flood` (all rows at once: throughput) after an untimed one: groupBy once, first;
// then plain-js and laxflow --floods times (default 5) in rounds, each once per round in
// turn, so a slow minute of the machine falls on both; a rate is the median flood's. Then
// laxflow and plain-js run `paced` (rows released on a real 1 kHz clock: latency from a
// row's due time to its output, and laxflow's compute per batch, p50/p99).
//
// `keyed K`: records { key, value } (a number each), keys drawn uniformly from K (10^3 and
// 10^5) with a fixed-seed PRNG, in emissions (chunks) of 64 records, flood. Untimed first:
// one record for every key (in chunks of 8192), so the timed records meet all K keys' state.
//   plain-js  the strong keyed loop below (a Map from key to a slot in typed arrays), emitting
//             per chunk Float32Arrays of its records' EMA, var and z
//   c         the same keyed loop in C (an open-addressing hash table from key to slot)
//   laxflow   the same laxflow step on keyed records, maxBatch 64: one batch per chunk
// A timed run sends the chunks in groups of 8, awaiting each group's outputs, and stops after
// --keyed-seconds (default 3) or --records (default 2^19), whichever comes first; agreement
// is checked on the records both implementations ran. us/batch is wall time per chunk;
// laxflow's batch p50/p99 is its compute per batch. With 10^5 keys no key fills its window
// (2^19 records are about 5 per key), so z is NaN everywhere there and only the EMA is compared.
//
// The strong plain loop (plain-js and c; per sensor, or per key, O(1) per value):
//   state, struct of arrays over sensors: EMA `w`, reference `k`, running `sum` and `sq` of
//   the window's values minus k, and one ring buffer [window x sensors] of raw values
//   (keyed: per-slot arrays and a ring [slots x window], and the pandas weight per slot).
//   per value x at step t (t counted per sensor or key):
//   1. EMA, pandas ewm(span, adjust=True) mean: at t = 0 w = x; after that
//      oldWt *= 1 - alpha; w = (oldWt * w + x) / (oldWt + 1); oldWt += 1   (oldWt starts at 1,
//      alpha = 2 / (span + 1); rows share one oldWt, as every sensor has a value every step)
//   2. window: at t = 0 k = x (the sensor's first value). d = x - k; the value leaving the
//      ring slot t % window (once t >= window), minus k, is l; sum += d - l; sq += d^2 - l^2;
//      the slot takes x.
//   3. every `window` steps (when slot window-1 was written) an exact re-sum over the ring:
//      k moves to the window's mean, then sum and sq are recomputed from the raw values, so
//      rounding never accumulates over more than one window (O(window) per window steps).
//   4. once the window is full (t >= window - 1; NaN before, as pandas' min_periods =
//      window): m = sum / window; var = max((sq - sum * m) / (window - 1), 0) (ddof 1);
//      z = (d - m) / sqrt(var), with d taken relative to the current k.
//   Outputs (EMA, var, z) are fresh arrays per emission (the consumer may keep them): one
//   Float32Array(3 * sensors) per row; per keyed chunk, Float32Arrays of its records' values.
//   The input has no missing values and the baselines do not handle NaN (laxflow does,
//   with pandas' semantics); they compute in float64 (c: float32).
//
// Agreement: every run's z-scores and EMAs are compared with laxflow's flood outputs (plain-js's
// when laxflow is not run): the largest |dz| where both are finite, the largest relative EMA
// difference, and positions finite in one and not the other. Beyond the tolerances the bench
// prints DISAGREEMENT and exits 1.
//
// Order: groupBy first (its millions of records are garbage before the timed rounds), then
// the rounds above. Running laxflow does not slow the plain loop after it (alternated in one
// process: 74-85 ms per 1000 rows before, 75-82 after). Each implementation first gets one
// untimed flood run (V8 compiles the loops, laxflow generates and compiles its kernels); --no-warmup
// measures a cold start. The C child runs one untimed pass and then timed passes for 0.3 s
// on its own clock (its rate has no RxJS, process start or file I/O in it).
//
//   node --import tsx bench/stream.ts [--ticks 1000] [--sensors 4096] [--window 32]
//     [--keys 1000,100000] [--records 524288] [--keyed-seconds 3] [--floods 5] [--only plain-js,c,groupBy,laxflow]
//     [--cases rows,keyed] [--no-warmup] [--webgpu]
//
// --webgpu adds `laxflow-webgpu` (rows case): the laxflow pipeline on the WebGPU backend.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, groupBy, lastValueFrom, mergeMap, Observable, scan as rxScan, Subject, tap } from 'rxjs';
import { WebGpuBackend } from '../src/gpu/backend.js';
import { acquireGpu, gpuUnavailableReason } from '../src/gpu/device.js';
import { emaStep, fanout, rollingStep, stepOperator, type BatchInfo } from '../src/rx.js';
import { currentBackend, setBackend } from '../src/scheduler/realize.js';
import { rng } from './data.js';
import { percentile as pct } from './harness.js';

export interface StreamBenchOptions {
  sensors?: number;
  ticks?: number;
  window?: number;
  span?: number;
  hz?: number;
  /** Key counts of the keyed case (default 10^3 and 10^5); [] skips it. */
  keys?: number[];
  /** Records per keyed run (default 2^19) and per emission (default 64). */
  records?: number;
  chunk?: number;
  /** Most seconds per timed keyed run (default 3): a slow implementation stops early; agreement is checked on the records both ran. */
  keyedSeconds?: number;
  /** Implementations to run (default all): plain-js, c, groupBy, laxflow. */
  only?: string[];
  /** Cases to run (default both): rows, keyed. */
  cases?: string[];
  /** One untimed flood run per implementation first (default true). */
  warmup?: boolean;
  /** Timed floods per implementation in the rows case (default 5; groupBy runs one): its rate is their median. */
  floods?: number;
  /** Also run the laxflow pipeline on the WebGPU backend (`laxflow-webgpu`). */
  webgpu?: boolean;
}

export interface StreamBenchRow {
  /** 'rows' or 'keyed K'. */
  case: string;
  impl: string;
  mode: 'flood' | 'paced';
  /** Rows (records for keyed) per second; values per second counts one per sensor and row. */
  rowsPerSecond: number;
  valuesPerSecond: number;
  nsPerValue: number;
  /** laxflow's flood rate in this case over this row's (flood rows only). */
  laxflowRatio: number;
  latencyP50ms: number;
  latencyP99ms: number;
  batchP50ms: number;
  batchP99ms: number;
  batches: number;
  /** Wall time per batch (keyed: per emitted chunk), microseconds. */
  usPerBatch: number;
  /** Against the reference outputs: largest |dz| where both finite, largest relative EMA difference, finite-vs-NaN positions. */
  maxZDiff: number;
  maxEmaDiff: number;
  nanMismatches: number;
  note: string;
}

/** Tolerances of the agreement check (z-scores are O(1); float32 against float64). */
const Z_TOLERANCE = 1e-2;
const EMA_TOLERANCE = 1e-4;

type Outputs = { z: Float32Array; ema: Float32Array };
type OnOut = (t: number, z: ArrayLike<number>, ema: ArrayLike<number>) => void;
type Impl = (rows: Observable<Float32Array>, onOut: OnOut, onBatch: (ms: number) => void) => Promise<unknown>;

export function rowsOf(sensors: number, ticks: number): Float32Array[] {
  return Array.from({ length: ticks }, (_, t) => Float32Array.from({ length: sensors }, (_, s) => Math.sin(t / 25 + s) * 10 + ((t * 7919 + s * 104729) % 13) / 13 + (s % 100)));
}

// ---- the strong plain-JS loops (the header states the algorithm) ----

/** Rolling statistics and EMA of S sensors, one row per push. */
export class RowStats {
  readonly w: Float64Array;
  readonly k: Float64Array;
  readonly sum: Float64Array;
  readonly sq: Float64Array;
  readonly ring: Float64Array;
  t = 0;
  oldWt = 1;
  last: { ema: Float32Array; var: Float32Array; z: Float32Array } | null = null;
  constructor(
    readonly S: number,
    readonly W: number,
    readonly alpha: number,
  ) {
    [this.w, this.k, this.sum, this.sq] = [0, 1, 2, 3].map(() => new Float64Array(S));
    this.ring = new Float64Array(W * S);
  }

  push(x: Float32Array): this {
    const { S, W, w, k, sum, sq, ring } = this;
    const t = this.t++;
    const out = new Float32Array(3 * S);
    const ema = out.subarray(0, S);
    const vr = out.subarray(S, 2 * S);
    const z = out.subarray(2 * S);
    const at = (t % W) * S;
    let a = 0;
    let b = 1;
    if (t === 0) k.set(x);
    else {
      this.oldWt *= 1 - this.alpha;
      a = this.oldWt / (this.oldWt + 1);
      b = 1 / (this.oldWt + 1);
      this.oldWt += 1;
    }
    const inv = 1 / W;
    const inv1 = 1 / (W - 1);
    if (t >= W) {
      // the steady state: one pass, no branches
      for (let s = 0; s < S; s++) {
        const xs = x[s];
        const ks = k[s];
        const we = a * w[s] + b * xs;
        w[s] = we;
        ema[s] = we;
        const d = xs - ks;
        const l = ring[at + s] - ks;
        ring[at + s] = xs;
        const su = sum[s] + d - l;
        const q = sq[s] + d * d - l * l;
        sum[s] = su;
        sq[s] = q;
        const m = su * inv;
        const v = Math.max((q - su * m) * inv1, 0);
        vr[s] = v;
        z[s] = (d - m) / Math.sqrt(v);
      }
    } else {
      for (let s = 0; s < S; s++) {
        const xs = x[s];
        const we = a * w[s] + b * xs;
        w[s] = we;
        ema[s] = we;
        const d = xs - k[s];
        ring[at + s] = xs;
        sum[s] += d;
        sq[s] += d * d;
        vr[s] = NaN;
        z[s] = NaN;
      }
    }
    if (t % W === W - 1) {
      this.resum();
      for (let s = 0; s < S; s++) {
        const m = sum[s] * inv;
        const v = Math.max((sq[s] - sum[s] * m) * inv1, 0);
        vr[s] = v;
        z[s] = (x[s] - k[s] - m) / Math.sqrt(v);
      }
    }
    this.last = { ema, var: vr, z };
    return this;
  }

  /** Exact window sums, the reference moved to the window's mean. */
  private resum(): void {
    const { S, W, k, sum, sq, ring } = this;
    sum.fill(0);
    for (let j = 0; j < W; j++) for (let s = 0; s < S; s++) sum[s] += ring[j * S + s] - k[s];
    for (let s = 0; s < S; s++) (k[s] += sum[s] / W), (sum[s] = 0), (sq[s] = 0);
    for (let j = 0; j < W; j++) {
      for (let s = 0; s < S; s++) {
        const d = ring[j * S + s] - k[s];
        sum[s] += d;
        sq[s] += d * d;
      }
    }
  }
}

interface KeyedRec {
  key: number;
  value: number;
}

/** The same statistics per key: a Map from key to a slot in typed arrays; O(1) per record (amortized). */
class KeyedStats {
  readonly slot = new Map<number, number>();
  size = 0;
  cap = 1024;
  w = new Float64Array(this.cap);
  oldWt = new Float64Array(this.cap);
  k = new Float64Array(this.cap);
  sum = new Float64Array(this.cap);
  sq = new Float64Array(this.cap);
  n = new Int32Array(this.cap);
  ring: Float64Array;
  last: { records: KeyedRec[]; ema: Float32Array; var: Float32Array; z: Float32Array } | null = null;
  constructor(
    readonly W: number,
    readonly alpha: number,
  ) {
    this.ring = new Float64Array(this.cap * W);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const more = <T extends Float64Array | Int32Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    [this.w, this.oldWt, this.k, this.sum, this.sq] = [this.w, this.oldWt, this.k, this.sum, this.sq].map((a) => more(a));
    this.n = more(this.n);
    this.ring = more(this.ring, this.W);
    this.cap = cap;
  }

  push(records: KeyedRec[]): this {
    const { W, alpha } = this;
    const B = records.length;
    const out = new Float32Array(3 * B);
    const ema = out.subarray(0, B);
    const vr = out.subarray(B, 2 * B);
    const z = out.subarray(2 * B);
    for (let j = 0; j < B; j++) {
      const { key, value: x } = records[j];
      let i = this.slot.get(key);
      if (i === undefined) {
        if (this.size === this.cap) this.grow();
        i = this.size++;
        this.slot.set(key, i);
      }
      const { w, k, sum, sq, ring } = this;
      const c = this.n[i]++;
      const base = i * W;
      let d: number;
      if (c === 0) {
        w[i] = x;
        this.oldWt[i] = 1;
        k[i] = x;
        d = 0;
        sum[i] = 0;
        sq[i] = 0;
        ring[base] = x;
      } else {
        const ow = this.oldWt[i] * (1 - alpha);
        w[i] = (ow * w[i] + x) / (ow + 1);
        this.oldWt[i] = ow + 1;
        const p = c % W;
        d = x - k[i];
        if (c >= W) {
          const l = ring[base + p] - k[i];
          sum[i] += d - l;
          sq[i] += d * d - l * l;
        } else {
          sum[i] += d;
          sq[i] += d * d;
        }
        ring[base + p] = x;
        if (p === W - 1) {
          // exact re-sum, the reference moved to the window's mean
          let s = 0;
          for (let r = base; r < base + W; r++) s += ring[r];
          k[i] = s / W;
          let s1 = 0;
          let s2 = 0;
          for (let r = base; r < base + W; r++) {
            const e = ring[r] - k[i];
            s1 += e;
            s2 += e * e;
          }
          sum[i] = s1;
          sq[i] = s2;
          d = x - k[i];
        }
      }
      ema[j] = w[i];
      if (c + 1 >= W) {
        const m = sum[i] / W;
        const v = Math.max((sq[i] - sum[i] * m) / (W - 1), 0);
        vr[j] = v;
        z[j] = (d - m) / Math.sqrt(v);
      } else {
        vr[j] = NaN;
        z[j] = NaN;
      }
    }
    this.last = { records, ema, var: vr, z };
    return this;
  }
}

/** One sensor's state, as the groupBy pipeline keeps it: pandas ewm (adjust=True) and an array window (naive, O(window) per value). */
class SensorState {
  weighted = NaN;
  oldWt = 1;
  buf: number[] = [];
  constructor(
    readonly window: number,
    readonly alpha: number,
  ) {}
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

// ---- the implementations of the rows case ----

const laxflowStep = (o: Required<StreamBenchOptions>) => fanout({ ema: emaStep({ span: o.span }), roll: rollingStep({ window: o.window }, ['var', 'zscore']) });

const laxflow = (o: Required<StreamBenchOptions>): Impl => (rows, onOut, onBatch) => {
  const op = stepOperator(laxflowStep(o), { xShape: [o.sensors], maxBatch: 256, maxQueue: 1 << 16, onBatch: (b: BatchInfo) => onBatch(b.ms) });
  let t = 0;
  return lastValueFrom(rows.pipe(op, tap((y: any) => onOut(t++, y.roll.zscore, y.ema))), { defaultValue: null });
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

const plainJs = (o: Required<StreamBenchOptions>): Impl => (rows, onOut) => {
  let t = 0;
  return lastValueFrom(
    rows.pipe(
      rxScan((st: RowStats, row: Float32Array) => st.push(row), new RowStats(o.sensors, o.window, 2 / (o.span + 1))),
      tap((st) => onOut(t++, st.last!.z, st.last!.ema)),
    ),
    { defaultValue: null },
  );
};

const groupByImpl = (o: Required<StreamBenchOptions>): Impl => (rows, onOut) => {
  const alpha = 2 / (o.span + 1);
  let t = 0;
  const z = new Float64Array(o.sensors);
  const ema = new Float64Array(o.sensors);
  let filled = 0;
  return lastValueFrom(
    rows.pipe(
      mergeMap((row) => from(Array.from(row, (value, sensor) => ({ sensor, value })))),
      groupBy((r) => r.sensor),
      mergeMap((g) => g.pipe(rxScan((st: { s: SensorState; z: number; sensor: number }, r) => ((st.z = st.s.push(r.value)), st), { s: new SensorState(o.window, alpha), z: NaN, sensor: g.key }))),
      tap((st) => {
        z[st.sensor] = st.z;
        ema[st.sensor] = st.s.weighted;
        if (++filled === o.sensors) (filled = 0), onOut(t++, z, ema);
      }),
    ),
    { defaultValue: null },
  );
};

// ---- running and checking ----

function emptyRow(kase: string, impl: string, mode: 'flood' | 'paced'): StreamBenchRow {
  return {
    case: kase,
    impl,
    mode,
    rowsPerSecond: NaN,
    valuesPerSecond: NaN,
    nsPerValue: NaN,
    laxflowRatio: NaN,
    latencyP50ms: NaN,
    latencyP99ms: NaN,
    batchP50ms: NaN,
    batchP99ms: NaN,
    batches: 0,
    usPerBatch: NaN,
    maxZDiff: NaN,
    maxEmaDiff: NaN,
    nanMismatches: 0,
    note: '',
  };
}

function rates(row: StreamBenchRow, steps: number, lanes: number, seconds: number): void {
  row.rowsPerSecond = steps / seconds;
  row.valuesPerSecond = (steps * lanes) / seconds;
  row.nsPerValue = (seconds * 1e9) / (steps * lanes);
}

async function runRows(name: string, impl: Impl, rows: Float32Array[], mode: 'flood' | 'paced', hz: number): Promise<{ row: StreamBenchRow; out: Outputs }> {
  const sensors = rows[0].length;
  const due: number[] = [];
  const latency: number[] = [];
  const batchMs: number[] = [];
  const out: Outputs = { z: new Float32Array(rows.length * sensors), ema: new Float32Array(rows.length * sensors) };
  out.z.fill(1), out.ema.fill(1); // page the sinks in before the clock starts
  const onOut: OnOut = (t, z, ema) => {
    latency.push(performance.now() - due[t]);
    out.z.set(z, t * sensors);
    out.ema.set(ema, t * sensors);
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
  const row = emptyRow('rows', name, mode);
  rates(row, rows.length, sensors, seconds);
  Object.assign(row, { latencyP50ms: pct(latency, 50), latencyP99ms: pct(latency, 99), batchP50ms: pct(batchMs, 50), batchP99ms: pct(batchMs, 99), batches: batchMs.length || rows.length });
  row.usPerBatch = (seconds * 1e6) / row.batches;
  return { row, out };
}

/** Fills the row's agreement columns: `out` against `ref` (either may be missing an EMA). */
function compare(row: StreamBenchRow, out: Outputs, ref: Outputs): void {
  let dz = 0;
  let de = 0;
  let mismatches = 0;
  const n = Math.min(out.z.length, ref.z.length);
  for (let i = 0; i < n; i++) {
    const a = out.z[i];
    const b = ref.z[i];
    const fa = Number.isFinite(a);
    if (fa && Number.isFinite(b)) dz = Math.max(dz, Math.abs(a - b));
    else if (fa !== Number.isFinite(b)) mismatches++;
  }
  if (out.ema.length && ref.ema.length) for (let i = 0; i < n; i++) de = Math.max(de, Math.abs(out.ema[i] - ref.ema[i]) / Math.max(1, Math.abs(ref.ema[i])));
  row.maxZDiff = dz;
  row.maxEmaDiff = out.ema.length && ref.ema.length ? de : NaN;
  row.nanMismatches = mismatches;
}

const disagrees = (r: StreamBenchRow) => r.maxZDiff > Z_TOLERANCE || r.maxEmaDiff > EMA_TOLERANCE || r.nanMismatches > 0;

// ---- the C reference ----

let cBuild: { exe: string; dir: string } | { reason: string } | undefined;

/** Builds bench/stream_ref.c once per process into a temp dir; a reason when it cannot. */
function buildC(): { exe: string; dir: string } | { reason: string } {
  if (cBuild) return cBuild;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'laxflow-stream-'));
  const exe = path.join(dir, 'stream_ref');
  const src = fileURLToPath(new URL('./stream_ref.c', import.meta.url));
  try {
    execFileSync('cc', ['-O3', '-march=native', '-fno-math-errno', '-o', exe, src, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    cBuild = { exe, dir };
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  } catch (e: any) {
    rmSync(dir, { recursive: true, force: true });
    const why = e?.code === 'ENOENT' ? 'no `cc` on PATH' : `\`cc -O3 -march=native\` failed: ${String(e?.stderr ?? e?.message ?? e).trim().split('\n').slice(0, 3).join(' | ')}`;
    cBuild = { reason: why };
  }
  return cBuild;
}

/**
 * Runs the C reference in `mode` on `input` (written to the temp dir) for `steps` timed steps
 * of `lanes` values; its outputs are `n` z-scores then `n` EMAs. A row with a note saying why
 * when it cannot run.
 */
function runCRef(kase: string, mode: 'rows' | 'keyed', input: Uint8Array, args: (string | number)[], steps: number, lanes: number, n: number): { row: StreamBenchRow; out: Outputs | null } {
  const row = emptyRow(kase, 'c', 'flood');
  const built = buildC();
  if ('reason' in built) return (row.note = `c column skipped: ${built.reason}`), { row, out: null };
  const inFile = path.join(built.dir, `${mode}.in`);
  const outFile = path.join(built.dir, `${mode}.out`);
  try {
    writeFileSync(inFile, input);
    const text = execFileSync(built.exe, [mode, inFile, outFile, ...args.map(String), '0.3'], { encoding: 'utf8', timeout: 120_000 });
    const res = JSON.parse(text.trim().split('\n').pop()!) as { stepsPerSecond: number; passes: number; seconds: number; checksum: number };
    const bytes = readFileSync(outFile);
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const z = all.subarray(0, n);
    let checksum = 0;
    for (const v of z) if (Number.isFinite(v)) checksum += v;
    rates(row, steps, lanes, steps / res.stepsPerSecond);
    row.batches = 1;
    const same = Math.abs(checksum - res.checksum) <= 1e-6 * Math.max(1, Math.abs(checksum));
    row.note = `c: ${res.passes} timed passes in ${res.seconds.toFixed(2)} s; z checksum ${res.checksum.toFixed(3)}${same ? ' (matches its z output)' : ` DOES NOT MATCH its z output's ${checksum.toFixed(3)}`}`;
    return { row, out: { z, ema: all.subarray(n, 2 * n) } };
  } catch (e: any) {
    row.note = `c column skipped: the reference run failed: ${String(e?.stderr || e?.message || e).trim().split('\n')[0]}`;
    return { row, out: null };
  } finally {
    rmSync(inFile, { force: true });
    rmSync(outFile, { force: true });
  }
}

function runC(rows: Float32Array[], o: Required<StreamBenchOptions>): { row: StreamBenchRow; out: Outputs | null } {
  const S = rows[0].length;
  const all = new Float32Array(rows.length * S);
  rows.forEach((r, t) => all.set(r, t * S));
  const res = runCRef('rows', 'rows', new Uint8Array(all.buffer), [rows.length, S, o.window, o.span], rows.length, S, all.length);
  res.row.batches = rows.length;
  res.row.usPerBatch = 1e6 / res.row.rowsPerSecond;
  return res;
}

/** The keyed C reference on the priming records and then every timed record (as int32 keys, then float32 values). */
function runCKeyed(keys: number, chunks: KeyedRec[][], o: Required<StreamBenchOptions>): { row: StreamBenchRow; out: Outputs | null } {
  const records = [...primingChunks(keys), ...chunks].flat();
  const priming = records.length - chunks.reduce((n, c) => n + c.length, 0);
  const buf = new ArrayBuffer(records.length * 8);
  const k = new Int32Array(buf, 0, records.length);
  const v = new Float32Array(buf, records.length * 4, records.length);
  records.forEach((r, i) => ((k[i] = r.key), (v[i] = r.value)));
  const n = records.length - priming;
  const res = runCRef(`keyed ${keys}`, 'keyed', new Uint8Array(buf), [priming, n, keys, o.window, o.span], n, 1, n);
  res.row.batches = chunks.length;
  res.row.usPerBatch = (n / res.row.rowsPerSecond / chunks.length) * 1e6;
  return res;
}

// ---- the keyed case ----

function keyedChunks(keys: number, records: number, chunk: number): KeyedRec[][] {
  const r = rng(15 + keys);
  const chunks: KeyedRec[][] = [];
  for (let j = 0; j < records; j += chunk) {
    const c: KeyedRec[] = [];
    for (let i = j; i < Math.min(records, j + chunk); i++) {
      const key = Math.floor(r() * keys);
      c.push({ key, value: Math.fround(Math.sin(i / 97 + key) * 10 + ((i * 7919 + key * 104729) % 13) / 13 + (key % 100)) });
    }
    chunks.push(c);
  }
  return chunks;
}

type KeyedImpl = (chunks: Observable<KeyedRec[]>, onOut: (j: number, z: number, ema: number) => void, onBatch: (ms: number) => void) => Promise<unknown>;

const keyedImpls = (o: Required<StreamBenchOptions>): Record<string, KeyedImpl> => ({
  'plain-js': (chunks, onOut) => {
    let j = 0;
    return lastValueFrom(
      chunks.pipe(
        rxScan((st: KeyedStats, c: KeyedRec[]) => st.push(c), new KeyedStats(o.window, 2 / (o.span + 1))),
        tap((st) => {
          const { z, ema } = st.last!;
          for (let i = 0; i < z.length; i++) onOut(j++, z[i], ema[i]);
        }),
      ),
      { defaultValue: null },
    );
  },
  laxflow: (chunks, onOut, onBatch) => {
    const op = stepOperator(laxflowStep(o), { keyed: true, maxBatch: o.chunk, maxQueue: 1 << 22, onBatch: (b: BatchInfo) => onBatch(b.ms) });
    let j = 0;
    return lastValueFrom(
      chunks.pipe(
        op,
        tap((recs: any) => {
          for (const r of recs) onOut(j++, r.value.roll.zscore, r.value.ema);
        }),
      ),
      { defaultValue: null },
    );
  },
});

/** Every key once, in chunks of 8192 (a chunk larger than maxBatch runs whole): the table holds all keys before the timed records. */
function primingChunks(keys: number): KeyedRec[][] {
  const chunks: KeyedRec[][] = [];
  for (let k = 0; k < keys; k += 8192) chunks.push(Array.from({ length: Math.min(8192, keys - k) }, (_, i) => ({ key: k + i, value: Math.fround(((k + i) % 100) + Math.sin(k + i)) })));
  return chunks;
}

/**
 * One keyed run: the priming chunks (untimed), then the timed chunks in groups of 8, each
 * group's outputs awaited, until all are done or `seconds` have passed (the chunks that were
 * sent are the run's records). Each chunk is one batch, so the groups change no batching.
 */
async function runKeyed(name: string, impl: KeyedImpl, keys: number, chunks: KeyedRec[][], seconds: number): Promise<{ row: StreamBenchRow; out: Outputs }> {
  const records = chunks.reduce((n, c) => n + c.length, 0);
  const out: Outputs = { z: new Float32Array(records), ema: new Float32Array(records) };
  out.z.fill(1), out.ema.fill(1);
  const batchMs: number[] = [];
  const subject = new Subject<KeyedRec[]>();
  const priming = primingChunks(keys);
  const primed = priming.reduce((n, c) => n + c.length, 0);
  let timing = false;
  let count = 0;
  let want = Infinity;
  let wake = () => {};
  const until = (n: number) => new Promise<void>((resolve) => (count >= n ? resolve() : ((want = n), (wake = resolve))));
  const done = impl(
    subject,
    (j, z, ema) => {
      if (j >= primed) (out.z[j - primed] = z), (out.ema[j - primed] = ema);
      count = j + 1;
      if (count >= want) (want = Infinity), wake();
    },
    (ms) => timing && batchMs.push(ms),
  );
  for (const c of priming) subject.next(c);
  await until(primed);
  timing = true;
  const t0 = performance.now();
  let sent = 0;
  let i = 0;
  while (i < chunks.length) {
    for (const end = Math.min(chunks.length, i + 8); i < end; i++) subject.next(chunks[i]), (sent += chunks[i].length);
    await until(primed + sent);
    if (performance.now() - t0 > seconds * 1000) break;
  }
  subject.complete();
  await done;
  const elapsed = (performance.now() - t0) / 1000;
  const row = emptyRow(`keyed ${keys}`, name, 'flood');
  rates(row, sent, 1, elapsed);
  Object.assign(row, { batchP50ms: pct(batchMs, 50), batchP99ms: pct(batchMs, 99), batches: batchMs.length || i });
  row.usPerBatch = (elapsed * 1e6) / i;
  if (i < chunks.length) row.note = `stopped after ${sent} of ${records} records (${seconds} s budget)`;
  return { row, out: { z: out.z.subarray(0, sent), ema: out.ema.subarray(0, sent) } };
}

// ---- the bench ----

export async function streamBench(opts: StreamBenchOptions = {}): Promise<StreamBenchRow[]> {
  const o: Required<StreamBenchOptions> = {
    sensors: 4096,
    ticks: 1000,
    window: 32,
    span: 20,
    hz: 1000,
    keys: [1000, 100_000],
    records: 1 << 19,
    chunk: 64,
    keyedSeconds: 3,
    only: ['plain-js', 'c', 'groupBy', 'laxflow'],
    cases: ['rows', 'keyed'],
    warmup: true,
    floods: 5,
    webgpu: false,
    ...opts,
  };
  const wanted = (impl: string) => o.only.includes(impl.replace('laxflow-webgpu', 'laxflow'));
  const out: StreamBenchRow[] = [];
  const finish = (kase: StreamBenchRow[], outs: Map<StreamBenchRow, Outputs | null>) => {
    const refRow = kase.find((r) => r.impl === 'laxflow' && r.mode === 'flood') ?? kase.find((r) => r.impl === 'plain-js' && r.mode === 'flood');
    const ref = refRow && outs.get(refRow);
    const lf = kase.find((r) => r.impl === 'laxflow' && r.mode === 'flood');
    for (const r of kase) {
      const mine = outs.get(r);
      if (ref && mine && r !== refRow) compare(r, mine, ref);
      else if (r === refRow) (r.maxZDiff = 0), (r.maxEmaDiff = 0);
      if (lf && r.mode === 'flood') r.laxflowRatio = lf.rowsPerSecond / r.rowsPerSecond;
      if (r !== refRow && mine && disagrees(r)) {
        r.note = [r.note, `DISAGREEMENT: ${r.impl} ${r.mode} against ${refRow?.impl}: max |dz| ${r.maxZDiff.toExponential(2)} (tolerance ${Z_TOLERANCE}), max rel |dEMA| ${r.maxEmaDiff.toExponential(2)} (tolerance ${EMA_TOLERANCE}), ${r.nanMismatches} finite/NaN mismatches`].filter(Boolean).join('; ');
      }
    }
    out.push(...kase);
  };

  if (o.cases.includes('rows')) {
    const rows = rowsOf(o.sensors, o.ticks);
    // [name, implementation, flooded in rounds and paced (groupBy: one flood)]
    const impls: [string, Impl, boolean][] = [
      ['plain-js', plainJs(o), true],
      ['groupBy', groupByImpl(o), false],
      ['laxflow', laxflow(o), true],
      ...(o.webgpu ? [['laxflow-webgpu', onWebGpu(laxflow(o)), true] as [string, Impl, boolean]] : []),
    ];
    const kase: StreamBenchRow[] = [];
    const outs = new Map<StreamBenchRow, Outputs | null>();
    const run = impls.filter(([name]) => wanted(name));
    // groupBy (seconds, once) first: its garbage is not left to the timed rounds
    for (const [name, impl] of run.filter(([, , repeated]) => !repeated)) {
      if (o.warmup) await runRows(name, impl, rows, 'flood', o.hz);
      const { row, out: res } = await runRows(name, impl, rows, 'flood', o.hz);
      kase.push(row), outs.set(row, res);
    }
    // the others' floods in rounds, each implementation once per round in turn, so a slow
    // minute of the machine falls on all of them; each one's rate is its median flood
    const repeated = run.filter(([, , r]) => r);
    if (o.warmup) for (const [name, impl] of repeated) await runRows(name, impl, rows, 'flood', o.hz);
    const floods = new Map<string, Awaited<ReturnType<typeof runRows>>[]>(repeated.map(([name]) => [name, []]));
    for (let k = 0; k < o.floods; k++) for (const [name, impl] of repeated) floods.get(name)!.push(await runRows(name, impl, rows, 'flood', o.hz));
    for (const [name] of repeated) {
      const bySpeed = [...floods.get(name)!].sort((a, b) => a.row.rowsPerSecond - b.row.rowsPerSecond);
      const median = bySpeed[bySpeed.length >> 1];
      if (bySpeed.length > 1) median.row.note = `median of ${bySpeed.length} floods (in rounds with the others): ${bySpeed.map((f) => f.row.rowsPerSecond.toFixed(0)).join(', ')} rows/s`;
      kase.push(median.row), outs.set(median.row, median.out);
    }
    floods.clear();
    if (wanted('c')) {
      const { row, out: res } = runC(rows, o);
      kase.push(row), outs.set(row, res);
    }
    for (const [name, impl] of repeated) {
      const { row, out: res } = await runRows(name, impl, rows, 'paced', o.hz);
      kase.push(row), outs.set(row, res);
    }
    finish(kase, outs);
  }

  if (o.cases.includes('keyed')) {
    const impls = keyedImpls(o);
    for (const keys of o.keys) {
      const chunks = keyedChunks(keys, o.records, o.chunk);
      const kase: StreamBenchRow[] = [];
      const outs = new Map<StreamBenchRow, Outputs | null>();
      for (const [name, impl] of Object.entries(impls)) {
        if (!wanted(name)) continue;
        if (o.warmup) await runKeyed(name, impl, keys, chunks, o.keyedSeconds);
        const { row, out: res } = await runKeyed(name, impl, keys, chunks, o.keyedSeconds);
        kase.push(row), outs.set(row, res);
        if (name === 'plain-js' && wanted('c')) {
          const c = runCKeyed(keys, chunks, o);
          kase.push(c.row), outs.set(c.row, c.out);
        }
      }
      if (!wanted('plain-js') && wanted('c')) {
        const c = runCKeyed(keys, chunks, o);
        kase.push(c.row), outs.set(c.row, c.out);
      }
      finish(kase, outs);
    }
  }
  return out;
}

const fmt = (x: number, f: (x: number) => string) => (Number.isFinite(x) ? f(x) : '-');
const fixed = (d: number) => (x: number) => x.toFixed(d);
const exp = (d: number) => (x: number) => x.toExponential(d);

function table(head: string[], body: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((r) => r.map((c, i) => c.padStart(width[i])).join('  ')).join('\n');
}

const times = (x: number) => `${x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}x`;
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? times(a / b) : 'n/a');
const verdict = (ok: boolean) => (ok ? 'met' : 'not met');

export function formatStreamBench(rows: StreamBenchRow[]): string {
  const parts: string[] = [];
  const flat = rows.filter((r) => r.case === 'rows');
  if (flat.length) {
    parts.push(
      table(
        ['impl', 'mode', 'rows/s', 'values/s', 'ns/value', 'laxflow/this', 'lat p50 ms', 'lat p99 ms', 'batch p50 ms', 'batch p99 ms', 'batches', 'max |dz|', 'max |dEMA|'],
        flat.map((r) => [
          r.impl,
          r.mode,
          fmt(r.rowsPerSecond, fixed(0)),
          fmt(r.valuesPerSecond, exp(2)),
          fmt(r.nsPerValue, fixed(2)),
          fmt(r.laxflowRatio, times),
          fmt(r.latencyP50ms, fixed(1)),
          fmt(r.latencyP99ms, fixed(1)),
          fmt(r.batchP50ms, fixed(2)),
          fmt(r.batchP99ms, fixed(2)),
          String(r.batches),
          fmt(r.maxZDiff, exp(1)),
          fmt(r.maxEmaDiff, exp(1)),
        ]),
      ),
    );
  }
  const keyed = rows.filter((r) => r.case.startsWith('keyed'));
  if (keyed.length) {
    parts.push(
      table(
        ['case', 'impl', 'records/s (= values/s)', 'ns/record', 'laxflow/this', 'us/batch', 'batch p50 ms', 'batch p99 ms', 'batches', 'max |dz|', 'max |dEMA|'],
        keyed.map((r) => [
          r.case,
          r.impl,
          fmt(r.rowsPerSecond, fixed(0)),
          fmt(r.nsPerValue, fixed(1)),
          fmt(r.laxflowRatio, times),
          fmt(r.usPerBatch, fixed(1)),
          fmt(r.batchP50ms, fixed(3)),
          fmt(r.batchP99ms, fixed(3)),
          String(r.batches),
          fmt(r.maxZDiff, exp(1)),
          fmt(r.maxEmaDiff, exp(1)),
        ]),
      ),
    );
  }
  const find = (c: string, impl: string, mode = 'flood') => rows.find((r) => r.case === c && r.impl === impl && r.mode === mode);
  const summary: string[] = [];
  const lf = find('rows', 'laxflow');
  if (lf) {
    const js = find('rows', 'plain-js');
    const c = find('rows', 'c');
    const toJs = js ? lf.rowsPerSecond / js.rowsPerSecond : NaN;
    const toC = c ? lf.rowsPerSecond / c.rowsPerSecond : NaN;
    summary.push(`rows flood: laxflow/plain-js ${ratio(lf.rowsPerSecond, js?.rowsPerSecond ?? NaN)} (target >= 3x: ${verdict(toJs >= 3)}), laxflow/c ${ratio(lf.rowsPerSecond, c?.rowsPerSecond ?? NaN)} (target >= 0.33x: ${verdict(toC >= 1 / 3)})`);
    const paced = find('rows', 'laxflow', 'paced');
    if (paced) summary.push(`rows paced 1 kHz: laxflow batch p50 ${paced.batchP50ms.toFixed(2)} ms, p99 ${paced.batchP99ms.toFixed(2)} ms (target p99 < 10 ms: ${verdict(paced.batchP99ms < 10)})`);
  }
  const perRecord: number[] = [];
  for (const c of [...new Set(keyed.map((r) => r.case))]) {
    const l = find(c, 'laxflow');
    const js = find(c, 'plain-js');
    const cc = find(c, 'c');
    if (!l) continue;
    perRecord.push(l.nsPerValue);
    const first = perRecord.length === 1;
    summary.push(
      `${c}: laxflow/plain-js ${ratio(l.rowsPerSecond, js?.rowsPerSecond ?? NaN)}${first ? ` (target >= 2x: ${verdict(!!js && l.rowsPerSecond >= 2 * js.rowsPerSecond)})` : ''}, laxflow/c ${ratio(l.rowsPerSecond, cc?.rowsPerSecond ?? NaN)}; laxflow ${l.usPerBatch.toFixed(1)} us per ${c.split(' ')[1]}-key batch` +
        `${js ? `, ${(l.usPerBatch - js.usPerBatch).toFixed(1)} us more than plain-js's ${js.usPerBatch.toFixed(1)}` : ''}` +
        // (issue 15's overhead target is for the first key count, 10^3; more keys are held to its per-record cost)
        `${first ? ` (target: overhead <= 100 us: ${verdict(l.usPerBatch - (js?.usPerBatch ?? 0) <= 100)})` : ''}` +
        `${first ? '' : `; per-record cost ${(l.nsPerValue / perRecord[0]).toFixed(2)}x the first key count's (target <= 2x: ${verdict(l.nsPerValue <= 2 * perRecord[0])})`}`,
    );
  }
  const notes = rows.filter((r) => r.note).map((r) => `${r.case} ${r.impl} ${r.mode}: ${r.note}`);
  return [...parts, summary.join('\n'), notes.join('\n')].filter(Boolean).join('\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const value = (n: string) => {
    const i = argv.indexOf(`--${n}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (n: string) => (value(n) === undefined ? undefined : Number(value(n)));
  const list = (n: string) => value(n)?.split(',').map((s) => s.trim()).filter(Boolean);
  const known = ['ticks', 'sensors', 'window', 'keys', 'records', 'keyed-seconds', 'floods', 'only', 'cases'];
  const bad = argv.filter((a) => a.startsWith('--') && !known.includes(a.slice(2)) && !['--no-warmup', '--webgpu'].includes(a)).concat(known.filter((n) => argv.includes(`--${n}`) && value(n) === undefined).map((n) => `--${n} (needs a value)`));
  const unknownName = (n: string, names: string[]) => (list(n) ?? []).filter((x) => !names.includes(x)).map((x) => `--${n} ${x} (known: ${names.join(', ')})`);
  bad.push(...unknownName('only', ['plain-js', 'c', 'groupBy', 'laxflow']), ...unknownName('cases', ['rows', 'keyed']));
  if (bad.length) {
    console.error(`unknown or incomplete arguments: ${bad.join(' ')}`);
    console.error('usage: node --import tsx bench/stream.ts [--ticks 1000] [--sensors 4096] [--window 32] [--keys 1000,100000] [--records 524288] [--keyed-seconds 3] [--floods 5] [--only plain-js,c,groupBy,laxflow] [--cases rows,keyed] [--no-warmup] [--webgpu]');
    process.exit(2);
  }
  const o: StreamBenchOptions = { ticks: num('ticks'), sensors: num('sensors'), window: num('window'), records: num('records'), keyedSeconds: num('keyed-seconds'), floods: num('floods'), keys: list('keys')?.map(Number), only: list('only'), cases: list('cases') };
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const webgpu = argv.includes('--webgpu');
  if (webgpu && !(await acquireGpu())) {
    console.error(`--webgpu: no WebGPU adapter (${gpuUnavailableReason()})`);
    process.exit(1);
  }
  const rows = await streamBench({ ...given, warmup: !argv.includes('--no-warmup'), webgpu });
  const cases = o.cases ?? ['rows', 'keyed'];
  const head = [`stream: EMA(span 20) + rolling var + z-score (window ${o.window ?? 32})`];
  if (cases.includes('rows')) head.push(`rows: ${o.sensors ?? 4096} sensors, ${o.ticks ?? 1000} ticks at 1 kHz`);
  if (cases.includes('keyed')) head.push(`keyed: up to ${o.records ?? 1 << 19} records (${o.keyedSeconds ?? 3} s a run) of ${(o.keys ?? [1000, 100_000]).join(', ')} keys in chunks of 64, after one untimed record per key`);
  console.log(`${head.join('; ')}\n`);
  console.log(formatStreamBench(rows));
  if (webgpu) console.log(`\nlaxflow-webgpu ran on: ${gpuBackend?.last?.ranOn ?? 'nothing'} (${(await acquireGpu())?.description})`);
  const wrong = rows.filter((r) => r.note.includes('DISAGREEMENT'));
  if (wrong.length) {
    console.error(`\n!!! DISAGREEMENT in ${wrong.length} run(s): ${wrong.map((r) => `${r.case} ${r.impl} ${r.mode}`).join(', ')}; their timings are of code that computes something else !!!`);
    process.exit(1);
  }
  process.exit(0);
}
