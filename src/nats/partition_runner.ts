// One partition of a partitioned pipeline, on the worker that holds its lease:
//   1. Read the checkpoint `{ states, seq, outputs }` and rewrite it at once (the takeover
//      write): its new revision is the fencing token, so a worker that held the partition
//      before and was paused past its lease can no longer write.
//   2. Build the pipeline with the checkpoint's operator states (capture.ts) and consume the
//      partition's subject from `seq + 1` with an ordered consumer.
//   3. Per batch (what has arrived, up to `maxBatch` records): feed the records, wait until
//      the pipeline has delivered every output of them, publish the outputs with message
//      ids `<group>:<partition>:<n>` (the n-th output of the partition, which a restored
//      pipeline reproduces exactly, so replayed outputs are dropped by the stream's
//      duplicate window) and await their acks; then, at most every `checkpointMs` and when
//      stopping, write `{ operator snapshots, last input sequence, outputs }` with
//      compare-and-set on the revision read (records after the last checkpoint are replayed
//      after a failover, their outputs dropped by id). A failed write means another worker
//      owns the partition: stop without writing again.

import { DeliverPolicy, type Consumer, type JetStreamClient, type JsMsg, type ConsumerMessages } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { captureOperators } from '../operators/rx/capture.js';
import type { Json, Snapshot } from '../operators/rx/state.js';
import { decodeJson, encodeJson } from './codec.js';
import { refused, type Lease } from './leases.js';
import { publishAcked } from './publish.js';
import { PipelineCapture } from './quiescence.js';

/** What a checkpoint holds (JSON in the checkpoint bucket, key `partition.<p>`). */
export interface Checkpoint {
  version: 1;
  partitions: number;
  /** The pipeline's stream operators' snapshots, in the order the pipeline builds them. */
  states: Snapshot[];
  /** Stream sequence of the last input record the states cover (0: none). */
  seq: number;
  /** Outputs published for those records (the next output's number). */
  outputs: number;
  owner: string;
}

export interface RunnerConfig {
  nc: NatsConnection;
  js: JetStreamClient;
  checkpoints: KV;
  inputStream: string;
  input: string;
  output: string;
  group: string;
  partitions: number;
  worker: string;
  maxBatch: number;
  ackTimeoutMs: number;
  /** Least time between checkpoints (ms); 0: after every batch. */
  checkpointMs: number;
  /** A partition with records waiting and no batch done for this long (ms) fails, to restart from its checkpoint. */
  stallMs: number;
  pipeline: (records$: Observable<any>) => Observable<unknown>;
  /** Still ours? (the lease, checked before publishing). */
  owns: () => boolean;
}

export class FencedError extends Error {}

export class PartitionRunner {
  records = 0;
  lag = 0;
  seq = 0;
  outputs = 0;
  private revision = 0;
  private dirty = false;
  private checkpointedAt = -Infinity;
  private messages: ConsumerMessages | null = null;
  private stopping = false;
  private subscription: Subscription | null = null;
  readonly done: Promise<void>;

  private consumer: Consumer | null = null;
  private progressAt = performance.now();
  private watchdog: ReturnType<typeof setInterval>;

  constructor(
    readonly lease: Lease,
    private readonly cfg: RunnerConfig,
  ) {
    // A watchdog on its own timer: a partition whose consumer or pipeline stopped making
    // progress while records wait (a lost server-side consumer, a hung request) fails, so
    // that its lease goes back and it restarts from its checkpoint.
    let fail!: (err: Error) => void;
    const stall = new Promise<never>((_, reject) => (fail = reject));
    // the loop left behind stops after its batch in progress (its checkpoint is fenced or consistent)
    const stalled = (err: Error) => ((this.stopping = true), fail(err));
    this.watchdog = setInterval(() => {
      if (this.stopping || performance.now() - this.progressAt < cfg.stallMs) return;
      this.progressAt = performance.now();
      void (this.consumer?.info() ?? Promise.reject(new Error('it has no consumer yet'))).then(
        (info) => info && info.num_pending > 0 && stalled(new Error(`laxflow/nats: partition ${lease.partition}: no batch done in ${cfg.stallMs} ms with ${info.num_pending} records waiting; restarting from its checkpoint`)),
        (err) => stalled(new Error(`laxflow/nats: partition ${lease.partition}: no batch done in ${cfg.stallMs} ms and its consumer does not answer (${(err as Error).message}); restarting from its checkpoint`)),
      );
    }, Math.max(100, cfg.stallMs / 4));
    this.watchdog.unref?.();
    this.done = Promise.race([this.run(), stall]).finally(() => {
      clearInterval(this.watchdog);
      void this.messages?.close().catch(() => {});
    });
  }

  /** Stop after the batch in progress (whose checkpoint is written); resolves when stopped. */
  async stop(): Promise<void> {
    this.stopping = true;
    // wakes the loop if it waits for a message; not awaited: the iterator closes only once
    // the messages buffered ahead of the close are read or the loop returns it (run's finally)
    void this.messages?.close().catch(() => {});
    await this.done.catch(() => {});
  }

  private get key() {
    return `partition.${this.lease.partition}`;
  }

