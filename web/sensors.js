// The live web view of the main job (examples/sensors.ts): per mote, the readings with the
// detector's baseline, and the detector's score with its on/off thresholds (log scale);
// alarms shaded, labelled events marked on top. Data comes from /events (server.js) as
// JSON: `setup`, then `rows` ([mote, t ms, humidity, temperature, baseline humidity,
// baseline temperature, score, alarm, label] each), then `done` with the summary's lines.
// window.sensorsView exposes the data and the uPlot instances (the browser test reads them).

import uPlot from '/uplot.js';

const view = { setup: null, motes: {}, rows: 0, t: null, done: false, summary: null, draws: 0, zoom: null, zoomTo, eventsRange };
window.sensorsView = view;

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** Runs of 1s in a 0/1 column, kept up to date as values arrive: [[from, to], ...] (indices). */
function extendRuns(runs, flag, i) {
  if (!flag) return;
  const last = runs[runs.length - 1];
  if (last && last[1] === i - 1) last[1] = i;
  else runs.push([i, i]);
}

/** Alarm shading over the plot area and labelled events as a strip along its top. */
function shade(m) {
  return (u) => {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const x = m.cols[0];
    const span = (i, j) => {
      const a = u.valToPos(x[i], 'x', true);
      const b = j + 1 < x.length ? u.valToPos(x[j + 1], 'x', true) : u.valToPos(x[j], 'x', true) + 1;
      return [a, Math.max(b - a, 1)];
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.fillStyle = 'rgba(220, 40, 40, 0.18)';
    for (const [i, j] of m.alarmRuns) {
      const [a, w] = span(i, j);
      ctx.fillRect(a, top, w, height);
    }
    ctx.fillStyle = 'rgb(120, 60, 200)';
    for (const [i, j] of m.labelRuns) {
      const [a, w] = span(i, j);
      ctx.fillRect(a, top, w, 6 * devicePixelRatio);
    }
    ctx.restore();
  };
}

/** The x range shown: the whole replay, or a zoom (seconds) that every plot shares. */
function xRange() {
  return view.zoom ?? [view.setup.start / 1000, view.setup.end / 1000];
}
function zoomTo(range) {
  view.zoom = range;
  const [min, max] = xRange();
  for (const m of Object.values(view.motes)) for (const u of Object.values(m.plots)) u.setScale('x', { min, max });
}
/** From 10 minutes before the first labelled reading to 15 minutes after the last (null before any). */
function eventsRange() {
  let lo = Infinity, hi = -Infinity;
  for (const m of Object.values(view.motes))
    for (const [i, j] of m.labelRuns) (lo = Math.min(lo, m.cols[0][i])), (hi = Math.max(hi, m.cols[0][j]));
  return lo <= hi ? [lo - 600, hi + 900] : null;
}
/** Dragging across a plot zooms every plot to the selection; a double click shows everything again. */
const zoomHooks = {
  setSelect: [
    (u) => {
      if (u.select.width < 5) return;
      const lo = u.posToVal(u.select.left, 'x'), hi = u.posToVal(u.select.left + u.select.width, 'x');
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      zoomTo([lo, hi]);
    },
  ],
  ready: [(u) => u.over.addEventListener('dblclick', () => zoomTo(null))],
};

function makeMote(id, setup, parent) {
  const el = document.createElement('div');
  el.className = 'mote';
  el.innerHTML = `<h2>mote ${id}<span class="alarm"></span></h2>`;
  parent.appendChild(el);
  // columns: x (s), humidity, baseline, temperature, baseline, score
  const m = { id, el, cols: [[], [], [], [], [], []], alarm: [], label: [], alarmRuns: [], labelRuns: [], plots: {} };
  const common = { width: 600, tzDate: utc, cursor: { sync: { key: 'sensors' }, drag: { x: true, y: false, setScale: false } }, legend: { show: false } };
  m.plots.readings = new uPlot(
    {
      ...common,
      height: 190,
      scales: { x: { time: true, range: xRange }, hum: { auto: true }, temp: { auto: true } },
      series: [
        {},
        { label: 'humidity', scale: 'hum', stroke: '#1f77b4', width: 1 },
        { label: 'baseline humidity', scale: 'hum', stroke: '#333', width: 1, dash: [4, 3] },
        { label: 'temperature', scale: 'temp', stroke: '#ff7f0e', width: 1 },
        { label: 'baseline temperature', scale: 'temp', stroke: '#333', width: 1, dash: [2, 3] },
      ],
      axes: [{}, { scale: 'hum', label: '%RH', size: 50 }, { scale: 'temp', label: '\u00b0C', side: 1, size: 50, grid: { show: false } }],
      hooks: { ...zoomHooks, drawClear: [shade(m)], draw: [() => view.draws++] },
    },
    [[], [], [], [], []],
    el,
  );
  m.plots.score = new uPlot(
    {
      ...common,
      height: 120,
      scales: { x: { time: true, range: xRange }, y: { distr: 3, range: (u, lo, hi) => [0.1, Math.max(100, hi ?? 100)] } },
      series: [{}, { label: 'score', stroke: '#c22', width: 1 }],
      // log scale, a line per decade; an empty right axis as wide as the readings plot's, so the two line up
      axes: [
        {},
        { label: 'score', size: 50, splits: () => [0.1, 1, 10, 100], filter: (u, v) => v, values: (u, v) => v.map((x) => (x === null ? '' : String(x))) },
        { scale: 'y', side: 1, size: 50, splits: () => [], grid: { show: false }, ticks: { show: false } },
      ],
      hooks: {
        ...zoomHooks,
        drawClear: [shade(m)],
        draw: [
          (u) => {
            const { ctx } = u;
            const { left, width } = u.bbox;
            ctx.save();
            ctx.setLineDash([6, 4]);
            for (const [v, c] of [[setup.on, '#c22'], [setup.off, '#2a2']]) {
              const y = u.valToPos(v, 'y', true);
              ctx.strokeStyle = c;
              ctx.beginPath();
              ctx.moveTo(left, y);
              ctx.lineTo(left + width, y);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    },
    [[], []],
    el,
  );
  return m;
}

let pending = new Set();
function redraw() {
  for (const m of pending) {
    const [x, hum, bh, temp, bt, score] = m.cols;
    m.plots.readings.setData([x, hum, bh, temp, bt]);
    m.plots.score.setData([x, score.map((v) => (v === null ? null : Math.max(v, 0.1)))]);
    m.el.querySelector('.alarm').textContent = m.alarm[m.alarm.length - 1] ? 'ALARM' : '';
  }
  pending = new Set();
}
let scheduled = false;
const schedule = () => {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    redraw();
  });
};

const clock = (t) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');
const status = document.getElementById('status');
const started = performance.now();

document.getElementById('whole').onclick = () => zoomTo(null);
document.getElementById('events').onclick = () => eventsRange() && zoomTo(eventsRange());

const events = new EventSource('/events');
events.onmessage = (msg) => {
  const e = JSON.parse(msg.data);
  if (e.type === 'setup') {
    view.setup = e;
    document.getElementById('detector').textContent = ` \u00b7 detector ${e.detector}; score thresholds: on ${e.on} (red), off ${e.off} (green)`;
    const parent = document.getElementById('motes');
    for (const id of e.motes) view.motes[id] = makeMote(id, e, parent);
  } else if (e.type === 'rows') {
    for (const [id, t, h, temp, bh, bt, score, alarm, label] of e.rows) {
      const m = view.motes[id];
      const i = m.cols[0].length;
      m.cols[0].push(t / 1000);
      m.cols[1].push(num(h));
      m.cols[2].push(num(bh));
      m.cols[3].push(num(temp));
      m.cols[4].push(num(bt));
      m.cols[5].push(num(score));
      m.alarm.push(alarm);
      m.label.push(label);
      extendRuns(m.alarmRuns, alarm, i);
      extendRuns(m.labelRuns, label, i);
      pending.add(m);
    }
    view.rows += e.rows.length;
    view.t = e.t;
    const s = (performance.now() - started) / 1000;
    status.textContent = `${clock(e.t)} UTC (data clock${view.setup.speed > 0 ? `, x${view.setup.speed}` : ''}) \u00b7 ${view.rows}/${view.setup.records} records \u00b7 ${Math.round(view.rows / s)} records/s here`;
    schedule();
  } else if (e.type === 'done') {
    view.done = true;
    view.summary = e.summary;
    status.textContent += ' \u00b7 replay finished';
    document.getElementById('summary').textContent = e.summary.join('\n');
    events.close();
  }
};
