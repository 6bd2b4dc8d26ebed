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
});