  private async run(): Promise<void> {
    const { cfg } = this;
    const p = this.lease.partition;
    // 1. checkpoint and takeover write
    const entry = await cfg.checkpoints.get(this.key);
    let cp: Checkpoint | null = entry && entry.operation === 'PUT' ? (JSON.parse(entry.string()) as Checkpoint) : null;
    if (cp && cp.partitions !== cfg.partitions) throw new Error(`laxflow/nats: partition ${p}'s checkpoint was written with ${cp.partitions} partitions, this run has ${cfg.partitions} (repartitioning needs new buckets)`);
    this.seq = cp?.seq ?? 0;
    this.outputs = cp?.outputs ?? 0;
    try {
      const value = JSON.stringify({ ...(cp ?? { version: 1, partitions: cfg.partitions, states: [], seq: 0, outputs: 0 }), owner: cfg.worker });
      this.revision = entry ? await cfg.checkpoints.update(this.key, value, entry.revision) : await cfg.checkpoints.create(this.key, value);
    } catch (err) {
      // refused: fenced off; unanswered (a bucket between leaders): fails, to be claimed again
      if (refused(err)) throw new FencedError(`partition ${p}: another worker wrote its checkpoint first (${(err as Error).message})`);
      throw new Error(`laxflow/nats: partition ${p}: its takeover write failed (${(err as Error).message}); restarting from its checkpoint`);
    }
    if (this.stopping) return;
    // 2. pipeline and consumer
    const capture = new PipelineCapture(cp && cp.seq > 0 ? cp.states : undefined);
    const source = new Subject<unknown>();
    const pending: unknown[] = [];
    const out$ = captureOperators(capture, () => cfg.pipeline(source.asObservable()));
    capture.checkComplete();
    this.subscription = out$.subscribe({ next: (o) => pending.push(o), error: (e) => capture.fail(e), complete: () => capture.fail(new Error('laxflow/nats: the pipeline completed while its input goes on')) });
    cp = null;
    const consumer = await cfg.js.consumers.get(cfg.inputStream, {
      filter_subjects: `${cfg.input}.${p}.*`,
      ...(this.seq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.seq + 1 } : { deliver_policy: DeliverPolicy.All }),
    });
    if (this.stopping) return this.subscription.unsubscribe();
    this.consumer = consumer;
    const messages = (this.messages = await consumer.consume({ max_messages: cfg.maxBatch }));
    const it = messages[Symbol.asyncIterator]();
    try {
      // a batch is what has arrived: messages already buffered come before a setImmediate
      let next = it.next();
      while (!this.stopping) {
        const first = await next;
        if (first.done || this.stopping) break; // a record taken after stop() is left to the next owner
        const batch: JsMsg[] = [first.value];
        next = it.next();
        while (batch.length < cfg.maxBatch) {
          const r = await Promise.race([next, new Promise<null>((resolve) => setImmediate(resolve, null))]);
          if (r === null || r.done) break;
          batch.push(r.value);
          next = it.next();
        }
        await this.process(batch, source, pending, capture);
      }
      // stopped or released: what was processed since the last checkpoint is checkpointed
      if (this.dirty) await this.checkpoint(capture);
    } finally {
      this.subscription.unsubscribe();
      // close() alone resolves only after the iterator has handed out every message buffered
      // before it, and this loop reads no more: returning the iterator ends it at once (a
      // runner stopped during a backlog hung here, so a surplus partition was never given
      // back and a worker's stop() never returned)
      const closed = messages.close().catch(() => {});
      void it.return?.(undefined);
      await closed;
    }
  }

  // 3. one batch: feed, wait, publish, checkpoint
  private async process(batch: JsMsg[], source: Subject<unknown>, pending: unknown[], capture: PipelineCapture) {
    const { cfg } = this;
    const p = this.lease.partition;
    for (const m of batch) {
      let record: unknown;
      try {
        record = decodeJson(m.data);
      } catch (err) {
        throw new Error(`laxflow/nats: message ${m.seq} on ${m.subject} is not a JSON record: ${(err as Error).message}`);
      }
      source.next(record);
    }
    await capture.idle();
    const outs = pending.splice(0);
    if (!cfg.owns()) throw new FencedError(`partition ${p}: lease expired before publishing`);
    const first = this.outputs;
    await Promise.all(
      outs.map((o, i) => {
        const key = (o as { key?: unknown } | null)?.key;
        const token = (typeof key === 'string' || typeof key === 'number') && /^[^.*>\s]+$/.test(String(key)) ? `.${key}` : '';
        return publishAcked(cfg.nc, cfg.js, `${cfg.output}.${p}${token}`, encodeJson(o), { msgID: `${cfg.group}:${p}:${first + i}`, timeout: cfg.ackTimeoutMs });
      }),
    );
    const last = batch[batch.length - 1];
    this.outputs = first + outs.length;
    this.seq = last.seq;
    this.records += batch.length;
    this.lag = last.info.pending;
    this.dirty = true;
    this.progressAt = performance.now();
    if (performance.now() - this.checkpointedAt >= cfg.checkpointMs) await this.checkpoint(capture);
  }

  /** Writes `{ states, seq, outputs }` of what has been processed, if the revision is still ours. */
  private async checkpoint(capture: PipelineCapture) {
    const cp: Checkpoint = { version: 1, partitions: this.cfg.partitions, states: capture.snapshots(), seq: this.seq, outputs: this.outputs, owner: this.cfg.worker };
    try {
      this.revision = await this.cfg.checkpoints.update(this.key, JSON.stringify(cp as unknown as Json), this.revision);
    } catch (err) {
      if (refused(err)) throw new FencedError(`partition ${this.lease.partition}: checkpoint revision moved on (${(err as Error).message})`);
      throw new Error(`laxflow/nats: partition ${this.lease.partition}: its checkpoint write failed (${(err as Error).message}); restarting from its last checkpoint`);
    }
    this.dirty = false;
    this.checkpointedAt = performance.now();
  }
}
