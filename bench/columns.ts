// The column registry. To add a column: add its context type to `ColumnContexts`, its definition to
// `columns` (the order here is the table's order; `js` must stay first, it is the reference), and
// `impls[id]` entries in the cases (bench/cases/*.ts).

import type { AnyColumn } from './harness.js';
import { activateJax, loadJax, type Jax } from './peers/jaxjs.js';
import { loadLaxflow, type Laxflow } from './peers/laxflow.js';
import { activateTf, loadTf, type Tf } from './peers/tfjs.js';

/** Column id -> the context its implementations receive. */
export interface ColumnContexts {
  js: null;
  'laxflow-cpu': Laxflow;
  'laxflow-webgpu': Laxflow;
  'jax-js': Jax;
  'tfjs-cpu': Tf;
  'tfjs-wasm': Tf;
  'tfjs-webgpu': Tf;
  'jax-js-webgpu': Jax;
}

export type ColumnId = keyof ColumnContexts;

export const columns: AnyColumn[] = [
  { id: 'js', description: 'plain JavaScript loop over Float32Array (the reference for cross-checks and ratios)', load: async () => null },
  { id: 'laxflow-cpu', description: 'laxflow from this working tree (`src/index.ts`), fused CPU backend, read back with `await a.data()`', load: () => loadLaxflow('cpu'), activate: (lf) => lf.use() },
  {
    id: 'laxflow-webgpu',
    description: 'laxflow, WebGPU backend (Dawn in Node; on a software adapter this measures overhead, not GPU speed), the laxflow-cpu code',
    load: () => loadLaxflow('webgpu'),
    activate: (lf) => lf.use(),
    implsOf: 'laxflow-cpu',
  },
  { id: 'jax-js', description: '@jax-js/jax, wasm device, `jit`-compiled, read back with `await a.data()`', load: () => loadJax('wasm'), activate: (jax) => activateJax(jax, 'wasm') },
  {
    id: 'tfjs-cpu',
    description: '@tensorflow/tfjs-core + tfjs-backend-cpu (prod mode), functional ops in `tf.tidy`, read back with `await t.data()`',
    load: () => loadTf('cpu'),
    activate: (tf) => activateTf(tf, 'cpu'),
  },
  {
    id: 'tfjs-wasm',
    description: '@tensorflow/tfjs-core + tfjs-backend-wasm (SIMD, single-threaded in Node), functional ops in `tf.tidy`, read back with `await t.data()`',
    load: () => loadTf('wasm'),
    activate: (tf) => activateTf(tf, 'wasm'),
  },
  {
    id: 'tfjs-webgpu',
    description: '@tensorflow/tfjs-core + tfjs-backend-webgpu on laxflow\'s Dawn instance as `navigator.gpu`, the tfjs-cpu code',
    load: () => loadTf('webgpu'),
    activate: (tf) => activateTf(tf, 'webgpu'),
    implsOf: 'tfjs-cpu',
  },
  {
    id: 'jax-js-webgpu',
    description: '@jax-js/jax, webgpu device on laxflow\'s Dawn instance as `navigator.gpu`, the jax-js code',
    load: () => loadJax('webgpu'),
    activate: (jax) => activateJax(jax, 'webgpu'),
    implsOf: 'jax-js',
  },
];

/** Packages whose versions are printed with the results. */
export const peerPackages = ['@jax-js/jax', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'webgpu'];
