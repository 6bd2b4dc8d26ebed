#!/usr/bin/env node
// The `laxflow` command: runs the built CLI (dist/cli/main.js) when the package is built,
// and the TypeScript source through tsx in a source checkout (or with LAXFLOW_CLI_SOURCE=1,
// so the tests run the source even where a dist/ of older sources lies around).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const built = new URL('dist/cli/main.js', root);
let entry = built;
if (process.env.LAXFLOW_CLI_SOURCE === '1' || !existsSync(fileURLToPath(built))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('src/cli/main.ts', root);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
