// The Mahalanobis detector (laxflow/rx) on the WebGPU backend: its scan body is elementwise
// (five carry numbers per pair, each read at its own lane; no concatenation), so it runs as
// a WebGPU scan, not as a fallback to the CPU, and gives the CPU's alarms and, within WGSL's
// rounding, its scores and baselines. Keyed records on event time, with NaNs and excursions.

import { describe, expect, it } from 'vitest';
import { mahalanobis } from '../../src/rx.js';
import { cpuBackend } from '../../src/cpu/backend.js';
import { setBackend } from '../../src/scheduler/realize.js';
import { collect } from '../rx/helpers.js';
import { expectClose, useGpu } from './gpu_harness.js';

const gpu = useGpu();
const BASE = Date.UTC(2026, 11, 5, 6);

describe('WebGPU backend: mahalanobis', () => {
  it('equals the CPU: the same alarms, scores and baselines within float32 tolerances', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const records = Array.from({ length: 96 }, (_, i) => {
      const bump = i >= 40 && i < 52 ? 30 - 2 * (i - 40) : 0;
      return { key: ['a', 'b', 'c'][i % 3], t: BASE + 5000 * Math.floor(i / 3), value: [i % 17 === 9 ? NaN : 50 + Math.sin(i / 5) + bump, 27 + Math.cos(i / 7) * 0.3 + bump / 10] };
    });
    const chunks = [records.slice(0, 30), records.slice(30, 70), records.slice(70)];
    const run = async () => (await collect(chunks, mahalanobis({ halflife: '1min', on: 5, off: 3, minVar: 0.05, minPeriods: 5, maxBatch: 64 }))).flat() as { value: { score: number; alarm: boolean; mean: number[]; std: number[] } }[];
    const want = await run();
    setBackend(gpu.backend());
    try {
      const got = await run();
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
      expect(got.map((o) => o.value.alarm)).toEqual(want.map((o) => o.value.alarm));
      expect(want.some((o) => o.value.alarm)).toBe(true);
      const col = (rs: typeof want, f: (v: (typeof want)[number]['value']) => number) => Float32Array.from(rs, (r) => f(r.value));
      // WGSL's division, sqrt and exp are not correctly rounded: 64 ulps, or 1e-3 absolute
      expectClose(col(got, (v) => v.score), col(want, (v) => v.score), 64, 1e-3, 'score');
      for (const k of [0, 1]) {
        expectClose(col(got, (v) => v.mean[k]), col(want, (v) => v.mean[k]), 64, 1e-3, `mean ${k}`);
        expectClose(col(got, (v) => v.std[k]), col(want, (v) => v.std[k]), 64, 1e-3, `std ${k}`);
      }
    } finally {
      setBackend(cpuBackend);
    }
  }, 180_000);
});
