// Benchmark harness: a registry of cases x columns, a timer, a cross-checker, a table printer and a
// Markdown writer. Benchmarks are scripts (`npm run bench`), never timed tests.
//
// Vocabulary
// - A *column* is an implementation family (plain JS, laxflow on CPU, jax-js, tfjs-cpu, ...). Its
//   definition (bench/columns.ts) loads the library once and yields a context (the module), or
//   throws: then every cell of the column prints `n/a (reason)`.
// - A *case* (bench/cases/*.ts) is one computation: it makes the input data once, and for each
//   column id gives an `Impl` that uploads inputs (untimed) and returns a `run()` closure that
//   does the compute and reads the result back to a typed array (timed).
// - Every cell is cross-checked against the `js` cell of its case before it is timed; a cell whose
//   first result is outside the tolerance is reported as WRONG and never timed.
// - Columns run one after the other in registry order, each loaded just before its first cell
//   (see `runCases` for why `js` and `laxflow-cpu` must come before the wasm-based peers).
//
// Adding a column: add its context type to `ColumnContexts` and its definition to `columns` in
// bench/columns.ts, then an `impls[id]` entry in the cases that support it (cells without an
// entry print `n/a (no impl)`); a column for the same library on another device can reuse
// another column's entries with `implsOf` (e.g. laxflow-webgpu runs the laxflow-cpu code).
// Adding a case: write bench/cases/NAME.ts exporting `defineCase({...})` and list it in
// bench/cases/index.ts.

import type { ColumnContexts, ColumnId } from './columns.js';

/** What a run returns: the computed result, read back to host memory. */
export type Output = ArrayLike<number> | number;

/** A prepared cell: inputs uploaded, ready to run repeatedly. */
export interface Prepared {
  /** The timed region: compute + read back. Must not mutate the case inputs. */
  run(): Output | Promise<Output>;
  /**
   * Untimed, called before every run (the first included). For libraries that memoize results
   * (laxflow hash-conses graphs and keeps realized values), make fresh input handles here so that
   * each run really computes: re-running an identical graph on the same input nodes would only
   * read a cached buffer.
   */
  reset?(): void | Promise<void>;
  /** Frees what `prepare` made (tensors, jit caches). Untimed. */
  dispose?(): void | Promise<void>;
}

export type PrepareFn<I, C> = (inputs: I, ctx: C) => Prepared | Promise<Prepared>;

/**
 * A cross-check that replaces the elementwise one, for a cell that computes the same thing by a
 * different method (another random generator: same distribution, other samples). Returns null
 * when `got` passes against the js reference, else a short description of the mismatch.
 */
export type CrossCheck = (got: Float64Array, ref: Float64Array) => string | null;

/**
 * One cell's implementation: either a preparer (optionally with a note on its formulation and
 * its own cross-check) or `n/a`.
 */
export type Impl<I, C> = { prepare: PrepareFn<I, C>; note?: string; check?: CrossCheck } | { na: string };

export const impl = <I, C>(prepare: PrepareFn<I, C>, note?: string, check?: CrossCheck): Impl<I, C> => ({
  prepare,
  ...(note === undefined ? {} : { note }),
  ...(check === undefined ? {} : { check }),
});
export const na = (reason: string): { na: string } => ({ na: reason });

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface BenchCase<I> {
  /** Short id used on the command line (`--only=fused,sum`). */
  id: string;
  /** Row label in the tables. */
  title: string;
  /** One line on what is computed and on what data. */
  description: string;
  /** Makes the input data once per run of the case (deterministic). */
  makeInputs(): I;
  /** Cross-check tolerance against the `js` column: |got - ref| <= atol + rtol * |ref|. */
  tolerance: Tolerance | ((ref: Float64Array) => Tolerance);
  /** A target ratio (time / js time) for one column, printed as a final PASS/MISS line. */
  target?: { column: ColumnId; maxRatio: number };
  impls: { [K in ColumnId]?: Impl<I, ColumnContexts[K]> };
}

/** Type-erased case, as stored in the registry. */
export type AnyCase = BenchCase<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const defineCase = <I>(c: BenchCase<I>): AnyCase => c as AnyCase;

