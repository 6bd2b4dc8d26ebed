// `laxflow` command line: stream statistics over NDJSON/CSV records, resumable.
//
// The input is read in batches of lines; each batch is one emission into the laxflow/rx
// operator (one schedule), its outputs are written, then the checkpoint (operator
// snapshot, input line and byte, output bytes, malformed count) is replaced atomically.
// A restarted run with the same --checkpoint skips what was done; with --out, it also
// truncates the output to the checkpointed length first, so the total output is exactly
// that of an uninterrupted run even after a kill at any moment. (Writing to stdout, a
// kill between a batch's output and its checkpoint repeats that batch.) The checkpoint says
// what it belongs to (checkpoint.ts): a resume with other options, another input or a
// shorter output is refused, naming the difference.

import { createReadStream, existsSync, openSync, ftruncateSync, statSync, writeSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Subject } from 'rxjs';
import { stepOperator } from '../rx.js';
import { parseArgs, usage, type CliArgs } from './args.js';
import { beforeHash, inputIdentity, loadCheckpoint, optionsOf, resumeProblem, saveCheckpoint, type Checkpoint, type InputIdentity } from './checkpoint.js';
import { cliStep, f32json } from './operators.js';
import { csvParser, parseNdjson, readLines, type Line, type Parsed } from './lines.js';

/**
 * Files named on the command line, checked before anything runs: the input exists and is a
 * file, --out's directory exists and --out is not a directory, --checkpoint is not a
 * directory and can be made. Returns the problem, or undefined.
 */
function fileProblem(a: CliArgs): string | undefined {
  if (a.input !== undefined) {
    if (!existsSync(a.input)) return `input file ${a.input} does not exist`;
    if (statSync(a.input).isDirectory()) return `input ${a.input} is a directory; give a file`;
  }
  for (const [f, path] of [['--out', a.out], ['--checkpoint', a.checkpoint]] as const) {
    if (path === undefined) continue;
    if (existsSync(path) && statSync(path).isDirectory()) return `${f} ${path} is a directory; give a file name`;
    const dir = dirname(resolve(path));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return `cannot write ${f} ${path}: the directory ${dir} does not exist`;
  }
  return undefined;
}

/**
 * Event time: one emission (a chunk of records) through the operator; resolves with every
 * output the operator delivered for it (records released by the watermark, closed windows),
 * once its batch is done (the operator's checkpoint after each batch). `end` completes the
 * input and resolves with what the completion released.
 */
function timedFeeder(make: (onCheckpoint: () => void) => ReturnType<typeof stepOperator>) {
  const subject = new Subject<unknown>();
  const outs: unknown[] = [];
  let waiting: { resolve: (v: unknown[]) => void; reject: (e: unknown) => void } | undefined;
  let failed: unknown;
  let done = false;
  const settle = () => {
    const w = waiting;
    waiting = undefined;
    w?.resolve(outs.splice(0).flatMap((o) => (Array.isArray(o) ? o : [o])));
  };
  const op = make(settle);
  subject.pipe(op).subscribe({
    next: (v) => void outs.push(v),
    error: (e) => {
      failed = e;
      waiting?.reject(e);
    },
    complete: () => ((done = true), settle()),
  });
  const send = (emission: unknown | null) =>
    new Promise<unknown[]>((resolve, reject) => {
      if (failed) return reject(failed);
      waiting = { resolve, reject };
      if (emission === null) subject.complete();
      else subject.next(emission);
      if (done) settle();
    });
  return { op, send: (emission: unknown) => send(emission), end: () => send(null) };
}

/** Run one emission through the operator and wait for its output (outputs mirror inputs). */
function feeder(op: ReturnType<typeof stepOperator>) {
  const subject = new Subject<unknown>();
  const waiting: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  let failed: unknown;
  subject.pipe(op).subscribe({
    next: (v) => waiting.shift()?.resolve(v),
    error: (e) => {
      failed = e;
      for (const w of waiting.splice(0)) w.reject(e);
    },
  });
  return (emission: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      if (failed) return reject(failed);
      waiting.push({ resolve, reject });
      subject.next(emission);
    });
}

