// TensorFlow.js (tfjs-core + the cpu, wasm and webgpu backends) in Node.
// - webgpu: tfjs-backend-webgpu finds the GPU at `navigator.gpu`; in Node that is laxflow's Dawn
//   instance (peers/webgpu.ts).
//
// Gotchas handled here:
// - Under Node, `import '@tensorflow/tfjs-core'` resolves to the CommonJS node bundle (the package
//   has no `exports` map), and so do the backends: they share one engine, so both columns use one
//   `tf` object and switch with `tf.setBackend`; tensors must be created after the switch (a tensor
//   made under another backend is silently copied over on first use).
// - tfjs-core alone has no chained ops (`x.mul(y)` is undefined unless
//   `@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops` is imported): the
//   cases use the functional API (`tf.mul(x, y)`).
// - The cpu backend prints a "install tfjs-node" banner on first use unless prod mode is on.
// - The wasm backend's node bundle finds its .wasm files next to itself (dist/); we still pass that
//   directory to `setWasmPaths` (a path prefix ending in a separator) so that a bundler or a
//   different resolution cannot make it look elsewhere. In Node it picks the SIMD build;
//   `WASM_HAS_MULTITHREAD_SUPPORT` is false there, so it runs single-threaded.

import { createRequire } from 'node:module';
import path from 'node:path';
import { navigatorGpu } from './webgpu.js';

export type Tf = typeof import('@tensorflow/tfjs-core');

let tfPromise: Promise<Tf> | null = null;

async function loadCore(): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  tf.enableProdMode();
  return tf;
}

export async function loadTf(backend: 'cpu' | 'wasm' | 'webgpu'): Promise<Tf> {
  tfPromise ??= loadCore();
  const tf = await tfPromise;
  if (backend === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (backend === 'webgpu') {
    await navigatorGpu();
    await import('@tensorflow/tfjs-backend-webgpu');
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(dir + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  return tf;
}

export async function activateTf(tf: Tf, backend: 'cpu' | 'wasm' | 'webgpu'): Promise<void> {
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
  }
}
