// Ownership of partitions: one lease per partition in a key-value bucket whose entries live
// `ttlMs` (the bucket's max age, enforced by the server's clock), claimed with `create` and
// renewed with `update` on the revision the worker last wrote (compare-and-set), so at most
// one live worker holds a partition. Workers announce themselves in the same bucket
// (`worker.<id>`); each takes its fair share of the partitions (by its rank among the live
// workers: floor(P/n), one more for the first P mod n) and gives back surplus partitions
// when a worker joins. Renewals run on their own timer, not behind batch work nor behind a
// balancing round (whose claims are sequential requests that can take longer than a lease's
// slack under load): a batch (micro-batched and bounded by `maxBatch`) only has to be shorter
// than the lease's slack.

import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

export interface Lease {
  readonly partition: number;
  /** The lease entry's revision (the compare-and-set token of the next renewal). */
  revision: number;
  /** performance.now() until which the lease is surely ours (sent time of the last renewal + ttl - slack). */
  validUntil: number;
  released: boolean;
  /** The renewal in flight, which a give-back waits for (its revision is the one to delete). */
  renewal?: Promise<void>;
}

export interface LeaseHooks {
  /** A partition is ours: start it. */
  claimed(lease: Lease): void;
  /** A renewal failed: the partition may be someone else's now; stop it without writing. */
  lost(partition: number, reason: string): void;
  /** Surplus: stop after the current batch (checkpointed); the lease is deleted after. */
  release(partition: number): Promise<void>;
}

export interface LeaseSettings {
  partitions: number;
  ttlMs: number;
  renewMs: number;
}

/** A write refused by its compare-and-set (another writer came first), not merely unanswered. */
export const refused = (err: unknown): boolean => (err as { code?: unknown })?.code === 10071 || /wrong last sequence/i.test(String((err as Error)?.message));

const leaseKey = (p: number) => `lease.${p}`;
const workerKey = (id: string) => `worker.${id}`;

export class LeaseManager {
  readonly held = new Map<number, Lease>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private renewing = false;
  private balancing = false;
  private stopped = false;
  private releasing = new Set<number>();
  workers: string[] = [];

  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    readonly id: string,
    private readonly settings: LeaseSettings,
    private readonly hooks: LeaseHooks,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.settings.renewMs);
  }

  /** Whether `lease` is still surely held (checked before publishing outputs). */
  valid(lease: Lease): boolean {
    return !lease.released && this.held.get(lease.partition) === lease && performance.now() < lease.validUntil;
  }

  /** Hands a partition back (after its runner has stopped and checkpointed). */
  async giveBack(p: number): Promise<void> {
    const lease = this.held.get(p);
    if (!lease) return;
    this.held.delete(p);
    lease.released = true;
    await lease.renewal;
    try {
      await this.kv.delete(leaseKey(p), { previousSeq: lease.revision });
    } catch {
      // renewed by nobody, it expires by itself
    }
  }

  /** Forgets a partition without touching its lease (its runner found itself fenced off). */
  drop(p: number): void {
    const lease = this.held.get(p);
    if (lease) lease.released = true;
    this.held.delete(p);
  }

  /** Stops claiming, balancing and renewing (the leases stay valid until they expire). */
  async halt(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.renewing || this.balancing) await new Promise((r) => setTimeout(r, 5));
  }

  /** Halts; gives back every lease and leaves the membership. */
  async stop(): Promise<void> {
    await this.halt();
    await Promise.all([...this.held.keys()].map((p) => this.giveBack(p)));
    await this.jsm.streams.purge(`KV_${this.bucket}`, { filter: `$KV.${this.bucket}.${workerKey(this.id)}` }).catch(() => {});
  }

  /** A round: renewals and the announcement, and (unless the last one still runs) balancing. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    await Promise.all([this.round('renewing', () => this.renew()), this.round('balancing', () => this.balance())]);
  }

  private async round(flag: 'renewing' | 'balancing', work: () => Promise<void>): Promise<void> {
    if (this[flag]) return;
    this[flag] = true;
    try {
      await work();
    } catch (err) {
      this.onError(err);
    } finally {
      this[flag] = false;
    }
  }

  private async renew() {
    const { ttlMs, renewMs } = this.settings;
    const renewals = [...this.held.values()].map((lease) => {
      const sent = performance.now();
      lease.renewal = this.kv.update(leaseKey(lease.partition), this.id, lease.revision).then(
        (revision) => {
          lease.revision = revision;
          lease.validUntil = sent + ttlMs - renewMs;
        },
        (err) => {
          if (this.held.get(lease.partition) !== lease) return;
          // Refused (the compare-and-set: another worker wrote the lease), or unanswered while
          // the lease may have run out: lost. Unanswered in time (a request that failed, a
          // bucket between leaders during a cluster failover) is tried again next round, as
          // the lease stays surely ours until validUntil (checked before each publish).
          if (!refused(err) && performance.now() < lease.validUntil) return;
          this.drop(lease.partition);
          this.hooks.lost(lease.partition, (err as Error).message);
        },
      );
      return lease.renewal;
    });
    if (this.stopped) return;
    await Promise.all([...renewals, this.kv.put(workerKey(this.id), String(Date.now()))]);
  }

  /** The live workers (sorted ids), from the bucket's subjects: entries older than the ttl are gone. */
  private async members(): Promise<string[]> {
    const prefix = `$KV.${this.bucket}.worker.`;
    const info = await this.jsm.streams.info(`KV_${this.bucket}`, { subjects_filter: `${prefix}>` });
    const ids = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
    if (!ids.includes(this.id)) ids.push(this.id);
    return ids.sort();
  }

  private async balance() {
    const { partitions, ttlMs, renewMs } = this.settings;
    this.workers = await this.members();
    const n = this.workers.length;
    const rank = this.workers.indexOf(this.id);
    const target = Math.floor(partitions / n) + (rank < partitions % n ? 1 : 0);
    const mine = [...this.held.keys()].filter((p) => !this.releasing.has(p)).sort((a, b) => b - a);
    for (const p of mine.slice(0, Math.max(0, mine.length - target))) {
      this.releasing.add(p);
      this.hooks
        .release(p)
        .then(() => this.giveBack(p))
        .catch(this.onError)
        .finally(() => this.releasing.delete(p));
    }
    let want = target - mine.length;
    // start at a place of our own, so joining workers do not all race for partition 0
    for (let i = 0; i < partitions && want > 0 && !this.stopped; i++) {
      const p = (rank * Math.ceil(partitions / n) + i) % partitions;
      if (this.held.has(p)) continue;
      const e = await this.kv.get(leaseKey(p));
      if (e && e.operation === 'PUT') continue;
      const sent = performance.now();
      let revision: number;
      try {
        revision = await this.kv.create(leaseKey(p), this.id);
      } catch {
        continue; // claimed by another worker first
      }
      const lease: Lease = { partition: p, revision, validUntil: sent + ttlMs - renewMs, released: false };
      this.held.set(p, lease);
      want--;
      this.hooks.claimed(lease);
    }
  }
}
