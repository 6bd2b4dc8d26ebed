// Where an unkeyed stream keeps the rows it is given until their batch runs. A stream must
// copy a typed array it is given (the caller may fill it again before the batch runs); this
// copy goes straight to where the batch reads its steps, so a row is copied once, not copied
// and then merged into the batch's input.
//
// Rows are copied, in arrival order, into segments of backend storage (`takeHost`) of `cap`
// steps each. A batch whose emissions lie one after another in one segment, with room after
// them for its padding, reads its steps there, as a view (`inPlace`); its padded steps hold
// the segment's next rows or zeros, and are masked. Any other batch merges its emissions'
// rows into an input of its own. A segment is filled again from its start once every row
// in it has been read and no batch reads it; it goes back to the backend when the stream
// stops. An emission larger than a segment, or of another element type, is copied into an
// array of its own (`CopyPool`).

import { storage, type DType, type TypedArray } from '../../graph/dtype.js';
import { giveBuffers, takeHost } from '../../scheduler/realize.js';
import { CopyPool } from './emission.js';

/** Bytes of one segment at most (it holds fewer steps than a batch when steps are large). */
const SEGMENT_BYTES = 8 << 20;

interface Segment {
  /** Its storage; empty once given back. */
  data: TypedArray;
  /** Steps written, from the start. */
  used: number;
  /** Steps written and not yet read by a batch. */
  open: number;
  /** Batches reading the segment now. */
  running: number;
  /** No longer filled: given back once idle. */
  retired: boolean;
}

export class Staging {
  private readonly cap: number;
  private cur: Segment | null = null;
  private readonly at = new Map<TypedArray, { seg: Segment; step: number; steps: number }>();
  private readonly pool = new CopyPool();
  private stopped = false;

  constructor(
    private readonly dtype: DType,
    /** Elements per step. */
    private readonly stepSize: number,
    maxBatch: number,
  ) {
    const stepBytes = stepSize * storage[dtype].BYTES_PER_ELEMENT;
    this.cap = Math.max(1, Math.min(maxBatch, Math.floor(SEGMENT_BYTES / Math.max(stepBytes, 1))));
  }

  /** A copy of `v` (steps of this stream's element type, `stepSize` elements each) that the stream keeps until `read`. */
  copy(v: TypedArray): TypedArray {
    const steps = v.length / this.stepSize;
    if (this.stepSize === 0 || steps > this.cap || !(v instanceof storage[this.dtype])) return this.pool.copy(v);
    let s = this.cur;
    if (s && s.open === 0 && s.running === 0) s.used = 0;
    if (!s || s.used + steps > this.cap) {
      if (s) this.retire(s);
      s = this.cur = { data: takeHost(this.dtype, this.cap * this.stepSize), used: 0, open: 0, running: 0, retired: false };
    }
    const view = s.data.subarray(s.used * this.stepSize, (s.used + steps) * this.stepSize);
    view.set(v as never);
    this.at.set(view, { seg: s, step: s.used, steps });
    s.used += steps;
    s.open += steps;
    return view;
  }

  /**
   * The steps of a batch of these copies (in order, `n` steps padded to `length`) as one view
   * of their segment, or null when they are not consecutive in one segment with room for
   * the padding. The caller calls `done` once the batch no longer reads it.
   */
  inPlace(copies: readonly TypedArray[], length: number): { steps: TypedArray; done: () => void } | null {
    const first = this.at.get(copies[0]);
    if (!first) return null;
    const { seg } = first;
    let next = first.step;
    for (const c of copies) {
      const a = this.at.get(c);
      if (!a || a.seg !== seg || a.step !== next) return null;
      next += a.steps;
    }
    const end = first.step + length;
    if (end > this.cap) return null;
    // padding past the rows written so far is zeroed (rows written later may land there: they are masked too)
    if (end > seg.used) seg.data.fill(0, Math.max(next, seg.used) * this.stepSize, end * this.stepSize);
    // (running first: a retired segment whose last rows these are must not go back now)
    seg.running++;
    for (const c of copies) this.read(c);
    return {
      steps: seg.data.subarray(first.step * this.stepSize, end * this.stepSize),
      done: () => {
        seg.running--;
        this.idle(seg);
      },
    };
  }

  /** A batch has read copy `c` (merged into its own input, or in place). */
  read(c: TypedArray): void {
    const a = this.at.get(c);
    if (!a) return this.pool.give(c);
    this.at.delete(c);
    a.seg.open -= a.steps;
    this.idle(a.seg);
  }

  /** The stream has stopped: segments go back as soon as no batch reads them (rows never read are dropped). */
  stop(): void {
    this.stopped = true;
    for (const s of new Set([...this.at.values()].map((a) => a.seg))) this.retire(s);
    this.at.clear();
    if (this.cur) this.retire(this.cur);
    this.cur = null;
  }

  private retire(s: Segment): void {
    s.retired = true;
    this.idle(s);
  }

  private idle(s: Segment): void {
    if (s.retired && s.running === 0 && (s.open === 0 || this.stopped) && s.data.length) {
      giveBuffers([s.data]);
      s.data = s.data.subarray(0, 0);
    }
  }
}
