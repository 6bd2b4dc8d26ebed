// jax-js (@jax-js/jax) on its wasm device.
//
// Gotchas handled here:
// - `init()` with no argument tries every device, and the webgpu probe reads the global
//   `navigator`, which Node 20 does not have: it throws `ReferenceError: navigator is not defined`.
//   Initialise only the wasm device: `init('wasm')`. The webgpu device (column jax-js-webgpu)
//   gets laxflow's Dawn instance as `navigator.gpu` (peers/webgpu.ts).
// - The wasm device is multi-threaded only when both `SharedArrayBuffer` and a global (web)
//   `Worker` exist; Node 20 has no global `Worker`, so it runs single-threaded here.
// - Arrays are reference-counted: every jax-js function (jit-compiled ones included) consumes its
//   array arguments, so inputs kept across repetitions are passed as `x.ref`; `data()` /
//   `dataSync()` consume (dispose) the array they read; jit functions hold compiled kernels until
//   `f.dispose()`.

import { navigatorGpu } from './webgpu.js';

export type Jax = typeof import('@jax-js/jax');

export async function loadJax(device: 'wasm' | 'webgpu' = 'wasm'): Promise<Jax> {
  if (device === 'webgpu') await navigatorGpu();
  const jax = await import('@jax-js/jax');
  const devices = await jax.init(device);
  if (!devices.includes(device)) throw new Error(`jax-js ${device} device unavailable`);
  jax.defaultDevice(device);
  return jax;
}

/** Arrays are made on the default device: switch it before each cell. */
export const activateJax = (jax: Jax, device: 'wasm' | 'webgpu') => void jax.defaultDevice(device);

export type JaxArray = import('@jax-js/jax').Array;
