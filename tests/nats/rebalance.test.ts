// Giving partitions back while they have records waiting, and the partition watchdog, in
// this process against a real nats-server:
// - a worker that joins while another works through a backlog gets its share within a few
//   lease periods (the other stops those partitions after their batch in progress and gives
//   them back), and stop() during a backlog returns promptly: both hung before the fix,
//   because closing the consumer's message iterator waited for the messages buffered ahead
//   of the close to be read, which the stopped runner never did;
// - a partition whose server-side consumer disappears is restarted from its checkpoint by its
//   watchdog (nats.js alone would notice only after two missed 15 s heartbeats);
// and the outputs equal the serial run, each once.

import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, runPartitioned, type PartitionEvent, type PartitionedRun } from '../../src/nats.js';
import { zscore } from '../../src/rx.js';
import { compare, count, readings, readOutputs, serial, waitFor, type Reading } from './harness.js';
import { natsServerMissing, startNatsServer, type NatsServer } from './server.js';

const P = 4;
const WINDOW = 8;

/** Busy for `ms` (a record that costs CPU, so that a backlog lasts a few seconds). */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe.skipIf(natsServerMissing())('give-back and watchdog', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const runs: PartitionedRun[] = [];
  beforeAll(async () => {
    server = await startNatsServer([
      { input: 'g.in', partitions: P },
      { input: 'w.in', partitions: P },
    ]);
    nc = await connect({ servers: server.url });
  }, 30_000);
  afterAll(async () => {
    await Promise.allSettled(runs.map((r) => r.stop()));
    await nc?.close();
    await server?.stop();
  });

  const start = async (input: string, output: string, events: PartitionEvent[], opts: { perRecordMs?: number; leaseTtlMs?: number; renewMs?: number; checkpointMs?: number } = {}) => {
    const run = await runPartitioned({
      servers: server.url,
      input,
      output,
      partitions: P,
      maxBatch: 50,
      leaseTtlMs: opts.leaseTtlMs ?? 3000,
      renewMs: opts.renewMs ?? 500,
      checkpointMs: opts.checkpointMs,
      pipeline: (r$) => r$.pipe(map((r: Reading) => (spin(opts.perRecordMs ?? 0), r)), zscore({ window: WINDOW })),
      onEvent: (e) => events.push(e),
    });
    runs.push(run);
    return run;
  };

  it('a worker joining during a backlog gets its share promptly, and stop() during a backlog returns promptly', async () => {
    const N = 12_000;
    const records = readings(0, N, 97);
    await (await createProducer(nc, { input: 'g.in' })).publish(records);
    const aEvents: PartitionEvent[] = [];
    const bEvents: PartitionEvent[] = [];
    const logs = () => JSON.stringify({ a: aEvents, b: bEvents }).slice(0, 4000);
    const a = await start('g.in', 'g.out', aEvents, { perRecordMs: 0.5 });
    await waitFor('the first 600 outputs', 30_000, async () => (await count(nc, 'laxflow_g_out')) >= 600, logs);
    const b = await start('g.in', 'g.out', bEvents, { perRecordMs: 0.5 });
    const joined = performance.now();
    // the lease period is 3 s: a gives back within a round or two, after its batch in progress
    await waitFor('b to get its share', 8000, () => b.partitions().length === P / 2, logs);
    console.log(`tests/nats: the joining worker had its share after ${Math.round(performance.now() - joined)} ms`);
    expect(aEvents.filter((e) => e.type === 'released').length).toBe(P / 2);
    expect(Object.values(a.metrics().partitions).some((m) => m.lag > 0)).toBe(true); // still a backlog
    const stopping = performance.now();
    await Promise.race([a.stop(), new Promise((_, reject) => setTimeout(() => reject(new Error(`stop() during a backlog did not return in 8 s\n${logs()}`)), 8000))]);
    console.log(`tests/nats: stop() during a backlog took ${Math.round(performance.now() - stopping)} ms`);
    await waitFor('all outputs', 60_000, async () => (await count(nc, 'laxflow_g_out')) >= N, logs);
    expect([...aEvents, ...bEvents].filter((e) => e.type === 'error' || e.type === 'lost')).toEqual([]);
    expect(compare(await readOutputs(nc, 'laxflow_g_out', N), await serial(records, WINDOW))).toEqual([]);
  }, 120_000);

  it('the watchdog restarts a partition whose consumer is gone from its checkpoint', async () => {
    const events: PartitionEvent[] = [];
    const logs = () => JSON.stringify(events).slice(0, 4000);
    const records = readings(0, 4000, 31);
    const producer = await createProducer(nc, { input: 'w.in' });
    await producer.publish(records.slice(0, 2000));
    // stallMs is 4 lease ttls: 6 s
    const run = await start('w.in', 'w.out', events, { leaseTtlMs: 1500, renewMs: 300, checkpointMs: 0 });
    await waitFor('the first 2000 outputs', 30_000, async () => (await count(nc, 'laxflow_w_out')) >= 2000, logs);
    const jsm = await jetstreamManager(nc);
    const consumers = await jsm.consumers.list('laxflow_w_in').next();
    expect(consumers.length).toBe(P);
    for (const c of consumers) await jsm.consumers.delete('laxflow_w_in', c.name);
    await producer.publish(records.slice(2000));
    // (an output is counted in the stream before its ack reaches the worker, which counts its record then)
    await waitFor('all outputs', 60_000, async () => (await count(nc, 'laxflow_w_out')) >= 4000 && run.metrics().records >= 4000, logs);
    const restarts = events.filter((e) => e.type === 'error' && /consumer does not answer.*restarting from its checkpoint/.test(String((e as { error: Error }).error.message)));
    expect(restarts.length).toBe(P);
    expect(events.filter((e) => e.type === 'claimed').length).toBe(2 * P); // each claimed again after its restart
    expect(run.metrics().records).toBe(4000); // from the checkpoints, none processed twice
    expect(compare(await readOutputs(nc, 'laxflow_w_out', 4000), await serial(records, WINDOW))).toEqual([]);
  }, 120_000);
});
