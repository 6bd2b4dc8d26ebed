// `runPartitioned({...})`: a laxflow/rx pipeline run over the partitions of a NATS JetStream
// stream by any number of worker processes. This worker joins the lease bucket, runs a
// PartitionRunner for each partition it holds, gives partitions back when others join, and
// drops one whose lease or checkpoint revision it lost. `stop()` stops each runner after
// its batch in progress (checkpointed), gives the leases back and closes the connection.

import { hostname } from 'node:os';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import type { Observable } from 'rxjs';
import { LeaseManager, type Lease } from './leases.js';
import { FencedError, PartitionRunner } from './partition_runner.js';
import { checkPartitions, checkSubject, ensureStream, names, type StreamSettings } from './partitions.js';

export interface PartitionedOptions extends StreamSettings {
  /** Server URL(s), or an open connection (not closed by `stop()`). */
  servers?: string | string[];
  connection?: NatsConnection;
  /** Extra connection options (credentials, TLS, name). */
  connectOptions?: Partial<ConnectionOptions>;
  /** Subject the records are published on as `<input>.<key>` (mapped to `<input>.<partition>.<key>`). */
  input: string;
  partitions: number;
  /** Runs per partition on its records (in stream order); keyed or not, any laxflow/rx operators. */
  pipeline: (records$: Observable<any>) => Observable<unknown>;
  /** Results go to `<output>.<partition>[.<key>]`, each with a message id. */
  output: string;
  /** Names the lease and checkpoint buckets and prefixes output ids; default from `input`. */
  group?: string;
  /** Most records per batch; default 1000. */
  maxBatch?: number;
  /**
   * Least time between a partition's checkpoints (ms; default 1000; 0: after every batch). A
   * checkpoint is one write of the partition's whole operator state; records processed after
   * it are processed again after a failover, their outputs dropped as duplicates.
   */
  checkpointMs?: number;
  /** A lease's life (ms) unless renewed; default 10000. */
  leaseTtlMs?: number;
  /** Renewal period (ms); default leaseTtlMs / 5. */
  renewMs?: number;
  /** How long to wait for an output's ack (ms); default 30000. A batch whose outputs are not acked in time fails its partition, which then restarts from its checkpoint. */
  ackTimeoutMs?: number;
  /** Called on partition events (claimed, released, lost) and errors that stop a partition. */
  onEvent?: (event: PartitionEvent) => void;
}

export type PartitionEvent =
  | { type: 'claimed' | 'released'; partition: number }
  | { type: 'lost'; partition: number; reason: string }
  | { type: 'error'; partition?: number; error: unknown };

export interface PartitionMetrics {
  /** Records processed since this worker claimed the partition. */
  records: number;
  /** Records of the partition in the stream after the last one processed. */
  lag: number;
  /** Stream sequence of the last record processed. */
  seq: number;
}

export interface RunMetrics {
  worker: string;
  workers: string[];
  records: number;
  recordsPerSecond: number;
  partitions: Record<number, PartitionMetrics>;
}

export interface PartitionedRun {
  readonly worker: string;
  /** The partitions this worker holds now. */
  partitions(): number[];
  metrics(): RunMetrics;
  /** Stops after each partition's batch in progress (checkpointed) and gives the leases back. */
  stop(): Promise<void>;
}

