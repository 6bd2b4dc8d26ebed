// The CLI's checkpoint file: the operator's snapshot and where the run is (input line and
// byte, output bytes), together with what it belongs to: the options that shape the output,
// the input (path, size, a hash of its first 64 KiB and of the 4 KiB before the position) and
// the output file. A resume checks all of it against the present run and refuses, naming the
// difference, instead of mixing two settings, continuing mid-line in another file, or padding
// a short output with NUL bytes.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Snapshot } from '../rx.js';
import type { CliArgs } from './args.js';

const VERSION = 2;

/** The options that change what a run writes (not --batch, --out or --checkpoint). */
const shaping = ['format', 'key', 'values', 'time', 'ops', 'span', 'alpha', 'halflife', 'com', 'adjust', 'window', 'maxLateness', 'resample', 'stats', 'capacity', 'minPeriods', 'ddof'] as const;

export interface InputIdentity {
  /** Absolute path, or null for stdin (which cannot be checked). */
  path: string | null;
  size: number | null;
  /** sha256 of the first 64 KiB. */
  head: string | null;
}

export interface Checkpoint {
  version: number;
  options: Record<string, unknown>;
  input: InputIdentity;
  /** Absolute path of --out, or null for stdout. */
  out: string | null;
  snapshot: Snapshot;
  line: number;
  byte: number;
  /** sha256 of the (up to) 4 KiB of input before `byte`. */
  before: string | null;
  outBytes: number;
  malformed: number;
  header?: string;
}

const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function optionsOf(a: CliArgs): Record<string, unknown> {
  return Object.fromEntries(shaping.map((k) => [k, a[k] ?? null]));
}

function readRange(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, end - start));
    const n = readSync(fd, buf, 0, buf.length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function inputIdentity(input: string | undefined): InputIdentity {
  if (input === undefined) return { path: null, size: null, head: null };
  const size = statSync(input).size;
  return { path: resolve(input), size, head: sha(readRange(input, 0, Math.min(size, 1 << 16))) };
}

/** The hash of the input's bytes before `byte` (null for stdin). */
export function beforeHash(input: string | undefined, byte: number): string | null {
  return input === undefined ? null : sha(readRange(input, Math.max(0, byte - 4096), byte));
}

/** Read a checkpoint; a missing file is undefined, anything unreadable an error naming the file. */
export function loadCheckpoint(path: string | undefined): Checkpoint | undefined {
  if (!path || !existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) throw new Error(`--checkpoint ${path} is a directory; give a file name`);
  let c: Partial<Checkpoint>;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as Partial<Checkpoint>;
  } catch (e) {
    throw new Error(`--checkpoint ${path} is not a readable checkpoint (truncated or damaged: ${(e as Error).message}); remove it to start over`);
  }
  const fields = ['options', 'input', 'snapshot', 'line', 'byte', 'outBytes', 'malformed'] as const;
  if (typeof c !== 'object' || c === null || c.version !== VERSION || fields.some((f) => c[f] === undefined)) {
    throw new Error(`--checkpoint ${path} is not a laxflow checkpoint of this version (version ${VERSION}); remove it to start over`);
  }
  return c as Checkpoint;
}

export function saveCheckpoint(path: string, c: Omit<Checkpoint, 'version'>): void {
  writeFileSync(`${path}.tmp`, JSON.stringify({ version: VERSION, ...c }));
  renameSync(`${path}.tmp`, path);
}

/**
 * Why the checkpoint cannot resume this run (the first difference found), or undefined.
 * `input` is the present input's identity, `out` the present --out (absolute) or null.
 */
export function resumeProblem(c: Checkpoint, a: CliArgs, input: InputIdentity, out: string | null): string | undefined {
  const now = optionsOf(a);
  const show = (v: unknown) => (v === null ? '(not given)' : Array.isArray(v) ? v.join(',') : String(v));
  const changed = shaping.filter((k) => JSON.stringify(now[k]) !== JSON.stringify(c.options[k] ?? null));
  if (changed.length) return `options differ: ${changed.map((k) => `${flag(k)} ${show(now[k])} here, ${show(c.options[k] ?? null)} in the checkpoint`).join('; ')}`;
  const name = (p: string | null) => p ?? 'stdin';
  if (c.input.path !== input.path) return `it belongs to input ${name(c.input.path)}, not ${name(input.path)}`;
  if (input.path !== null) {
    if (c.byte > input.size!) return `its position (byte ${c.byte}) is past the end of ${input.path} (${input.size} bytes)`;
    if (c.input.size !== input.size) return `${input.path} has ${input.size} bytes; the checkpoint was made on ${c.input.size} bytes`;
    if (c.input.head !== input.head) return `${input.path} is not the file the checkpoint was made on (its first bytes differ)`;
    if (c.before !== beforeHash(a.input, c.byte)) return `${input.path} is not the file the checkpoint was made on (the bytes before its position, byte ${c.byte}, differ)`;
  }
  if (c.out !== out) return `it was written with ${c.out === null ? 'output to stdout' : `--out ${c.out}`}, not ${out === null ? 'output to stdout' : `--out ${out}`}`;
  if (out !== null) {
    if (!existsSync(out)) return `the output ${out} is missing (the checkpoint expects ${c.outBytes} bytes of it)`;
    const size = statSync(out).size;
    if (size < c.outBytes) return `the output ${out} has ${size} bytes; the checkpoint expects at least ${c.outBytes} (was it truncated or replaced?)`;
  }
  return undefined;
}
