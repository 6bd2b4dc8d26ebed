// Stream soak: the flagship pipeline (EMA(span 20) + rolling variance + z-score, window 32,
// over 4096 sensors) paced at 1 kHz for --minutes (default 10), as a live sensor feed runs:
// one Float32Array row per millisecond, filled again for each reading (the stream copies it
// when it is emitted). Every --every seconds (default 30) it prints the process's memory
// (RSS, JS heap, external memory) and the batches' compute p50/p99 over the interval; at the
// end, the growth of RSS and heap from the first sample after the first minute (warm-up:
// kernels compiled, pools filled) to the last. Memory is flat when that growth stays within
// --limit MiB (default 64; RSS moves by tens of MiB with the collector's timing); more exits 1.
//
//   node --import tsx bench/stream_soak.ts [--minutes 10] [--every 30] [--limit 64]

import { Subject } from 'rxjs';
import { emaStep, fanout, rollingStep, stepOperator, type BatchInfo } from '../src/rx.js';
import { numberArg as arg, percentile as pct } from './harness.js';

const minutes = arg('minutes', 10);
const every = arg('every', 30);
const limit = arg('limit', 64);
const S = 4096;
const HZ = 1000;

const batchMs: number[] = [];
const src = new Subject<Float32Array>();
let outputs = 0;
let failed: unknown = null;
src.pipe(stepOperator(fanout({ ema: emaStep({ span: 20 }), roll: rollingStep({ window: 32 }, ['var', 'zscore']) }), { xShape: [S], maxBatch: 256, onBatch: (b: BatchInfo) => batchMs.push(b.ms) })).subscribe({
  next: () => outputs++,
  error: (e) => (failed = e),
});

const row = new Float32Array(S);
const mib = (b: number) => b / 2 ** 20;
const samples: { s: number; rss: number; heap: number; ext: number }[] = [];
console.log(`stream soak: ${S} sensors at ${HZ} Hz for ${minutes} min (EMA + rolling var + z-score, window 32), memory every ${every} s`);
console.log('| t (s) | rows | RSS MiB | heap MiB | external MiB | batch p50 ms | batch p99 ms |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const t0 = performance.now();
let sent = 0;
let nextSample = every;
while (failed === null) {
  const now = performance.now();
  const elapsed = (now - t0) / 1000;
  if (elapsed >= minutes * 60) break;
  // every row whose time has come, then a turn of the event loop (a 1 ms timer)
  for (; sent < Math.floor(elapsed * HZ); sent++) {
    for (let s = 0; s < S; s++) row[s] = Math.sin(sent / 50 + s) * 10 + (s % 100) + ((sent * 7919 + s) % 13) / 13;
    src.next(row);
  }
  if (elapsed >= nextSample) {
    const m = process.memoryUsage();
    samples.push({ s: nextSample, rss: mib(m.rss), heap: mib(m.heapUsed), ext: mib(m.external) });
    console.log(`| ${nextSample} | ${sent} | ${mib(m.rss).toFixed(1)} | ${mib(m.heapUsed).toFixed(1)} | ${mib(m.external).toFixed(1)} | ${pct(batchMs, 50).toFixed(2)} | ${pct(batchMs, 99).toFixed(2)} |`);
    batchMs.length = 0;
    nextSample += every;
  }
  await new Promise((r) => setTimeout(r, 1));
}
src.complete();
if (failed !== null) {
  console.log(`the stream failed: ${String(failed)}`);
  process.exit(1);
}
const base = samples.find((x) => x.s >= 60) ?? samples[0];
const last = samples[samples.length - 1];
if (!base || !last || base === last) {
  console.log('too short to compare (give --minutes 2 or more)');
  process.exit(0);
}
const grow = { rss: last.rss - base.rss, heap: last.heap - base.heap };
console.log(`${sent} rows, ${outputs} outputs; from ${base.s} s to ${last.s} s: RSS ${grow.rss >= 0 ? '+' : ''}${grow.rss.toFixed(1)} MiB, heap ${grow.heap >= 0 ? '+' : ''}${grow.heap.toFixed(1)} MiB (limit ${limit} MiB: ${Math.max(grow.rss, grow.heap) <= limit ? 'flat' : 'GROWING'})`);
if (Math.max(grow.rss, grow.heap) > limit) process.exit(1);
