// The case registry, in table order. Add a case: write bench/cases/NAME.ts with a default export
// made by `defineCase`, and list it here.

import type { AnyCase } from '../harness.js';
import atAdd from './at_add.js';
import { emaGrad, lsqForward, lsqGrad } from './autodiff.js';
import cumsum from './cumsum.js';
import ema from './ema.js';
import euclid from './euclid.js';
import fused from './fused.js';
import { kalmanMatmul, kalmanScalar } from './kalman.js';
import { matmul1024, matmulMlp } from './matmul.js';
import { mlp, vmapMatmul } from './mlp.js';
import randomNormal from './random_normal.js';
import randomUniform from './random_uniform.js';
import sum from './sum.js';

export const cases: AnyCase[] = [fused, sum, cumsum, ema, euclid, atAdd, randomUniform, randomNormal, matmulMlp, matmul1024, vmapMatmul, mlp, kalmanScalar, kalmanMatmul, lsqForward, lsqGrad, emaGrad];
