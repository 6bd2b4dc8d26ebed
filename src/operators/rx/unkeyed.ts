// The engine of an unkeyed stream scan: a batch of emissions becomes one `lax.scan` over
// their concatenated steps (padded to a bucket length, padding masked), traced once per
// bucket by `jit`, and realized in one schedule together with the new carry.

import { allocate, type DType } from '../../graph/dtype.js';
import type { Node } from '../../graph/node.js';
import { unflatten } from '../../graph/pytree.js';
import { sizeOf } from '../../graph/shape.js';
import { jit } from '../jit.js';
import { scan as laxScan } from '../scan.js';
import { freshConstant, wrap } from '../nodes.js';
import { node } from '../../graph/node.js';
import { flattenNodes } from '../trace.js';
import type { LaxArray } from '../array.js';
import type { Engine } from './batcher.js';
import { bucket } from './buckets.js';
import { carryTree, maskedStep } from './carry.js';
import { mirrorLeaf, readEmission, type Emission } from './emission.js';
import { giveBack, realizeBatch, thenMaybe } from '../../scheduler/realize.js';
import { commit } from './state.js';
import type { EngineContext } from './context.js';


/** Concatenate the batch's steps (host pieces merged) and pad to `length` steps. */
function stepsNode(batch: Emission[], xShape: readonly number[], dtype: DType, length: number): Node {
  const xs = sizeOf(xShape);
  const parts: Node[] = [];
  let hostParts: Emission[] = [];
  const flushHost = () => {
    if (!hostParts.length) return;
    const steps = hostParts.reduce((s, e) => s + e.steps, 0);
    const data = allocate(dtype, steps * xs);
    let at = 0;
    for (const e of hostParts) data.set(e.host!, at), (at += e.host!.length);
    parts.push(freshConstant(data, [steps, ...xShape], dtype));
    hostParts = [];
  };
  for (const e of batch) {
    if (e.host) hostParts.push(e);
    else flushHost(), parts.push(e.node!);
  }
  const n = batch.reduce((s, e) => s + e.steps, 0);
  if (length > n) hostParts.push({ kind: 'typed', chunk: true, steps: length - n, host: allocate(dtype, (length - n) * xs) });
  flushHost();
  return parts.length === 1 ? parts[0] : node('concat', parts, { axis: 0 });
}

export function unkeyedEngine(ctx: EngineContext): Engine<unknown, Emission, unknown> {
  const { name, f, spec, xShape, dtype } = ctx;
  const run = jit((carry: unknown, xs: LaxArray, valid: LaxArray) => laxScan(maskedStep(f), carry, [xs, valid]));
  // a batch of exactly a bucket's length has no padding: the step runs unmasked
  const runFull = jit((carry: unknown, xs: LaxArray) => laxScan(f, carry, xs));
  return {
    admit(input) {
      const e = readEmission(input, xShape, dtype, name);
      return { value: e, steps: e.steps };
    },
    run(batch) {
      const n = batch.reduce((s, e) => s + e.steps, 0);
      const length = bucket(n);
      const state = ctx.getState();
      const xs = wrap(stepsNode(batch, xShape, dtype, length));
      const [carry, ys] = (n === length ? runFull(carryTree(spec.def, state.carry), xs) : run(carryTree(spec.def, state.carry), xs, wrap(freshConstant(allocate('bool', length).fill(1, 0, n), [length], 'bool')))) as [unknown, unknown];
      const [carryNodes] = flattenNodes(carry);
      const [yNodes] = flattenNodes(ys);
      return thenMaybe(realizeBatch([...carryNodes, ...yNodes], carryNodes.length), (bufs) => {
        const carryBufs = bufs.slice(0, carryNodes.length);
        const yBufs = bufs.slice(carryNodes.length);
        const [next, patches] = commit(state, (d) => {
          d.position += n;
          d.carry = carryNodes.map((c, i) => ({ shape: [...c.shape], dtype: c.dtype, data: carryBufs[i] })) as never;
        });
        ctx.setState(next, patches);
        // each output's real steps copied out of the engine once; records are views of it
        const owned = yBufs.map((buf, k) => buf.slice(0, n * sizeOf(spec.yAvals[k].shape)));
        giveBack(yNodes);
        let from = 0;
        const out = batch.map((e) => {
          const leaves = owned.map((buf, k) => mirrorLeaf(buf, spec.yAvals[k].shape, spec.yAvals[k].dtype, e.kind, e.chunk, from, e.steps, true));
          from += e.steps;
          return unflatten(spec.yDef, leaves);
        });
        return out;
      });
    },
  };
}
