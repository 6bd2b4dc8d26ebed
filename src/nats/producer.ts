// Publishing records for a partitioned pipeline: each record goes to `<input>.<key>` (the
// server maps it to its partition) with a message id, `<key>:<seq>` by default (a per-key
// counter of this producer) or the caller's, so a retried publish is dropped as a duplicate
// within the stream's duplicate window.

import { jetstream, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from './codec.js';
import { checkKey, checkSubject, ensureStream, names, type StreamSettings } from './partitions.js';
import { publishAcked } from './publish.js';

export interface ProducerOptions extends StreamSettings {
  input: string;
  /** A record's message id; default `<key>:<n>`, n counting this producer's records of the key from `firstSeq`. */
  idOf?: (record: { key: string | number }) => string;
  /** Where the default per-key counters start (default 0). */
  firstSeq?: number;
  /** Most publishes awaiting their acks at once; default 1000. */
  window?: number;
  /** How long to wait for a publish's ack before sending it again (twice at most); default 30000 ms. */
  ackTimeoutMs?: number;
}

export interface Producer {
  /** Publishes the records in order; resolves with their acks once all are stored. */
  publish<R extends { key: string | number }>(records: Iterable<R>): Promise<PubAck[]>;
}

export async function createProducer(nc: NatsConnection, opts: ProducerOptions): Promise<Producer> {
  const input = checkSubject(opts.input, 'input');
  const window = opts.window ?? 1000;
  const stream = names(input, input).inputStream;
  const jsm = await ensureStream(nc, stream, [`${input}.*.*`], opts);
  const js = jetstream(nc);
  const seqs = new Map<string, number>();
  const idOf =
    opts.idOf ??
    ((r: { key: string | number }) => {
      const k = String(r.key);
      const n = seqs.get(k) ?? opts.firstSeq ?? 0;
      seqs.set(k, n + 1);
      return `${k}:${n}`;
    });
  const timeout = opts.ackTimeoutMs ?? 30_000;
  // Whether the input stream has a leader now (asked at most every 250 ms): a publish nobody
  // answers (503) is then a subject no stream stores, else a stream between leaders.
  let leaderCheck: { at: number; has: Promise<boolean> } | null = null;
  const hasLeader = () => {
    if (!leaderCheck || performance.now() - leaderCheck.at > 250) {
      leaderCheck = { at: performance.now(), has: jsm.streams.info(stream).then((i) => !i.cluster || !!i.cluster.leader, () => false) };
    }
    return leaderCheck.has;
  };
  // A publish whose ack does not come in time is sent again with the same id: the stream
  // stores it once. (On one connection the server takes publishes in order, so a late ack
  // means a late store, not a lost one; only a publish lost with a broken connection is
  // stored after the ones sent later, and it is sent again at the reconnect: publish.ts.) A publish nobody answers (503) while the stream has
  // no leader (a cluster node failing, an election) is sent again until the stream has one.
  const send = async (subject: string, data: Uint8Array, msgID: string): Promise<PubAck> => {
    const deadline = performance.now() + timeout;
    for (let timeouts = 0, unanswered = 0; ; ) {
      try {
        return await publishAcked(nc, js, subject, data, { msgID, timeout });
      } catch (err) {
        const message = (err as Error).message;
        // nats.js reports a publish nobody answers (503, no responders) as 'jetstream is not enabled'
        if (/no responders|503|not enabled/i.test(message)) {
          const led = await hasLeader();
          if ((led && ++unanswered === 2) || performance.now() > deadline) {
            throw new Error(`laxflow/nats: no stream stored ${subject}: is the subject mapping configured? (${message}${led ? '' : `; stream ${stream} had no leader for ${timeout} ms`})`);
          }
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (!/timeout/i.test(message) || ++timeouts === 3) throw err;
      }
    }
  };
  return {
    async publish(records) {
      const acks: PubAck[] = [];
      let inflight: Promise<PubAck>[] = [];
      for (const r of records) {
        const key = checkKey(r?.key, r);
        inflight.push(send(`${input}.${key}`, encodeJson(r), idOf(r)));
        if (inflight.length >= window) {
          acks.push(...(await Promise.all(inflight)));
          inflight = [];
        }
      }
      acks.push(...(await Promise.all(inflight)));
      return acks;
    },
  };
}
