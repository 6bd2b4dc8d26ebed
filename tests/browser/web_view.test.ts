// @vitest-environment node
// The main job's live web view (web/, `npm start -- --web`) in headless Chromium: the job
// replays the data set (x3000 on its clock) and serves the page; the page loads mid-replay,
// its plots grow as rows arrive, and when the replay is done every plotted value equals
// what the stream gave, the plots have drawn (labelled events marked, alarms shaded), and a
// screenshot is saved (artifacts/web-view.png, or $LAXFLOW_ARTIFACTS), and another zoomed to
// the labelled events by the page's button (web-view-events.png). Also: the page and
// its assets are served from the packed package (npm pack), uPlot resolved as installed.
//
// Needs Debian's `chromium` (LAXFLOW_CHROMIUM to point elsewhere). Without it the browser
// test skips with a printed reason, except where LAXFLOW_REQUIRE_BROWSER is set (CI).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sensors, type Summary } from '../../examples/sensors.js';

const chromiumPath = process.env.LAXFLOW_CHROMIUM ?? '/usr/bin/chromium';
const requireBrowser = !!process.env.LAXFLOW_REQUIRE_BROWSER && process.env.LAXFLOW_REQUIRE_BROWSER !== '0';
const root = path.resolve(import.meta.dirname, '../..');
const artifacts = process.env.LAXFLOW_ARTIFACTS ?? path.join(root, 'artifacts');

