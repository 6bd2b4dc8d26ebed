// The main job (examples/sensors.ts, `npm start`), flooded: it ends with the held-out
// figures at the target (precision and recall >= 0.9 tuned on either half, scored on the
// other), from the stream's alarms, which equal the float64 reference loop's; every line
// it prints (plain lines, the summary, and the terminal view's screen) fits 80 columns; and
// the scoring counts what it says on a small case.

import { describe, expect, it } from 'vitest';
import { report, sensors } from '../examples/sensors.js';
import { START, type Reading } from '../examples/sensors/data.js';
import { screen } from '../examples/sensors/terminal.js';
import { figures } from '../examples/sensors/tune.js';

describe('npm start (the main job)', () => {
  it('reaches precision and recall >= 0.9 on held-out halves both ways, and prints under 80 columns', async () => {
    const lines: string[] = [];
    const s = await sensors({ speed: 0, live: false, log: (l) => lines.push(l) });
    for (const h of ['first', 'second'] as const) {
      expect(s.heldOut[h].precision, `tuned on the ${h} half`).toBeGreaterThanOrEqual(0.9);
      expect(s.heldOut[h].recall, `tuned on the ${h} half`).toBeGreaterThanOrEqual(0.9);
      expect(s.heldOut[h].events.length).toBe(1);
      expect(s.disagreements[h]).toBe(0);
    }
    expect(s.records).toBe(18914);
    lines.push(...report(s, 0));
    for (const l of lines) expect(l.length, l).toBeLessThan(80);
  }, 120_000);

  it("the terminal view's lines fit 80 columns, whatever the values", () => {
    const big = { mote: 4, t: START + 7 * 3.6e6, hum: -1234.5678, temp: 99999.99, baseHum: -99999, baseTemp: 1e6, score: 123456.7, alarm: true, winMean: -99999.99, winStd: 12345.6, alarms: 999, recent: Array(16).fill(1e9) };
    const rows = [big, { ...big, mote: 1, hum: NaN, score: NaN, recent: [] }];
    const log = Array.from({ length: 9 }, (_, i) => `+06:59:5${i} mote 4 ALARM on, score 123456.7 (hum 99999.99, temp -99999.99) and more and more`);
    const lines = screen({ t: START, done: 18914, total: 18914, speed: 600, wallSeconds: 0.001, engineRate: 1e9, batches: 123456, web: 'http://127.0.0.1:65535/' }, rows, log, 'detector tuned on the first half: halflife 1000 s, on 12, off 8, minVar 0.01'.repeat(2));
    for (const l of lines) expect(l.length, l).toBeLessThan(80);
  });

  it('scores a small case as described: readings in the half, delay per event, alarms touching no label', () => {
    const r = (reading: number, label: number): Reading => ({ reading, mote_id: 1, indoor: 1, humidity: 0, temperature: 0, label, t: START + (reading - 1) * 5000 });
    const rs = [r(1, 0), r(2, 0), r(3, 1), r(4, 1), r(5, 1), r(6, 0), r(7, 0), r(8, 0), r(9, 0), r(10, 0)];
    const alarms = [false, true, false, true, true, true, false, false, true, false];
    const first = figures(new Map([[1, rs]]), new Map([[1, alarms]]), 'first'); // readings 1-5 (t <= midpoint 22.5 s)
    expect([first.tp, first.fp, first.fn]).toEqual([2, 1, 1]);
    expect(first.events).toEqual([{ mote: 1, from: 3, to: 5, readings: 3, delayReadings: 1, delaySeconds: 5 }]);
    expect(first.falseAlarms).toBe(1); // reading 2's; the alarm of readings 4-6 touches labels
    const second = figures(new Map([[1, rs]]), new Map([[1, alarms]]), 'second');
    expect([second.tp, second.fp, second.fn, second.events.length, second.falseAlarms]).toEqual([0, 2, 0, 0, 1]);
    expect(second.hours).toBeCloseTo(20 / 3600, 9);
  });
});
