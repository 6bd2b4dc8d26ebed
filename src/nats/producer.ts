// Publishing records for a partitioned pipeline: each record goes to `<input>.<key>` (the
// server maps it to its partition) with a message id, `<key>:<seq>` by default (a per-key
// counter of this producer) or the caller's, so a retried publish is dropped as a duplicate
// within the stream's duplicate window.

import { jetstream, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from './codec.js';
import { checkKey, checkSubject, ensureStream, names, type StreamSettings } from './partitions.js';

export interface ProducerOptions extends StreamSettings {
  input: string;
  /** A record's message id; default `<key>:<n>`, n counting this producer's records of the key from `firstSeq`. */
  idOf?: (record: { key: string | number }) => string;
  /** Where the default per-key counters start (default 0). */
  firstSeq?: number;
  /** Most publishes awaiting their acks at once; default 1000. */
  window?: number;
}

export interface Producer {
  /** Publishes the records in order; resolves with their acks once all are stored. */
  publish<R extends { key: string | number }>(records: Iterable<R>): Promise<PubAck[]>;
}

export async function createProducer(nc: NatsConnection, opts: ProducerOptions): Promise<Producer> {
  const input = checkSubject(opts.input, 'input');
  const window = opts.window ?? 1000;
  await ensureStream(nc, names(input, input).inputStream, [`${input}.*.*`], opts);
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
  return {
    async publish(records) {
      const acks: PubAck[] = [];
      let inflight: Promise<PubAck>[] = [];
      for (const r of records) {
        const key = checkKey(r?.key, r);
        inflight.push(
          js.publish(`${input}.${key}`, encodeJson(r), { msgID: idOf(r) }).catch((err: Error) => {
            // nats.js reports a publish nobody stores (503, no responders) as 'jetstream is not enabled'
            throw /no responders|503|not enabled/i.test(err.message) ? new Error(`laxflow/nats: no stream stored ${input}.${key}: is the subject mapping configured? (${err.message})`) : err;
          }),
        );
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
