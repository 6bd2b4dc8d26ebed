// `scan(f, init, opts)`: the stream form of `lax.scan` with the same `f`, and
// `stepOperator(step, opts)`, which every statistics operator is built on.
//
// The outputs, concatenated, equal `lax.scan(f, init, concatenated inputs)`, whatever
// the chunking and batching: each batch is one `lax.scan` continuing from the realized
// carry of the previous one. Keyed record streams (`{ key, value, t? }`) run `f` per key
// (see keyed.ts). The operator's state is snapshot-able:
//
//   const op = rx.scan(f, 0);
//   source.pipe(op).subscribe(...);
//   const saved = op.snapshot();                       // JSON-safe
//   later.pipe(rx.scan(f, 0, { state: saved }))        // resumes with identical output

import { asyncScheduler, type Observable } from 'rxjs';
import { storage, type DType } from '../../graph/dtype.js';
import { sizeOf } from '../../graph/shape.js';
import { currentBackend } from '../../scheduler/realize.js';
import type { LaxArray } from '../array.js';
import { batched, DEFAULT_MAX_BATCH, type BatchOptions, type Engine } from './batcher.js';
import { capturing } from './capture.js';
import { stepCarrySpec, type CarrySpec } from './carry.js';
import type { EngineContext } from './context.js';
import { emptyTable, keyedEngine } from './keyed.js';
import type { StreamOutput } from './output_types.js';
import { isRecordChunk, isRecordLike, type DeadLetter } from './records.js';
import { checkRestored, decode, encode, encodePatches, type Json, type Snapshot, type StatePatch, type StreamState } from './state.js';
import type { Step, StepFn } from './step.js';
import { checkEventTime, type EventTimeOptions } from './event_time.js';
import { unkeyedEngine } from './unkeyed.js';

export interface StreamOptions extends BatchOptions, EventTimeOptions {
  /** Shape of one step's input (per key, in keyed streams); default `[]`. */
  xShape?: number[];
  /** dtype of the input steps; default float32. */
  dtype?: DType;
  /** Keyed records or plain values; by default decided by the first emission. */
  keyed?: boolean;
  /** Where malformed keyed records go; without it, one fails the stream with an error naming it. */
  deadLetter?: DeadLetter;
  /** A `snapshot()` to resume from. */
  state?: Snapshot;
  /**
   * After each batch, once all its outputs have been delivered to the subscriber: the
   * immer patches since the previous checkpoint (JSON-safe) and the full snapshot on demand.
   * Resume protocol: a snapshot covers its first `position` input steps (records, in keyed
   * streams) and every output of them; restore it (`state`) and feed the input from step
   * `position` on.
   */
  onCheckpoint?: (patches: Json, snapshot: () => Snapshot) => void;
  /**
   * How often `onCheckpoint` runs: after every `batches` batches, or after the first batch
   * delivered at least `ms` milliseconds (on `scheduler`'s clock) after the last
   * checkpoint, whichever comes first; default every batch. The stream's end always
   * checkpoints what the last one does not cover.
   */
  checkpointEvery?: { batches?: number; ms?: number };
}

/**
 * An RxJS operator over any input kind (numbers, typed arrays, Arrays, keyed records); its
 * output type follows the input's (`StreamOutput`). `Y` is the step's output pytree.
 */
export interface StreamOperator<Y = LaxArray> {
  <I>(source: Observable<I>): Observable<StreamOutput<I, Y>>;
  /** JSON-safe state of the latest subscription (the starting state before any). */
  snapshot(): Snapshot;
  /** Steps (records) consumed so far by the latest subscription, restored ones included. */
  readonly position: number;
}

