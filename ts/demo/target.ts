/**
 * The embedded demo target: a small HTTP server on an ephemeral loopback port, in a worker
 * thread so that it never competes with the REST API for the main event loop.
 */
import { Worker } from 'node:worker_threads';

const SERVER_SOURCE = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = Buffer.from('<!doctype html><title>volley demo</title><p>Hello from the volley demo target.</p>\\n');
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

export interface DemoTarget {
  url: string;
  close(): Promise<void>;
}

export function startDemoTarget(): Promise<DemoTarget> {
  const worker = new Worker(SERVER_SOURCE, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (port: number) => {
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: async () => {
          await worker.terminate();
        },
      });
    });
  });
}
