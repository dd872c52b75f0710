/**
 * The script workers' link to the engine (ts/script/hostLink.ts, crates/node/src/inbox.rs):
 * responses come back in batches and repeated requests are sent without being converted again,
 * and none of that shows in what a script sends or gets.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

type Export = { metrics: Record<string, Record<string, number>> };

describe('script host link', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'volley-hostlink-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${String(req.headers['x-a'] ?? '-')} ${Buffer.concat(chunks).toString()}`);
        if (req.url === '/text') {
          res.setHeader('X-Dup', ['a', 'b']);
          // "héllo " in UTF-8, then a byte that is not UTF-8.
          res.end(Buffer.concat([Buffer.from('h\u00e9llo ', 'utf8'), Buffer.from([0xff])]));
        } else {
          res.end('ok');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('repeated and slightly different requests reach the server as sent; responses come back whole', async () => {
    const file = join(dir, 'repeats.json');
    const script = join(__dirname, 'fixtures', 'scripts-features', 'hostlink-repeats.js');
    const res = await runCli(['run', script, '-e', `URL=${url}`, '--address', '', '--quiet', '--summary-export', file]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    expect(m.checks).toMatchObject({ passes: 2 * 10, fails: 0 });
    expect(m.http_reqs.count).toBe(2 * 12);
    const once = [
      'GET /same - ',
      'GET /same - ',
      'GET /same - ',
      'GET /same 1 ',
      'GET /same 2 ',
      'GET /same 2 ',
      'POST /body - AB',
      'POST /body - CB',
      'GET /text - ',
      'GET /text - ',
      'GET /text - ',
      'GET /same 2 ',
    ];
    expect(seen).toEqual([...once, ...once]);
  });
});
