// The main job: replay the single-hop sensor network data set (Suthaharan et al. 2010; 4
// TelosB motes, humidity and temperature every 5 s over 6 hours, introduced events
// labelled) on the data's own clock, sped up, through one keyed laxflow pipeline per mote:
// a bivariate Mahalanobis detector (`mahalanobis` in laxflow/rx: an exponentially weighted
// mean and covariance on event time, hysteresis, a baseline frozen during excursions) and
// 5-minute event-time window statistics, all in one vmapped scan body per batch.
//
// 1. Tune: the detector's settings are chosen on the first half (in time) of each mote's
//    series and, separately, on the second half (examples/sensors/tune.ts: a grid search).
// 2. Replay: both tuned detectors run in the stream; the readings arrive at the data's
//    times divided by --speed. A terminal view (80 columns) or plain lines, and with --web
//    a live page (web/: uPlot plots per mote) served on 127.0.0.1.
// 3. Report: each detector on the half it was not tuned on (precision, recall, F1, delay
//    per event, false alarms per hour), from the stream's alarms, and records/s.
//
//   npm start [-- --speed 600] [--web [--port N]] [--backend cpu|webgpu|auto]
//   (--speed 0 floods: every record as fast as the pipeline takes them)

import { Observable, lastValueFrom, tap, toArray, map } from 'rxjs';
import type { BackendName } from '../src/devices.js';
import { init } from '../src/index.js';
import { fanout, mahalanobisStep, stepOperator, timeRollingStep, type BatchInfo } from '../src/rx.js';
import { serveLiveView, type LiveView } from '../web/server.js';
import { clock, loadReadings, motesOf, type Reading } from './sensors/data.js';
import { screen, TerminalView, type MoteRow } from './sensors/terminal.js';
import { detect, figures, GRID, MIN_PERIODS, seriesOf, tune, type Figures, type Half, type Setting, type Tuned } from './sensors/tune.js';

export interface SensorsOptions {
  /** Data seconds per wall-clock second (default 600); 0 floods. */
  speed?: number;
  /** The terminal view (default: when stdout is a terminal); otherwise plain lines. */
  live?: boolean;
  /** Serve the web view on 127.0.0.1 (`port` 0: any free port); `onUrl` hears where. */
  web?: false | { port?: number; onUrl?: (url: string) => void };
  /** Keep the web view serving after the replay (the caller closes `summary.web`). */
  keepServing?: boolean;
  /** Where plain lines go (default console.log). */
  log?: (line: string) => void;
}

/** Per mote, what the stream gave for each reading (time order). */
export interface MoteTrace {
  t: number[];
  hum: number[];
  temp: number[];
  baseHum: number[];
  baseTemp: number[];
  score: number[];
  alarm: boolean[];
  label: number[];
}

export interface Summary {
  records: number;
  wallSeconds: number;
  recordsPerSecond: number;
  engineSeconds: number;
  engineRecordsPerSecond: number;
  batches: number;
  tuned: Record<Half, Tuned>;
  /** The detector tuned on one half, scored on the other half, from the stream's alarms. */
  heldOut: Record<Half, Figures>;
  /** Readings where the stream's alarm differs from the float64 reference loop's. */
  disagreements: Record<Half, number>;
  traces: Map<number, MoteTrace>;
  web?: LiveView;
}

const other = (h: Half): Half => (h === 'first' ? 'second' : 'first');
const settingText = (s: Setting) => `halflife ${s.halflife} s, on ${s.on}, off ${s.off}, minVar ${s.minVar}`;
const optionsOf = (s: Setting) => ({ halflife: `${s.halflife}s`, on: s.on, off: s.off, minVar: s.minVar, minPeriods: MIN_PERIODS });

