// The CPU backend: schedule the graph into fused kernels (src/scheduler) and run them as
// generated JavaScript or wasm SIMD (cpu/wasm/kernels.ts, on heap-resident buffers), synchronously.

import type { Backend } from '../scheduler/realize.js';
import { schedule } from '../scheduler/schedule.js';
import { runSchedule } from './executor.js';

export const cpuBackend: Backend = {
  name: 'cpu',
  run: (outputs) => runSchedule(schedule(outputs)),
};
