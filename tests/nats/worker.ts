// A worker process of the failover tests: runs a keyed z-score over the test's partitions
// (config as JSON in LAXFLOW_NATS_WORKER), prints each partition event as a JSON line, and
// on SIGTERM stops (drains and checkpoints) and prints its metrics.

import { zscore } from '../../src/rx.js';
import { runPartitioned } from '../../src/nats.js';

const cfg = JSON.parse(process.env.LAXFLOW_NATS_WORKER ?? '{}') as { url: string; input: string; output: string; partitions: number; window: number; maxBatch: number; leaseTtlMs: number; renewMs: number };
const say = (o: object) => process.stdout.write(JSON.stringify({ pid: process.pid, at: Date.now(), ...o }) + '\n');

const run = await runPartitioned({
  servers: cfg.url,
  input: cfg.input,
  output: cfg.output,
  partitions: cfg.partitions,
  maxBatch: cfg.maxBatch,
  leaseTtlMs: cfg.leaseTtlMs,
  renewMs: cfg.renewMs,
  pipeline: (records$) => records$.pipe(zscore({ window: cfg.window })),
  onEvent: (e) => say(e.type === 'error' ? { type: 'error', partition: e.partition, error: String((e.error as Error)?.stack ?? e.error) } : e),
});
say({ type: 'started', worker: run.worker });
process.on('SIGTERM', () => {
  void run.stop().then(() => {
    say({ type: 'stopped', metrics: run.metrics() });
    process.exit(0);
  });
});
