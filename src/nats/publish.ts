// Publishing with acks across reconnects. When the server a client is connected to fails
// (a cluster node killed), the publishes whose acks were in flight are lost with the
// connection, and nats.js lets each wait out its whole timeout (30 s for laxflow's
// defaults) although the client reconnects to another node within a second or two. A
// publish here is sent again as soon as the client reconnects: it carries its message id, so
// the stream stores it once whichever copy arrives.

import type { JetStreamClient, JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Per connection, the publishes awaiting their acks: each is sent again at a reconnect. */
const waiting = new WeakMap<NatsConnection, Set<() => void>>();

function waitingOn(nc: NatsConnection): Set<() => void> {
  let set = waiting.get(nc);
  if (!set) {
    const s = (set = new Set());
    waiting.set(nc, s);
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'reconnect') for (const resend of [...s]) resend();
    })();
  }
  return set;
}

const RESEND = Symbol('resend');

/** `js.publish` with a message id, sent again when the connection is re-established before its ack came. */
export async function publishAcked(nc: NatsConnection, js: JetStreamClient, subject: string, data: Uint8Array, opts: Partial<JetStreamPublishOptions> & { msgID: string }): Promise<PubAck> {
  const set = waitingOn(nc);
  for (;;) {
    let resend!: () => void;
    const reconnected = new Promise<typeof RESEND>((r) => (resend = () => r(RESEND)));
    set.add(resend);
    const publish = js.publish(subject, data, opts);
    try {
      const r = await Promise.race([publish, reconnected]);
      if (r !== RESEND) return r;
      publish.catch(() => {}); // its ack, if it ever comes, is the resent copy's duplicate
    } finally {
      set.delete(resend);
    }
  }
}
