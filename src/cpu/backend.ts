// The CPU backend (fast path without a GPU). Placeholder wiring to the oracle until the
// fused kernel backend lands.
import { oracleBackend } from './oracle_backend.js';
import type { Backend } from '../scheduler/realize.js';

export const cpuBackend: Backend = { name: 'cpu', run: oracleBackend.run };
