// Micro-batching: the shared internals of every stream operator (as RxJS's `scan` and
// `reduce` share `scanInternals`). Emissions queue up and run as one schedule per batch.
//
// The algorithm:
//   1. An arriving emission is admitted by the engine (validated, measured in steps);
//      a malformed one fails the stream or goes to the dead-letter output, before any
//      state changes.
//   2. If no batch is computing and `maxBatch` steps are waiting, a batch starts now;
//      otherwise the first waiting emission starts a `maxDelay` timer on `scheduler`
//      (default 0 ms: the batch starts once the current synchronous burst has arrived).
//   3. A batch takes waiting emissions in order up to `maxBatch` steps (at least one), and
//      no more steps than the backend holds in one program (WebGPU: each array within one
//      storage binding; an emission of more fails, naming the most it may have).
//      While it computes (realization may be async), arrivals wait; when it ends, what
//      arrived meanwhile starts the next batch at once, so batches grow with the load.
//   4. More than `maxQueue` waiting steps, or `maxQueueBytes` bytes of waiting step data,
//      is an overflow error (memory stays bounded whatever one step's size).
//   5. Outputs are emitted in input order. Once all of a batch's outputs have been
//      delivered to the subscriber, the engine is told (`delivered`: checkpoints are taken
//      there, so a checkpoint never covers an output not yet delivered). On completion
//      (or a source error), waiting emissions are computed first, then the engine's `end`
//      runs, then the completion (or error) is passed on.
//      Errors thrown by the step function, the backend or a hook go to the error channel.
// No timer runs and no batch is made while nothing waits.