describe('the live web view', () => {
  it('plots the replay as it runs, with the values the stream gave, in Chromium', async (ctx) => {
    if (!fs.existsSync(chromiumPath)) {
      const reason = `no Chromium at ${chromiumPath} (install Debian's chromium, or set LAXFLOW_CHROMIUM)`;
      if (requireBrowser) expect.fail(`LAXFLOW_REQUIRE_BROWSER is set but the browser test cannot run: ${reason}`);
      console.warn(`[laxflow browser] skipping the web view test: ${reason}`);
      ctx.skip();
      return;
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    let summary: Summary | undefined;
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      let opened: Promise<unknown> | undefined;
      const job = sensors({ speed: 3000, live: false, log: () => {}, keepServing: true, web: { port: 0, onUrl: (url) => (opened = page.goto(url)) } });
      // while the replay runs: the page has some of the rows, and later more of them
      await expect.poll(() => opened, { timeout: 30_000 }).toBeDefined();
      await opened;
      await page.waitForFunction(() => (window as any).sensorsView?.rows > 0, undefined, { timeout: 30_000 });
      const early = await page.evaluate(() => ({ rows: (window as any).sensorsView.rows, done: (window as any).sensorsView.done }));
      summary = await job;
      await page.waitForFunction(() => (window as any).sensorsView?.done === true, undefined, { timeout: 30_000 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      expect(early.done).toBe(false);
      expect(early.rows).toBeLessThan(summary.records);

      const shown = await page.evaluate(() => {
        const v = (window as any).sensorsView;
        return {
          rows: v.rows,
          summary: v.summary as string[],
          motes: Object.fromEntries(
            Object.entries(v.motes).map(([id, m]: [string, any]) => [id, { cols: m.cols, alarm: m.alarm, label: m.label, plotted: [m.plots.readings.data[0].length, m.plots.score.data[1].length] }]),
          ),
        };
      });
      expect(shown.rows).toBe(summary.records);
      const nul = (v: number) => (Number.isFinite(v) ? v : null);
      for (const [id, tr] of summary.traces) {
        const m = shown.motes[id];
        expect(m.plotted, `mote ${id}`).toEqual([tr.t.length, tr.t.length]);
        expect(m.cols[0], `mote ${id} times`).toEqual(tr.t.map((t) => t / 1000));
        expect(m.cols[1], `mote ${id} humidity`).toEqual(tr.hum.map(nul));
        expect(m.cols[2], `mote ${id} baseline humidity`).toEqual(tr.baseHum.map(nul));
        expect(m.cols[3], `mote ${id} temperature`).toEqual(tr.temp.map(nul));
        expect(m.cols[4], `mote ${id} baseline temperature`).toEqual(tr.baseTemp.map(nul));
        expect(m.cols[5], `mote ${id} score`).toEqual(tr.score.map(nul));
        expect(m.alarm, `mote ${id} alarms`).toEqual(tr.alarm.map(Number));
        expect(m.label, `mote ${id} labels`).toEqual(tr.label);
      }
      expect(shown.summary.some((l) => /tuned on the first half, scored on the second: P/.test(l))).toBe(true);

      // the plots drew: ink on every canvas; the labelled-event strip (purple) on motes 1 and 4
      // only; alarm shading (pale red) where the motes had alarms
      const ink = await page.evaluate(() =>
        Object.fromEntries(
          Object.entries((window as any).sensorsView.motes).map(([id, m]: [string, any]) => {
            const count = (u: any) => {
              const c = u.ctx.canvas as HTMLCanvasElement;
              const px = u.ctx.getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
              let drawn = 0, purple = 0, shaded = 0;
              for (let i = 0; i < px.length; i += 4) {
                const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
                if (a > 0) drawn++;
                if (a > 200 && r > 100 && r < 140 && g > 45 && g < 75 && b > 185 && b < 215) purple++;
                if (a > 0 && a < 80 && r > 200 && g < 60 && b < 60) shaded++;
              }
              return { drawn, purple, shaded };
            };
            return [id, { readings: count(m.plots.readings), score: count(m.plots.score) }];
          }),
        ),
      );
      for (const [id, tr] of summary.traces) {
        const k = ink[id];
        expect(k.readings.drawn, `mote ${id}`).toBeGreaterThan(5000);
        expect(k.score.drawn, `mote ${id}`).toBeGreaterThan(2000);
        expect(k.readings.purple > 0, `mote ${id} labelled events marked`).toBe(tr.label.some((l) => l === 1));
        expect(k.readings.shaded > 0, `mote ${id} alarms shaded`).toBe(tr.alarm.some((a) => a));
      }
      expect(errors).toEqual([]);
      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'web-view.png'), fullPage: true });
      // the events button zooms every plot to the labelled events (10 min before to 15 min after)
      await page.click('#events');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const labelled = [...summary.traces.values()].flatMap((tr) => tr.t.filter((_, i) => tr.label[i] === 1));
      const want = [Math.min(...labelled) / 1000 - 600, Math.max(...labelled) / 1000 + 900];
      const scales = await page.evaluate(() => Object.values((window as any).sensorsView.motes).flatMap((m: any) => [m.plots.readings, m.plots.score].map((u: any) => [u.scales.x.min, u.scales.x.max])));
      for (const s of scales) expect(s).toEqual(want);
      await page.screenshot({ path: path.join(artifacts, 'web-view-events.png'), fullPage: true });
      console.log(`[laxflow browser] web view screenshots: ${path.join(artifacts, 'web-view.png')}, web-view-events.png`);
    } finally {
      await browser.close();
      await summary?.web?.close();
    }
  }, 120_000);

  it('serves the page and its assets from the packed package, uPlot resolved as installed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laxflow-pack-'));
    try {
      const [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      const pkg = path.join(dir, 'node_modules', 'laxflow');
      fs.mkdirSync(pkg, { recursive: true });
      execFileSync('tar', ['-xzf', path.join(dir, packed.filename), '-C', pkg, '--strip-components=1']);
      fs.symlinkSync(path.join(root, 'node_modules', 'uplot'), path.join(dir, 'node_modules', 'uplot'), 'dir');
      expect(JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).dependencies.uplot).toBeDefined();
      const { serveLiveView } = await import(pathToFileURL(path.join(pkg, 'web', 'server.js')).href);
      const view = await serveLiveView({ port: 0 });
      try {
        expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        for (const [p, type, text] of [['', 'text/html', 'sensors.js'], ['sensors.js', 'text/javascript', 'EventSource'], ['uplot.js', 'text/javascript', 'uPlot'], ['uplot.css', 'text/css', '.uplot']]) {
          const res = await fetch(view.url + p);
          expect(res.status, p).toBe(200);
          expect(res.headers.get('content-type'), p).toContain(type);
          expect(await res.text(), p).toContain(text);
        }
        expect((await fetch(view.url + 'server.js')).status).toBe(404);
      } finally {
        await view.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
