// The failover tests' harness: deterministic keyed records, the serial run they are checked
// against, worker processes (tests/nats/worker.ts) and reading back the output stream.

import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { from, lastValueFrom, toArray } from 'rxjs';
import { decodeJson } from '../../src/nats.js';
import { zscore } from '../../src/rx.js';

export interface Reading {
  key: string;
  value: number;
  i: number;
}

/** `n` readings of `keys` sensors from record `start` on: a random walk per key, every 997th missing. */
export function readings(start: number, n: number, keys: number): Reading[] {
  const out: Reading[] = [];
  for (let i = start; i < start + n; i++) {
    const k = (i * 7919) % keys;
    const v = i % 997 === 0 ? NaN : Math.sin(i * 0.37) * 10 + k + ((i * 2654435761) % 1000) / 1000;
    out.push({ key: `s${k}`, value: v, i });
  }
  return out;
}

/** The pipeline in one process: output value by record index. */
export async function serial(records: Reading[], window: number): Promise<Map<number, number>> {
  const outs = await lastValueFrom(from(records).pipe(zscore({ window }), toArray()));
  return new Map(outs.map((o) => [(o as unknown as Reading).i, (o as unknown as Reading).value]));
}

const here = dirname(fileURLToPath(import.meta.url));

export class Worker {
  readonly proc: ChildProcess;
  readonly events: { type: string; partition?: number; [k: string]: unknown }[] = [];
  log = '';
  readonly exited: Promise<number | null>;

  constructor(config: object) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker.ts')], {
      env: { ...process.env, LAXFLOW_NATS_WORKER: JSON.stringify(config), LAXFLOW_CPU_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.proc.stdout!.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.log += line + '\n';
        try {
          this.events.push(JSON.parse(line));
        } catch {
          // not an event
        }
      }
    });
    this.proc.stderr!.on('data', (d) => (this.log += d));
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }

  claimed(): number {
    return this.events.filter((e) => e.type === 'claimed').length;
  }

  errors() {
    return this.events.filter((e) => e.type === 'error');
  }

  async stop(): Promise<{ records: number }> {
    this.proc.kill('SIGTERM');
    await this.exited;
    const stopped = this.events.find((e) => e.type === 'stopped') as { metrics: { records: number } } | undefined;
    if (!stopped) throw new Error(`worker ${this.proc.pid} did not stop cleanly:\n${this.log}`);
    return stopped.metrics;
  }

  kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

export async function count(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch {
    return 0;
  }
}

export async function waitFor(what: string, ms: number, ok: () => Promise<boolean> | boolean, logs: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface OutputMessage {
  id: string;
  record: Reading;
}

/** Every message of the output stream, in stream order. */
export async function readOutputs(nc: NatsConnection, stream: string, n: number): Promise<OutputMessage[]> {
  const js = jetstream(nc);
  const c = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const out: OutputMessage[] = [];
  const msgs = await c.consume({ max_messages: 5000 });
  for await (const m of msgs) {
    out.push({ id: m.headers?.get('Nats-Msg-Id') ?? '', record: decodeJson(m.data) as Reading });
    if (m.info.pending === 0 && out.length >= n) break;
  }
  return out;
}

/** What is wrong with the outputs against the serial run: duplicates, missing, differing values, order per key. */
export function compare(outs: OutputMessage[], expected: Map<number, number>): string[] {
  const problems: string[] = [];
  const ids = new Set(outs.map((o) => o.id));
  if (ids.size !== outs.length) problems.push(`${outs.length - ids.size} duplicate message ids`);
  const seen = new Map<number, number>();
  const lastOfKey = new Map<string, number>();
  for (const { record } of outs) {
    seen.set(record.i, (seen.get(record.i) ?? 0) + 1);
    const want = expected.get(record.i);
    if (want === undefined) problems.push(`output for unknown record ${record.i}`);
    else if (!Object.is(want, record.value)) problems.push(`record ${record.i} (${record.key}): ${record.value}, serial run ${want}`);
    const prev = lastOfKey.get(record.key);
    if (prev !== undefined && prev > record.i) problems.push(`key ${record.key}: record ${record.i} after ${prev}`);
    lastOfKey.set(record.key, record.i);
  }
  const dup = [...seen].filter(([, c]) => c > 1).length;
  if (dup) problems.push(`${dup} records with more than one output`);
  const missing = [...expected.keys()].filter((i) => !seen.has(i)).length;
  if (missing) problems.push(`${missing} records without an output`);
  return problems.slice(0, 20);
}
