// JAX's type promotion (x64 disabled) for bool, int32, uint32, float32 and weakly typed
// JS numbers, checked through np.add (and other binary ops), including the weak flag.
//
// The table is JAX's: `jnp.promote_types` and the "Type promotion semantics" doc
// (https://docs.jax.dev/en/latest/type_promotion.html), whose lattice is
//   b -> i* -> u8 -> ... -> u32 -> u64 -> f*,  i* -> i8 -> ... -> i32 -> i64 -> f*,
//   f* -> f16 -> f32 -> f64
// where i* / f* are weakly typed Python ints / floats. The result is the join; with x64
// disabled i64 canonicalizes to int32 (so int32 + uint32 -> int32) and f* to float32.
// Doc table rows (restricted to our dtypes; `*` marks a weakly typed result):
//        b     i32   u32   f32   i*     f*
//   b    b     i32   u32   f32   i32*   f32*
//   i32  i32   i32   i32   f32   i32    f32*
//   u32  u32   i32   u32   f32   u32    f32*
//   f32  f32   f32   f32   f32   f32    f32
//   i*   i32*  i32   u32   f32   i32*   f32*
//   f*   f32*  f32*  f32*  f32   f32*   f32*

import { describe, expect, it } from 'vitest';
import { np, type DType } from '../../src/index.js';
import { promote, type TypeInfo } from '../../src/graph/dtype.js';

type Kind = 'b' | 'i32' | 'u32' | 'f32' | 'i*' | 'f*';
const kinds: Kind[] = ['b', 'i32', 'u32', 'f32', 'i*', 'f*'];
const R = (d: DType, weak = false) => ({ dtype: d, weak });
const table: Record<Kind, Record<Kind, { dtype: DType; weak: boolean }>> = {
  b: { b: R('bool'), i32: R('int32'), u32: R('uint32'), f32: R('float32'), 'i*': R('int32', true), 'f*': R('float32', true) },
  i32: { b: R('int32'), i32: R('int32'), u32: R('int32'), f32: R('float32'), 'i*': R('int32'), 'f*': R('float32', true) },
  u32: { b: R('uint32'), i32: R('int32'), u32: R('uint32'), f32: R('float32'), 'i*': R('uint32'), 'f*': R('float32', true) },
  f32: { b: R('float32'), i32: R('float32'), u32: R('float32'), f32: R('float32'), 'i*': R('float32'), 'f*': R('float32') },
  'i*': { b: R('int32', true), i32: R('int32'), u32: R('uint32'), f32: R('float32'), 'i*': R('int32', true), 'f*': R('float32', true) },
  'f*': { b: R('float32', true), i32: R('float32', true), u32: R('float32', true), f32: R('float32'), 'i*': R('float32', true), 'f*': R('float32', true) },
};

/** A value of each kind: arrays for strong dtypes, JS numbers for weak ones. */
function value(k: Kind) {
  switch (k) {
    case 'b': return np.array([true, false]);
    case 'i32': return np.array([1, 2], { dtype: 'int32' });
    case 'u32': return np.array([1, 2], { dtype: 'uint32' });
    case 'f32': return np.array([1, 2], { dtype: 'float32' });
    case 'i*': return 3;
    case 'f*': return 1.5;
  }
}
const info = (k: Kind): TypeInfo => ({ i32: R('int32'), u32: R('uint32'), f32: R('float32'), b: R('bool'), 'i*': R('int32', true), 'f*': R('float32', true) })[k];

describe('JAX promotion table (x64 disabled)', () => {
  for (const a of kinds) {
    for (const b of kinds) {
      const want = table[a][b];
      it(`${a} + ${b} -> ${want.dtype}${want.weak ? '*' : ''}`, () => {
        expect(table[b][a], 'the table is symmetric').toEqual(want);
        expect(promote(info(a), info(b)).dtype).toBe(want.dtype);
        const out = np.add(value(a), value(b));
        expect(out.dtype).toBe(want.dtype);
      });
    }
  }

  it('weak operands never widen a strong one, for every binary op family', () => {
    const i = np.array([1, 2], { dtype: 'int32' });
    const u = np.array([1, 2], { dtype: 'uint32' });
    const f = np.array([1, 2], { dtype: 'float32' });
    expect(np.multiply(f, 2).dtype).toBe('float32');
    expect(np.subtract(u, 1).dtype).toBe('uint32');
    expect(np.maximum(i, 1.5).dtype).toBe('float32');
    expect(np.where(np.array([true, false]), u, 7).dtype).toBe('uint32');
    expect(np.concatenate([i, u]).dtype).toBe('int32');
    expect(np.matmul(u, i).dtype).toBe('int32');
    expect(np.divide(i, 2).dtype).toBe('float32'); // true division is inexact
    expect(np.power(i, 2).dtype).toBe('int32');
    expect(np.equal(u, 1.5).dtype).toBe('bool');
  });

  it('a strong result stays strong: (int32 + 1) + uint32 -> int32, (uint32 + 1) + int32 -> int32', () => {
    expect(np.add(np.add(value('i32'), 1), value('u32')).dtype).toBe('int32');
    expect(np.add(np.add(value('u32'), 1), value('i32')).dtype).toBe('int32');
  });

  // JAX: bool + weak int is weakly typed int32 (the join b1 v i* is i*), so adding uint32
  // afterwards gives uint32: jnp.result_type(jnp.bool_(True) + 1, jnp.uint32) -> uint32.
  it('bool + 1 is weakly typed, so (bool + 1) + uint32 -> uint32', () => {
    expect(np.add(np.add(value('b'), 1), value('u32')).dtype).toBe('uint32');
    expect(np.add(value('b'), 1).dtype).toBe('int32');
  });
});
