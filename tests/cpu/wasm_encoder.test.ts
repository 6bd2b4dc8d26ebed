// The wasm encoder's integer encodings, the kernel heap (alignment, free lists, views that
// survive memory growth) and the bounded module cache.

import { describe, expect, it } from 'vitest';
import { Bytes, ModuleBuilder } from '../../src/cpu/wasm/encoder.js';
import { sizeClass, WasmHeap } from '../../src/cpu/wasm/memory.js';
import { CACHE_SIZE, cachedModules, compileElementwise } from '../../src/cpu/wasm/compile.js';
import { apply, constant, input } from '../../src/cpu/wasm/expr.js';
import { alloc, read, run, upload } from './wasm_helpers.js';

const hex = (b: Bytes) => Buffer.from(b.finish()).toString('hex');

describe('LEB128', () => {
  it('encodes the specification examples', () => {
    // Examples from the DWARF standard / Wikipedia "LEB128": 624485 -> e5 8e 26, -123456 -> c0 bb 78.
    expect(hex(new Bytes().u32(624485))).toBe('e58e26');
    expect(hex(new Bytes().s32(-123456))).toBe('c0bb78');
    expect(hex(new Bytes().u32(0))).toBe('00');
    expect(hex(new Bytes().u32(0xffffffff))).toBe('ffffffff0f');
    expect(hex(new Bytes().s32(-1))).toBe('7f');
    expect(hex(new Bytes().s32(63))).toBe('3f');
    expect(hex(new Bytes().s32(64))).toBe('c000');
    expect(hex(new Bytes().s32(-2147483648))).toBe('8080808078');
  });
});

describe('ModuleBuilder', () => {
  it('builds a valid module whose SIMD function runs', () => {
    const m = new ModuleBuilder();
    const f = m.function('kernel', ['i32', 'f32'], ['f32']);
    // lane 2 of (splat(x) * load(ptr)), with sqrt: exercises memarg, splat, lane immediates
    f.op('local.get', 0).simd('v128.load', 0, 0).op('local.get', 1).simd('f32x4.splat').simd('f32x4.mul').simd('f32x4.sqrt');
    f.simd('f32x4.extract_lane', 2);
    const bytes = m.finish() as Uint8Array<ArrayBuffer>;
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Float32Array(memory.buffer, 16, 4).set([1, 2, 8, 3]);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    expect((inst.exports.kernel as (p: number, x: number) => number)(16, 2)).toBe(4);
  });

  it('rejects wrong immediates', () => {
    const f = new ModuleBuilder().function('k', []);
    expect(() => f.op('local.get')).toThrow(/takes 1 immediates/);
  });
});

describe('WasmHeap', () => {
  it('allocates 16-byte aligned, non-overlapping buffers and reuses freed ones', () => {
    const heap = new WasmHeap(1);
    const a = alloc(heap, 'float32', 3);
    const b = alloc(heap, 'int32', 5);
    expect(a.offset % 16).toBe(0);
    expect(b.offset % 16).toBe(0);
    expect(b.offset).toBeGreaterThanOrEqual(a.offset + 12);
    heap.release(a);
    const c = alloc(heap, 'uint32', 4); // same size class as 3 floats (16 bytes)
    expect(c.offset).toBe(a.offset);
    expect(() => a.view()).toThrow(/freed/);
    expect(() => heap.release(a)).toThrow(/double free/);
  });

  it('keeps data and re-creates views when the memory grows', () => {
    const heap = new WasmHeap(1);
    const a = upload(heap, Float32Array.of(1.5, -2, 3));
    const before = a.view();
    const big = alloc(heap, 'float32', 1 << 20); // forces growth, detaching `before`
    expect(before.length).toBe(0);
    expect(Array.from(a.view())).toEqual([1.5, -2, 3]);
    big.view()[5] = 7;
    expect(read(big)[5]).toBe(7);
    expect(heap.memory.buffer.byteLength).toBeGreaterThanOrEqual(4 << 20);
  });

  it('rounds sizes to classes of at most 25% waste', () => {
    for (const bytes of [1, 16, 17, 100, 4096, 4097, 1 << 24, (1 << 24) + 4, 12345678]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c % 16).toBe(0);
      if (bytes > 64) expect(c).toBeLessThanOrEqual(bytes * 1.25);
    }
  });
});

describe('module cache', () => {
  it('shares a module across constant values and stays bounded', () => {
    const heap = new WasmHeap(1);
    const x = input(0);
    const k1 = compileElementwise(apply('mul', [x, constant(0.5)], 'float32'), heap);
    const k2 = compileElementwise(apply('mul', [x, constant(0.25)], 'float32'), heap);
    if (!('kernel' in k1) || !('kernel' in k2)) throw new Error('expected kernels');
    expect(k1.kernel.key).toBe(k2.kernel.key);
    expect(cachedModules(heap)).toBe(1);
    const xb = upload(heap, Float32Array.of(1, 2, 3));
    const out = alloc(heap, 'float32', 3);
    run(k2.kernel, [xb], out);
    expect(Array.from(read(out))).toEqual([0.25, 0.5, 0.75]);
    run(k1.kernel, [xb], out);
    expect(Array.from(read(out))).toEqual([0.5, 1, 1.5]);

    // distinct structures: the cache keeps at most CACHE_SIZE modules
    let e = x;
    for (let k = 0; k < CACHE_SIZE + 10; k++) {
      e = apply('add', [e, x], 'float32');
      compileElementwise(e, heap);
    }
    expect(cachedModules(heap)).toBe(CACHE_SIZE);
  });
});
