// Loads laxflow from the working tree (../../src/index.js, run through tsx), typed loosely so this
// file type-checks whether or not src/index.ts exists yet and whatever its exact signatures are.
// Only what the benchmark cases call is declared; a missing function shows up at run time as
// `n/a (... is not a function)` in the affected cells.

export interface LfArray {
  readonly shape: readonly number[];
  data(): Promise<ArrayLike<number>>;
  add(b: LfArray | number): LfArray;
  sub(b: LfArray | number): LfArray;
  mul(b: LfArray | number): LfArray;
  div(b: LfArray | number): LfArray;
  reshape(shape: number[]): LfArray;
  at(...index: unknown[]): { add(v: LfArray | number): LfArray };
}

export interface LfNumpy {
  array(data: Float32Array | Int32Array | number): LfArray;
  zeros(shape: number[]): LfArray;
  sqrt(a: LfArray): LfArray;
  sum(a: LfArray, opts?: { axis?: number | number[] }): LfArray;
  cumsum(a: LfArray, opts?: { axis?: number }): LfArray;
  reshape(a: LfArray, shape: number[]): LfArray;
  matmul(a: LfArray, b: LfArray): LfArray;
}

export interface LfRandom {
  key(seed: number): LfArray;
  uniform(key: LfArray, shape: number[]): LfArray;
  normal(key: LfArray, shape: number[]): LfArray;
}

export interface Laxflow {
  /** Make this context's backend the current one (columns share one laxflow module). */
  use(): void;
  np: LfNumpy;
  random: LfRandom;
  lax: { scan(f: (carry: LfArray, x: LfArray) => [LfArray, LfArray], init: LfArray, xs: LfArray): [LfArray, LfArray] };
  vmap(f: (...args: LfArray[]) => LfArray, opts?: { inAxes?: (number | null)[] }): (...args: LfArray[]) => LfArray;
}

/** The specifier is a variable so that TypeScript does not resolve it (src/index.ts may not exist yet). */
const SPEC = '../../src/index.js';
const REALIZE = '../../src/scheduler/realize.js';

/** laxflow on `backend` (one backend instance per context, made current by `use()`). */
export async function loadLaxflow(backend: 'cpu' | 'webgpu' = 'cpu'): Promise<Laxflow> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(SPEC)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('src/index')) throw new Error('src/index.ts not found yet');
    throw new Error(`importing src/index.js failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const np = (mod.np ?? mod.numpy) as LfNumpy | undefined;
  if (np === undefined) throw new Error('src/index.js exports no `np`');
  const init = mod.init as (o: { backend: string; quiet: boolean }) => Promise<string>;
  await init({ backend, quiet: true });
  const realize = (await import(REALIZE)) as { currentBackend(): unknown; setBackend(b: unknown): void };
  const chosen = realize.currentBackend();
  return { use: () => realize.setBackend(chosen), np, random: mod.random as LfRandom, lax: mod.lax as Laxflow['lax'], vmap: mod.vmap as Laxflow['vmap'] };
}