export async function runPartitioned(opts: PartitionedOptions): Promise<PartitionedRun> {
  const input = checkSubject(opts.input, 'input');
  const output = checkSubject(opts.output, 'output');
  const partitions = checkPartitions(opts.partitions);
  if (typeof opts.pipeline !== 'function') throw new TypeError('laxflow/nats: pipeline must be a function (records$) => Observable');
  const maxBatch = opts.maxBatch ?? 1000;
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new RangeError(`laxflow/nats: maxBatch must be a positive integer, got ${maxBatch}`);
  const checkpointMs = opts.checkpointMs ?? 1000;
  if (!(checkpointMs >= 0)) throw new RangeError(`laxflow/nats: checkpointMs must be a number >= 0, got ${checkpointMs}`);
  const leaseTtlMs = opts.leaseTtlMs ?? 10_000;
  const renewMs = opts.renewMs ?? leaseTtlMs / 5;
  if (!(renewMs > 0 && leaseTtlMs >= 3 * renewMs)) throw new RangeError(`laxflow/nats: leaseTtlMs (${leaseTtlMs}) must be at least 3 renewal periods (renewMs ${renewMs})`);
  if (!opts.connection && !opts.servers) throw new TypeError('laxflow/nats: give servers (a URL) or a connection');

  const nc = opts.connection ?? (await connect({ servers: opts.servers, ...opts.connectOptions }));
  const n = names(input, output, opts.group);
  const worker = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const emit = (e: PartitionEvent) => opts.onEvent?.(e);
  const settings = { replicas: opts.replicas, duplicateWindowMs: opts.duplicateWindowMs };
  const jsm = await ensureStream(nc, n.inputStream, [`${input}.*.*`], settings);
  await ensureStream(nc, n.outputStream, [`${output}.>`], settings);
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  const replicas = opts.replicas ?? 1;
  const leasesKv = await kvm.create(n.leases, { ttl: leaseTtlMs, history: 1, replicas });
  const checkpoints = await kvm.create(n.checkpoints, { history: 1, replicas, maxValueSize: -1 });
  const runners = new Map<number, PartitionRunner>();
  const started = performance.now();
  let finished = 0;

  const startRunner = (lease: Lease) => {
    const runner = new PartitionRunner(lease, {
      nc,
      js,
      checkpoints,
      inputStream: n.inputStream,
      input,
      output,
      group: n.group,
      partitions,
      worker,
      maxBatch,
      ackTimeoutMs: opts.ackTimeoutMs ?? 30_000,
      checkpointMs,
      stallMs: 4 * leaseTtlMs,
      pipeline: opts.pipeline,
      owns: () => leases.valid(lease),
    });
    runners.set(lease.partition, runner);
    emit({ type: 'claimed', partition: lease.partition });
    runner.done.then(
      () => ended(new Error(`laxflow/nats: partition ${lease.partition}'s consumer ended`)),
      (err) => ended(err),
    );
    // failed, fenced off, or its consumer gone (a runner this worker stopped is out of the map)
    const ended = (err: unknown) => {
      if (runners.get(lease.partition) !== runner) return;
      runners.delete(lease.partition);
      finished += runner.records;
      // the lease goes back (deleted only if it is still ours), so that the partition's
      // owner, or this worker on its next round, starts it afresh from its checkpoint
      // (a failure after the lease ran out, as a paused worker's timed-out requests, is a loss)
      const lost = err instanceof FencedError || !leases.valid(lease);
      void leases.giveBack(lease.partition);
      if (lost) emit({ type: 'lost', partition: lease.partition, reason: (err as Error)?.message ?? String(err) });
      else emit({ type: 'error', partition: lease.partition, error: err });
    };
  };
  const stopRunner = async (p: number) => {
    const r = runners.get(p);
    if (!r) return;
    runners.delete(p);
    await r.stop();
    finished += r.records;
  };

  const leases: LeaseManager = new LeaseManager(
    leasesKv,
    jsm,
    n.leases,
    worker,
    { partitions, ttlMs: leaseTtlMs, renewMs },
    {
      claimed: startRunner,
      lost: (p, reason) => {
        void stopRunner(p);
        emit({ type: 'lost', partition: p, reason });
      },
      release: async (p) => {
        await stopRunner(p);
        emit({ type: 'released', partition: p });
      },
    },
    (error) => emit({ type: 'error', error }),
  );
  await leases.start();

  const records = () => finished + [...runners.values()].reduce((s, r) => s + r.records, 0);
  return {
    worker,
    partitions: () => [...runners.keys()].sort((a, b) => a - b),
    metrics: () => ({
      worker,
      workers: leases.workers,
      records: records(),
      recordsPerSecond: records() / ((performance.now() - started) / 1000),
      partitions: Object.fromEntries([...runners].map(([p, r]) => [p, { records: r.records, lag: r.lag, seq: r.seq }])),
    }),
    async stop() {
      await leases.halt();
      await Promise.all([...runners.keys()].map(stopRunner));
      await leases.stop();
      if (!opts.connection) await nc.drain();
    },
  };
}
