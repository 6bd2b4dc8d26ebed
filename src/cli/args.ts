// Command-line arguments of `laxflow`: parsing and the usage text. Unknown flags and bad
// numbers are errors with the flag's name, before any input is read.

export interface CliArgs {
  input?: string;
  out?: string;
  format?: 'ndjson' | 'csv';
  key?: string;
  /** The value columns (`--value`, repeated or comma-separated); default ['value']. */
  values: string[];
  time?: string;
  ops: ('ema' | 'sma' | 'var' | 'zscore')[];
  span?: number;
  alpha?: number;
  /** Steps, or a duration ('10s') on event time. */
  halflife?: number | string;
  com?: number;
  adjust: boolean;
  /** Steps, or a duration ('30s') on event time. */
  window: number | string;
  /** Event time (needs --time): how far out of order records may arrive. */
  maxLateness?: string;
  /** Event time: tumbling windows of this length instead of --op. */
  resample?: string;
  stats: string[];
  /** Records a time window holds per key. */
  capacity?: number;
  minPeriods?: number;
  ddof?: number;
  checkpoint?: string;
  batch: number;
  help: boolean;
}

export const usage = `usage: laxflow [FILE] --op ema|sma|var|zscore[,...] [options]

Reads NDJSON or CSV records (FILE, or stdin), runs the operators per key (or over the
whole stream without --key), and writes NDJSON to stdout (or --out FILE).

  --key NAME          field holding the key (per-key state)
  --value NAME[,...]  field(s) holding the values (default: value); with several, each is
                      its own stream and the output fields are NAME and NAME_OP
  --time NAME         field holding the time (epoch ms or ISO-8601; copied to the output
                      as t); with durations below, the statistics run on event time
  --format ndjson|csv default: from the file name, else from the first character
  --op LIST           ema, sma (rolling mean), var (rolling variance), zscore
  --span N | --alpha A | --halflife H|DUR | --com C   ema decay (pandas' definitions; one
                      is required with --op ema; a duration halflife needs --time)
  --adjust true|false ema adjust (default true)
  --window N|DUR      rolling window: N records (default 20) or a duration such as 30s,
                      5min (pandas rolling('30s'); needs --time); --min-periods N; --ddof N
  --capacity N        records one time window holds per key (default 64)
  --max-lateness DUR  put records up to DUR out of order back in order (needs --time);
                      records later than that are reported and skipped
  --resample DUR      tumbling windows of DUR per key (needs --time), instead of --op;
  --stats LIST        their statistics: mean,min,max,count,sum,first,last,var,std
  --checkpoint FILE   save progress after each batch and resume from it after a restart
  --out FILE          output file; with --checkpoint, a resumed run continues it exactly
  --batch N           lines per batch (default 1024)
Malformed and late lines are reported on stderr with their line numbers and counted.
Exit status: 0 done, 1 failed while running, 2 bad arguments, 130 interrupted.`;

const numberFlags = ['span', 'alpha', 'com', 'min-periods', 'ddof', 'batch', 'capacity'] as const;
/** Flags that take a number of steps or a duration. */
const stepsOrDuration = ['window', 'halflife'] as const;
const stringFlags = ['out', 'format', 'key', 'time', 'op', 'checkpoint', 'adjust', 'max-lateness', 'resample', 'stats'] as const;
const isDur = (v: unknown) => typeof v === 'string';
const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

