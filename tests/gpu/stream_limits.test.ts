// A stream batch on WebGPU is sized to the device's binding limit (issue 17): without it a
// flood of small emissions batched up to maxBatch steps made arrays larger than one storage
// binding may hold, and the whole stream failed ("an array of ... bytes is larger than one
// device binding may be"). The limit is lowered with the backend's maxBindingBytes option
// (lavapipe's 128 MiB is too large to reach in a test): 4096 bytes, 256 bytes per step here,
// so a batch holds at most 10 steps. Also a deep chain (issue 17's deep graphs) on WebGPU.

import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/cpu/backend.js';
import { WebGpuBackend } from '../../src/gpu/backend.js';
import { np } from '../../src/index.js';
import { ema, movingAverage } from '../../src/rx.js';
import { setBackend } from '../../src/scheduler/realize.js';
import { collect } from '../rx/helpers.js';
import { expectClose, oracle, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const LIMIT = 4096;
const N = 64; // sensors: 256 bytes per step

describe('WebGPU: stream batches within the binding limit', () => {
  it('100 one-step emissions run in batches of at most 10 steps and equal the CPU', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const rows = Array.from({ length: 100 }, (_, t) => Float32Array.from({ length: N }, (_, i) => Math.sin(t * 0.3 + i) * 5 + i));
    const batches: number[] = [];
    const run = () => collect(rows, ema({ span: 5, xShape: [N], onBatch: (b) => batches.push(b.steps) })) as Promise<Float32Array[]>;
    const want = await run();
    expect(Math.max(...batches)).toBe(100); // one batch on the CPU
    const small = new WebGpuBackend({ maxBindingBytes: LIMIT });
    setBackend(small);
    try {
      batches.length = 0;
      const got = await run();
      expect(small.last?.ranOn).toBe('webgpu');
      expect(Math.max(...batches)).toBe(10);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(100);
      got.forEach((g, t) => expectClose(g, want[t], 64, 1e-4, `step ${t}`));
      // keyed records: batches bounded by each record's carry rows ([3, 64] floats) too, on a
      // binding that holds the key table ([64, 3, 64] floats: 48 KiB)
      const recs = rows.map((value, t) => ({ key: `k${t % 3}`, value }));
      batches.length = 0;
      setBackend(new WebGpuBackend({ maxBindingBytes: 1 << 16 }));
      const keyed = (await collect(recs, movingAverage({ window: 3, xShape: [N], onBatch: (b) => batches.push(b.steps) }))) as { value: Float32Array }[];
      expect(Math.max(...batches)).toBeLessThanOrEqual(Math.floor((1 << 16) / (3 * N * 4 * 1.5)));
      expect(batches.reduce((a, b) => a + b, 0)).toBe(100);
      setBackend(cpuBackend);
      const keyedCpu = (await collect(recs, movingAverage({ window: 3, xShape: [N] }))) as { value: Float32Array }[];
      keyed.forEach((r, t) => expectClose(r.value, keyedCpu[t].value, 64, 1e-4, `record ${t}`));
      // one emission of more steps than fit: an error saying what to do
      setBackend(small);
      await expect(collect([rows.slice(0, 20).map((r) => Array.from(r))], ema({ span: 5, xShape: [N] }))).rejects.toThrow(
        /rx\.ema: one emission of 20 steps is more than the backend holds in one program: webgpu holds at most 4096 bytes in one array, and a step's input or output is 256 bytes; split it into chunks of at most 10 steps/,
      );
    } finally {
      setBackend(cpuBackend);
    }
  }, 600_000);

  it('a chain of 300 adds (two kernels: bounded depth) equals the oracle', async (ctx) => {
    if (!gpu.need(ctx)) return;
    let x = np.arange(8).astype('float32');
    for (let i = 0; i < 300; i++) x = x.add(i % 2 ? 1 : -0.5);
    const [got] = await gpu.backend().run([x.node]);
    expect(gpu.backend().last?.ranOn).toBe('webgpu');
    expectClose(got, oracle([x.node])[0], 0, 0, 'chain');
  }, 600_000);
});
