#!/usr/bin/env node
// The `laxflow` command: runs the built CLI (dist/cli/main.js) when the package is built,
// and the TypeScript source through tsx in a source checkout.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const built = new URL('dist/cli/main.js', root);
let entry = built;
if (!existsSync(fileURLToPath(built))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('src/cli/main.ts', root);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