export interface ColumnDef<K extends ColumnId> {
  id: K;
  /** One line for the docs: library, backend, how it is driven. */
  description: string;
  /** Loads the library once; throws (with a short message) when it is not available. */
  load(): Promise<ColumnContexts[K]>;
  /** Called before each cell of this column (e.g. `tf.setBackend`). */
  activate?(ctx: ColumnContexts[K]): Promise<void> | void;
  /**
   * Use the cases' implementations for another column with the same context (the library on
   * another device: `laxflow-webgpu` runs the `laxflow-cpu` code after `activate` picks WebGPU).
   * A case's own `impls[id]` entry, if any, wins.
   */
  implsOf?: ColumnId;
}

export type AnyColumn = { [K in ColumnId]: ColumnDef<K> }[ColumnId];

// ---------------------------------------------------------------------------------------------
// Timing

export interface TimingOptions {
  /** Aimed-at total time of the timed repetitions of one cell, in ms. */
  targetMs: number;
  minReps: number;
  maxReps: number;
  /** Warm-up: at least this many runs (the cross-check run included) ... */
  warmupRuns: number;
  /** ... or until this much time has gone into warm-up, whichever is later (capped by the runs' own length). */
  warmupMs: number;
  /** A run slower than this after warm-up gets only `slowReps` timed repetitions (marked `~`). */
  slowRunMs: number;
  slowReps: number;
}

export const defaultTiming: TimingOptions = { targetMs: 1000, minReps: 5, maxReps: 2000, warmupRuns: 3, warmupMs: 250, slowRunMs: 2500, slowReps: 2 };
export const quickTiming: TimingOptions = { targetMs: 150, minReps: 5, maxReps: 200, warmupRuns: 2, warmupMs: 50, slowRunMs: 1000, slowReps: 1 };

const gc = (globalThis as { gc?: () => void }).gc;
export const hasGc = typeof gc === 'function';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile of `xs` (the element at rank floor(p% of n)); NaN for none. */
export const percentile = (xs: readonly number[], p: number): number => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);

/** The number after `--name` on the command line, else `dflt`. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

/**
 * One event-loop turn. A real program returns to the event loop between requests; a loop of
 * awaits on settled promises never does, and then V8 frees no dead ArrayBuffer's memory and
 * runs no FinalizationRegistry callback until the loop ends, so every library that allocates
 * per run (all but the plain loop) would time page faults on fresh memory instead of its work.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function timeOnce(p: Prepared): Promise<[number, Output]> {
  await turn(); // untimed, for every column alike
  await p.reset?.();
  const t0 = performance.now();
  const out = await p.run();
  return [performance.now() - t0, out];
}

export interface Timing {
  medianMs: number;
  minMs: number;
  reps: number;
  /** True when the cell was too slow for `minReps` repetitions. */
  approx: boolean;
}

/** Warm-up (the first run is returned for the cross-check), then adaptive timed repetitions. */
export async function measure(p: Prepared, opts: TimingOptions, check: (first: Output) => void): Promise<Timing> {
  const [t1, first] = await timeOnce(p);
  check(first);
  // Warm-up runs after the first (which pays for compilation) estimate the time of one run.
  const warm: number[] = [];
  let spent = t1;
  for (;;) {
    const runs = warm.length + 1;
    if (runs >= 2 && warm.at(-1)! > opts.slowRunMs) break; // slow: one warm run is enough
    if (runs >= opts.warmupRuns && spent >= opts.warmupMs) break;
    const [t] = await timeOnce(p);
    warm.push(t);
    spent += t;
  }
  const estimate = warm.length > 0 ? median(warm) : t1;
  const approx = estimate > opts.slowRunMs;
  const reps = approx ? opts.slowReps : Math.min(opts.maxReps, Math.max(opts.minReps, Math.ceil(opts.targetMs / Math.max(estimate, 1e-3))));
  gc?.();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push((await timeOnce(p))[0]);
  return { medianMs: median(times), minMs: Math.min(...times), reps, approx };
}

// ---------------------------------------------------------------------------------------------
// Cross-check

