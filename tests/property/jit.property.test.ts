// jit replays equal the oracle for any arguments, read in any order (the property and the
// cases it covers: ./jit_replays.ts), on the CPU backend.

import { beforeAll, describe, it } from 'vitest';
import { init } from '../../src/index.js';
import { jitReplaysMatchTheOracle } from './jit_replays.js';

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

describe('jit replays (property)', () => {
  it('equal the oracle for any arguments, read in any order', () => jitReplaysMatchTheOracle(100));
  it('and so do the same programs run eagerly (schedules found by structure)', () => jitReplaysMatchTheOracle(100, false));
});