import { asapScheduler, asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

export interface BatchInfo {
  /** Steps (records) in the batch, and emissions. */
  steps: number;
  emissions: number;
  /** Steps still waiting when the batch finished. */
  waiting: number;
  /** Milliseconds from start of compute to outputs ready. */
  ms: number;
}

/** Most steps per batch unless an operator says otherwise (`maxBatch`). */
export const DEFAULT_MAX_BATCH = 4096;

export interface BatchOptions {
  /** Most steps (records) per schedule; default 4096. A larger single chunk runs whole. */
  maxBatch?: number;
  /** Milliseconds to wait for more input once something waits and nothing computes; default 0. */
  maxDelay?: number;
  /** Most steps allowed to wait; default 2^20. More is an error. */
  maxQueue?: number;
  /**
   * Most bytes of step data allowed to wait (steps x elements per step x the dtype's bytes);
   * default 2^30 (1 GiB). More is an error. `maxQueue` alone would let 2^20 steps of 4096
   * floats (16 GiB) wait.
   */
  maxQueueBytes?: number;
  /** Scheduler for the `maxDelay` timer (default asap for 0 ms, async otherwise). */
  scheduler?: SchedulerLike;
  /** Called after each batch. */
  onBatch?: (info: BatchInfo) => void;
}

export interface Engine<I, Q, O> {
  /** Validate an emission; returns what to queue and its steps, or null to skip it. Throws to fail the stream. */
  admit(input: I): { value: Q; steps: number } | null;
  /** Outputs for a batch of admitted emissions, one per emission, in order. */
  run(batch: Q[]): O[] | Promise<O[]>;
  /** After every output of the batch `run` gave has been emitted to the subscriber. */
  delivered?(): void;
  /** Before the completion (or source error) is passed on, all outputs delivered. */
  end?(): void;
  /**
   * Once per subscription, before any input: `push` queues an item of the engine's own (an
   * event-time engine's idle tick), as if it had been admitted.
   */
  attach?(push: (value: Q, steps: number) => void, scheduler: SchedulerLike): void;
  /** On the source's completion: a last item to run (records an event-time engine still holds), or null. */
  finish?(): Q | null;
  /** Unsubscription or the end of the stream: stop timers. */
  detach?(): void;
}

/**
 * `stepBytes`: the bytes of one step's data, for `maxQueueBytes`. `deviceSteps`: the most
 * steps whose arrays the current backend can hold in one program (WebGPU: one storage
 * binding per array), read per batch; a batch takes no more, and one emission of more fails.
 */
export function batched<I, Q, O>(name: string, makeEngine: () => Engine<I, Q, O>, opts: BatchOptions, stepBytes = 4, deviceSteps: () => { steps: number; why: string } | null = () => null): OperatorFunction<I, O> {
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  const maxDelay = opts.maxDelay ?? 0;
  const maxQueue = opts.maxQueue ?? 1 << 20;
  const maxQueueBytes = opts.maxQueueBytes ?? 2 ** 30;
  if (!(maxBatch >= 1)) throw new RangeError(`${name}: maxBatch must be at least 1, got ${maxBatch}`);
  if (!(maxQueue >= maxBatch)) throw new RangeError(`${name}: maxQueue (${maxQueue}) must be at least maxBatch (${maxBatch})`);
  if (!(maxQueueBytes > 0)) throw new RangeError(`${name}: maxQueueBytes must be positive, got ${maxQueueBytes}`);
  const mib = (steps: number) => `${((steps * stepBytes) / 2 ** 20).toFixed(1)} MiB`;
  const scheduler = opts.scheduler ?? (maxDelay > 0 ? asyncScheduler : asapScheduler);

  return (source) =>
    new Observable<O>((subscriber) => {
      const engine = makeEngine();
      const queue: { value: Q; steps: number }[] = [];
      const timerScheduler = opts.scheduler ?? asyncScheduler;
      let waiting = 0;
      let busy = false;
      let ended = false;
      let sourceError: { error: unknown } | null = null;
      let timer: Subscription | null = null;

      const fail = (err: unknown) => {
        ended = true;
        queue.length = 0;
        timer?.unsubscribe();
        engine.detach?.();
        subscriber.error(err);
      };
      const finishIfDone = () => {
        if (!ended || busy || queue.length || subscriber.closed) return;
        engine.detach?.();
        try {
          engine.end?.();
        } catch (err) {
          return subscriber.error(err);
        }
        if (sourceError) subscriber.error(sourceError.error);
        else subscriber.complete();
      };
      const deliver = (outs: O[], steps: number, count: number, t0: number) => {
        busy = false;
        opts.onBatch?.({ steps, emissions: count, waiting, ms: performance.now() - t0 });
        for (const o of outs) {
          if (subscriber.closed) return;
          subscriber.next(o);
        }
        try {
          engine.delivered?.();
        } catch (err) {
          fail(err);
        }
      };
      // Start batches while allowed; `now` skips the maxDelay wait.
      const pump = (now: boolean) => {
        while (!busy && queue.length && !subscriber.closed) {
          if (!now && waiting < maxBatch && !ended) {
            timer ??= scheduler.schedule(() => {
              timer = null;
              pump(true);
            }, maxDelay);
            return;
          }
          timer?.unsubscribe();
          timer = null;
          const device = deviceSteps();
          if (device !== null && queue[0].steps > device.steps) {
            return fail(new RangeError(`${name}: one emission of ${queue[0].steps} steps is more than the backend holds in one program: ${device.why}; split it into chunks of at most ${device.steps} steps, or use init({ backend: 'cpu' })`));
          }
          const most = Math.min(maxBatch, device?.steps ?? Infinity);
          let steps = 0;
          let count = 0;
          while (count < queue.length && (count === 0 || steps + queue[count].steps <= most)) steps += queue[count++].steps;
          const batch = queue.splice(0, count).map((q) => q.value);
          waiting -= steps;
          busy = true;
          const t0 = performance.now();
          let result: O[] | Promise<O[]>;
          try {
            result = engine.run(batch);
          } catch (err) {
            return fail(err);
          }
          if (result instanceof Promise) {
            result.then(
              (outs) => {
                deliver(outs, steps, count, t0);
                pump(true);
              },
              (err) => fail(err),
            );
            return;
          }
          deliver(result, steps, count, t0);
          now = false;
        }
        finishIfDone();
      };

      engine.attach?.((value, steps) => {
        if (ended || subscriber.closed) return;
        queue.push({ value, steps });
        waiting += steps;
        pump(true);
      }, timerScheduler);
      const sub = source.subscribe({
        next: (v) => {
          if (ended) return;
          let admitted: { value: Q; steps: number } | null;
          try {
            admitted = engine.admit(v);
          } catch (err) {
            return fail(err);
          }
          if (!admitted) return;
          if (admitted.steps > maxQueue) {
            return fail(new RangeError(`${name}: one emission of ${admitted.steps} steps is more than maxQueue=${maxQueue} steps: split it, or raise maxQueue`));
          }
          if (admitted.steps * stepBytes > maxQueueBytes) {
            return fail(new RangeError(`${name}: one emission of ${admitted.steps} steps (${mib(admitted.steps)}) is more than maxQueueBytes=${maxQueueBytes} bytes: split it, or raise maxQueueBytes`));
          }
          queue.push(admitted);
          waiting += admitted.steps;
          if (waiting > maxQueue) {
            return fail(new RangeError(`${name}: input queue overflow: ${waiting} steps waiting exceeds maxQueue=${maxQueue}; the source emits faster than batches of maxBatch=${maxBatch} are computed (raise maxQueue or maxBatch, or slow the source)`));
          }
          if (waiting * stepBytes > maxQueueBytes) {
            return fail(new RangeError(`${name}: input queue overflow: ${waiting} steps waiting (${mib(waiting)}) exceeds maxQueueBytes=${maxQueueBytes} bytes; the source emits faster than batches of maxBatch=${maxBatch} are computed (raise maxQueueBytes or maxBatch, or slow the source)`));
          }
          pump(false);
        },
        error: (err) => {
          if (ended) return;
          ended = true;
          sourceError = { error: err };
          pump(true);
        },
        complete: () => {
          if (ended) return;
          let tail: Q | null = null;
          try {
            tail = engine.finish?.() ?? null;
          } catch (err) {
            return fail(err);
          }
          ended = true;
          if (tail !== null) queue.push({ value: tail, steps: 0 });
          pump(true);
        },
      });
      return () => {
        timer?.unsubscribe();
        engine.detach?.();
        sub.unsubscribe();
      };
    });
}