export function parseArgs(argv: readonly string[]): CliArgs {
  const raw: Record<string, string | number> = {};
  const positional: string[] = [];
  const values: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`laxflow: --${name} needs a value`);
    if (name === 'value') values.push(...value.split(','));
    else if ((stepsOrDuration as readonly string[]).includes(name)) raw[camel(name)] = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    else if ((numberFlags as readonly string[]).includes(name)) {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`laxflow: --${name} must be a number, got ${JSON.stringify(value)}`);
      raw[camel(name)] = n;
    } else if ((stringFlags as readonly string[]).includes(name)) raw[camel(name)] = value;
    else throw new Error(`laxflow: unknown option --${name}\n\n${usage}`);
  }
  if (positional.length > 1) throw new Error(`laxflow: give at most one input file, got ${positional.join(', ')}`);
  const ops = String(raw.op ?? '').split(',').filter(Boolean);
  if (raw.resample !== undefined && ops.length) throw new Error('laxflow: give --op or --resample, not both');
  if (!help && ops.length === 0 && raw.resample === undefined) throw new Error(`laxflow: --op (or --resample) is required\n\n${usage}`);
  for (const f of ['window', 'halflife', 'maxLateness', 'resample'] as const) {
    if (isDur(raw[f]) && raw.time === undefined) throw new Error(`laxflow: --${f === 'maxLateness' ? 'max-lateness' : f} ${raw[f]} is on event time: give --time FIELD`);
  }
  if (raw.stats !== undefined && raw.resample === undefined) throw new Error('laxflow: --stats goes with --resample');
  for (const op of ops) if (!['ema', 'sma', 'var', 'zscore'].includes(op)) throw new Error(`laxflow: unknown --op ${op} (use ema, sma, var, zscore)`);
  if (raw.format !== undefined && raw.format !== 'ndjson' && raw.format !== 'csv') throw new Error(`laxflow: --format must be ndjson or csv, got ${raw.format}`);
  if (raw.adjust !== undefined && raw.adjust !== 'true' && raw.adjust !== 'false') throw new Error(`laxflow: --adjust must be true or false, got ${raw.adjust}`);
  const decay = (['span', 'alpha', 'halflife', 'com'] as const).filter((f) => raw[f] !== undefined);
  if (!help && ops.includes('ema') && decay.length === 0) throw new Error('laxflow: --op ema needs one of --span, --alpha, --halflife or --com');
  if (decay.length > 1) throw new Error(`laxflow: give only one of --span, --alpha, --halflife, --com (got ${decay.map((f) => `--${f}`).join(', ')})`);
  const bounds: Record<(typeof decay)[number], [(v: number) => boolean, string]> = {
    span: [(v) => v >= 1, '>= 1'],
    alpha: [(v) => v > 0 && v <= 1, 'in (0, 1]'],
    halflife: [(v) => isDur(v) || v > 0, '> 0'],
    com: [(v) => v >= 0, '>= 0'],
  };
  for (const f of decay) if (!bounds[f][0](raw[f] as number)) throw new Error(`laxflow: --${f} must be ${bounds[f][1]}, got ${raw[f]}`);
  if (values.some((v) => v === '')) throw new Error(`laxflow: --value needs field names, got ${JSON.stringify(values.join(','))}`);
  if (new Set(values).size !== values.length) throw new Error(`laxflow: --value names a field twice (${values.join(', ')})`);
  // Counts are whole numbers: one line naming the flag here, before any operator sees them.
  const counts: [string, string, number][] = [['capacity', 'capacity', 1], ['minPeriods', 'min-periods', 0], ['ddof', 'ddof', 0]];
  for (const [k, f, min] of counts) {
    const v = raw[k];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) throw new Error(`laxflow: --${f} must be an integer >= ${min}, got ${v}`);
  }
  if (typeof raw.window === 'number' && !(Number.isInteger(raw.window) && raw.window >= 1)) throw new Error(`laxflow: --window must be a positive integer or a duration such as 30s, got ${raw.window}`);
  if (typeof raw.halflife === 'number' && !(raw.halflife > 0)) throw new Error(`laxflow: --halflife must be > 0, got ${raw.halflife}`);
  const batch = (raw.batch as number | undefined) ?? 1024;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`laxflow: --batch must be a positive integer, got ${batch}`);
  return {
    input: positional[0],
    out: raw.out as string | undefined,
    format: raw.format as CliArgs['format'],
    key: raw.key as string | undefined,
    values: values.length ? values : ['value'],
    time: raw.time as string | undefined,
    ops: ops as CliArgs['ops'],
    span: raw.span as number | undefined,
    alpha: raw.alpha as number | undefined,
    halflife: raw.halflife as number | string | undefined,
    com: raw.com as number | undefined,
    adjust: raw.adjust !== 'false',
    window: (raw.window as number | string | undefined) ?? 20,
    maxLateness: raw.maxLateness as string | undefined,
    resample: raw.resample as string | undefined,
    stats: raw.stats === undefined ? ['mean'] : String(raw.stats).split(','),
    capacity: raw.capacity as number | undefined,
    minPeriods: raw.minPeriods as number | undefined,
    ddof: raw.ddof as number | undefined,
    checkpoint: raw.checkpoint as string | undefined,
    batch,
    help,
  };
}
