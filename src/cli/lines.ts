// Input lines with their line numbers and byte offsets (so a checkpoint can say exactly
// where to resume in a file), and the parsing of NDJSON and CSV lines into records.

import type { Readable } from 'node:stream';

export interface Line {
  /** 1-based line number in the whole input. */
  no: number;
  text: string;
  /** Byte offset just after this line (where the next one starts). */
  end: number;
}

/** Lines of a byte stream that starts at `startByte` / `startLine` of the input. */
export async function* readLines(stream: Readable, startLine = 0, startByte = 0): AsyncGenerator<Line> {
  let no = startLine;
  let offset = startByte;
  let rest = Buffer.alloc(0);
  for await (const chunk of stream) {
    let buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let nl: number;
    while ((nl = buf.indexOf(10)) >= 0) {
      offset += nl + 1;
      const text = buf.toString('utf8', 0, nl > 0 && buf[nl - 1] === 13 ? nl - 1 : nl);
      yield { no: ++no, text: no === 1 && startByte === 0 ? stripBom(text) : text, end: offset };
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length) {
    const text = rest.toString('utf8').replace(/\r$/, '');
    yield { no: ++no, text: no === 1 && startByte === 0 ? stripBom(text) : text, end: offset + rest.length };
  }
}

/** A UTF-8 byte order mark at the start of the input is not part of line 1 (editors on Windows write one). */
const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

export interface Fields {
  key?: string;
  values: string[];
  time?: string;
}

export interface Parsed {
  key?: string | number;
  /** One per value field, in `Fields.values` order (NaN: missing). */
  values: number[];
  t?: unknown;
}

/** A CSV line split on commas, with double-quoted fields ("" is a quote). */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

/** A number field: numbers, numeric strings; null, '' and 'NaN' are missing (NaN), as pandas reads them. */
function toValue(v: unknown, field: string): number {
  if (v === null || v === '' || v === 'NaN' || v === 'nan') return NaN;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw new Error(`field ${JSON.stringify(field)} is not a number: ${JSON.stringify(v)}`);
  return n;
}

export function parseNdjson(text: string, f: Fields): Parsed {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`invalid JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error('expected a JSON object');
  const o = obj as Record<string, unknown>;
  const values = f.values.map((name) => {
    if (!(name in o)) throw new Error(`missing field ${JSON.stringify(name)}`);
    return toValue(o[name], name);
  });
  const out: Parsed = { values };
  if (f.key !== undefined) {
    const k = o[f.key];
    if (typeof k !== 'string' && typeof k !== 'number') throw new Error(`missing or non-scalar key field ${JSON.stringify(f.key)}`);
    out.key = k;
  }
  if (f.time !== undefined) out.t = o[f.time];
  return out;
}

export function csvParser(header: string, f: Fields): (text: string) => Parsed {
  const cols = splitCsv(header).map((c) => c.trim());
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`the CSV header has no column ${JSON.stringify(name)} (columns: ${cols.join(', ')})`);
    return i;
  };
  const vis = f.values.map(at);
  const ki = f.key === undefined ? -1 : at(f.key);
  const ti = f.time === undefined ? -1 : at(f.time);
  return (text) => {
    const cells = splitCsv(text);
    if (cells.length !== cols.length) throw new Error(`expected ${cols.length} columns, got ${cells.length}`);
    const out: Parsed = { values: vis.map((vi, j) => toValue(cells[vi].trim(), f.values[j])) };
    if (ki >= 0) out.key = cells[ki];
    if (ti >= 0) {
      const t = cells[ti];
      out.t = t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
    }
    return out;
  };
}
