// Soak: 10^5 realizes of a small program on the WebGPU backend (CPU if no adapter),
// printing RSS (and JS heap, external memory and hash-cons table entries) at the start and the end, and the mean per-realize time of a 1-kernel
// program. Memory must stay flat: pooled buffers, a bounded pipeline cache, and the
// backend yielding to the event loop so finalizers run.
//   XDG_RUNTIME_DIR=/tmp/xdg-runtime node --expose-gc --import tsx bench/soak.ts [count]

import { WebGpuBackend } from '../src/gpu/backend.js';
import { acquireGpu, gpuUnavailableReason, releaseGpu } from '../src/gpu/device.js';
import { np } from '../src/index.js';
import { consTableSize } from '../src/graph/node.js';
import { setBackend } from '../src/scheduler/realize.js';

const count = Number(process.argv[2] ?? 100_000);
const mib = () => { const m = process.memoryUsage(); return `${(m.rss/2**20).toFixed(1)} heap ${(m.heapUsed/2**20).toFixed(1)} ext ${(m.external/2**20).toFixed(1)} cons ${consTableSize()}`; };
const gc = (globalThis as { gc?: () => void }).gc;

const gpu = await acquireGpu();
if (!gpu) console.warn(`no WebGPU adapter (${gpuUnavailableReason()}); soaking the CPU fallback`);
const backend = new WebGpuBackend();
setBackend(backend);
console.log(`device: ${gpu?.description ?? 'none'}`);

const step = async (i: number) => {
  const x = np.array(Float32Array.of(i, i + 1, i + 2, i + 3));
  const y = np.sqrt(x.mul(x).add(1).mul(0.5)); // one kernel
  const out = await y.data();
  if (out.length !== 4) throw new Error('bad result');
};

for (let i = 0; i < 200; i++) await step(i); // warm up: compile, fill the pool
gc?.();
console.log(`start: rss ${mib()} MiB`);
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  await step(i);
  if (i > 0 && i % 20_000 === 0) {
    gc?.();
    console.log(`  ${i}: rss ${mib()} MiB`);
  }
}
const ms = performance.now() - t0;
gc?.();
console.log(`end: rss ${mib()} MiB after ${count} realizes`);
console.log(`per realize (1-kernel program, incl. upload + submit + readback): ${(ms / count).toFixed(3)} ms`);
console.log(`last run: ${JSON.stringify(backend.last)}; pool buffers created ${backend.context_?.pool.created}, pipelines compiled ${backend.context_?.pipelines.compiled}`);
await releaseGpu();