/** Readings emitted at their times divided by `speed` (as chunks of those due); `speed` 0 floods in chunks of 256. */
function replay(rs: readonly Reading[], speed: number): Observable<Reading[]> {
  return new Observable((sub) => {
    let i = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wall0 = performance.now();
    const tick = () => {
      if (speed <= 0) {
        sub.next(rs.slice(i, i + 256));
        i += 256;
      } else {
        const due = rs[0].t + (performance.now() - wall0) * speed;
        let j = i;
        while (j < rs.length && rs[j].t <= due) j++;
        if (j > i) sub.next(rs.slice(i, j));
        i = j;
      }
      if (i >= rs.length) return sub.complete();
      timer = speed <= 0 ? setTimeout(tick, 0) : setTimeout(tick, Math.min(50, Math.max(1, (rs[i].t - (rs[0].t + (performance.now() - wall0) * speed)) / speed)));
    };
    timer = setTimeout(tick, 0);
    return () => clearTimeout(timer);
  });
}

export async function sensors(opts: SensorsOptions = {}): Promise<Summary> {
  const speed = opts.speed ?? 600;
  const live = opts.live ?? !!process.stdout.isTTY;
  const log = opts.log ?? ((l: string) => console.log(l));
  const data = loadReadings();
  const ids = motesOf(data);
  const byMote = new Map(ids.map((m) => [m, data.filter((r) => r.mote_id === m)]));

  // 1. tune, both ways round
  if (live) process.stdout.write('tuning the detector on each half of the data...\n');
  const tuneStart = performance.now();
  const tuned = tune(byMote);
  const tuneSeconds = (performance.now() - tuneStart) / 1000;
  const g = (k: keyof typeof GRID) => GRID[k].join('/');
  const protocol = [
    'protocol: each mote\'s series is split in half at the midpoint of its time span.',
    'The detector (laxflow/rx mahalanobis: distance from an EW mean and covariance',
    `per mote, minPeriods ${MIN_PERIODS}) is tuned on one half by a grid search over`,
    `${tuned.first.settings} settings (halflife ${g('halflife')} s;`,
    ` on ${g('on')}; off ${g('off')} < on;`,
    ` minVar ${g('minVar')}),`,
    'each scored by its F1 averaged with its grid neighbours\', and is scored on the',
    'other half. It runs causally over the whole series (each reading is judged',
    'from earlier ones). The figures below come from the laxflow stream\'s alarms.',
    `  tuned on the first half:  ${settingText(tuned.first.setting)}`,
    `  tuned on the second half: ${settingText(tuned.second.setting)}`,
    `  (grid search ${tuneSeconds.toFixed(1)} s; F1 on the tuning half ${tuned.first.f1.toFixed(3)} and ${tuned.second.f1.toFixed(3)})`,
  ];
  if (!live) protocol.forEach((l) => log(l));

  // 2. the pipeline: both detectors and 5-minute window statistics, per mote, on event time
  const step = fanout({
    first: mahalanobisStep(optionsOf(tuned.first.setting)),
    second: mahalanobisStep(optionsOf(tuned.second.setting)),
    window: timeRollingStep({ window: '5min' }, ['mean', 'std']),
  });
  const batches: BatchInfo[] = [];
  const op = stepOperator(step, { xShape: [2], onBatch: (b) => batches.push(b) });

  const traces = new Map<number, MoteTrace>(ids.map((m) => [m, { t: [], hum: [], temp: [], baseHum: [], baseTemp: [], score: [], alarm: [], label: [] }]));
  const secondAlarms = new Map<number, boolean[]>(ids.map((m) => [m, []]));
  const rows = new Map<number, MoteRow>(ids.map((m) => [m, { mote: m, t: NaN, hum: NaN, temp: NaN, baseHum: NaN, baseTemp: NaN, score: NaN, alarm: false, winMean: NaN, winStd: NaN, alarms: 0, recent: [] }]));
  const alarmLog: string[] = [];
  const since = new Map<number, Reading>();
  let done = 0;
  let dataT = data[0].t;
  let nextTenth = 1;

  const web = opts.web ? await serveLiveView({ port: opts.web.port ?? 0 }) : undefined;
  if (web) {
    opts.web && opts.web.onUrl?.(web.url);
    web.publish({ type: 'setup', motes: ids, start: data[0].t, end: data[data.length - 1].t, records: data.length, speed, on: tuned.first.setting.on, off: tuned.first.setting.off, detector: `tuned on the first half: ${settingText(tuned.first.setting)}` });
  }
  let webRows: number[][] = [];
  const flushWeb = () => {
    if (!web || webRows.length === 0) return;
    web.publish({ type: 'rows', t: dataT, done, rows: webRows });
    webRows = [];
  };

  const wall0 = performance.now();
  const engineRate = () => batches.reduce((s, b) => s + b.steps, 0) / Math.max(batches.reduce((s, b) => s + b.ms, 0) / 1000, 1e-9);
  const progress = () => ({ t: dataT, done, total: data.length, speed, wallSeconds: (performance.now() - wall0) / 1000, engineRate: engineRate(), batches: batches.length, web: web?.url });
  const detectorLine = `detector tuned on the first half: ${settingText(tuned.first.setting)}`;
  const term = live ? new TerminalView(process.stdout) : undefined;
  const draw = () => term?.draw(screen(progress(), [...rows.values()], alarmLog, detectorLine));
  const redraw = live ? setInterval(draw, 100) : undefined;
  const webTimer = web ? setInterval(flushWeb, 100) : undefined;

  type Out = { key: number; t: number; r: Reading; value: { first: any; second: any; window: { mean: number[]; std: number[] } } };
  await lastValueFrom(
    replay(data, speed).pipe(
      map((chunk) => chunk.map((r) => ({ key: r.mote_id, value: [r.humidity, r.temperature], t: r.t, r }))),
      op,
      tap((outs) => {
        for (const o of outs as unknown as Out[]) {
          const r = o.r;
          const d = o.value.first;
          const tr = traces.get(r.mote_id)!;
          tr.t.push(r.t), tr.hum.push(r.humidity), tr.temp.push(r.temperature), tr.baseHum.push(d.mean[0]), tr.baseTemp.push(d.mean[1]), tr.score.push(d.score), tr.alarm.push(d.alarm), tr.label.push(r.label);
          secondAlarms.get(r.mote_id)!.push(o.value.second.alarm);
          const row = rows.get(r.mote_id)!;
          if (d.alarm && !row.alarm) {
            since.set(r.mote_id, r);
            alarmLog.push(`+${clock(r.t)} mote ${r.mote_id} ALARM on, score ${d.score.toFixed(1)} (hum ${r.humidity}, temp ${r.temperature})`);
            if (!live) log(alarmLog[alarmLog.length - 1]);
          } else if (!d.alarm && row.alarm) {
            const s = since.get(r.mote_id)!;
            alarmLog.push(`+${clock(r.t)} mote ${r.mote_id} alarm off after ${r.reading - s.reading} readings (${Math.round((r.t - s.t) / 1000)} s)`);
            if (!live) log(alarmLog[alarmLog.length - 1]);
          }
          Object.assign(row, { t: r.t, hum: r.humidity, temp: r.temperature, baseHum: d.mean[0], baseTemp: d.mean[1], score: d.score, alarm: d.alarm, winMean: o.value.window.mean[0], winStd: o.value.window.std[0], alarms: row.alarms + (d.alarm && !row.alarm ? 1 : 0), recent: [...row.recent, d.score].slice(-16) });
          if (web) webRows.push([r.mote_id, r.t, r.humidity, r.temperature, d.mean[0], d.mean[1], d.score, d.alarm ? 1 : 0, r.label]);
          dataT = Math.max(dataT, r.t);
          done++;
        }
        if (!live && done >= (nextTenth * data.length) / 10) {
          const p = progress();
          log(`+${clock(dataT)} ${done}/${data.length} records (${nextTenth * 10}%), ${Math.round(done / p.wallSeconds)} rec/s, ${p.batches} batches`);
          while (done >= (nextTenth * data.length) / 10) nextTenth++;
        }
      }),
      toArray(),
    ),
  );
  const wallSeconds = (performance.now() - wall0) / 1000;
  if (redraw) clearInterval(redraw);
  if (webTimer) clearInterval(webTimer);
  draw();
  term?.done();
  flushWeb();
  if (live) protocol.forEach((l) => log(l));

  // 3. held-out figures from the stream's alarms, and agreement with the reference loop
  const alarmsOf: Record<Half, Map<number, boolean[]>> = { first: new Map([...traces].map(([m, tr]) => [m, tr.alarm])), second: secondAlarms };
  const heldOut = { first: figures(byMote, alarmsOf.first, 'second'), second: figures(byMote, alarmsOf.second, 'first') };
  const disagreements = { first: 0, second: 0 };
  for (const h of ['first', 'second'] as const)
    for (const [m, rs] of byMote) {
      const ref = detect(seriesOf(rs), tuned[h].setting);
      alarmsOf[h].get(m)!.forEach((a, i) => (disagreements[h] += a !== !!ref[i] ? 1 : 0));
    }
  const engineSeconds = batches.reduce((s, b) => s + b.ms, 0) / 1000;
  const summary: Summary = { records: data.length, wallSeconds, recordsPerSecond: data.length / wallSeconds, engineSeconds, engineRecordsPerSecond: data.length / engineSeconds, batches: batches.length, tuned, heldOut, disagreements, traces, web };
  web?.publish({ type: 'done', summary: report(summary, speed) });
  if (web && !opts.keepServing) await web.close();
  return summary;
}

