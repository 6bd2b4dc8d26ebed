// laxflow/nats: laxflow/rx pipelines scaled out over NATS JetStream (docs/nats.md). Records
// are partitioned by key by a server subject mapping; each partition is owned by one live
// worker at a time through a lease in a key-value bucket, its operator state checkpointed
// with the last input sequence under compare-and-set, and outputs published with message ids
// so replays after a failover are dropped. The `@nats-io/*` clients are optional peer
// dependencies that only this entry imports.

import './devices.js';

export { runPartitioned, type PartitionedOptions, type PartitionedRun, type PartitionEvent, type PartitionMetrics, type RunMetrics } from './nats/run.js';
export { createProducer, type Producer, type ProducerOptions } from './nats/producer.js';
export { partitionOf, partitionMapping, type StreamSettings } from './nats/partitions.js';
export { encodeJson, decodeJson } from './nats/codec.js';
export type { Checkpoint } from './nats/partition_runner.js';
