// Stream benchmark on event time: the flagship pipeline (EMA(span 20) + rolling variance +
// z-score) with its window given as time (30 s) over 4096 sensors whose rows arrive at
// irregular times (gaps 0.25-1.75 s, 1 s on average, so ~30 rows per window), against
//   count      the same pipeline with a count window of 32 (`window: 32`), fed the same rows
//              as records { t, value } (the same engine), and as plain rows (the flood path)
//   plain-js   the strong plain-JS loop for time windows: struct-of-arrays Float64Arrays, one
//              ring of rows with their times (the deque: rows leave at the front once their
//              time is <= t - 30 s, enter at the back), O(1) amortized running sum and sum of
//              squares per sensor, shifted by each sensor's first value, exact re-sum of the
//              window whenever `capacity` rows have left since the last one; EMA as pandas'
//              ewm(span, adjust=True); fed through RxJS `scan`, one row per emission
// All run flood (every row at once), after two untimed runs each, in --rounds (default 5)
// rounds; in a round each implementation in turn runs once untimed (it collects the garbage
// the one before left) and then 3 timed runs. A rate is the median of its timed runs, with
// their range beside it; no timed run keeps its outputs. So each pays for its own garbage, and
// a slow minute of the machine falls on all of them. Each laxflow run builds a fresh operator
// (a new stream), as a user's pipeline would be. laxflow's time window is O(1) per value too
// (double-float prefix sums per record, src/operators/rx/time_window.ts), plus finding the
// window once per step (a count over its ring of 65 record times): what it costs over the
// count window and the deque is what this measures. Agreement: z-scores of laxflow's time
// window against the plain loop (largest |dz| where both are finite; DISAGREEMENT and exit 1
// beyond 1e-2).
//
//   node --import tsx bench/stream_time.ts [--ticks 600] [--sensors 4096] [--rounds 5]

import { from, lastValueFrom, scan as rxScan, tap } from 'rxjs';
import { emaStep, fanout, rollingStep, stepOperator, timeRollingStep, type Step } from '../src/rx.js';
import { median, numberArg as arg } from './harness.js';

const S = arg('sensors', 4096);
const T = arg('ticks', 600);
const ROUNDS = arg('rounds', 5);
const WINDOW_MS = 30_000;
const CAPACITY = 64;
const SPAN = 20;
const T0 = Date.UTC(2026, 11, 5, 6);

const times: number[] = [];
for (let i = 0, t = T0; i < T; i++) times.push((t += 250 + ((i * 7919) % 1501)));
const rows = times.map((_, i) => Float32Array.from({ length: S }, (_, s) => Math.sin(i / 25 + s) * 10 + ((i * 7919 + s * 104729) % 13) / 13 + (s % 100)));

/** pandas rolling('30s') var and z-score plus ewm(span) mean per sensor, O(1) amortized per value. */
class TimeRowStats {
  readonly w = new Float64Array(S);
  readonly k = new Float64Array(S);
  readonly sum = new Float64Array(S);
  readonly sq = new Float64Array(S);
  readonly ring = new Float64Array(CAPACITY * S);
  readonly ringT = new Float64Array(CAPACITY);
  head = 0; // oldest row in the window
  size = 0;
  t = 0;
  oldWt = 1;
  left = 0;
  alpha = 2 / (SPAN + 1);

  push(x: Float32Array, time: number): Float32Array {
    const { w, k, sum, sq, ring, ringT } = this;
    const out = new Float32Array(3 * S);
    const ema = out.subarray(0, S);
    const z = out.subarray(2 * S);
    const vr = out.subarray(S, 2 * S);
    let a = 0;
    let b = 1;
    if (this.t++ === 0) k.set(x);
    else {
      this.oldWt *= 1 - this.alpha;
      a = this.oldWt / (this.oldWt + 1);
      b = 1 / (this.oldWt + 1);
      this.oldWt += 1;
    }
    // rows leaving the window: (time - 30 s, time]
    while (this.size > 0 && ringT[this.head] <= time - WINDOW_MS) {
      const at = this.head * S;
      for (let s = 0; s < S; s++) {
        const l = ring[at + s] - k[s];
        sum[s] -= l;
        sq[s] -= l * l;
      }
      this.head = (this.head + 1) % CAPACITY;
      this.size--;
      this.left++;
    }
    if (this.size === CAPACITY) throw new Error('plain-js: window over capacity');
    const slot = (this.head + this.size++) % CAPACITY;
    ringT[slot] = time;
    const at = slot * S;
    for (let s = 0; s < S; s++) {
      const xs = x[s];
      ring[at + s] = xs;
      const d = xs - k[s];
      sum[s] += d;
      sq[s] += d * d;
    }
    if (this.left >= CAPACITY) this.resum();
    const n = this.size;
    const inv = 1 / n;
    const inv1 = n > 1 ? 1 / (n - 1) : NaN;
    for (let s = 0; s < S; s++) {
      const we = a * w[s] + b * x[s];
      w[s] = we;
      ema[s] = we;
      const m = sum[s] * inv;
      const v = Math.max((sq[s] - sum[s] * m) * inv1, 0);
      vr[s] = v;
      z[s] = (x[s] - k[s] - m) / Math.sqrt(v);
    }
    return out;
  }

