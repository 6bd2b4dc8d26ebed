// The laxflow CLI end to end: NDJSON in, NDJSON out, malformed lines reported by number;
// a run killed (SIGKILL) mid-file and restarted with its checkpoint produces exactly the
// output of an uninterrupted run.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/laxflow.js');
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
    const r = spawnSync('node', args(join(dir, 'whole.ndjson')), { encoding: 'utf8' });
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
    const child = spawn('node', args(out, ['--checkpoint', ckpt]), { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill it once a few batches are checkpointed.
    while (!(existsSync(ckpt) && JSON.parse(readFileSync(ckpt, 'utf8')).line >= 2000)) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const at = JSON.parse(readFileSync(ckpt, 'utf8')).line;
    expect(at).toBeLessThan(lines.length); // it really stopped mid-file
    const r = spawnSync('node', args(out, ['--checkpoint', ckpt]), { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'whole.ndjson'), 'utf8'));
  }, 60_000);
});