export function stepOperator<Y>(step: Step<any, Y>, opts: StreamOptions = {}): StreamOperator<Y> {
  // built inside a laxflow/nats pipeline: restored, watched and registered by it (capture.ts)
  const capture = capturing();
  const captured = capture?.state(step.name);
  if (captured !== undefined) opts = { ...opts, state: captured };
  const name = `rx.${step.name}`;
  const xShape = [...(opts.xShape ?? [])];
  const dtype = opts.dtype ?? 'float32';
  const restored = opts.state === undefined ? undefined : (decode(opts.state) as StreamState);
  let spec: CarrySpec | undefined;
  const timed = step.time === true;
  const getSpec = () => (spec ??= stepCarrySpec(step, xShape, dtype, timed));
  // The event-time stage runs for a step on event time or when an event-time option is given.
  const onEventTime = timed || opts.maxLateness !== undefined || opts.idleTimeout !== undefined || opts.late !== undefined || opts.time !== undefined || opts.watermark !== undefined;
  const events = onEventTime ? { ...checkEventTime(opts, name), late: opts.late, time: opts.time, perKey: opts.watermark === 'key' } : undefined;
  let latest: StreamState | undefined;
  const every = opts.checkpointEvery;
  if (every?.batches !== undefined && !(Number.isInteger(every.batches) && every.batches >= 1)) throw new RangeError(`${name}: checkpointEvery.batches must be a positive integer, got ${every.batches}`);
  if (every?.ms !== undefined && !(every.ms >= 0)) throw new RangeError(`${name}: checkpointEvery.ms must be a number >= 0, got ${every.ms}`);
  const now = () => (opts.scheduler ?? asyncScheduler).now();

  const fresh = (keyed: boolean): StreamState => ({
    version: 1,
    name: step.name,
    xShape,
    dtype,
    options: step.options ?? {},
    position: 0,
    carry: keyed ? emptyTable(getSpec().leaves) : getSpec().leaves,
    keys: [],
    keyed,
  });
  const startState = (keyed: boolean): StreamState => {
    if (!restored) return fresh(keyed);
    // A snapshot taken before any input restores into either mode.
    if (restored.position === 0 && restored.keyed !== keyed && restored.name === step.name) return fresh(keyed);
    return checkRestored(restored, { name: step.name, keyed, xShape, dtype, options: step.options ?? {}, carry: getSpec().leaves });
  };

  const makeEngine = (): Engine<unknown, unknown, unknown> => {
    let inner: Engine<unknown, any, unknown> | undefined;
    let state: StreamState;
    let pending: StatePatch[] = [];
    let batchesSince = 0;
    let lastAt = now();
    const due = () => {
      batchesSince++;
      if (!every) return true;
      if (every.batches === undefined && every.ms === undefined) return true;
      return (every.batches !== undefined && batchesSince >= every.batches) || (every.ms !== undefined && now() - lastAt >= every.ms);
    };
    const checkpoint = () => {
      if (!opts.onCheckpoint || !pending.length) return;
      const s = state;
      const patches = encodePatches(pending);
      pending = [];
      batchesSince = 0;
      lastAt = now();
      opts.onCheckpoint(patches, () => encode(s));
    };
    const ctx: EngineContext = {
      name,
      step,
      timed,
      ...(events ? { events } : {}),
      f: step.f,
      get spec() {
        return getSpec();
      },
      xShape,
      dtype,
      maxBatch: opts.maxBatch ?? DEFAULT_MAX_BATCH,
      getState: () => state,
      wantsPatches: opts.onCheckpoint !== undefined,
      setState: (s, patches) => {
        state = latest = s;
        if (opts.onCheckpoint) pending.push(...patches);
      },
    };
    let attached: Parameters<NonNullable<Engine<unknown, unknown, unknown>['attach']>> | undefined;
    // The engine is chosen by the first emission (records or values), or by a restored snapshot.
    const start = (input: unknown) => {
      const keyed = opts.keyed ?? (restored && restored.position > 0 ? restored.keyed : isRecordLike(input) || isRecordChunk(input));
      if (!keyed && onEventTime) {
        throw new TypeError(`${name}: ${timed ? 'a window or halflife given as a duration is on event time' : 'maxLateness, idleTimeout, late and time are event-time options'}: the input must be records with an event time ({ key?, value, t }), got ${JSON.stringify(input)?.slice(0, 100)}`);
      }
      state = latest = startState(keyed);
      // The mode is fixed now: a checkpoint's patches start from this state, whatever a
      // snapshot taken before the first emission held (an unkeyed empty state).
      if (opts.onCheckpoint && !(restored && restored.position > 0)) pending.push({ op: 'replace', path: [], value: state });
      inner = keyed ? keyedEngine(ctx, opts.deadLetter) : unkeyedEngine(ctx);
      if (attached) inner.attach?.(...attached);
      return inner;
    };
    return {
      attach(...a) {
        attached = a;
        // a restored stream on event time may hold records that an idle timeout releases
        if (restored && restored.position > 0) start(undefined);
      },
      detach: () => inner?.detach?.(),
      finish: () => inner?.finish?.() ?? null,
      admit(input) {
        return (inner ?? start(input)).admit(input);
      },
      run: (batch) => inner!.run(batch),
      delivered: () => {
        if (pending.length && due()) checkpoint();
      },
      end: () => {
        inner?.end?.();
        checkpoint();
      },
    };
  };

  const stepBytes = sizeOf(xShape) * storage[dtype].BYTES_PER_ELEMENT;
  // The most steps a batch's arrays (steps in, outputs out, in keyed streams each record's
  // carry rows; each padded up to a bucket of at most 4/3 its length) hold on a backend that
  // limits one array's bytes (WebGPU).
  const bytesOf = (a: { shape: readonly number[]; dtype: DType }) => sizeOf(a.shape) * storage[a.dtype].BYTES_PER_ELEMENT;
  const deviceSteps = () => {
    const max = currentBackend().maxArrayBytes;
    if (max === undefined) return null;
    const rows = latest?.keyed ? getSpec().leaves.map(bytesOf) : [];
    const perStep = Math.max(stepBytes, ...getSpec().yAvals.map(bytesOf), ...rows, 1);
    return { steps: Math.max(1, Math.floor(max / (perStep * 1.5))), why: `${currentBackend().name} holds at most ${max} bytes in one array, and a step's input or output is ${perStep} bytes` };
  };
  const op = batched(name, capture ? capture.engine(makeEngine) : makeEngine, opts, stepBytes, deviceSteps) as unknown as StreamOperator<Y>;
  Object.defineProperty(op, 'snapshot', { value: () => encode(latest ?? startState(opts.keyed ?? restored?.keyed ?? false)) });
  Object.defineProperty(op, 'position', { get: () => (latest ?? restored)?.position ?? 0 });
  capture?.add(op);
  return op;
}

/** The stream form of `lax.scan(f, init, xs)`: same `f`, same outputs, any chunking. */
export function scan<C, Y>(f: StepFn<C, Y>, init: C | number, opts: StreamOptions & { name?: string } = {}): StreamOperator<Y> {
  return stepOperator<Y>({ name: opts.name ?? 'scan', init: () => init, f }, opts);
}
