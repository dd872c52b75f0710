import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

const fixture = (name: string) => join(__dirname, 'fixtures', 'scripts-features', name);
type Export = { metrics: Record<string, Record<string, number>> };

describe('script features', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'volley-features-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const run = (name: string, file: string) => runCli(['run', fixture(name), '-e', `URL=${url}`, '--address', '', '--quiet', '--summary-export', file]);

  test('a TypeScript script runs with its types stripped', async () => {
    const file = join(dir, 'typed.json');
    const res = await run('typed.ts', file);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    expect(m.checks).toMatchObject({ passes: 8, fails: 0 });
    expect(seen.filter((s) => s.startsWith('GET /typed'))).toHaveLength(4);
  });

  test('a declarative request list sends its requests in order, each iteration, with no JS', async () => {
    const file = join(dir, 'list.json');
    const res = await run('list.js', file);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    expect(m.iterations.count).toBe(30);
    expect(m.http_reqs.count).toBe(60);
    expect(seen.filter((s) => s === 'GET /list/a ')).toHaveLength(30);
    expect(seen.filter((s) => s === 'POST /list/b {"x":1}')).toHaveLength(30);
  });

  test('a request list with setup() is refused: nothing would run it', async () => {
    const res = await run('list-with-setup.js', join(dir, 'never.json'));
    expect(res.code).toBe(104);
    expect(res.stderr).toMatch(/runs the request list "requests" without JS, so setup would not run/);
    expect(seen.some((s) => s.includes('/never'))).toBe(false);
  });
});
