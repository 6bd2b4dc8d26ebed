// A kernel's WGSL with some of its buffers in bindings of their own, for programs whose
// buffers together exceed what one binding may hold (maxStorageBufferBindingSize; runtime.ts
// packs a program into one arena binding whenever it fits, and otherwise moves its largest
// arrays out of the arena until the rest fits).
//
// Every renderer spells memory as `mem[offs[s] + i]` (or `mem[offs[s]]`): element i of the
// buffer in meta slot s, at arena offset offs[s]. A slot bound separately lives at offset 0
// of its own binding `mem{s}`, so the access is `mem{s}[i]`; slots holding the same buffer
// share the first one's binding (WebGPU forbids two writable bindings of one buffer in a
// dispatch). `arrayLength(&mem)` serves the renderers as a large number the compiler cannot
// see through (wgsl_writer.ts, opaqueBound/opaqueCount), which a shrunken arena no longer
// is: here it is arrayLength(&offs) | 2^30.

const ARENA_DECL = '@group(0) @binding(0) var<storage, read_write> mem: array<u32>;';

/** The WGSL binding number of slot binding `b` (binding 1 stays the meta words `offs`). */
export const slotBinding = (b: number) => 2 + b;

export interface SplitKernel {
  code: string;
  /** Separate slots whose binding the code uses (each the first slot of its buffer), ascending. */
  slots: number[];
  /** Whether the code still uses the arena (binding 0) and the meta words (binding 1). */
  usesArena: boolean;
  usesMeta: boolean;
}

/**
 * `code` (one arena binding) with the slots `separate` says bound separately; `sameAs[s]` is
 * the first slot holding the buffer of slot s.
 */
export function splitBindings(code: string, sameAs: readonly number[], separate: (slot: number) => boolean): SplitKernel {
  if (!code.includes(ARENA_DECL)) throw new Error('internal error: a kernel without the arena binding');
  const used = new Set<number>();
  const slot = (s: string, whole: string, rest: string) => {
    const b = sameAs[Number(s)];
    if (b === undefined) throw new Error(`internal error: a kernel reads meta slot ${s}, which it does not have`);
    if (!separate(b)) return whole;
    used.add(b);
    return `mem${b}[${rest}`;
  };
  let body = code
    .replace(/mem\[offs\[(\d+)\]\]/g, (whole, s: string) => slot(s, whole, '0]'))
    .replace(/mem\[offs\[(\d+)\] \+ /g, (whole, s: string) => slot(s, whole, ''))
    .replace(/arrayLength\(&mem\)/g, '(arrayLength(&offs) | 0x40000000u)');
  const slots = [...used].sort((a, b) => a - b);
  const decls = slots.map((b) => `@group(0) @binding(${slotBinding(b)}) var<storage, read_write> mem${b}: array<u32>;`);
  body = body.replace(ARENA_DECL, [ARENA_DECL, ...decls].join('\n'));
  const uses = (name: string) => body.split('\n').some((line) => !line.startsWith('@group(0)') && new RegExp(`\\b${name}\\b`).test(line));
  return { code: body, slots, usesArena: uses('mem'), usesMeta: uses('offs') };
}
