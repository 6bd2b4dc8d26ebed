// Partitioning by key: the server's subject mapping sends `<input>.<key>` to
// `<input>.<partition>.<key>` (`{{partition(n,1)}}`: FNV-1a of the key token, mod n), and the
// names of the streams and key-value buckets a partitioned pipeline uses.

import { jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** nats-server's partition function for one token: FNV-1a (32 bit) of its bytes, mod n. */
export function partitionOf(key: string | number, partitions: number): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(String(key))) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h % partitions;
}

/**
 * The entry of nats-server's `mappings = { ... }` block (server or account configuration)
 * that partitions `input`: `"sensors.in.*": "sensors.in.{{partition(8,1)}}.{{wildcard(1)}}"`.
 */
export function partitionMapping(input: string, partitions: number): string {
  checkSubject(input, 'input');
  checkPartitions(partitions);
  return `"${input}.*": "${input}.{{partition(${partitions},1)}}.{{wildcard(1)}}"`;
}

/** A key is one subject token: no dots, wildcards or whitespace. */
export function checkKey(key: unknown, record: unknown): string {
  if (!(typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)))) {
    throw new TypeError(`laxflow/nats: a record needs a key (a string or a finite number) to be partitioned, got ${JSON.stringify(record)?.slice(0, 200)}`);
  }
  const s = String(key);
  if (!/^[^.*>\s]+$/.test(s)) throw new TypeError(`laxflow/nats: key ${JSON.stringify(s)} is not one subject token (no '.', '*', '>' or whitespace)`);
  return s;
}

export function checkSubject(subject: unknown, what: string): string {
  if (typeof subject !== 'string' || !/^[^.*>\s]+(\.[^.*>\s]+)*$/.test(subject)) {
    throw new TypeError(`laxflow/nats: ${what} must be a subject without wildcards ('sensors.in'), got ${JSON.stringify(subject)}`);
  }
  return subject;
}

export function checkPartitions(n: unknown): number {
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1024)) throw new RangeError(`laxflow/nats: partitions must be an integer from 1 to 1024, got ${String(n)}`);
  return n;
}

/** A subject as a stream or bucket name part: `sensors.in` -> `sensors_in`. */
const namePart = (subject: string) => subject.replace(/[^A-Za-z0-9_-]/g, '_');

export interface Names {
  inputStream: string;
  outputStream: string;
  leases: string;
  checkpoints: string;
  /** Prefix of output message ids. */
  group: string;
}

export function names(input: string, output: string, group?: string): Names {
  const g = group ?? namePart(input);
  return {
    inputStream: `laxflow_${namePart(input)}`,
    outputStream: `laxflow_${namePart(output)}`,
    leases: `laxflow_${g}_leases`,
    checkpoints: `laxflow_${g}_checkpoints`,
    group: g,
  };
}

export interface StreamSettings {
  /** Copies of each stream and bucket (1, or 3 on a 3-node cluster). Default 1. */
  replicas?: number;
  /** How long the server remembers message ids (ms); default 2 minutes (the server's). */
  duplicateWindowMs?: number;
}

/** Creates the stream for `subjects` unless it exists; an existing one must capture them. */
export async function ensureStream(nc: NatsConnection, name: string, subjects: string[], settings: StreamSettings = {}): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  try {
    const info = await jsm.streams.info(name);
    const missing = subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length) throw new Error(`laxflow/nats: stream ${name} exists without subjects ${missing.join(', ')} (it has ${info.config.subjects?.join(', ')})`);
    return jsm;
  } catch (err) {
    if (!/not found/i.test(String((err as Error).message))) throw err;
  }
  const config: Partial<StreamConfig> & { name: string } = { name, subjects, num_replicas: settings.replicas ?? 1 };
  if (settings.duplicateWindowMs !== undefined) config.duplicate_window = settings.duplicateWindowMs * 1e6;
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // another worker created it meanwhile
    if (!/already in use|already exists/i.test(String((err as Error).message))) throw err;
  }
  return jsm;
}
