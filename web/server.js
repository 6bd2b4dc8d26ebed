// The live web view's server: a page (sensors.html, sensors.js), uPlot (a dependency,
// resolved from wherever it is installed) and one Server-Sent Events stream (/events) of
// JSON events. A page that connects late first gets every event so far, then the live
// ones. Node's http only; 127.0.0.1 by default. Plain JavaScript so that it ships as it is
// (package.json "files": web), typed by server.d.ts.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));

const files = {
  '/': [join(here, 'sensors.html'), 'text/html; charset=utf-8'],
  '/sensors.js': [join(here, 'sensors.js'), 'text/javascript; charset=utf-8'],
  '/uplot.js': [join(uplot, 'uPlot.esm.js'), 'text/javascript; charset=utf-8'],
  '/uplot.css': [join(uplot, 'uPlot.min.css'), 'text/css; charset=utf-8'],
};

/** @param {{ port?: number, host?: string }} [opts] */
export async function serveLiveView(opts = {}) {
  const host = opts.host ?? '127.0.0.1';
  /** @type {string[]} */
  const history = [];
  /** @type {Set<http.ServerResponse>} */
  const clients = new Set();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      for (const e of history) res.write(`data: ${e}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const file = Object.hasOwn(files, path) ? files[/** @type {keyof typeof files} */ (path)] : undefined;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-cache' }).end(readFileSync(file[0]));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}/`,
    port,
    /** @param {unknown} event */
    publish(event) {
      const json = JSON.stringify(event);
      history.push(json);
      for (const c of clients) c.write(`data: ${json}\n\n`);
    },
    clients: () => clients.size,
    close() {
      for (const c of clients) c.end();
      clients.clear();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
