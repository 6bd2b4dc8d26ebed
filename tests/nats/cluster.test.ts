// laxflow/nats on a 3-node JetStream cluster (three nats-servers on 127.0.0.1, a temporary
// directory each), the configuration docs/nats.md documents: the streams and both buckets
// created by laxflow's own setup with replicas 3, a keyed pipeline run by 2 workers, and the
// leader of the output stream killed (SIGKILL) mid-run. The outputs must equal a serial run
// per key, bit for bit, each record's once: none duplicated, none missing.

import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, runPartitioned, type PartitionEvent, type PartitionedRun, type Producer } from '../../src/nats.js';
import { zscore } from '../../src/rx.js';
import { compare, count, readings, readOutputs, serial, waitFor, type OutputMessage, type Reading } from './harness.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from './server.js';

const P = 4;
const KEYS = 300;
const N = 16_000;
const WINDOW = 20;
const input = 'c.in';
const output = 'c.out';
const outStream = 'laxflow_c_out';
/** Record ids for two producers (each one's default per-key counters would start at 0 again). */
const idOf = (r: { key: string | number }) => `r${(r as Reading).i}`;

/** Retries `f` while the cluster is still electing its JetStream meta leader or placing peers. */
async function whileElecting<T>(what: string, f: () => Promise<T>): Promise<T> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > end) throw new Error(`${what}: the cluster did not become ready in 30 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe.skipIf(natsServerMissing())('laxflow/nats on a 3-node cluster', () => {
  let cluster: NatsCluster | undefined;
  let nc: NatsConnection | undefined;
  let pnc: NatsConnection | undefined;
  const runs: PartitionedRun[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster(3, [{ input, partitions: P }]);
    nc = await connect({ servers: cluster.urls });
    await whileElecting('JetStream', async () => (await jetstreamManager(nc!)).getAccountInfo());
  }, 40_000);

  afterAll(async () => {
    // workers first (bounded: with a node gone a stop may wait on timeouts), then every server
    await Promise.race([Promise.allSettled(runs.map((r) => r.stop())), new Promise((r) => setTimeout(r, 10_000))]);
    await nc?.close().catch(() => {});
    await pnc?.close().catch(() => {});
    await cluster?.stop();
  }, 30_000);

  it('2 workers, replicas 3, the output stream leader killed mid-run: the serial run per key, each record once', async () => {
    const started = performance.now();
    const records = readings(0, N, KEYS);
    const expected = serial(records, WINDOW);
    // laxflow's own setup creates the streams and buckets with 3 replicas
    const producer: Producer = await whileElecting('the input stream', () => createProducer(nc!, { input, replicas: 3, idOf }));
    const events: PartitionEvent[][] = [[], []];
    const start = (i: number) =>
      runPartitioned({
        servers: cluster!.urls,
        replicas: 3,
        input,
        output,
        partitions: P,
        maxBatch: 200,
        // the watchdog restarts a partition whose consumer was on the killed node (nats.js's
        // ordered consumers are R1 and not recreated while their info requests time out)
        // after 4 lease ttls: 8 s
        leaseTtlMs: 2000,
        renewMs: 400,
        ackTimeoutMs: 5000,
        pipeline: (r$) => r$.pipe(zscore({ window: WINDOW })),
        onEvent: (e) => events[i].push(e),
      });
    runs.push(await start(0), await start(1));
    const jsm = await jetstreamManager(nc!);
    for (const name of ['laxflow_c_in', outStream, 'KV_laxflow_c_in_leases', 'KV_laxflow_c_in_checkpoints']) {
      const info = await jsm.streams.info(name);
      expect([name, info.config.num_replicas, (info.cluster?.replicas ?? []).length]).toEqual([name, 3, 2]);
    }
    let stored = 0;
    const say = (e: PartitionEvent) => `${e.type} ${'partition' in e ? e.partition : ''} ${e.type === 'lost' ? e.reason : e.type === 'error' ? String((e.error as Error)?.message ?? e.error) : ''}`;
    const logs = () =>
      `outputs stored: ${stored}\n` +
      events.map((es, i) => `--- worker ${i}: ${JSON.stringify(runs[i]?.metrics().partitions)}\n${es.slice(-30).map(say).join('\n')}`).join('\n') +
      '\n' +
      cluster!.nodes.map((n) => `--- ${n.name}\n${n.log().split('\n').filter((l) => !/connect to route/.test(l)).slice(-12).join('\n')}`).join('\n');
    // (JetStream requests time out while the cluster elects new leaders: the last count stands)
    const done = (n: number) => async () => (stored = await count(nc!, outStream).catch(() => stored)) >= n;

    await producer.publish(records.slice(0, N / 2));
    await waitFor('a quarter of the outputs', 30_000, done(N / 4), logs);
    const leader = (await jsm.streams.info(outStream)).cluster!.leader!;
    const victim = cluster!.nodes.find((n) => n.name === leader)!;
    // the rest comes from a producer connected to the victim, killed while it publishes: its
    // publishes in flight are lost with the connection and sent again at the reconnect (not
    // after their 60 s ack timeout)
    pnc = await connect({ servers: [victim.url, ...cluster!.urls.filter((u) => u !== victim.url)], noRandomize: true });
    const second = (await createProducer(pnc, { input, replicas: 3, ackTimeoutMs: 60_000, idOf })).publish(records.slice(N / 2));
    await new Promise((r) => setTimeout(r, 100));
    const before = events.map((e) => e.length);
    await victim.kill();
    const killed = performance.now();
    await second;
    const published = performance.now() - killed;
    expect(published).toBeLessThan(45_000); // 60 s without the resend
    await waitFor('all outputs after the kill', 45_000, done(N), logs);
    const recovered = performance.now() - killed;

    // what the failover cost: partitions lost or failed (and restarted), lease rounds that failed
    const after = events.flatMap((e, i) => e.slice(before[i]));
    const kinds = new Map<string, number>();
    for (const e of after) {
      const what = e.type === 'lost' ? `lost: ${e.reason}` : e.type === 'error' ? `error${e.partition === undefined ? ' (lease round)' : ''}: ${String((e.error as Error)?.message ?? e.error)}` : null;
      const kind = what?.replace(/\d+/g, 'N').slice(0, 140);
      if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    console.log([...kinds].map(([k, n]) => `${n} x ${k}`).join('\n'));
    console.log(
      `tests/nats/cluster: killed ${leader} (output stream leader) at ${Math.round(killed - started)} ms, the producer's publishes done ${Math.round(published)} ms and all ${N} outputs ${Math.round(recovered)} ms later; ` +
        `events after the kill: ${['lost', 'error', 'claimed'].map((t) => `${t} ${after.filter((e) => e.type === t).length}`).join(', ')}`,
    );
    const outs = await whileElecting('reading the outputs', () => readOutputs(nc!, outStream, N));
    expect(outs.length).toBe(N);
    // each key's outputs by their ids (`<group>:<p>:<n>`, n the pipeline's order), bit for bit
    const byId = (o: OutputMessage) => o.id.split(':').slice(1).map(Number) as [number, number];
    const sorted = [...outs].sort((a, b) => byId(a)[0] - byId(b)[0] || byId(a)[1] - byId(b)[1]);
    expect(compare(sorted, await expected)).toEqual([]);
    // in stream order too, but for a batch whose publishes straddle the failover (one lost in
    // flight, a later one stored, the lost one stored on the replay), counted here
    const reordered = compare(outs, await expected).filter((p) => / after /.test(p)).length;
    console.log(`tests/nats/cluster: keys out of stream order: ${reordered}`);
  }, 90_000);
});
