// A step definition: the body of a scan (`f`, exactly what `lax.scan` takes) together with
// its initial carry for a given per-step input shape. The statistics operators (ema,
// rolling windows) are steps, so they can run alone, be combined with `fanout`, or be
// applied per key; the stream machinery only ever sees `f` and `init`.

import type { LaxArray } from '../array.js';
import type { Json } from './state.js';

/**
 * The scan body. A step on event time (`Step.time`) also gets `t`, the step's event time as
 * int32 milliseconds since the stream's time base (per key in keyed streams); differences of
 * times are what it may use.
 */
export type StepFn<C = any, Y = any> = (carry: C, x: LaxArray, t?: LaxArray) => [C, Y];

export interface Step<C = any, Y = any> {
  /** For error messages. */
  readonly name: string;
  /**
   * The options that give the carry its meaning (ema's span, a window's length), as the
   * user gave them: recorded in snapshots, and a snapshot taken with other values is refused.
   */
  readonly options?: { [option: string]: Json };
  /**
   * Identifies `init` and `f` completely (a built-in step: its kind and every value its
   * functions use). Streams of steps with equal keys, on the same input shape and dtype,
   * share their traced and compiled programs (a pipeline built again starts at full speed);
   * a step without one (a user's function) traces its own.
   */
  readonly key?: string;
  /** The initial carry for one step's input shape `xShape` (per key in keyed streams). */
  init(xShape: readonly number[]): C;
  readonly f: StepFn<C, Y>;
  /** The step reads event time (`t`): it runs on records with times only. */
  readonly time?: boolean;
  /** Event times count from a multiple of this many milliseconds (resample's window length). */
  readonly timeQuantum?: number;
}

/**
 * A step that emits windows, not one output per record (resample): `y` is `[closed, start,
 * ...stats]`, a step's output counting only where `closed`, as the window that started at
 * `start`; `flush` closes the windows that end at or before the watermark, over the whole
 * key table.
 */
export interface WindowedStep<C = any> extends Step<C, LaxArray[]> {
  readonly windows: { readonly every: number; readonly stats: readonly string[] };
  flush(carry: C, watermark: LaxArray): [C, LaxArray[]];
}

export const isWindowed = (s: Step): s is WindowedStep => 'windows' in s && (s as WindowedStep).windows !== undefined;

/**
 * Several steps over the same input in one scan body: the carry and the output are
 * objects with one entry per name. One schedule computes all of them.
 */
export function fanout<S extends Record<string, Step>>(steps: S): Step<{ [K in keyof S]: S[K] extends Step<infer C, any> ? C : never }, { [K in keyof S]: S[K] extends Step<any, infer Y> ? Y : never }> {
  const names = Object.keys(steps);
  if (names.length === 0) throw new TypeError('fanout: give at least one step');
  return {
    name: `fanout(${names.join(', ')})`,
    options: Object.fromEntries(names.map((k) => [k, steps[k].options ?? {}])),
    ...(names.every((k) => steps[k].key !== undefined) ? { key: `fanout(${names.map((k) => `${JSON.stringify(k)}: ${steps[k].key}`).join(', ')})` } : {}),
    init: (xShape) => Object.fromEntries(names.map((k) => [k, steps[k].init(xShape)])) as never,
    f: (carry, x, t) => {
      const c: Record<string, unknown> = {};
      const y: Record<string, unknown> = {};
      for (const k of names) [c[k], y[k]] = steps[k].f(carry[k], x, t);
      return [c as never, y as never];
    },
    ...(names.some((k) => steps[k].time) ? { time: true } : {}),
  };
}
