/**
 * Remote modules (`import ... from 'https://jslib.k6.io/...'`), fetched at init as k6 does: a
 * local server plays the module host. Blocking calls inside a remote module's helpers are made
 * async like any other module's, and a module that cannot be fetched stops the run with its URL.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

type Export = { metrics: Record<string, Record<string, number>> };

const MODULES: Record<string, string> = {
  '/lib/utils.js': `import { ping } from './net/ping.js';
export function randomIntBetween(min, max) { return Math.floor(Math.random() * (max - min + 1) + min); }
export function hit(base) { return ping(base); }`,
  '/lib/net/ping.js': `import http from 'k6/http';
export function ping(base) { return http.get(base + 'pinged'); }`,
};

describe('remote modules', () => {
  let server: Server;
  let base: string;
  const served: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'volley-remote-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      served.push(req.url ?? '');
      const source = MODULES[req.url ?? ''];
      if (source !== undefined) {
        res.setHeader('Content-Type', 'application/javascript');
        res.end(source);
      } else if (req.url === '/pinged') {
        res.end('pong');
      } else {
        res.statusCode = 404;
        res.end('not here');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('a script imports helpers from a URL, and their requests are awaited like its own', async () => {
    const script = join(dir, 'remote.js');
    writeFileSync(
      script,
      `import { check } from 'k6';
import { randomIntBetween, hit } from '${base}lib/utils.js';
export const options = { vus: 8, iterations: 24 };
export default function () {
  const res = hit(__ENV.BASE);
  const n = randomIntBetween(3, 5);
  check(res, { 'helper got its response': (r) => r.status === 200 && r.body === 'pong', 'number in range': () => n >= 3 && n <= 5 });
}`,
    );
    const file = join(dir, 'remote.json');
    const res = await runCli(['run', script, '-e', `BASE=${base}`, '--address', '', '--quiet', '--summary-export', file]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    expect(m.checks).toMatchObject({ passes: 48, fails: 0 });
    expect(served.filter((u) => u === '/pinged')).toHaveLength(24);
    // Fetched per thread that loads scripts, never per VU.
    const fetches = served.filter((u) => u === '/lib/utils.js').length;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThan(8);
  });

  test('a module that cannot be fetched stops the run with its URL and the reason (107)', async () => {
    const script = join(dir, 'missing.js');
    writeFileSync(script, `import { nothing } from '${base}lib/missing.js';\nexport default function () { nothing(); }`);
    const res = await runCli(['run', script, '--address', '', '--quiet', '--no-summary']);
    expect(res.code).toBe(107);
    expect(res.stderr).toContain(`the module \\"${base}lib/missing.js\\" couldn't be retrieved: the server answered 404 Not Found`);
  });
});
