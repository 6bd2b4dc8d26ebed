// CLI faults (issue 17): a checkpoint says what it belongs to (options, input path, size and
// bytes, output file and length) and a resume that does not match is refused, naming the
// difference (exit 2); bad flags and unusable files are one line naming the flag or the file,
// never a stack trace; a UTF-8 byte order mark does not make line 1 malformed.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/laxflow.js');
const env = { ...process.env, LAXFLOW_CLI_SOURCE: '1' };
const cli = (argv: string[], input?: string) => spawnSync('node', [bin, ...argv], { encoding: 'utf8', env, input });
const dir = mkdtempSync(join(tmpdir(), 'laxflow-cli-faults-'));
const at = (name: string) => join(dir, name);
const ndjson = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => JSON.stringify({ v: f(i) })).join('\n') + '\n';
writeFileSync(at('a.ndjson'), ndjson(3000, (i) => Math.sin(i)));

/** A finished run with a checkpoint and --out, to resume against. */
function checkpointed(name: string, extra: string[] = []) {
  const ck = at(`${name}.ckpt`);
  const out = at(`${name}.out`);
  const r = cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--batch', '500', '--checkpoint', ck, '--out', out, ...extra]);
  expect([r.status, r.stderr]).toEqual([0, '']);
  return { ck, out };
}
const refused = (r: ReturnType<typeof cli>, why: string) => {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^laxflow: cannot resume from --checkpoint \S+: /);
  expect(r.stderr).toContain(why);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

describe('laxflow CLI: a checkpoint refuses what it does not belong to', () => {
  it('other options: names each differing flag and both values', () => {
    const { ck, out } = checkpointed('opts');
    refused(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '30', '--checkpoint', ck, '--out', out]), 'options differ: --span 30 here, 10 in the checkpoint');
    refused(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--alpha', '0.5', '--checkpoint', ck, '--out', out]), '--span (not given) here, 10 in the checkpoint; --alpha 0.5 here, (not given) in the checkpoint');
    // --batch does not change the output: resuming with another one is fine
    expect(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--batch', '7', '--checkpoint', ck, '--out', out]).status).toBe(0);
  }, 60_000);

  it('another input file, the same file changed, or a position past its end', () => {
    const { ck, out } = checkpointed('input');
    writeFileSync(at('b.ndjson'), readFileSync(at('a.ndjson')));
    refused(cli([at('b.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--checkpoint', ck, '--out', out]), `it belongs to input ${at('a.ndjson')}, not ${at('b.ndjson')}`);
    const original = readFileSync(at('a.ndjson'));
    try {
      writeFileSync(at('a.ndjson'), ndjson(3000, (i) => Math.cos(i)).slice(0, original.length).padEnd(original.length, ' '));
      refused(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--checkpoint', ck, '--out', out]), 'is not the file the checkpoint was made on');
      writeFileSync(at('a.ndjson'), original.subarray(0, 1000));
      refused(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--checkpoint', ck, '--out', out]), `its position (byte ${original.length}) is past the end of ${at('a.ndjson')} (1000 bytes)`);
    } finally {
      writeFileSync(at('a.ndjson'), original);
    }
  }, 60_000);

  it('an output shorter than the checkpoint expects, or another output', () => {
    const { ck, out } = checkpointed('output');
    refused(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--checkpoint', ck]), `it was written with --out ${out}, not output to stdout`);
    truncateSync(out, 100);
    refused(cli([at('a.ndjson'), '--value', 'v', '--op', 'ema', '--span', '10', '--checkpoint', ck, '--out', out]), `the output ${out} has 100 bytes; the checkpoint expects at least`);
    expect(readFileSync(out).includes(0)).toBe(false); // never padded with NUL bytes
  }, 60_000);
});

describe('laxflow CLI: bad flags and files are one line naming them (exit 2)', () => {
  mkdirSync(at('adir'));
  writeFileSync(at('truncated.ckpt'), '{"version":2,"snapshot":');
  const cases: [string[], string][] = [
    [['--op', 'sma', '--window', '-1'], 'laxflow: --window must be a positive integer or a duration such as 30s, got -1'],
    [['--op', 'sma', '--window', '2.5'], 'laxflow: --window must be a positive integer or a duration such as 30s, got 2.5'],
    [['--op', 'ema', '--span', '0'], 'laxflow: --span must be >= 1, got 0'],
    [['--op', 'var', '--ddof', '-1'], 'laxflow: --ddof must be an integer >= 0, got -1'],
    [['--op', 'sma', '--min-periods', '1.5'], 'laxflow: --min-periods must be an integer >= 0, got 1.5'],
    [['--op', 'sma', '--capacity', '0'], 'laxflow: --capacity must be an integer >= 1, got 0'],
    [['--op', 'ema', '--span', '3', '--alpha', '0.5'], 'laxflow: give only one of --span, --alpha, --halflife, --com (got --span, --alpha)'],
    [['--op', 'ema', '--span', '3', '--adjust', 'no'], 'laxflow: --adjust must be true or false, got no'],
    [['--op', 'sma', '--out', at('missing/o.ndjson')], `laxflow: cannot write --out ${at('missing/o.ndjson')}: the directory ${at('missing')} does not exist`],
    [['--op', 'sma', '--out', at('adir')], `laxflow: --out ${at('adir')} is a directory; give a file name`],
    [['--op', 'sma', '--checkpoint', at('adir')], `laxflow: --checkpoint ${at('adir')} is a directory; give a file name`],
    [['--op', 'sma', '--checkpoint', at('truncated.ckpt')], `laxflow: --checkpoint ${at('truncated.ckpt')} is not a readable checkpoint (truncated or damaged: `],
    [[at('nothere.ndjson'), '--op', 'sma'], `laxflow: input file ${at('nothere.ndjson')} does not exist`],
    [['--op', 'sma', '--window', '5s', '--time', 't', '--max-lateness', 'zz'], 'maxLateness: invalid duration "zz"'],
  ];
  it.each(cases)('%j', (argv, message) => {
    const r = cli(argv, '{"value": 1, "t": 0}\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^laxflow: /);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('laxflow CLI: input encoding', () => {
  it('a UTF-8 byte order mark before line 1 is not part of it (NDJSON and CSV)', () => {
    const r = cli(['--op', 'sma', '--window', '2'], '\uFEFF{"value": 1}\n{"value": 3}\n');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe('{"value":1,"sma":null}\n{"value":3,"sma":2}\n');
    writeFileSync(at('bom.csv'), '\uFEFFvalue\n1\n3\n');
    const c = cli([at('bom.csv'), '--op', 'sma', '--window', '2']);
    expect([c.status, c.stderr, c.stdout]).toEqual([0, '', '{"value":1,"sma":null}\n{"value":3,"sma":2}\n']);
  });
});