export function toFloat64(o: Output): Float64Array {
  if (typeof o === 'number') return Float64Array.of(o);
  return Float64Array.from(o);
}

export interface Comparison {
  /** null when every element is within tolerance, else a short description of the mismatch. */
  mismatch: string | null;
  maxAbsErr: number;
  /** max |got - ref| / max |ref|, a scale-free summary for the log */
  relErr: number;
}

export function compare(got: Float64Array, ref: Float64Array, tol: Tolerance): Comparison {
  if (got.length !== ref.length) return { mismatch: `length ${got.length} != ${ref.length}`, maxAbsErr: NaN, relErr: NaN };
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  let maxErr = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i]! - ref[i]!);
    if (!(err <= tol.atol + tol.rtol * Math.abs(ref[i]!))) {
      // NaN lands here too
      bad++;
      const excess = Number.isNaN(err) ? Infinity : err / (tol.atol + tol.rtol * Math.abs(ref[i]!));
      if (worst < 0 || excess > worstExcess) [worst, worstExcess] = [i, excess];
    }
    if (err > maxErr) maxErr = err;
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  const relErr = maxRef > 0 ? maxErr / maxRef : maxErr;
  if (bad === 0) return { mismatch: null, maxAbsErr: maxErr, relErr };
  return {
    mismatch: `${bad}/${ref.length} off; worst [${worst}] got ${got[worst]} want ${ref[worst]}; max abs err ${maxErr.toPrecision(3)}`,
    maxAbsErr: maxErr,
    relErr,
  };
}

// ---------------------------------------------------------------------------------------------
// Running the registry

export type Cell =
  | { kind: 'time'; timing: Timing; note?: string; relErr?: number }
  | { kind: 'na'; reason: string }
  | { kind: 'wrong'; reason: string; note?: string };

export interface CaseResult {
  case: AnyCase;
  cells: Map<ColumnId, Cell>;
  /** The target's column against `js`, measured interleaved (`pairedTiming`). */
  paired?: Paired;
}

/** Medians of the js cell and the target column's cell, measured interleaved (`pairedTiming`). */
export interface Paired {
  jsMs: number;
  colMs: number;
  runs: number;
}

export interface RunOptions {
  timing: TimingOptions;
  log: (line: string) => void;
}

const errMessage = (e: unknown) => {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 200);
};

/** A case's implementation for a column (its own, or the one it borrows with `implsOf`). */
const implOf = (c: AnyCase, col: AnyColumn): Impl<unknown, unknown> | undefined =>
  (c.impls[col.id] ?? (col.implsOf === undefined ? undefined : c.impls[col.implsOf])) as Impl<unknown, unknown> | undefined;

/**
 * Runs column by column, in registry order (`js` first), loading each column's library only right
 * before its first cell. Order matters in V8: once a process has detached an ArrayBuffer (a
 * `WebAssembly.Memory.grow`, a transfer; importing @tensorflow/tfjs-core has the same effect),
 * optimized code for every typed-array loop gets slower (about 2x on a plain sum) for the rest of
 * the process. Running `js` and `laxflow-cpu` before any peer is loaded keeps them in the normal
 * regime whatever columns are selected; `--detached` puts every column in the slow regime.
 */
