// A quick measurement, not a test: the three wasm targets against a plain JS loop over
// Float32Array in the same run (ratio = wasm time / JS time; lower is better).
//   node --import tsx bench/wasm_probe.ts
// For each target it times the kernel alone, kernel + read back into a fresh typed array
// (what `data()` returns), and copy-in + kernel + read back (a fresh user constant).

import { compileElementwise, type Compiled, type WasmKernel } from '../src/cpu/wasm/compile.js';
import { compileReduce } from '../src/cpu/wasm/reduce.js';
import { acc, apply, constant, input } from '../src/cpu/wasm/expr.js';
import { sharedHeap, type WasmBuffer } from '../src/cpu/wasm/memory.js';
import { alloc, read, run, upload } from '../tests/cpu/wasm_helpers.js';

function median(f: () => unknown, reps = 30): number {
  for (let k = 0; k < 5; k++) f();
  const ts: number[] = [];
  for (let k = 0; k < reps; k++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[reps >> 1];
}

const kernel = (c: Compiled): WasmKernel => {
  if ('unsupported' in c) throw new Error(c.unsupported);
  return c.kernel;
};

function uniform(n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * Math.random());
}

function report(name: string, js: number, host: Float32Array[], k: WasmKernel, outLen: number): void {
  const heap = sharedHeap();
  const ins = host.map((h) => upload(heap, h));
  const out = alloc(heap, 'float32', outLen);
  const kOnly = median(() => run(k, ins, out));
  const withRead = median(() => (run(k, ins, out), read(out)));
  const withCopies = median(() => {
    const fresh: WasmBuffer[] = host.map((h) => upload(heap, h));
    run(k, fresh, out);
    const r = read(out);
    fresh.forEach((b) => heap.release(b));
    return r;
  });
  const fmt = (t: number) => `${t.toFixed(2)} ms (${(t / js).toFixed(2)})`;
  console.log(`${name.padEnd(10)} js ${js.toFixed(2)} ms | kernel ${fmt(kOnly)} | +read ${fmt(withRead)} | +copy-in+read ${fmt(withCopies)}`);
  ins.forEach((b) => heap.release(b));
  heap.release(out);
}

const N22 = 1 << 22;
const N20 = 1 << 20;

{
  const x = uniform(N22, -2, 2);
  const js = median(() => {
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      out[i] = Math.sqrt((v * v + 1) * 0.5);
    }
    return out;
  });
  const v = input(0);
  const f = 'float32';
  const e = apply('sqrt', [apply('mul', [apply('add', [apply('mul', [v, v], f), constant(1)], f), constant(0.5)], f)], f);
  report('fused', js, [x], kernel(compileElementwise(e)), N22);
}
{
  const x = uniform(N22, 0, 1);
  const js = median(() => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    return s;
  });
  report('sum', js, [x], kernel(compileReduce({ op: 'add', body: input(0) }, N22)), 1);
}
{
  const x = uniform(2 * N20, -1, 1);
  const y = uniform(2 * N20, -1, 1);
  const js = median(() => {
    const out = new Float32Array(N20);
    for (let i = 0; i < N20; i++) {
      const dx = x[2 * i] - y[2 * i];
      const dy = x[2 * i + 1] - y[2 * i + 1];
      out[i] = Math.sqrt(dx * dx + dy * dy);
    }
    return out;
  });
  const d = apply('sub', [input(0), input(1)], 'float32');
  const k = kernel(compileReduce({ op: 'add', body: apply('mul', [d, d], 'float32'), epilogue: apply('sqrt', [acc()], 'float32') }, 2));
  report('euclid', js, [x, y], k, N20);
}
