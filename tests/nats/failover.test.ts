// laxflow/nats against a real nats-server (started here on 127.0.0.1, JetStream in a temporary
// directory): 3 worker processes over 8 partitions, one killed (SIGKILL) mid-run, one paused
// (SIGSTOP) past its lease and resumed, one joining late; the output must equal a serial run
// of the same pipeline per key, bit for bit, with no duplicates and nothing missing. Then
// every worker stops, more records arrive, and fresh workers resume from the checkpoints.

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, partitionOf } from '../../src/nats.js';
import { compare, count, readings, readOutputs, serial, waitFor, Worker } from './harness.js';
import { natsServerMissing, startNatsServer, type NatsServer } from './server.js';

const PARTITIONS = 8;
const KEYS = 2000;
const N = 100_000;
const MORE = 10_000;
const WINDOW = 20;
const input = 'sensors.in';
const output = 'sensors.out';
const outStream = 'laxflow_sensors_out';
const leaseTtlMs = 3000;

describe.skipIf(natsServerMissing())('laxflow/nats on nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const workers: Worker[] = [];
  let outputs = 0;
  const logs = () => `outputs stored: ${outputs}\n` + workers.map((w) => `--- worker ${w.proc.pid}\n${w.log.slice(-3000)}`).join('\n');
  const worker = () => {
    const w = new Worker({ url: server.url, input, output, partitions: PARTITIONS, window: WINDOW, maxBatch: 500, leaseTtlMs, renewMs: 500 });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    server = await startNatsServer([{ input, partitions: PARTITIONS }]);
    nc = await connect({ servers: server.url });
  }, 30_000);

  afterAll(async () => {
    for (const w of workers) w.kill();
    await nc?.close();
    await server?.stop();
  });

  it('the server partitions keys as partitionOf does', async () => {
    const producer = await createProducer(nc, { input: 'probe.in' });
    await expect(producer.publish([{ key: 'a', value: 1 }])).rejects.toThrow(/no stream stored probe\.in\.a: is the subject mapping configured/);
    await expect(producer.publish([{ key: 'a.b', value: 1 }])).rejects.toThrow(/not one subject token/);
    const p = await createProducer(nc, { input });
    const acks = await p.publish(['k0', 'k1', 'sensor-17', '42'].map((key) => ({ key, value: 0, i: -1 })));
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(nc);
    const subjects = await Promise.all(acks.map(async (a) => (await jsm.streams.getMessage(a.stream, { seq: a.seq }))!.subject));
    expect(subjects).toEqual(['k0', 'k1', 'sensor-17', '42'].map((k) => `${input}.${partitionOf(k, PARTITIONS)}.${k}`));
    await jsm.streams.purge(acks[0].stream);
  }, 30_000);

  it('3 workers, one killed, one paused past its lease, one late: the serial run, exactly once; a restart resumes from the checkpoints', async () => {
    const records = readings(0, N, KEYS);
    const expected = serial(records, WINDOW);
    const producer = await createProducer(nc, { input });
    // The records arrive in three parts, so that each failure leaves its partitions with
    // records to process after it, whatever the machine's speed.
    const part = (from: number, to: number) => records.slice(Math.round(N * from), Math.round(N * to));
    await producer.publish(part(0, 0.4));
    const a = worker();
    const b = worker();
    const done = (n: number) => async () => (outputs = await count(nc, outStream)) >= n;
    await waitFor('15% of the outputs', 120_000, done(N * 0.15), logs);
    const joined = Date.now();
    const c = worker(); // joins late: the others give back partitions
    await waitFor('the late worker to get partitions', 120_000, () => c.claimed() > 0, logs);
    const firstClaim = c.events.find((e) => e.type === 'claimed')!.at as number;
    const meanwhile = [a, b].flatMap((w) => w.events.filter((e) => (e.at as number) >= joined && (e.at as number) <= firstClaim && e.type !== 'claimed').map((e) => `${e.type} ${e.partition ?? ''} ${String(e.reason ?? e.error ?? '').slice(0, 80)}`));
    console.log(`tests/nats: the late worker's first partition ${firstClaim - joined} ms after its process was spawned; before it, the others: ${meanwhile.join('; ') || 'nothing'}`);
    // surplus given back (a partition whose lease ran out under load may reach it first)
    await waitFor('the others to give back surplus partitions', 60_000, () => [a, b].some((w) => w.events.some((e) => e.type === 'released')), logs);
    await waitFor('35% of the outputs', 120_000, done(N * 0.35), logs);
    a.proc.kill('SIGKILL');
    await producer.publish(part(0.4, 0.7));
    await waitFor('55% of the outputs', 120_000, done(N * 0.55), logs);
    b.proc.kill('SIGSTOP');
    const paused = Date.now();
    await producer.publish(part(0.7, 1));
    await new Promise((r) => setTimeout(r, Math.max(0, paused + leaseTtlMs + 2000 - Date.now())));
    b.proc.kill('SIGCONT');
    await waitFor('all outputs', 120_000, done(N), logs);
    // the paused worker found its partitions taken, and the rest went on without it
    await waitFor('the paused worker to see its leases lost', 60_000, () => b.events.some((e) => e.type === 'lost'), logs);
    expect(b.events.filter((e) => e.type === 'lost').length).toBeGreaterThan(0);
    // (a partition restarted by its watchdog is recovery, not an error of the run)
    const real = (w: Worker) => w.errors().filter((e) => !/restarting from its checkpoint/.test(String(e.error)));
    expect([a, c].flatMap(real)).toEqual([]);
    // the paused worker's requests in flight may time out when it wakes (its lease rounds)
    expect(real(b).filter((e) => !/TimeoutError/.test(String(e.error)))).toEqual([]);
    const outs = await readOutputs(nc, outStream, N);
    expect(outs.length).toBe(N);
    expect(compare(outs, await expected)).toEqual([]);

    // restart: every worker stops (checkpointing), more records arrive, fresh workers resume
    await Promise.all([b.stop(), c.stop()]);
    const more = readings(N, MORE, KEYS);
    await producer.publish(more);
    const fresh = [worker(), worker(), worker()];
    await waitFor('the outputs of the new records', 60_000, done(N + MORE), logs);
    await new Promise((r) => setTimeout(r, 500));
    const metrics = await Promise.all(fresh.map((w) => w.stop()));
    console.log(`tests/nats: watchdog restarts: ${workers.flatMap((w) => w.errors()).filter((e) => /restarting from its checkpoint/.test(String(e.error))).length}`);
    // each record after the checkpoints was processed once: none again from the start
    expect(metrics.reduce((s, m) => s + m.records, 0)).toBe(MORE);
    const all = await readOutputs(nc, outStream, N + MORE);
    expect(all.length).toBe(N + MORE);
    expect(compare(all, await serial([...records, ...more], WINDOW))).toEqual([]);
  }, 400_000);
});
