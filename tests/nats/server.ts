// A nats-server for the tests: JetStream in a temporary directory, on 127.0.0.1 and a free
// port, with the subject mapping that partitions the test's input. Without the binary the
// tests skip with a printed reason, or fail when CI=true (.ci/run installs it).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionMapping } from '../../src/nats.js';

export function natsServerMissing(): string | null {
  const r = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  const reason = 'nats-server is not installed (apt-get install nats-server)';
  if (process.env.CI === 'true') throw new Error(`${reason}: CI requires it`);
  console.log(`tests/nats skipped: ${reason}`);
  return reason;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startNatsServer(mappings: { input: string; partitions: number }[]): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'laxflow-nats-'));
  const port = await freePort();
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, [`listen: 127.0.0.1:${port}`, `jetstream { store_dir: "${join(dir, 'js')}" }`, `mappings = { ${mappings.map((m) => partitionMapping(m.input, m.partitions)).join(', ')} }`].join('\n') + '\n');
  const proc: ChildProcess = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nats-server did not start in 20 s:\n${log}`)), 20_000);
    proc.stderr!.on('data', (d) => {
      log += d;
      if (log.includes('Server is ready')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.on('exit', (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