/** The summary's lines (under 80 columns): records/s, then the held-out figures both ways. */
export function report(s: Summary, speed: number): string[] {
  const lines = [
    `records/s: ${s.records} records in ${s.wallSeconds.toFixed(1)} s (${speed > 0 ? `x${speed} on the data clock` : 'flood'}) = ${Math.round(s.recordsPerSecond)} records/s;`,
    `  the pipeline's own time: ${s.engineSeconds.toFixed(2)} s in ${s.batches} batches = ${Math.round(s.engineRecordsPerSecond)} records/s`,
    'held-out figures (over readings; detection delay per labelled event):',
  ];
  for (const h of ['first', 'second'] as const) {
    const f = s.heldOut[h];
    lines.push(`  tuned on the ${h} half, scored on the ${other(h)}: P ${f.precision.toFixed(3)}  R ${f.recall.toFixed(3)}  F1 ${f.f1.toFixed(3)}`);
    lines.push(`    readings: ${f.tp} true, ${f.fp} false positive, ${f.fn} missed; false alarms ${f.falseAlarmsPerHour.toFixed(2)}/h`);
    lines.push(`    (${f.falseAlarms} alarms touching no labelled reading in ${f.hours.toFixed(2)} h of 4 motes)`);
    for (const e of f.events) lines.push(`    mote ${e.mote}, readings ${e.from}-${e.to}: ${e.delayReadings === null ? 'missed' : `detected after ${e.delayReadings} reading${e.delayReadings === 1 ? '' : 's'} (${e.delaySeconds} s)`}`);
  }
  const differ = s.disagreements.first + s.disagreements.second;
  lines.push(`  stream vs the float64 reference loop: ${differ === 0 ? 'the same alarms on every reading' : `${differ} alarms differ`}`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flag = (name: string) => process.argv.includes(`--${name}`);
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  // bad flags and a missing adapter end in one line, not a stack trace
  const fail = (message: string): never => {
    console.error(`npm start: ${message}`);
    process.exit(2);
  };
  const b = process.argv.indexOf('--backend');
  const backend = b > 0 ? await init({ backend: process.argv[b + 1] as BackendName }).catch((e: Error) => fail(e.message)) : 'cpu';
  const speed = arg('speed', 600);
  if (!(speed >= 0)) fail(`--speed must be a number >= 0, got ${process.argv[process.argv.indexOf('--speed') + 1]}`);
  const s = await sensors({ speed, web: flag('web') ? { port: arg('port', 0), onUrl: (u) => process.stdout.isTTY || console.log(`web view: ${u}`) } : false, keepServing: flag('web') });
  console.log('');
  for (const l of report(s, speed)) console.log(l);
  if (backend !== 'cpu') console.log(`[${backend} backend]`);
  console.log(s.web ? `web view: ${s.web.url} (serving the finished replay; Ctrl-C to stop)` : 'web view: not started (npm start -- --web serves one)');
  if (!s.web && backend !== 'cpu') process.exit(0); // Dawn keeps the process alive
}
