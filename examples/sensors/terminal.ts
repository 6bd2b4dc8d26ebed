// The main job's terminal view: 80 columns, redrawn in place (cursor home, each line
// cleared to its end, no full-screen clear: no flicker) when stdout is a terminal; plain
// lines (alarm changes and progress every 10%) when it is not.

import { clock } from './data.js';

export interface MoteRow {
  mote: number;
  t: number;
  hum: number;
  temp: number;
  /** The detector's baseline (mean) and score, its alarm, and the 5-minute window's mean and std of humidity. */
  baseHum: number;
  baseTemp: number;
  score: number;
  alarm: boolean;
  winMean: number;
  winStd: number;
  alarms: number;
  recent: number[]; // the last 16 scores
}

export interface Progress {
  t: number;
  done: number;
  total: number;
  speed: number;
  wallSeconds: number;
  engineRate: number;
  batches: number;
  web?: string;
}

export const WIDTH = 80;
const fit = (s: string) => (s.length > WIDTH - 1 ? s.slice(0, WIDTH - 1) : s);
const num = (v: number, w: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '-').padStart(w);
const BARS = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';
/** The last scores as bars on a log scale (0.1 to 100, as the web view's). */
const spark = (xs: number[]) => xs.map((v) => (Number.isFinite(v) ? BARS[Math.max(0, Math.min(7, Math.round(((Math.log10(Math.max(v, 0.1)) + 1) / 3) * 7)))] : ' ')).join('');

/** The screen's lines (each under 80 columns). */
export function screen(p: Progress, motes: MoteRow[], log: string[], detector: string): string[] {
  const pct = Math.floor((100 * p.done) / Math.max(p.total, 1));
  const bar = '#'.repeat(Math.round(pct / 5)).padEnd(20, '.');
  const rate = p.done / Math.max(p.wallSeconds, 1e-9);
  return [
    ` laxflow sensors  2010-05-09 +${clock(p.t)}  ${p.speed > 0 ? `x${p.speed}` : 'flood'}  [${bar}] ${String(pct).padStart(3)}%`,
    ` ${p.done}/${p.total} records  ${Math.round(rate)} rec/s  engine ${Math.round(p.engineRate)} rec/s  ${p.batches} batches`,
    ` ${detector}`,
    '',
    ' mote   hum%RH temp C | baseline    score | 5-min hum  sd | alarm  last scores',
    ...motes.map((m) =>
      fit(
        `  ${m.mote}    ${num(m.hum, 6, 2)} ${num(m.temp, 6, 2)} | ${num(m.baseHum, 6, 2)} ${num(m.score, 8, 2)} | ${num(m.winMean, 6, 2)} ${num(m.winStd, 5, 2)} | ${(m.alarm ? 'ALARM' : 'ok').padEnd(5)} ${spark(m.recent)}`,
      ),
    ),
    '',
    ' alarms (data clock):',
    ...log.slice(-5).map((l) => fit(`  ${l}`)),
    ...(p.web ? ['', fit(` web view: ${p.web}`)] : []),
  ].map(fit);
}

/** Redraws in place on a terminal; `done` leaves the cursor below the view. */
export class TerminalView {
  private drawn = false;
  constructor(private readonly out: NodeJS.WriteStream) {}
  draw(lines: string[]): void {
    const head = this.drawn ? '\x1b[H' : '\x1b[?25l\x1b[2J\x1b[H';
    if (!this.drawn) process.once('SIGINT', this.interrupted); // give the cursor back on Ctrl-C
    this.drawn = true;
    this.out.write(head + lines.map((l) => `${l}\x1b[K`).join('\n') + '\n\x1b[J');
  }
  done(): void {
    if (this.drawn) this.out.write('\x1b[?25h');
    process.off('SIGINT', this.interrupted);
  }
  private readonly interrupted = () => {
    this.out.write('\x1b[?25h\n');
    process.exit(130);
  };
}
