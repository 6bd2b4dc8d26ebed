// Bad input to the transformations and the control flow: JAX's words, at the call that caused it.

import { describe, expect, it } from 'vitest';
import { grad, jvp, lax, np, valueAndGrad, vjp } from '../../src/index.js';
import type { LaxArray } from '../../src/operators/array.js';
import { notDifferentiable } from '../../src/operators/autodiff/jvp.js';

const x3 = () => np.array([1, 2, 3], { dtype: 'float32' });

describe('autodiff errors', () => {
  it('grad of a non-scalar or non-float output', () => {
    expect(() => grad((x: LaxArray) => x.mul(2))(x3())).toThrow('Gradient only defined for scalar-output functions. Output had shape: (3,).');
    expect(() => grad((x: LaxArray) => [np.sum(x), np.sum(x)])(x3())).toThrow('Gradient only defined for scalar-output functions. Output was');
    expect(() => grad((x: LaxArray) => np.sum(x).astype('int32'))(x3())).toThrow('grad requires real-valued outputs (output dtype that is a sub-dtype of np.floating), but got int32');
  });

  it('grad of integer inputs', () => {
    expect(() => grad((x: LaxArray) => np.sum(x))(np.array([1, 2]))).toThrow('grad requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got int32. If you want to use Boolean- or integer-valued inputs, use vjp or set allow_int to True.');
  });

  it('argnums beyond the arguments; hasAux without a pair', () => {
    expect(() => grad((x: LaxArray) => np.sum(x), { argnums: 2 })(x3())).toThrow('differentiating with respect to argnums=2 requires at least 3 positional arguments to be passed by the caller, but got only 1 positional arguments.');
    expect(() => valueAndGrad((x: LaxArray) => np.sum(x), { hasAux: true })(x3())).toThrow('expected function with aux output to return a two-element tuple');
    expect(() => grad(3 as never)).toThrow('grad requires a callable argument');
  });

  it('jvp and vjp argument mismatches', () => {
    expect(() => jvp((x: LaxArray) => x, [x3()], [np.ones([2])])).toThrow('jvp called with different primal and tangent shapes;Got primal shape (3,) and tangent shape as (2,)');
    expect(() => jvp((x: LaxArray) => x, [x3()], [np.array([1, 2, 3])])).toThrow('primal and tangent arguments to jax.jvp do not match; dtypes must be equal');
    expect(() => jvp((x: LaxArray) => x, x3() as never, [x3()])).toThrow('primal and tangent arguments to jax.jvp must be tuples or lists');
    const [, pull] = vjp((x: LaxArray) => x.mul(2), x3());
    expect(() => pull(np.ones([2]))).toThrow('Type of cotangent input to vjp pullback function (float32[2]) is not the expected tangent type (float32[3])');
    expect(() => pull([x3(), x3()])).toThrow('unexpected tree structure of argument to vjp function');
  });

  it('a primitive without a derivative rule is named in the error (the entry new primitives get first)', () => {
    expect(() => notDifferentiable('some_prim')).toThrow("Differentiation rule for 'some_prim' not implemented");
  });
});

describe('control flow errors', () => {
  it('cond and switch branches of different types or structures', () => {
    expect(() => lax.cond(np.greater(np.sum(x3()), 0), (a: LaxArray) => a, (a: LaxArray) => np.sum(a), x3())).toThrow('true_fun and false_fun output must have identical types, got\nfloat32[3]\nand\nfloat32[].');
    expect(() => lax.cond(np.greater(np.sum(x3()), 0), (a: LaxArray) => [a, a], ((a: LaxArray) => a) as never, x3())).toThrow('true_fun and false_fun output must have same type structure');
    expect(() => lax.switch(np.argmax(x3()), [(a: LaxArray) => a, (a: LaxArray) => a.astype('int32')], x3())).toThrow('branch 0 and 1 output must have identical types');
    expect(() => lax.switch(0, [], x3())).toThrow('Empty branch sequence');
  });

  it('predicates and indices', () => {
    expect(() => lax.cond(x3(), (a: LaxArray) => a, (a: LaxArray) => a, 1)).toThrow('Pred must be scalar, got float32[3] of shape (3,).');
    expect(() => lax.cond(np.sum(x3()), (a: LaxArray) => a, (a: LaxArray) => a, 1)).toThrow('Pred type must be either boolean or number, got float32.');
    expect(() => lax.switch(np.sum(x3()), [(a: LaxArray) => a], 1)).toThrow('Index type must be an integer, got float32.');
  });

  it('whileLoop: condition type, body type and structure, and reverse mode', () => {
    expect(() => lax.whileLoop((c: LaxArray) => c, (c: LaxArray) => c, np.array(1))).toThrow('cond_fun must return a boolean scalar, but got output type(s) [int32[]].');
    expect(() => lax.whileLoop((c: LaxArray) => np.less(c, 3), (c: LaxArray) => c.astype('float32'), np.array(1))).toThrow('body_fun output and input must have identical types');
    expect(() => lax.whileLoop(([c]: LaxArray[]) => np.less(c, 3), ([c]: LaxArray[]) => c.add(1) as never, [np.array(1)])).toThrow('body_fun output and input must have same type structure');
    expect(() => grad((x: LaxArray) => np.sum(lax.whileLoop((c: LaxArray) => np.less(np.sum(c), 3), (c: LaxArray) => c.add(1), x)))(np.array([1, 2], { dtype: 'float32' }))).toThrow(
      'Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values.',
    );
  });
});
