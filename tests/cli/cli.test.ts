// The laxflow CLI end to end: NDJSON in, NDJSON out, malformed lines reported by number;
// a run killed (SIGKILL) mid-file and restarted with its checkpoint produces exactly the
// output of an uninterrupted run.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/laxflow.js');
// the sources under test, even where a dist/ of older ones exists
const env = { ...process.env, LAXFLOW_CLI_SOURCE: '1' };
const cli = (argv: string[], input?: string) => spawnSync('node', [bin, ...argv], { encoding: 'utf8', env, input });
const dir = mkdtempSync(join(tmpdir(), 'laxflow-cli-'));
const lines: string[] = [];
for (let i = 0; i < 20000; i++) {
  if (i % 4999 === 17) lines.push(i % 2 ? '{"k": "broken' : `{"k": "m${i % 13}", "v": "n/a"}`);
  else lines.push(JSON.stringify({ k: `m${i % 13}`, ts: i, v: i % 97 === 0 ? null : Math.sin(i / 10) * 20 + (i % 13) }));
}
const input = join(dir, 'in.ndjson');
writeFileSync(input, lines.join('\n') + '\n');
const badLines = lines.flatMap((l, i) => (l.includes('broken') || l.includes('n/a') ? [i + 1] : []));
const args = (out: string, extra: string[] = []) => [bin, input, '--key', 'k', '--value', 'v', '--time', 'ts', '--op', 'ema,var,zscore', '--span', '5', '--window', '8', '--batch', '100', '--out', out, ...extra];

