// The column registry. To add a column: add its context type to `ColumnContexts`, its definition to
// `columns` (the order here is the table's order; `js` must stay first, it is the reference), and
// `impls[id]` entries in the cases (bench/cases/*.ts).

import type { AnyColumn } from './harness.js';
import { loadJax, type Jax } from './peers/jaxjs.js';
import { loadLaxflow, type Laxflow } from './peers/laxflow.js';
import { activateTf, loadTf, type Tf } from './peers/tfjs.js';

/** Column id -> the context its implementations receive. */
export interface ColumnContexts {
  js: null;
  'laxflow-cpu': Laxflow;
  'jax-js': Jax;
  'tfjs-cpu': Tf;
  'tfjs-wasm': Tf;
}

export type ColumnId = keyof ColumnContexts;

export const columns: AnyColumn[] = [
  { id: 'js', description: 'plain JavaScript loop over Float32Array (the reference for cross-checks and ratios)', load: async () => null },
  { id: 'laxflow-cpu', description: 'laxflow from this working tree (`src/index.ts`), fused CPU backend, read back with `await a.data()`', load: loadLaxflow },
  { id: 'jax-js', description: '@jax-js/jax, wasm device, `jit`-compiled, read back with `await a.data()`', load: loadJax },
  {
    id: 'tfjs-cpu',
    description: '@tensorflow/tfjs-core + tfjs-backend-cpu (prod mode), functional ops in `tf.tidy`, read back with `dataSync()`',
    load: () => loadTf('cpu'),
    activate: (tf) => activateTf(tf, 'cpu'),
  },
  {
    id: 'tfjs-wasm',
    description: '@tensorflow/tfjs-core + tfjs-backend-wasm (SIMD, single-threaded in Node), functional ops in `tf.tidy`, read back with `dataSync()`',
    load: () => loadTf('wasm'),
    activate: (tf) => activateTf(tf, 'wasm'),
  },
];

/** Packages whose versions are printed with the results. */
export const peerPackages = ['@jax-js/jax', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];
