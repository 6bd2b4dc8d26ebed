// The public namespaces hold what docs/api.md documents and nothing else: a new export of
// `np`, `lax`, `random`, `laxflow`, `laxflow/rx` or `laxflow/nats` fails here until docs/api.md names it
// (in code, between backticks), so internal helpers cannot leak into the API unnoticed.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as laxflow from '../../src/index.js';
import * as rx from '../../src/rx.js';
import * as nats from '../../src/nats.js';

const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

/** Identifiers written as code in a markdown text: in `spans` and fenced blocks, quoted strings left out. */
export function codeIdentifiers(md: string): Set<string> {
  const code = [...md.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`]+)`/g)].map((m) => m[1] ?? m[2]);
  const ids = new Set<string>();
  for (const c of code) for (const m of c.replace(/'[^'\n]*'|"[^"\n]*"/g, ' ').matchAll(/[A-Za-z_$][\w$]*/g)) ids.add(m[0]);
  return ids;
}

const documented = codeIdentifiers(doc);
const undocumented = (names: string[]) => names.filter((n) => !documented.has(n));

describe('public names', () => {
  it('reads names from code only', () => {
    expect([...codeIdentifiers("text wrap `np.take(a, { mode: 'wrap' })` and\n```ts\nconst x = np.zeros([2]);\n```\n")].sort()).toEqual(['a', 'const', 'mode', 'np', 'take', 'x', 'zeros']);
  });

  it('np, lax and random export only what docs/api.md documents', () => {
    expect(undocumented(Object.keys(laxflow.np))).toEqual([]);
    expect(undocumented(Object.keys(laxflow.lax))).toEqual([]);
    expect(undocumented(Object.keys(laxflow.random))).toEqual([]);
  });

  it('laxflow and laxflow/rx export only what docs/api.md documents', () => {
    expect(undocumented(Object.keys(laxflow))).toEqual([]);
    expect(undocumented(Object.keys(rx))).toEqual([]);
  });

  it('laxflow/nats exports only what docs/api.md documents', () => {
    expect(undocumented(Object.keys(nats))).toEqual([]);
  });

  it('no internal node builder is public', () => {
    for (const name of ['wrap', 'toNode', 'constant', 'freshConstant', 'castNode', 'broadcastNode', 'reshapeNode', 'basicIndex', 'iotaNode', 'sliceIndices', 'checkIndexCount']) {
      expect(Object.keys(laxflow.np)).not.toContain(name);
    }
  });
});
