// `npm run bench:nats`: records/s end to end on NATS JetStream (publish -> keyed zscore ->
// publish, every output stored) with 1, 2 and 3 worker processes (tests/nats/worker.ts) over
// 8 partitions on a local nats-server (127.0.0.1, JetStream in a temporary directory),
// against the same pipeline in one process without NATS. Each run has its own input
// subject, streams and buckets. Options: --records=N (default 50000), --keys=K (1000),
// --workers=1,2,3. Needs nats-server (apt-get install nats-server).

import { connect } from '@nats-io/transport-node';
import { from, lastValueFrom, toArray } from 'rxjs';
import { zscore } from '../src/rx.js';
import { createProducer } from '../src/nats.js';
import { count, readings, Worker } from '../tests/nats/harness.js';
import { startNatsServer } from '../tests/nats/server.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const R = Number(arg('records', '50000'));
const KEYS = Number(arg('keys', '1000'));
const WORKERS = arg('workers', '1,2,3').split(',').map(Number);
const PARTITIONS = 8;
const WINDOW = 20;

const records = readings(0, R, KEYS);
const t0 = performance.now();
await lastValueFrom(from(records).pipe(zscore({ window: WINDOW }), toArray()));
const inProcess = R / ((performance.now() - t0) / 1000);
console.log(`one process, no NATS: ${R} records in ${(performance.now() - t0).toFixed(0)} ms: ${inProcess.toFixed(0)} records/s`);

const inputs = WORKERS.map((w) => `bench${w}.in`);
const server = await startNatsServer(inputs.map((input) => ({ input, partitions: PARTITIONS })));
const nc = await connect({ servers: server.url });
const rows: [string, number][] = [['one process, no NATS', inProcess]];
try {
  for (const [j, n] of WORKERS.entries()) {
    const input = inputs[j];
    const output = `bench${n}.out`;
    const workers = Array.from({ length: n }, () => new Worker({ url: server.url, input, output, partitions: PARTITIONS, window: WINDOW, maxBatch: 1000, leaseTtlMs: 10_000, renewMs: 1000 }));
    const held = () => workers.reduce((s, w) => s + w.events.filter((e) => e.type === 'claimed').length - w.events.filter((e) => e.type === 'released' || e.type === 'lost').length, 0);
    // all partitions owned, each worker with its share, before the clock starts
    while (!(held() === PARTITIONS && workers.every((w) => w.claimed() > 0))) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    const producer = await createProducer(nc, { input });
    const start = performance.now();
    await producer.publish(records);
    const published = performance.now() - start;
    while ((await count(nc, `laxflow_bench${n}_out`)) < R) await new Promise((r) => setTimeout(r, 20));
    const ms = performance.now() - start;
    const rate = R / (ms / 1000);
    console.log(`${n} worker(s): ${R} records end to end in ${ms.toFixed(0)} ms (publishing took ${published.toFixed(0)} ms): ${rate.toFixed(0)} records/s`);
    rows.push([`${n} worker process${n > 1 ? 'es' : ''}`, rate]);
    await Promise.all(workers.map((w) => w.stop()));
  }
} finally {
  await nc.close();
  await server.stop();
}
console.log('\n| pipeline | records/s | vs one process |\n|---|---|---|');
for (const [name, rate] of rows) console.log(`| ${name} | ${rate.toFixed(0)} | ${(rate / inProcess).toFixed(3)} |`);
