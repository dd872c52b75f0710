/**
 * A stand-in for a REST API: records every request exactly as it arrived and answers with
 * whatever the test queued (for instance a k6 golden response, status, headers and body as sent).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface FakeApi {
  /** host:port, as `-a` takes it. */
  address: string;
  requests: SeenRequest[];
  /** Answers the next requests in order; once the queue is empty, a 599 says so. */
  reply: (...responses: FakeResponse[]) => void;
  close: () => Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const requests: SeenRequest[] = [];
  const queue: FakeResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = queue.shift() ?? { status: 599, body: 'fake API: nothing queued' };
      res.writeHead(next.status, { 'Content-Length': Buffer.byteLength(next.body), ...next.headers });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    reply: (...responses) => queue.push(...responses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
