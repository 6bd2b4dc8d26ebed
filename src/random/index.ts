// jax.random for laxflow: threefry-2x32 keys and samplers, bit-exact with JAX in both of its
// layouts (config `jax_threefry_partitionable`, default true as in JAX >= 0.5). Keys are raw
// uint32 arrays of shape [2]; the bits are ordinary graph operations, so every backend runs
// them and vmap over keys works.

export { key, PRNGKey, split, foldIn, keyData, type KeyArray } from './keys.js';
export { bits } from './bits.js';
export { uniform, normal, exponential, randint, bernoulli } from './distributions.js';
export { gumbel, type GumbelMode } from './gumbel.js';
export { permutation, choice } from './permutation.js';
export { threefry2x32 } from './threefry.js';
export { erfinv } from './erfinv.js';
export { laplace, logistic, cauchy, lognormal, truncatedNormal } from './continuous.js';
export { rademacher, geometric, categorical, poisson } from './discrete.js';
export { gamma, loggamma, beta, dirichlet, chisquare, t } from './gamma.js';
export { multivariateNormal, orthogonal } from './multivariate.js';
