/**
 * The local target of the example scripts (examples/*.js): a handful of routes that echo what
 * they were sent, set and read cookies, redirect, fail and stall, and a log of every request so
 * that a test can compare what the server saw with what the run reported.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ExampleServer {
  url: string;
  /** Every request since the last reset, in arrival order. */
  seen: () => SeenRequest[];
  /** The requests to one path (without its query). */
  seenAt: (path: string) => SeenRequest[];
  reset: () => void;
  close: () => Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json', ...headers });
}

/** Answers one request; `seen` is the request as logged. */
function route(req: IncomingMessage, res: ServerResponse, seen: SeenRequest): void {
  switch (seen.path) {
    case '/':
      return send(res, 200, 'hello from the example server\n', { 'X-Example': 'root' });
    case '/json':
      return sendJson(res, 200, { name: 'volley', version: 1, tags: ['k6', 'load'], owner: { login: 'alice', id: 7 }, items: [{ id: 1, price: 9.5 }, { id: 2, price: 20 }] });
    case '/bytes':
      // Not valid UTF-8 on purpose: a binary response must come back byte for byte.
      return send(res, 200, Buffer.from([0, 1, 2, 253, 254, 255]), { 'Content-Type': 'application/octet-stream' });
    case '/echo':
      return sendJson(res, 200, { method: seen.method, path: seen.path, query: seen.query, headers: seen.headers, body: seen.body }, { 'X-Echo-Method': seen.method });
    case '/redirect':
      // Relative to the redirect itself, so that it works under any base URL.
      return send(res, 302, '', { Location: './' });
    case '/redirect/chain': {
      const left = Number(seen.query.n ?? '0');
      return send(res, 302, '', { Location: left > 0 ? `./chain?n=${left - 1}` : '../' });
    }
    case '/cookies/set': {
      const name = seen.query.name ?? 'session';
      const value = seen.query.value ?? 'abc';
      return send(res, 200, 'cookie set\n', { 'Set-Cookie': `${name}=${value}; Path=/; HttpOnly` });
    }
    case '/cookies/echo': {
      const cookies: Record<string, string> = {};
      for (const pair of String(req.headers.cookie ?? '').split(';')) {
        const i = pair.indexOf('=');
        if (i > 0) cookies[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
      }
      return sendJson(res, 200, { cookies });
    }
    case '/slow': {
      const ms = Number(seen.query.ms ?? '100');
      const timer = setTimeout(() => send(res, 200, `slept ${ms} ms\n`), ms);
      res.on('close', () => clearTimeout(timer));
      return;
    }
  }
  const status = /^\/status\/(\d{3})$/.exec(seen.path);
  if (status) return send(res, Number(status[1]), `status ${status[1]}\n`);
  send(res, 404, 'no such route\n');
}

export async function startExampleServer(): Promise<ExampleServer> {
  let log: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://example.local');
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      log.push(seen);
      route(req, res, seen);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: () => log,
    seenAt: (path) => log.filter((r) => r.path === path),
    reset: () => {
      log = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