export async function main(argv: readonly string[]): Promise<number> {
  let a: CliArgs;
  try {
    a = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (a.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let step: ReturnType<typeof cliStep>;
  let resume: Checkpoint | undefined;
  let identity: InputIdentity;
  const outPath = a.out === undefined ? null : resolve(a.out);
  try {
    const problem = fileProblem(a);
    if (problem) throw new Error(problem);
    step = cliStep(a);
    identity = inputIdentity(a.input);
    resume = loadCheckpoint(a.checkpoint);
    const why = resume && resumeProblem(resume, a, identity, outPath);
    if (why) throw new Error(`cannot resume from --checkpoint ${a.checkpoint}: ${why}; remove it to start over`);
  } catch (e) {
    process.stderr.write(`laxflow: ${(e as Error).message}\n`);
    return 2;
  }
  const columns = a.values.length;
  const xShape = columns > 1 ? [columns] : [];
  let late = 0;
  // On event time the records go in as { key?, t, value } records (the parsed line and its
  // number ride along) and come out when the watermark releases them.
  const eventTime = step.time === true || a.maxLateness !== undefined;
  const base = { xShape, maxBatch: a.batch, maxQueue: Math.max(a.batch, 1 << 20), state: resume?.snapshot };
  let timed: ReturnType<typeof timedFeeder> | undefined;
  let op: ReturnType<typeof stepOperator>;
  let outFd: number;
  try {
    timed = eventTime
      ? timedFeeder((onCheckpoint) =>
          stepOperator(step, {
            ...base,
            keyed: true,
            maxLateness: a.maxLateness,
            late: (r, e) => {
              late++;
              process.stderr.write(`laxflow: line ${(r as { line: number }).line}: late record at t=${new Date(e.t).toISOString()}, ${(e.watermark - e.t) / 1000} s behind the watermark ${new Date(e.watermark).toISOString()} (raise --max-lateness)\n`);
            },
            onCheckpoint,
          }),
        )
      : undefined;
    op = timed?.op ?? stepOperator(step, { ...base, keyed: a.key !== undefined });
  } catch (e) {
    process.stderr.write(`laxflow: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    outFd = a.out ? openSync(a.out, resume ? 'r+' : 'w') : 1;
  } catch (e) {
    process.stderr.write(`laxflow: cannot write --out ${a.out}: ${(e as Error).message}\n`);
    return 2;
  }
  const run = feeder(op);
  let timeStrings: boolean | undefined; // window starts are written as the input's times were

  let outBytes = resume?.outBytes ?? 0;
  if (a.out && resume) ftruncateSync(outFd, outBytes);
  const outPos = () => (a.out ? outBytes : null);
  const input = a.input ? createReadStream(a.input, { start: a.input && resume ? resume.byte : 0 }) : process.stdin;
  let skip = a.input ? 0 : (resume?.line ?? 0); // stdin cannot seek: skip the lines already done
  const format = a.format ?? (a.input?.endsWith('.csv') ? 'csv' : a.input?.endsWith('.ndjson') || a.input?.endsWith('.jsonl') ? 'ndjson' : undefined);
  let header = resume?.header;
  let parse: ((text: string) => Parsed) | undefined = format === 'ndjson' ? (t) => parseNdjson(t, a) : undefined;
  let malformed = resume?.malformed ?? 0;
  let line = resume?.line ?? 0;
  let byte = resume?.byte ?? 0;
  const started = Date.now();
  let records = 0;
  const progress = process.stderr.isTTY ? setInterval(() => process.stderr.write(`\rlaxflow: line ${line}, ${records} records, ${Math.round(records / ((Date.now() - started) / 1000 || 1))} records/s, ${malformed} malformed `), 250) : undefined;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  let batch: { line: Line; rec: Parsed }[] = [];
  let lastLine: Line | undefined;
  const write = (lines: string[]) => {
    const bytes = Buffer.from(lines.join(''));
    writeSync(outFd, bytes, 0, bytes.length, outPos());
    outBytes += bytes.length;
  };
  const flush = async () => {
    if (batch.length && timed) {
      write(rowsOf(await timed.send(batch.map(({ line: l, rec }) => ({ ...(rec.key !== undefined ? { key: rec.key } : {}), t: rec.t, value: valueOf(rec), line: l.no, rec })))));
      records += batch.length;
    } else if (batch.length) {
      const outs = await compute(batch);
      const text = outs.join('');
      const bytes = Buffer.from(text);
      writeSync(outFd, bytes, 0, bytes.length, outPos());
      outBytes += bytes.length;
      records += batch.length;
    }
    if (lastLine) (line = lastLine.no), (byte = lastLine.end);
    batch = [];
    if (a.checkpoint) save();
  };
  const save = () => saveCheckpoint(a.checkpoint!, { options: optionsOf(a), input: identity, out: outPath, snapshot: op.snapshot(), line, byte, before: beforeHash(a.input, byte), outBytes, malformed, header });
  const valueOf = (rec: Parsed) => (columns > 1 ? Float32Array.from(rec.values) : Number.isNaN(rec.values[0]) ? null : rec.values[0]);
  // One output line per record: one value column gives `value` and a field per --op; several
  // give per column NAME and NAME_OP. `y(op, c)` is the statistic of column c.
  const row = (rec: Parsed, y: (op: string, c: number) => number) => {
    const o: Record<string, unknown> = {};
    if (rec.key !== undefined) o.key = rec.key;
    if (rec.t !== undefined) o.t = rec.t;
    if (columns === 1) {
      o.value = f32json(Math.fround(rec.values[0]));
      for (const n of a.ops) o[n] = f32json(y(n, 0));
    } else {
      a.values.forEach((col, c) => {
        o[col] = f32json(Math.fround(rec.values[c]));
        for (const n of a.ops) o[`${col}_${n}`] = f32json(y(n, c));
      });
    }
    return `${JSON.stringify(o)}\n`;
  };
  /** Event-time outputs: records (with their parsed line) or resample windows. */
  const rowsOf = (outs: unknown[]): string[] =>
    outs.map((out) => {
      const o = out as { key?: string | number; t: number; rec?: Parsed; value: Record<string, number | Float32Array> };
      const stat = (n: string, c: number) => (columns > 1 ? (o.value[n] as Float32Array)[c] : (o.value[n] as number));
      if (o.rec) return row(o.rec, stat);
      const w: Record<string, unknown> = {};
      if (o.key !== undefined) w.key = o.key;
      w.t = timeStrings ? new Date(o.t).toISOString() : o.t;
      for (const n of a.stats) {
        if (columns === 1) w[n] = f32json(stat(n, 0));
        else a.values.forEach((col, c) => (w[`${col}_${n}`] = f32json(stat(n, c))));
      }
      return `${JSON.stringify(w)}\n`;
    });
  const compute = async (b: { line: Line; rec: Parsed }[]): Promise<string[]> => {
    if (a.key !== undefined) {
      const outs = (await run(b.map(({ rec }) => ({ key: rec.key!, value: valueOf(rec) })))) as { value: Record<string, number | Float32Array> }[];
      return outs.map((o, i) => row(b[i].rec, (n, c) => (columns > 1 ? (o.value[n] as Float32Array)[c] : (o.value[n] as number))));
    }
    const ys = (await run(Float32Array.from(b.flatMap(({ rec }) => rec.values)))) as Record<string, Float32Array>;
    return b.map(({ rec }, i) => row(rec, (n, c) => ys[n][i * columns + c]));
  };

  try {
    if (header !== undefined) parse = csvParser(header, a);
    for await (const l of readLines(input, a.input ? line : 0, a.input ? byte : 0)) {
      if (skip > 0) {
        skip--;
        continue;
      }
      lastLine = l;
      if (l.text.trim() === '') continue;
      if (!parse) {
        const csv = format === 'csv' || (format === undefined && !l.text.trimStart().startsWith('{'));
        if (csv) {
          header = l.text;
          parse = csvParser(header, a);
          continue;
        }
        parse = (t) => parseNdjson(t, a);
      }
      try {
        const rec = parse(l.text);
        if (timed && typeof rec.t === 'string') timeStrings ??= true;
        batch.push({ line: l, rec });
      } catch (e) {
        malformed++;
        process.stderr.write(`laxflow: line ${l.no}: ${(e as Error).message}\n`);
      }
      if (batch.length >= a.batch) await flush();
      if (stop) break;
    }
    await flush();
    if (timed && !stop) {
      // the end of the input releases what waits for the watermark and closes every window
      write(rowsOf(await timed.end()));
      if (a.checkpoint) save();
    }
  } catch (e) {
    process.stderr.write(`laxflow: ${(e as Error).message}\n`);
    return 1;
  } finally {
    if (progress) clearInterval(progress), process.stderr.write('\n');
    if (a.out) closeSync(outFd);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (malformed) process.stderr.write(`laxflow: ${malformed} malformed line${malformed === 1 ? '' : 's'} skipped\n`);
  if (late) process.stderr.write(`laxflow: ${late} late line${late === 1 ? '' : 's'} skipped (behind the watermark)\n`);
  return stop ? 130 : 0;
}
