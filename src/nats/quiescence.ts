// Knowing when a fed batch has run through a pipeline: the capture (operators/rx/capture.ts)
// of one partition's pipeline counts, per stream operator, the items its engine has admitted
// and not yet delivered. Operators hand their outputs on synchronously before they count a
// batch delivered, so once every count is zero every output of the fed records has reached
// the pipeline's end (for pipelines of laxflow/rx operators and synchronous RxJS operators
// such as map and filter; an operator that delays emissions is not awaited).

import type { Engine } from '../operators/rx/batcher.js';
import type { CapturedOperator, OperatorCapture } from '../operators/rx/capture.js';
import type { Snapshot } from '../operators/rx/state.js';

export class PipelineCapture implements OperatorCapture {
  readonly operators: CapturedOperator[] = [];
  private outstanding = 0;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failed: { error: unknown } | null = null;
  private next = 0;

  /** `states`: the operators' snapshots of a checkpoint, in creation order (none: fresh). */
  constructor(private readonly states: readonly Snapshot[] | undefined) {}

  state(name: string): Snapshot | undefined {
    if (!this.states) return undefined;
    const i = this.next++;
    if (i >= this.states.length) throw new Error(`laxflow/nats: the pipeline builds more stream operators than its checkpoint holds (${this.states.length}); operator ${i + 1} is ${name}: a checkpoint restores only the same pipeline`);
    return this.states[i];
  }

  engine<I, Q, O>(make: () => Engine<I, Q, O>): () => Engine<I, Q, O> {
    return () => {
      const e = make();
      let running = 0;
      return {
        ...e,
        admit: (input) => {
          const a = e.admit(input);
          if (a) this.outstanding++;
          return a;
        },
        attach: e.attach && ((push, scheduler) => e.attach!((v, n) => (this.outstanding++, push(v, n)), scheduler)),
        finish: e.finish && (() => {
          const tail = e.finish!();
          if (tail !== null) this.outstanding++;
          return tail;
        }),
        run: (batch) => {
          running = batch.length;
          return e.run(batch);
        },
        delivered: () => {
          this.outstanding -= running;
          running = 0;
          e.delivered?.();
          this.settle();
        },
      };
    };
  }

  add(op: CapturedOperator): void {
    this.operators.push(op);
  }

  /** After the pipeline is built: a checkpoint's states must all have found their operator. */
  checkComplete(): void {
    if (this.states && this.next !== this.states.length) throw new Error(`laxflow/nats: the checkpoint holds ${this.states.length} stream operators, the pipeline builds ${this.next}: a checkpoint restores only the same pipeline`);
  }

  fail(error: unknown): void {
    this.failed = { error };
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /** Resolves once every item fed so far has been delivered through the pipeline. */
  idle(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed.error);
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  snapshots(): Snapshot[] {
    return this.operators.map((o) => o.snapshot());
  }

  private settle() {
    if (this.outstanding === 0) for (const w of this.waiters.splice(0)) w.resolve();
  }
}
