// What bounds the rows flood of bench/stream.ts on this machine (issue 15): three parts of
// its work measured without the rest, in rounds, each part's median.
//   plain loop       the strong plain-JS loop of bench/stream.ts (RowStats.push) over the
//                    rows, alone: no RxJS, no sink. The flood target asks laxflow for a
//                    third of this time.
//   laxflow scan     the wasm scan's own time over the rows, from a laxflow flood in
//                    batches of 256 (wasmScanStats.lastMs summed): the step's arithmetic on
//                    both threads, nothing else.
//   fresh outputs    what every row's outputs cost once computed: one new Float32Array per
//                    output (EMA, var, z: 3 x sensors floats) filled from a shared
//                    WebAssembly.Memory, as a stream hands each record arrays of its own.
//   warm outputs     the same bytes copied into arrays allocated once (the copy alone).
// The scan plus fresh outputs is a floor for any engine that computes in wasm and gives each
// row arrays of its own; the line under the table compares it with a third of the plain loop.
//
//   node --import tsx bench/stream_floor.ts [--ticks 1000] [--sensors 4096] [--rounds 7]

import { from, lastValueFrom } from 'rxjs';
import { wasmScanStats } from '../src/cpu/wasm/scan.js';
import { emaStep, fanout, rollingStep, stepOperator } from '../src/rx.js';
import { median, numberArg } from './harness.js';
import { RowStats, rowsOf } from './stream.js';

const ticks = numberArg('ticks', 1000);
const sensors = numberArg('sensors', 4096);
const rounds = numberArg('rounds', 7);
const rows = rowsOf(sensors, ticks);
const step = () => fanout({ ema: emaStep({ span: 20 }), roll: rollingStep({ window: 32 }, ['var', 'zscore']) });

const plainLoop = (): number => {
  const st = new RowStats(sensors, 32, 2 / 21);
  const t0 = performance.now();
  for (const r of rows) st.push(r);
  return performance.now() - t0;
};

const scanOnly = async (): Promise<number> => {
  let ms = 0;
  const op = stepOperator(step(), { xShape: [sensors], maxBatch: 256, maxQueue: 1 << 16, onBatch: () => (ms += wasmScanStats.lastMs) });
  const calls = wasmScanStats.calls;
  await lastValueFrom(from(rows).pipe(op), { defaultValue: null });
  if (wasmScanStats.calls === calls) throw new Error('the flood ran no wasm scan: nothing to measure');
  return ms;
};

const heap = new Float32Array(new WebAssembly.Memory({ initial: Math.ceil((3 * 256 * sensors * 4) / 65536), maximum: 16384, shared: true }).buffer);
heap.forEach((_, i) => (heap[i] = i % 1000));
const warm = Array.from({ length: 3 * 256 }, () => new Float32Array(sensors).fill(1));
/** Copies ticks rows of outputs out of the heap (batches of 256 rows), into fresh arrays or the warm ones; the fresh ones are garbage at once, as records a consumer has read. */
const outputs = (fresh: boolean): number => {
  const t0 = performance.now();
  for (let t = 0; t < ticks; t++) {
    for (let k = 0; k < 3; k++) {
      const at = (k * 256 + (t % 256)) * sensors;
      (fresh ? new Float32Array(sensors) : warm[k * 256 + (t % 256)]).set(heap.subarray(at, at + sensors));
    }
  }
  return performance.now() - t0;
};

const times: Record<string, number[]> = { 'plain loop': [], 'laxflow scan': [], 'fresh outputs': [], 'warm outputs': [] };
await scanOnly(); // (compiles the programs)
for (let r = 0; r < rounds + 1; r++) {
  const t = { 'plain loop': plainLoop(), 'laxflow scan': await scanOnly(), 'fresh outputs': outputs(true), 'warm outputs': outputs(false) };
  if (r > 0) for (const [k, v] of Object.entries(t)) times[k].push(v);
}
console.log(`stream floor: ${ticks} rows x ${sensors} sensors, EMA(span 20) + rolling var + z-score (window 32), median of ${rounds} rounds\n`);
console.log('| part | ms per run | ms per 1000 rows | range |\n| --- | ---: | ---: | --- |');
const med: Record<string, number> = {};
for (const [k, v] of Object.entries(times)) {
  med[k] = median(v);
  console.log(`| ${k} | ${med[k].toFixed(1)} | ${((med[k] * 1000) / ticks).toFixed(1)} | ${Math.min(...v).toFixed(1)}-${Math.max(...v).toFixed(1)} |`);
}
const floor = med['laxflow scan'] + med['fresh outputs'];
console.log(`\nscan + fresh outputs: ${floor.toFixed(1)} ms; a third of the plain loop: ${(med['plain loop'] / 3).toFixed(1)} ms (the flood target); ratio ${(floor / (med['plain loop'] / 3)).toFixed(2)}`);
