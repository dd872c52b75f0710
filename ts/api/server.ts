/** Binds the REST API: the one place that knows about addresses and ports. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface ApiAddress {
  host: string;
  port: number;
}

/** `host:port`, `[::1]:port` or `:port` (k6's --address); port 0 picks a free port. */
export function parseAddress(text: string): ApiAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`invalid --address "${text}": expected host:port, like 127.0.0.1:6565 (port 0 picks a free one)`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function formatUrl(host: string, port: number): string {
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

export interface BoundApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export function listen(app: Koa, address: ApiAddress): Promise<BoundApi> {
  const server = createServer(app.callback());
  // k6 uses ReadHeaderTimeout 10 s.
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      resolve({
        server,
        url: formatUrl(bound.address, bound.port),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