describe('laxflow CLI', () => {
  it('writes NDJSON per record and reports malformed lines with their numbers', () => {
    const r = spawnSync('node', args(join(dir, 'whole.ndjson')), { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    for (const n of badLines) expect(r.stderr).toContain(`laxflow: line ${n}: `);
    expect(r.stderr).toContain(`laxflow: ${badLines.length} malformed lines skipped`);
    const out = readFileSync(join(dir, 'whole.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out.length).toBe(lines.length - badLines.length);
    expect(out[0]).toEqual({ key: 'm0', t: 0, value: null, ema: null, var: null, zscore: null });
    expect(Object.keys(out[100])).toEqual(['key', 't', 'value', 'ema', 'var', 'zscore']);
  }, 60_000);

  it('resumes after a kill mid-file with identical total output', async () => {
    const out = join(dir, 'resumed.ndjson');
    const ckpt = join(dir, 'ckpt.json');
    const child = spawn('node', args(out, ['--checkpoint', ckpt]), { stdio: 'ignore', env });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill it once a few batches are checkpointed.
    while (!(existsSync(ckpt) && JSON.parse(readFileSync(ckpt, 'utf8')).line >= 2000)) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const at = JSON.parse(readFileSync(ckpt, 'utf8')).line;
    expect(at).toBeLessThan(lines.length); // it really stopped mid-file
    const r = spawnSync('node', args(out, ['--checkpoint', ckpt]), { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'whole.ndjson'), 'utf8'));
  }, 60_000);

  it('--op ema without a decay flag is a one-line usage error naming the flags (exit 2)', () => {
    const r = cli(['--op', 'ema'], '{"value": 1}\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('laxflow: --op ema needs one of --span, --alpha, --halflife or --com\n');
    const bad = cli(['--op', 'ema', '--span', '0.5'], '');
    expect([bad.status, bad.stderr]).toEqual([2, 'laxflow: --span must be >= 1, got 0.5\n']);
    const two = cli(['--op', 'ema', '--span', '3', '--alpha', '0.5'], '');
    expect([two.status, two.stderr]).toEqual([2, 'laxflow: give only one of --span, --alpha, --halflife, --com (got --span, --alpha)\n']);
    const window = cli(['--op', 'sma', '--window', '3', '--min-periods', '5'], '');
    expect([window.status, window.stderr]).toEqual([2, 'laxflow: sma: min_periods 5 must be <= window 3\n']);
  });

  it('a missing CSV column is reported once, without a doubled prefix', () => {
    const r = cli(['--op', 'sma', '--window', '2', '--value', 'temp', '--format', 'csv'], 'a,b\n1,2\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('laxflow: the CSV header has no column "temp" (columns: a, b)\n');
  });

  it('several --value columns: each its own stream, fields NAME and NAME_OP', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ k: `m${i % 3}`, temp: 20 + Math.sin(i / 5) * 3 + (i % 3), hum: i % 17 === 5 ? null : 50 + Math.cos(i / 7) * 8 }));
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const ops = ['--op', 'ema,sma,var,zscore', '--span', '4', '--window', '6', '--batch', '64'];
    const parse = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l));
    for (const keyed of [[], ['--key', 'k']]) {
      const both = cli([...keyed, '--value', 'temp', '--value', 'hum', ...ops], text);
      expect(both.status).toBe(0);
      if (!keyed.length) expect(cli(['--value', 'temp,hum', ...ops], text).stdout).toBe(both.stdout);
      const temp = parse(cli([...keyed, '--value', 'temp', ...ops], text).stdout);
      const hum = parse(cli([...keyed, '--value', 'hum', ...ops], text).stdout);
      const out = parse(both.stdout);
      expect(Object.keys(out[0])).toEqual([...(keyed.length ? ['key'] : []), 'temp', 'temp_ema', 'temp_sma', 'temp_var', 'temp_zscore', 'hum', 'hum_ema', 'hum_sma', 'hum_var', 'hum_zscore']);
      expect(Object.keys(temp[0])).toEqual([...(keyed.length ? ['key'] : []), 'value', 'ema', 'sma', 'var', 'zscore']); // one column: unchanged
      const per = (o: any, col: string) => ({ key: o.key, value: o[col], ema: o[`${col}_ema`], sma: o[`${col}_sma`], var: o[`${col}_var`], zscore: o[`${col}_zscore`] });
      expect(out.map((o) => per(o, 'temp'))).toEqual(temp.map((o) => ({ key: undefined, ...o })));
      expect(out.map((o) => per(o, 'hum'))).toEqual(hum.map((o) => ({ key: undefined, ...o })));
    }
  }, 60_000);

  describe('on event time (--time with durations, --max-lateness, --resample)', () => {
    // 3000 readings of 5 sensors, 0-3 s apart, each delayed by up to 4 s on arrival; one in
    // 500 is 90 s late
    const t0 = Date.UTC(2026, 11, 5, 6);
    const recs: { k: string; ts: string; v: number | null; at: number }[] = [];
    for (let i = 0, t = t0; i < 3000; i++) {
      t += (i * 7919) % 3001;
      const late = i % 500 === 250;
      recs.push({ k: `s${i % 5}`, ts: new Date(t).toISOString(), v: i % 41 === 0 ? null : Math.round(Math.sin(i / 9) * 1000) / 10, at: late ? t + 90_000 : t + ((i * 104729) % 4001) });
    }
    const arrivals = [...recs].sort((a, b) => a.at - b.at);
    const text = arrivals.map(({ at: _at, ...r }) => JSON.stringify(r)).join('\n') + '\n';
    const lateLines = arrivals.flatMap((r, i) => (recs.indexOf(r) % 500 === 250 ? [i + 1] : []));
    const file = join(dir, 'timed.ndjson');
    writeFileSync(file, text);
    const timedArgs = (out: string, extra: string[] = []) => [bin, file, '--key', 'k', '--value', 'v', '--time', 'ts', '--op', 'sma,zscore,ema', '--window', '30s', '--halflife', '10s', '--max-lateness', '5s', '--batch', '128', '--out', out, ...extra];

    it('reorders within --max-lateness, reports late lines by number, and equals the library on the sorted records', async () => {
      const r = spawnSync('node', timedArgs(join(dir, 'timed-out.ndjson')), { encoding: 'utf8', env });
      expect(r.status).toBe(0);
      for (const n of lateLines) expect(r.stderr).toMatch(new RegExp(`laxflow: line ${n}: late record at t=\\S+, [\\d.]+ s behind the watermark \\S+ \\(raise --max-lateness\\)`));
      expect(r.stderr).toContain(`laxflow: ${lateLines.length} late lines skipped (behind the watermark)`);
      const out = readFileSync(join(dir, 'timed-out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const onTime = recs.filter((_, i) => i % 500 !== 250);
      expect(out.map((o) => [o.key, o.t])).toEqual(onTime.map((r) => [r.k, r.ts]));
      const { from, lastValueFrom, toArray } = await import('rxjs');
      const { emaStep, fanout, stepOperator, timeRollingStep } = await import('../../src/rx.js');
      const step = fanout({ sma: timeRollingStep({ window: '30s' }, 'mean', 'sma'), zscore: timeRollingStep({ window: '30s' }, 'zscore', 'zscore'), ema: emaStep({ halflife: '10s' }) });
      const lib = await lastValueFrom(from([onTime.map((r) => ({ key: r.k, t: r.ts, value: r.v }))]).pipe(stepOperator(step), toArray()));
      const f32 = (x: number) => (Number.isFinite(x) ? Math.fround(x) : null);
      expect(out.map((o) => [o.sma, o.zscore, o.ema].map((v) => (v === null ? null : Math.fround(v))))).toEqual((lib[0] as any[]).map((o) => [f32(o.value.sma), f32(o.value.zscore), f32(o.value.ema)]));
    }, 60_000);

    it('resumes after a kill mid-file with identical total output (records waiting for the watermark in the checkpoint)', async () => {
      const out = join(dir, 'timed-resumed.ndjson');
      const ckpt = join(dir, 'timed-ckpt.json');
      const child = spawn('node', timedArgs(out, ['--checkpoint', ckpt]), { stdio: 'ignore', env });
      const exited = new Promise((r) => child.once('exit', r));
      while (!(existsSync(ckpt) && JSON.parse(readFileSync(ckpt, 'utf8')).line >= 700)) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await exited;
      expect(JSON.parse(readFileSync(ckpt, 'utf8')).line).toBeLessThan(recs.length);
      const r = spawnSync('node', timedArgs(out, ['--checkpoint', ckpt]), { encoding: 'utf8', env });
      expect(r.status).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'timed-out.ndjson'), 'utf8'));
    }, 60_000);

    it('--resample DUR --stats LIST writes one line per key and window, all windows by the end', () => {
      const r = cli(['--key', 'k', '--value', 'v', '--time', 'ts', '--resample', '1min', '--stats', 'mean,max,count', '--max-lateness', '5s'], text);
      expect(r.status).toBe(0);
      const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const want = new Map<string, { sum: number; n: number; max: number }>();
      recs.forEach((rec, i) => {
        if (i % 500 === 250) return;
        const start = new Date(Math.floor(Date.parse(rec.ts) / 60_000) * 60_000).toISOString();
        const w = want.get(`${rec.k} ${start}`) ?? { sum: 0, n: 0, max: -Infinity };
        if (rec.v !== null) (w.sum += rec.v), w.n++, (w.max = Math.max(w.max, rec.v));
        want.set(`${rec.k} ${start}`, w);
      });
      expect(out.length).toBe(want.size);
      for (const o of out) {
        const w = want.get(`${o.key} ${o.t}`)!;
        expect([o.count, Math.fround(o.max)]).toEqual([w.n, Math.fround(w.max)]);
        expect(Math.abs(o.mean - w.sum / w.n)).toBeLessThan(1e-3);
      }
    });

    it('durations without --time, and --op with --resample, are usage errors', () => {
      expect([cli(['--op', 'sma', '--window', '30s'], '').status, cli(['--op', 'sma', '--window', '30s'], '').stderr]).toEqual([2, 'laxflow: --window 30s is on event time: give --time FIELD\n']);
      expect(cli(['--op', 'sma', '--resample', '1min', '--time', 't'], '').stderr).toBe('laxflow: give --op or --resample, not both\n');
    });
  });
});
