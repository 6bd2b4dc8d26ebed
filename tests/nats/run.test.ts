// runPartitioned in this process against a real nats-server: option errors at the call, an
// unkeyed pipeline of two operators per partition equal to the serial run of each partition's
// records, a stop and a restart that resumes both operators from the checkpoint, metrics,
// and a checkpoint refused by a different pipeline.

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, decodeJson, partitionOf, runPartitioned, type PartitionEvent } from '../../src/nats.js';
import { ema, movingAverage } from '../../src/rx.js';
import { count, readings, waitFor, type Reading } from './harness.js';
import { natsServerMissing, startNatsServer, type NatsServer } from './server.js';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';

describe('runPartitioned options', () => {
  const pipeline = (r$: any) => r$;
  it('are checked at the call', async () => {
    await expect(runPartitioned({ servers: 'nats://127.0.0.1:1', input: 'a.*', partitions: 2, output: 'o', pipeline })).rejects.toThrow(/input must be a subject without wildcards/);
    await expect(runPartitioned({ servers: 'nats://127.0.0.1:1', input: 'a', partitions: 0, output: 'o', pipeline })).rejects.toThrow(/partitions must be an integer from 1 to 1024, got 0/);
    await expect(runPartitioned({ servers: 'nats://127.0.0.1:1', input: 'a', partitions: 2, output: 'o', pipeline, leaseTtlMs: 1000, renewMs: 500 })).rejects.toThrow(/leaseTtlMs \(1000\) must be at least 3 renewal periods/);
    await expect(runPartitioned({ servers: 'nats://127.0.0.1:1', input: 'a', partitions: 2, output: 'o', pipeline: 3 as never })).rejects.toThrow(/pipeline must be a function/);
    await expect(runPartitioned({ input: 'a', partitions: 2, output: 'o', pipeline })).rejects.toThrow(/give servers/);
    await expect(runPartitioned({ servers: 'nats://127.0.0.1:1', input: 'a', partitions: 2, output: 'o', pipeline, maxBatch: 0 })).rejects.toThrow(/maxBatch must be a positive integer/);
  });
});

describe.skipIf(natsServerMissing())('runPartitioned in one process', () => {
  const P = 2;
  const input = 'u.in';
  const output = 'u.out';
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await startNatsServer([{ input, partitions: P }]);
    nc = await connect({ servers: server.url });
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  const pipeline = (r$: any) => r$.pipe(map((r: Reading) => r.value), ema({ span: 5 }), movingAverage({ window: 4 }));
  const start = (pipe = pipeline, events: PartitionEvent[] = []) => runPartitioned({ connection: nc, input, output, partitions: P, pipeline: pipe, maxBatch: 300, leaseTtlMs: 3000, renewMs: 500, onEvent: (e) => events.push(e) });

  async function outputsOf(p: number): Promise<number[]> {
    const c = await jetstream(nc).consumers.get(`laxflow_u_out`, { filter_subjects: `${output}.${p}`, deliver_policy: DeliverPolicy.All });
    const out: number[] = [];
    const msgs = await c.consume();
    for await (const m of msgs) {
      out.push(decodeJson(m.data) as number);
      if (m.info.pending === 0) break;
    }
    return out;
  }

  it('an unkeyed pipeline of two operators per partition, stopped and resumed, equals the serial run of each partition', async () => {
    const records = readings(0, 4000, 30);
    const producer = await createProducer(nc, { input });
    await producer.publish(records.slice(0, 2500));
    const run = await start();
    // (an output is counted in the stream before its ack reaches the worker, which counts its record then)
    await waitFor('the first 2500 outputs', 60_000, async () => (await count(nc, 'laxflow_u_out')) >= 2500 && run.metrics().records >= 2500, () => JSON.stringify(run.metrics()));
    const m = run.metrics();
    expect(run.partitions()).toEqual([0, 1]);
    expect(m.records).toBe(2500);
    expect(Object.values(m.partitions).map((q) => q.lag)).toEqual([0, 0]);
    expect(m.recordsPerSecond).toBeGreaterThan(0);
    await run.stop();

    await producer.publish(records.slice(2500));
    const again = await start();
    await waitFor('all 4000 outputs', 60_000, async () => (await count(nc, 'laxflow_u_out')) >= 4000 && again.metrics().records >= 1500, () => JSON.stringify(again.metrics()));
    expect(again.metrics().records).toBe(1500); // from the checkpoints, not from the start
    await again.stop();
    for (let p = 0; p < P; p++) {
      const mine = records.filter((r) => partitionOf(r.key, P) === p).map((r) => r.value);
      const want = await lastValueFrom(from(mine).pipe(ema({ span: 5 }), movingAverage({ window: 4 }), toArray()));
      const got = await outputsOf(p);
      expect(got.length).toBe(want.length);
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    }
  }, 120_000);

  it('a checkpoint is not restored into a different pipeline', async () => {
    const events: PartitionEvent[] = [];
    const run = await start((r$: any) => r$.pipe(map((r: Reading) => r.value), ema({ span: 5 })), events);
    await waitFor('the refusal', 20_000, () => events.some((e) => e.type === 'error'), () => JSON.stringify(events));
    await run.stop();
    const err = events.find((e) => e.type === 'error') as { error: Error };
    expect(err.error.message).toMatch(/the checkpoint holds 2 stream operators, the pipeline builds 1: a checkpoint restores only the same pipeline/);
  }, 60_000);
});
