// `npm run bench:stream`: the stream benchmarks in one run, each in its own process with the
// same arguments: bench/stream.ts (count windows, rows and keyed) then bench/stream_time.ts
// (the same pipeline on event time). Exits non-zero when either does.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let status = 0;
for (const file of ['stream.ts', 'stream_time.ts']) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...args], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