export async function runCases(cases: readonly AnyCase[], columns: readonly AnyColumn[], opts: RunOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = cases.map((c) => ({ case: c, cells: new Map<ColumnId, Cell>() }));
  const inputs = new Map<AnyCase, unknown>();
  const refs = new Map<AnyCase, { ref: Float64Array; tol: Tolerance }>();
  const contexts = new Map<ColumnId, unknown>();
  for (const col of columns) {
    let ctx: unknown;
    let loadError: string | null = null;
    try {
      ctx = await col.load();
    } catch (e) {
      loadError = errMessage(e);
    }
    opts.log(`${col.id}${loadError === null ? '' : `: n/a (${loadError})`}`);
    for (const r of results) {
      const c = r.case;
      const entry = implOf(c, col);
      const checked = refs.get(c);
      let cell: Cell;
      if (loadError !== null) cell = { kind: 'na', reason: loadError };
      else if (entry === undefined) cell = { kind: 'na', reason: 'no impl' };
      else if ('na' in entry) cell = { kind: 'na', reason: entry.na };
      else if (col.id !== 'js' && checked === undefined) cell = { kind: 'na', reason: 'no js reference to check against' };
      else {
        if (!inputs.has(c)) inputs.set(c, c.makeInputs());
        const note = entry.note !== undefined ? { note: entry.note } : {};
        let prepared: Prepared | null = null;
        try {
          await (col.activate as ((ctx: unknown) => Promise<void> | void) | undefined)?.(ctx);
          prepared = await entry.prepare(inputs.get(c), ctx);
          let relErr: number | undefined;
          const timing = await measure(prepared, opts.timing, (first) => {
            const got = toFloat64(first);
            if (checked === undefined) {
              refs.set(c, { ref: got, tol: typeof c.tolerance === 'function' ? c.tolerance(got) : c.tolerance });
            } else {
              if (entry.check !== undefined) {
                const mismatch = entry.check(got, checked.ref);
                if (mismatch !== null) throw new WrongResult(mismatch);
                return;
              }
              const cmp = compare(got, checked.ref, checked.tol);
              if (cmp.mismatch !== null) throw new WrongResult(cmp.mismatch);
              relErr = cmp.relErr;
            }
          });
          cell = { kind: 'time', timing, ...note, ...(relErr !== undefined ? { relErr } : {}) };
        } catch (e) {
          cell = e instanceof WrongResult ? { kind: 'wrong', reason: e.message, ...note } : { kind: 'na', reason: errMessage(e) };
        } finally {
          try {
            await prepared?.dispose?.();
          } catch (e) {
            opts.log(`  ${c.id}: dispose failed: ${errMessage(e)}`);
          }
        }
      }
      r.cells.set(col.id, cell);
      if (loadError === null) opts.log(`  ${c.id.padEnd(8)} ${describeCell(cell, r.cells.get('js'))}`);
      gc?.();
    }
    if (loadError === null) contexts.set(col.id, ctx);
    // Targets are also measured with js and the target column interleaved, right after that
    // column (before the next library loads): on a shared VM the machine's speed drifts
    // between columns measured minutes apart, by up to 2x. A target passes when the table's
    // ratio and the interleaved one both meet it.
    for (const r of results) {
      if (r.case.target?.column !== col.id || r.cells.get(col.id)?.kind !== 'time' || r.cells.get('js')?.kind !== 'time') continue;
      const jsCol = columns.find((k) => k.id === 'js')!;
      try {
        r.paired = await pairedTiming(r.case, inputs.get(r.case), [jsCol, contexts.get('js')], [col, ctx], opts.timing);
        opts.log(`  ${r.case.id.padEnd(8)} interleaved with js: ${fmtMs(r.paired.colMs)} vs ${fmtMs(r.paired.jsMs)} (${fmtRatio(r.paired.colMs / r.paired.jsMs)}), ${r.paired.runs} runs each`);
      } catch (e) {
        opts.log(`  ${r.case.id}: interleaved timing failed: ${errMessage(e)}`);
      }
    }
  }
  return results;
}

/**
 * The js cell and another column's cell of case `c`, run in alternating blocks of BLOCK runs
 * (which goes first alternates too), at least 6 blocks each and about 2 x `targetMs` in all,
 * each block after a full garbage collection (with --expose-gc): medians of each. Both then
 * see the same drift of the machine's speed.
 */
/** Runs per turn of a cell in `pairedTiming`. */
const BLOCK = 5;

