// How records and outputs travel as message payloads: JSON, with what JSON lacks kept
// exactly. Non-finite numbers (a z-score's NaN before `minPeriods`, a missing reading) become
// `{ "$num": "NaN" | "Infinity" | "-Infinity" }` and typed arrays become arrays of numbers,
// so a float32 statistic read back is bit-identical to the one the pipeline emitted.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { $num?: unknown };
    if (typeof o.$num === 'string' && o.$num in NON_FINITE && Object.keys(o).length === 1) return NON_FINITE[o.$num];
  }
  return v;
}

/** A record or output as a message payload (JSON; NaN and +-Infinity kept, typed arrays as arrays). */
export function encodeJson(value: unknown): Uint8Array {
  const s = JSON.stringify(value, replacer);
  if (s === undefined) throw new TypeError(`laxflow/nats: cannot encode ${String(value)} as JSON`);
  return encoder.encode(s);
}

/** The value of a payload written by `encodeJson`. */
export function decodeJson(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data), reviver);
}
