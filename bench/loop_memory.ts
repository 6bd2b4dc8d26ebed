// Memory in plain loops (issue 17): eager programs over big arrays in a loop, never calling
// the garbage collector, on the CPU backend and WebGPU. Prints per loop the peak RSS, JS heap
// and host array buffers, and the wasm heap's live blocks, every `count / 10` iterations;
// a loop must level off, not grow with the count.
//   XDG_RUNTIME_DIR=/tmp/xdg-runtime node --import tsx bench/loop_memory.ts [count] [cpu|webgpu|both]

import { init, np, random } from '../src/index.js';
import { sharedHeapOrNull } from '../src/cpu/wasm/memory.js';
import { releaseGpu } from '../src/gpu/device.js';

const count = Number(process.argv[2] ?? 2000);
const which = process.argv[3] ?? 'both';
const mib = (x: number) => (x / 2 ** 20).toFixed(0).padStart(5);

const loops: Record<string, (i: number) => Promise<unknown>> = {
  'np.arange(2**18).data()': () => np.arange(2 ** 18).data(),
  'np.arange(2**18).add(i).cumsum().data()': (i) => np.arange(2 ** 18).add(i).cumsum().data(),
  'np.linspace(0, i, 2**18).mul(2).sum().item()': (i) => np.linspace(0, i, 2 ** 18).mul(2).sum().item(),
  'np.array(Float32Array(2**18)).add(1).data()': (i) => np.array(new Float32Array(2 ** 18).fill(i)).add(1).data(),
  'random.normal(key(i), [2**16]).data()': (i) => random.normal(random.key(i), [2 ** 16]).data(),
  'np.array([i, 2]).add(1).mul(3).data() (tiny)': (i) => np.array([i, 2]).add(1).mul(3).data(),
};

async function run(backend: 'cpu' | 'webgpu'): Promise<void> {
  const got = await init({ backend, quiet: true }).catch((e: Error) => e.message);
  console.log(`\n== ${backend}: ${got}; ${count} iterations per loop (MiB: rss / JS heap / array buffers / wasm heap live)`);
  for (const [name, step] of Object.entries(loops)) {
    const t0 = performance.now();
    const peak = [0, 0, 0, 0];
    const marks: string[] = [];
    for (let i = 0; i < count; i++) {
      await step(i);
      const m = process.memoryUsage();
      const now = [m.rss, m.heapUsed, m.arrayBuffers, sharedHeapOrNull()?.liveBytes ?? 0];
      now.forEach((v, k) => (peak[k] = Math.max(peak[k], v)));
      if ((i + 1) % Math.max(1, Math.floor(count / 10)) === 0) marks.push(mib(m.rss).trim());
    }
    console.log(`${name.padEnd(46)} peak ${peak.map(mib).join(' /')}  ${((performance.now() - t0) / count).toFixed(2)} ms/it  rss by tenths: ${marks.join(' ')}`);
  }
}

if (which !== 'webgpu') await run('cpu');
if (which !== 'cpu') {
  await run('webgpu');
  await releaseGpu();
}