async function pairedTiming(c: AnyCase, inputs: unknown, a: [AnyColumn, unknown], b: [AnyColumn, unknown], opts: TimingOptions): Promise<Paired> {
  const prepared: Prepared[] = [];
  try {
    for (const [col, ctx] of [a, b]) {
      const entry = implOf(c, col);
      if (entry === undefined) throw new Error('no impl');
      if ('na' in entry) throw new Error(entry.na);
      await (col.activate as ((ctx: unknown) => Promise<void> | void) | undefined)?.(ctx);
      const p = await entry.prepare(inputs, ctx);
      prepared.push(p);
      for (let i = 0; i < opts.warmupRuns; i++) await timeOnce(p);
    }
    const times: [number[], number[]] = [[], []];
    let spent = 0;
    gc?.();
    for (let round = 0; round < 6 || (spent < 2 * opts.targetMs && round < opts.maxReps); round++) {
      for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
        gc?.(); // the garbage of one cell's runs is not collected during the other's
        for (let i = 0; i < BLOCK; i++) {
          const [t] = await timeOnce(prepared[k]!);
          times[k]!.push(t);
          spent += t;
        }
      }
    }
    return { jsMs: median(times[0]), colMs: median(times[1]), runs: times[0].length };
  } finally {
    for (const p of prepared) await p.dispose?.();
  }
}

/** Detaches a throwaway ArrayBuffer: puts the process in the slow typed-array regime (see runCases). */
export function detachArrayBuffer(): void {
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}

class WrongResult extends Error {}

// ---------------------------------------------------------------------------------------------
// Formatting

export function fmtMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 0.01) return `${ms.toFixed(3)} ms`;
  return `${(ms * 1000).toFixed(2)} µs`;
}

