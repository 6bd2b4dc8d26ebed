// The engine of an unkeyed stream scan: a batch of emissions becomes one `lax.scan` over
// their concatenated steps (padded to a bucket length, padding masked), a program traced and
// scheduled once per bucket (scheduler/program.ts) and run on the carry and the steps.

import { allocate, type DType, type TypedArray } from '../../graph/dtype.js';
import type { Node } from '../../graph/node.js';
import { unflatten } from '../../graph/pytree.js';
import { sizeOf } from '../../graph/shape.js';
import { traceProgram } from '../jit.js';
import { scan as laxScan } from '../scan.js';
import { freshConstant, wrap } from '../nodes.js';
import { node } from '../../graph/node.js';
import { flattenNodes } from '../trace.js';
import type { LaxArray } from '../array.js';
import type { Engine } from './batcher.js';
import { bucket } from './buckets.js';
import { maskedStep } from './carry.js';
import { mirrorLeaf, readEmission, type Emission } from './emission.js';
import { Staging } from './staging.js';
import { giveBuffers, realizeBatch, takeHost, thenGiving, thenMaybe } from '../../scheduler/realize.js';
import { runProgram, sharedProgramCache, type Program } from '../../scheduler/program.js';
import { commit } from './state.js';
import type { EngineContext } from './context.js';


/**
 * The batch's steps, padded with zeros to `length` steps: one host array (into a buffer
 * `takeHost` gives, which the caller gives back) when every emission is host data, else a
 * node concatenating runs of host emissions (merged) and the emissions given as Arrays.
 */
function batchSteps(batch: Emission[], xShape: readonly number[], dtype: DType, length: number): { host: TypedArray } | { node: Node } {
  const xs = sizeOf(xShape);
  const n = batch.reduce((s, e) => s + e.steps, 0);
  const merge = (es: Emission[], pad: number, into: TypedArray) => {
    let at = 0;
    for (const e of es) into.set(e.host!, at), (at += e.host!.length);
    into.fill(0, at, at + pad * xs);
    return into;
  };
  if (batch.every((e) => e.host)) return { host: merge(batch, length - n, takeHost(dtype, length * xs)) };
  const parts: Node[] = [];
  let hostParts: Emission[] = [];
  const flushHost = (pad: number) => {
    if (!hostParts.length && !pad) return;
    const steps = hostParts.reduce((s, e) => s + e.steps, pad);
    parts.push(freshConstant(merge(hostParts, pad, allocate(dtype, steps * xs)), [steps, ...xShape], dtype));
    hostParts = [];
  };
  for (const e of batch) {
    if (e.host) hostParts.push(e);
    else flushHost(0), parts.push(e.node!);
  }
  flushHost(length - n);
  return { node: parts.length === 1 ? parts[0] : node('concat', parts, { axis: 0 }) };
}

export function unkeyedEngine(ctx: EngineContext): Engine<unknown, Emission, unknown> {
  const { name, f, spec, xShape, dtype } = ctx;
  const nCarry = spec.leaves.length;
  const carryAvals = spec.leaves.map((l) => ({ shape: l.shape, dtype: l.dtype }));
  // One program per bucket length, masked or not: a batch of exactly a bucket's length has
  // no padding, and its step runs unmasked.
  const programs = sharedProgramCache(ctx.step.key && `unkeyed ${ctx.step.key} ${JSON.stringify(xShape)} ${dtype}`);
  const programFor = (length: number, masked: boolean): Program =>
    programs(`${length}${masked ? 'm' : ''}`, () => {
      const avals = [...carryAvals, { shape: [length, ...xShape], dtype }, ...(masked ? [{ shape: [length], dtype: 'bool' as const }] : [])];
      const body = (...args: LaxArray[]) => {
        const carry = unflatten(spec.def, args.slice(0, nCarry));
        const [xs, valid] = args.slice(nCarry);
        const [c, ys] = masked ? laxScan(maskedStep(f), carry, [xs, valid]) : laxScan(f, carry, xs);
        return [flattenNodes(c)[0].map(wrap), ys];
      };
      return traceProgram(body, avals).program;
    });
  const staging = new Staging(dtype, sizeOf(xShape), ctx.maxBatch);
  return {
    admit(input) {
      const e = readEmission(input, xShape, dtype, name, staging);
      return { value: e, steps: e.steps };
    },
    detach: () => staging.stop(),
    run(batch) {
      const n = batch.reduce((s, e) => s + e.steps, 0);
      const length = bucket(n);
      const state = ctx.getState();
      // the steps where admission copied them, when they lie in order in one segment; else merged
      const inPlace = batch.every((e) => e.host) ? staging.inPlace(batch.map((e) => e.host!), length) : null;
      const steps = inPlace ? { host: inPlace.steps } : batchSteps(batch, xShape, dtype, length);
      if (!inPlace) for (const e of batch) if (e.host) staging.read(e.host);
      // host steps as they are; steps given as laxflow Arrays are computed first
      const xs = 'host' in steps ? steps.host : thenMaybe(realizeBatch([steps.node]), ([b]) => b);
      const masked = n !== length;
      const args = (x: TypedArray) => [...state.carry.map((l) => l.data), x, ...(masked ? [allocate('bool', length).fill(1, 0, n)] : [])];
      const run = (x: TypedArray) => runProgram(programFor(length, masked), args(x), nCarry);
      // (the batch's host buffer goes back, or its segment is released, once the program has
      // run, also when it failed)
      const held = inPlace ? [] : 'host' in steps ? [steps.host] : [];
      return thenGiving(held, () => (xs instanceof Promise ? xs.then(run) : run(xs)), (bufs) => {
        const yBufs = bufs.slice(nCarry);
        const [next, patches] = commit(state, (d) => {
          d.position += n;
          d.carry = state.carry.map((c, i) => ({ shape: c.shape, dtype: c.dtype, data: bufs[i] })) as never;
        }, ctx.wantsPatches);
        ctx.setState(next, patches);
        // each emission's outputs copied out of the engine (records own their memory: one
        // kept record does not hold a whole batch, and small copies reuse freed memory)
        let from = 0;
        const out = batch.map((e) => {
          const leaves = yBufs.map((buf, k) => mirrorLeaf(buf, spec.yAvals[k].shape, spec.yAvals[k].dtype, e.kind, e.chunk, from, e.steps));
          from += e.steps;
          return unflatten(spec.yDef, leaves);
        });
        giveBuffers(yBufs);
        return out;
      }, inPlace?.done);
    },
  };
}
