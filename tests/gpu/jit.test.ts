// jit replays equal the oracle for any arguments, read in any order (../property/jit_replays.ts),
// on the WebGPU backend: the schedule a replay finds is the GPU's program too.

import { describe, expect, it } from 'vitest';
import { setBackend, currentBackend } from '../../src/scheduler/realize.js';
import { jitReplaysMatchTheOracle } from '../property/jit_replays.js';
import { useGpu } from './gpu_harness.js';

const gpu = useGpu();

describe('jit replays on WebGPU (property)', () => {
  it('equal the oracle for any arguments, read in any order', async (ctx) => {
    if (!gpu.need(ctx)) return;
    const before = currentBackend();
    setBackend(gpu.backend());
    try {
      await jitReplaysMatchTheOracle(15);
      expect(gpu.backend().last?.ranOn).toBe('webgpu');
    } finally {
      setBackend(before);
    }
  }, 120_000);
});