export const fmtRatio = (r: number) => (r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`);

export function ratioOf(cell: Cell | undefined, js: Cell | undefined): number | null {
  if (cell?.kind !== 'time' || js?.kind !== 'time') return null;
  return cell.timing.medianMs / js.timing.medianMs;
}

function describeCell(cell: Cell, js: Cell | undefined): string {
  if (cell.kind === 'na') return `n/a (${cell.reason})`;
  if (cell.kind === 'wrong') return `WRONG (${cell.reason})`;
  const r = ratioOf(cell, js);
  return `${fmtMs(cell.timing.medianMs)}${cell.timing.approx ? '~' : ''}${r === null ? '' : ` (${fmtRatio(r)})`}  [${cell.timing.reps} reps, min ${fmtMs(cell.timing.minMs)}${cell.relErr !== undefined ? `, err ${cell.relErr.toExponential(1)}` : ''}]`;
}

const shortReason = (r: string, max = 48) => (r.length <= max ? r : `${r.slice(0, max - 1)}…`);

/** Table cell text: `12.3 ms (0.52x)`, `n/a (reason)` or `WRONG`. Notes are referenced as `[n]`. */
function cellText(cell: Cell, js: Cell | undefined, noteRef: (note: string) => string, reasonMax: number): string {
  if (cell.kind === 'na') return `n/a (${shortReason(cell.reason, reasonMax)})`;
  const mark = cell.note !== undefined ? ` ${noteRef(cell.note)}` : '';
  if (cell.kind === 'wrong') return `WRONG${mark}`;
  const r = ratioOf(cell, js);
  const ratio = r === null ? '' : ` (${fmtRatio(r)})`;
  return `${fmtMs(cell.timing.medianMs)}${cell.timing.approx ? '~' : ''}${ratio}${mark}`;
}

interface TableModel {
  header: string[];
  rows: string[][];
  notes: string[];
  details: string[];
  targets: string[];
}

function buildTable(results: readonly CaseResult[], columns: readonly AnyColumn[], reasonMax: number): TableModel {
  const notes: string[] = [];
  const noteRef = (n: string) => {
    let i = notes.indexOf(n);
    if (i < 0) i = notes.push(n) - 1;
    return `[${i + 1}]`;
  };
  const header = ['benchmark', ...columns.map((c) => c.id)];
  const rows: string[][] = [];
  const details: string[] = [];
  const targets: string[] = [];
  for (const r of results) {
    const js = r.cells.get('js');
    rows.push([r.case.title, ...columns.map((col) => cellText(r.cells.get(col.id)!, js, noteRef, reasonMax))]);
    for (const col of columns) {
      const cell = r.cells.get(col.id)!;
      if (cell.kind === 'wrong') details.push(`${r.case.id} / ${col.id}: WRONG: ${cell.reason}`);
      if (cell.kind === 'na' && cell.reason.length > reasonMax) details.push(`${r.case.id} / ${col.id}: n/a: ${cell.reason}`);
    }
    if (r.case.target) targets.push(targetLine(r));
  }
  return { header, rows, notes, details, targets };
}

export function targetLine(r: CaseResult): string {
  const t = r.case.target!;
  const cell = r.cells.get(t.column);
  const head = `target ${r.case.id.padEnd(8)} ${t.column}: `;
  const want = `target <= ${t.maxRatio}x js`;
  if (cell === undefined) return `${head}not run (${want})`;
  if (cell.kind === 'na') return `${head}n/a (${cell.reason}) (${want})`;
  if (cell.kind === 'wrong') return `${head}WRONG RESULT (${want})`;
  const ratio = ratioOf(cell, r.cells.get('js'));
  if (ratio === null) return `${head}${fmtMs(cell.timing.medianMs)}, no js time to compare (${want})`;
  if (!r.paired) return `${head}${fmtRatio(ratio)} js (${want}) ${ratio <= t.maxRatio ? 'PASS' : 'MISS'}`;
  // judged on the worse of the two measurements
  const { jsMs, colMs, runs } = r.paired;
  const paired = colMs / jsMs;
  const pass = ratio <= t.maxRatio && paired <= t.maxRatio;
  return `${head}${fmtRatio(ratio)} js in the table, ${fmtRatio(paired)} interleaved (${fmtMs(colMs)} vs ${fmtMs(jsMs)}, ${runs} runs each) (${want}) ${pass ? 'PASS' : 'MISS'}`;
}

/** Plain-text table for the terminal. */
export function renderText(results: readonly CaseResult[], columns: readonly AnyColumn[]): string {
  const t = buildTable(results, columns, 48);
  const all = [t.header, ...t.rows];
  const widths = t.header.map((_, j) => Math.max(...all.map((row) => row[j]!.length)));
  const line = (row: string[]) => row.map((s, j) => s.padEnd(widths[j]!)).join(' | ').trimEnd();
  const out = [line(t.header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...t.rows.map(line)];
  out.push('', 'median time per run (ratio = time / js time, lower is better); ~ = too slow for 5 reps');
  t.notes.forEach((n, i) => out.push(`[${i + 1}] ${n}`));
  for (const d of t.details) out.push(d);
  if (t.targets.length > 0) out.push('', ...t.targets);
  return out.join('\n');
}

export interface Environment {
  machine: string[];
  versions: [string, string][];
  command: string;
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|');

/** Markdown rendering of the same table, with the machine and versions. */
export function renderMarkdown(results: readonly CaseResult[], columns: readonly AnyColumn[], env: Environment): string {
  const t = buildTable(results, columns, 60);
  const out: string[] = [];
  out.push('## Machine', '', ...env.machine.map((m) => `- ${m}`), '');
  out.push('## Versions', '', '| package | version |', '| --- | --- |', ...env.versions.map(([n, v]) => `| ${n} | ${v} |`), '');
  out.push('## Columns', '', ...columns.map((c) => `- \`${c.id}\`: ${c.description}`), '');
  out.push('## Benchmarks', '', ...results.map((r) => `- **${r.case.title}** (\`${r.case.id}\`): ${r.case.description}`), '');
  out.push('## Results', '');
  out.push('Median wall time per run; in parentheses the ratio to the `js` column (time / js time, lower is better). `~` marks a cell too slow for 5 repetitions.', '');
  out.push(`| ${t.header.map(mdEscape).join(' | ')} |`, `|${t.header.map((_, j) => (j === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const row of t.rows) out.push(`| ${row.map(mdEscape).join(' | ')} |`);
  out.push('');
  if (t.notes.length > 0 || t.details.length > 0) {
    t.notes.forEach((n, i) => out.push(`${i + 1}. ${n}`));
    if (t.details.length > 0) out.push('', ...t.details.map((d) => `- ${d}`));
    out.push('');
  }
  if (t.targets.length > 0) out.push('## Targets (laxflow)', '', '```', ...t.targets, '```', '');
  out.push(`Command: \`${env.command}\``, '');
  return out.join('\n');
}