  /** The window summed exactly again, around its mean (rounding never outlives `capacity` departures). */
  resum(): void {
    const { k, sum, sq, ring } = this;
    this.left = 0;
    for (let s = 0; s < S; s++) {
      let m = 0;
      for (let j = 0; j < this.size; j++) m += ring[((this.head + j) % CAPACITY) * S + s];
      m /= this.size;
      let su = 0;
      let q = 0;
      for (let j = 0; j < this.size; j++) {
        const d = ring[((this.head + j) % CAPACITY) * S + s] - m;
        su += d;
        q += d * d;
      }
      k[s] = m;
      sum[s] = su;
      sq[s] = q;
    }
  }
}

const pipeline = (window: Step, emaOnly = emaStep({ span: SPAN })) => fanout({ ema: emaOnly, roll: window });
const records = rows.map((value, i) => ({ t: times[i], value }));
let zTime: ArrayLike<number>[] = [];
let zPlain: ArrayLike<number>[] = [];

// `keep`: the run keeps the z-scores for the agreement check (untimed runs only: a timed run
// keeps no output, as holding 600 rows of outputs would charge the next run's collector)
const impls: [string, (keep: boolean) => Promise<unknown>][] = [
  [
    'plain-js (deque)',
    async (keep) => {
      if (keep) zPlain = [];
      await lastValueFrom(from(rows.map((r, i) => [r, times[i]] as const)).pipe(rxScan((st, [r, t]) => ((st.last = st.s.push(r, t)), st), { s: new TimeRowStats(), last: new Float32Array() as Float32Array<ArrayBufferLike> }), tap((st) => keep && zPlain.push(st.last.subarray(2 * S)))));
    },
  ],
  [
    'laxflow time window 30s',
    async (keep) => {
      if (keep) zTime = [];
      const op = stepOperator(pipeline(timeRollingStep({ window: '30s', capacity: CAPACITY }, ['var', 'zscore'])), { xShape: [S] });
      await lastValueFrom(from([records]).pipe(op, tap((outs) => keep && (outs as any[]).forEach((o) => zTime.push(o.value.roll.zscore)))));
    },
  ],
  ['laxflow count window 32, records', () => lastValueFrom(from([records]).pipe(stepOperator(pipeline(rollingStep({ window: 32 }, ['var', 'zscore'])), { xShape: [S] })))],
  ['laxflow count window 32, rows', () => lastValueFrom(from(rows).pipe(stepOperator(pipeline(rollingStep({ window: 32 }, ['var', 'zscore'])), { xShape: [S] })))],
];
// untimed: V8 compiles, laxflow builds its kernels; the first keeps the z-scores
for (let w = 0; w < 2; w++) for (const [, run] of impls) await run(w === 0);
const seconds: number[][] = impls.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, [, run]] of impls.entries()) {
    await run(false);
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      await run(false);
      seconds[i].push((performance.now() - t0) / 1000);
    }
  }
}
const results: [string, number, number[]][] = impls.map(([name], i) => [name, median(seconds[i]), seconds[i]]);

let dz = 0;
let mismatches = 0;
zTime.forEach((z, i) => {
  for (let s = 0; s < S; s++) {
    const a = z[s];
    const b = zPlain[i][s];
    if (Number.isFinite(a) && Number.isFinite(b)) dz = Math.max(dz, Math.abs(a - b));
    else if (Number.isFinite(a) !== Number.isFinite(b)) mismatches++;
  }
});
const rate = (sec: number) => T / sec;
const timeRate = rate(results[1][1]);
console.log(`stream on event time: ${S} sensors, ${T} rows at irregular times (mean gap ${((times[T - 1] - times[0]) / (T - 1) / 1000).toFixed(2)} s), EMA(span ${SPAN}) + var + z-score, flood, median of ${3 * ROUNDS} runs in ${ROUNDS} rounds`);
console.log('| impl | rows/s | rounds, rows/s | ns per value | laxflow time window / this |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, sec, all] of results) {
  const range = `${rate(Math.max(...all)).toFixed(0)}-${rate(Math.min(...all)).toFixed(0)}`;
  console.log(`| ${name} | ${rate(sec).toFixed(0)} | ${range} | ${((sec * 1e9) / (T * S)).toFixed(1)} | ${(timeRate / rate(sec)).toFixed(2)}x |`);
}
console.log(`agreement (laxflow time window vs plain-js): max |dz| ${dz.toExponential(2)}, finite/NaN mismatches ${mismatches}`);
if (dz > 1e-2 || mismatches > 0) {
  console.log('DISAGREEMENT');
  process.exit(1);
}
