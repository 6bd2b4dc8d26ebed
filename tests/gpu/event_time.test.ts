// The event-time stream operators on the WebGPU backend emit what they emit on the CPU: a time
// window (double-float prefix sums, which a WGSL compiler would reduce to float32 ones by
// rewriting (a + b) - a to b, were it not for double_float.ts's opaque 1: without it, 19%
// off here, after a jump of 250 sd leaves the window), ema with a halflife duration and
// resample; keyed records at irregular times with NaNs. Compiling the time window's scan
// takes lavapipe over a minute on a cold shader cache, hence the small stream.

import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/cpu/backend.js';
import { ema, resample, rollingVar } from '../../src/rx.js';
import { setBackend } from '../../src/scheduler/realize.js';
import { collect } from '../rx/helpers.js';
import { expectClose, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const BASE = Date.UTC(2026, 11, 5, 6);

describe('WebGPU backend: streams on event time', () => {
  it('a time window, ema on times and resample equal the CPU', async (ctx) => {
    if (!gpu.need(ctx)) return;
    let t = BASE;
    const records = Array.from({ length: 72 }, (_, i) => ({ key: ['a', 'b', 'c'][i % 3], t: (t += (i * 7919) % 4001), value: i % 13 === 5 ? null : 1000 + Math.sin(i / 7) * 3 + (i > 30 && i < 36 ? 500 : 0) }));
    const chunks = [records.slice(0, 20), records.slice(20, 50), records.slice(50)];
    const run = async () => ({
      v: (await collect(chunks, rollingVar({ window: '30s', capacity: 12, maxBatch: 64 }))).flat() as { value: number }[],
      e: (await collect(chunks, ema({ halflife: '10s', maxBatch: 64 }))).flat() as { value: number }[],
      r: (await collect(chunks, resample({ every: '1min', stats: ['mean', 'var', 'count'] }))) as { key: string; t: number; value: { mean: number; var: number; count: number } }[],
    });
    const want = await run();
    setBackend(gpu.backend());
    try {
      const got = await run();
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
      const vals = (rs: { value: number }[]) => Float32Array.from(rs, (r) => r.value);
      // WGSL division is not correctly rounded (2.5 ulp): 64 ulps, or 1e-3 absolute
      expectClose(vals(got.v), vals(want.v), 64, 1e-3, 'rolling var 30s');
      expectClose(vals(got.e), vals(want.e), 64, 1e-3, 'ema halflife 10s');
      expect(got.r.map((w) => [w.key, w.t, w.value.count])).toEqual(want.r.map((w) => [w.key, w.t, w.value.count]));
      expectClose(Float32Array.from(got.r, (w) => w.value.mean), Float32Array.from(want.r, (w) => w.value.mean), 64, 1e-3, 'resample mean');
      expectClose(Float32Array.from(got.r, (w) => w.value.var), Float32Array.from(want.r, (w) => w.value.var), 64, 1e-3, 'resample var');
    } finally {
      setBackend(cpuBackend);
    }
  }, 600_000);
});
