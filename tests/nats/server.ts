// nats-servers for the tests: JetStream in a temporary directory, on 127.0.0.1 and a free
// port, with the subject mapping that partitions the test's input; one server, or a cluster
// of three (tests/nats/cluster.test.ts). Without the binary the
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
  const node = spawnServer(dir, [`listen: 127.0.0.1:${port}`, `jetstream { store_dir: "${join(dir, 'js')}" }`, mappingsLine(mappings)]);
  try {
    await node.ready;
  } catch (err) {
    await node.stop();
    throw err;
  }
  return { url: `nats://127.0.0.1:${port}`, stop: node.stop };
}

const mappingsLine = (mappings: { input: string; partitions: number }[]) => `mappings = { ${mappings.map((m) => partitionMapping(m.input, m.partitions)).join(', ')} }`;

interface Spawned {
  proc: ChildProcess;
  /** Resolves once the server logs that it is ready. */
  ready: Promise<void>;
  /** The server's log so far. */
  log(): string;
  /** Stops it (SIGKILL when `kill`, else SIGTERM) and removes its directory. */
  stop(kill?: boolean): Promise<void>;
}

/** nats-server on a configuration written into `dir` (its own temporary directory). */
function spawnServer(dir: string, conf: string[]): Spawned {
  const file = join(dir, 'nats.conf');
  writeFileSync(file, conf.join('\n') + '\n');
  const proc: ChildProcess = spawn('nats-server', ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(proc);
  let log = '';
  const exited = new Promise<void>((r) => proc.on('exit', () => (live.delete(proc), r())));
  const ready = new Promise<void>((resolve, reject) => {
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
  ready.catch(() => {});
  return {
    proc,
    ready,
    log: () => log,
    async stop(kill = false) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(kill ? 'SIGKILL' : 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// servers of a test process that ends without its afterAll (a crash, a kill) go with it
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface ClusterNode {
  name: string;
  url: string;
  log(): string;
  /** SIGKILL: the node is gone mid-run, its JetStream data left as it was. */
  kill(): Promise<void>;
}

export interface NatsCluster {
  urls: string[];
  nodes: ClusterNode[];
  /** Stops every node still running and removes their directories. */
  stop(): Promise<void>;
}

/**
 * `n` nats-servers on 127.0.0.1 forming one JetStream cluster (`server_name` n1..nn, a
 * temporary directory each, distinct client and cluster ports, each routing to all), with the
 * subject mappings. Resolves once every node is ready; JetStream's meta leader is elected
 * after (waitForJetStream).
 */
export async function startNatsCluster(n: number, mappings: { input: string; partitions: number }[]): Promise<NatsCluster> {
  const ports: number[] = [];
  const clusterPorts: number[] = [];
  for (let i = 0; i < n; i++) {
    ports.push(await freePort());
    clusterPorts.push(await freePort());
  }
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`).join(', ');
  const spawned: Spawned[] = [];
  const stop = async () => void (await Promise.all(spawned.map((s) => s.stop(true))));
  try {
    for (let i = 0; i < n; i++) {
      const dir = mkdtempSync(join(tmpdir(), `laxflow-nats-n${i + 1}-`));
      spawned.push(
        spawnServer(dir, [
          `server_name: n${i + 1}`,
          `listen: 127.0.0.1:${ports[i]}`,
          `jetstream { store_dir: "${join(dir, 'js')}" }`,
          `cluster { name: laxflow, listen: 127.0.0.1:${clusterPorts[i]}, routes: [ ${routes} ] }`,
          mappingsLine(mappings),
        ]),
      );
    }
    await Promise.all(spawned.map((s) => s.ready));
  } catch (err) {
    await stop();
    throw err;
  }
  const nodes = spawned.map((s, i) => ({ name: `n${i + 1}`, url: `nats://127.0.0.1:${ports[i]}`, log: s.log, kill: () => s.stop(true) }));
  return { urls: nodes.map((x) => x.url), nodes, stop };
}
