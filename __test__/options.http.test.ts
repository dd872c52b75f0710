/**
 * k6's run-wide HTTP and iteration options, from the script and from the command line (over
 * the script's): userAgent, discardResponseBodies, maxRedirects, throw, noConnectionReuse,
 * noVUConnectionReuse and minIterationDuration, on JS VUs and on native request lists.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

type Export = { metrics: Record<string, Record<string, number>> };

describe('http options', () => {
  let server: Server;
  let url: string;
  let agents: Array<string | undefined> = [];
  let paths: string[] = [];
  let connections = 0;
  const dir = mkdtempSync(join(tmpdir(), 'volley-httpopts-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      agents.push(req.headers['user-agent']);
      paths.push(req.url ?? '');
      const hop = /^\/redir\/(\d+)$/.exec(req.url ?? '');
      if (hop && Number(hop[1]) > 0) {
        res.writeHead(302, { Location: `/redir/${Number(hop[1]) - 1}` });
        res.end();
      } else {
        res.end('payload');
      }
    });
    server.on('connection', () => (connections += 1));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  beforeEach(() => {
    agents = [];
    paths = [];
    connections = 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function run(name: string, source: string, flags: string[] = []) {
    const script = join(dir, `${name}.js`);
    writeFileSync(script, source);
    const file = join(dir, `${name}.json`);
    const res = await runCli(['run', script, '-e', `URL=${url}`, '--address', '', '--quiet', '--summary-export', file, ...flags]);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    return { ...res, m };
  }

  const SCRIPT = (options: string) => `import http from 'k6/http';
import { check } from 'k6';
export const options = ${options};
export default function () {
  const kept = http.get(__ENV.URL + 'body', { responseType: 'text' });
  const plain = http.get(__ENV.URL + 'body');
  const hops = http.get(__ENV.URL + 'redir/3');
  check(null, {
    'typed body kept': () => kept.body === 'payload',
    'body as the options say': () => plain.body === (__ENV.DISCARD ? null : 'payload'),
    'redirects as the options say': () => hops.status === Number(__ENV.LAST_STATUS),
  });
}
`;

  test('script options: userAgent, discardResponseBodies, maxRedirects and noConnectionReuse', async () => {
    const res = await run(
      'script-options',
      SCRIPT(`{ vus: 1, iterations: 2, userAgent: 'mine/1.0', discardResponseBodies: true, maxRedirects: 1, noConnectionReuse: true }`),
      ['-e', 'DISCARD=1', '-e', 'LAST_STATUS=302'],
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.m.checks).toMatchObject({ passes: 6, fails: 0 });
    // Each iteration: 2 bodies, then /redir/3 and one redirect (maxRedirects 1) to /redir/2.
    expect(paths).toEqual(['/body', '/body', '/redir/3', '/redir/2', '/body', '/body', '/redir/3', '/redir/2']);
    expect(new Set(agents)).toEqual(new Set(['mine/1.0']));
    // No keep-alive: a connection per request.
    expect(connections).toBe(8);
  });

  test('flags over the script: --user-agent "", --max-redirects, --no-vu-connection-reuse', async () => {
    const res = await run(
      'flag-options',
      SCRIPT(`{ vus: 1, iterations: 3, userAgent: 'mine/1.0', maxRedirects: 0 }`),
      ['-e', 'LAST_STATUS=200', '--user-agent', '', '--max-redirects', '5', '--no-vu-connection-reuse'],
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.m.checks).toMatchObject({ passes: 9, fails: 0 });
    expect(paths.filter((p) => p.startsWith('/redir/'))).toHaveLength(3 * 4);
    // "" sends no User-Agent at all, as Go does.
    expect(new Set(agents)).toEqual(new Set([undefined]));
    // Keep-alive within an iteration, a new connection for each iteration.
    expect(connections).toBe(3);
  });

  test('throw (-w): a failed request throws in the script instead of returning', async () => {
    const source = `import http from 'k6/http';
import { check } from 'k6';
export const options = { vus: 1, iterations: 1 };
export default function () {
  let threw = false;
  try {
    http.get('http://127.0.0.1:1/', { timeout: '2s' });
  } catch (e) {
    threw = String(e).length > 0;
  }
  check(null, { 'threw as asked': () => threw === Boolean(__ENV.THROW) });
}
`;
    const quiet = await run('no-throw', source);
    expect(quiet.m.checks).toMatchObject({ passes: 1, fails: 0 });
    const loud = await run('throw', source, ['-w', '-e', 'THROW=1']);
    expect(loud.m.checks).toMatchObject({ passes: 1, fails: 0 });
  });

  test('minIterationDuration spaces iterations; the wait is not part of iteration_duration', async () => {
    const started = Date.now();
    const res = await run(
      'min-iteration',
      `import http from 'k6/http';
export const options = { vus: 1, iterations: 3, minIterationDuration: '400ms' };
export default function () { http.get(__ENV.URL + 'body'); }
`,
    );
    expect(res.code).toBe(0);
    expect(res.m.iterations.count).toBe(3);
    // Two waits of nearly 400 ms between the three iterations.
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(res.m.iteration_duration.max).toBeLessThan(300);
  });

  test('a native request list takes userAgent and minIterationDuration too', async () => {
    const res = await run(
      'native',
      `export const requests = [__ENV.URL + 'body'];
export const options = {
  userAgent: 'native/2.0',
  minIterationDuration: '400ms',
  scenarios: { list: { executor: 'constant-vus', vus: 1, duration: '1s', exec: 'requests' } },
};
`,
    );
    expect(res.code).toBe(0);
    expect(res.m.iterations.count).toBe(3);
    expect(new Set(agents)).toEqual(new Set(['native/2.0']));
  });

  test('hosts: a name reaches the address it maps to without DNS, the Host header unchanged', async () => {
    const port = new URL(url).port;
    const res = await run(
      'hosts',
      `import http from 'k6/http';
import { check } from 'k6';
export const options = { vus: 1, iterations: 1, hosts: { 'volley.test': '127.0.0.1:${port}', '*.wild.test': '127.0.0.1:${port}' } };
export default function () {
  check(http.get('http://volley.test/body'), { 'exact name': (r) => r.body === 'payload' });
  check(http.get('http://a.b.wild.test/body'), { 'wildcard name': (r) => r.body === 'payload' });
}
`,
    );
    expect(res.stderr).toBe('');
    expect(res.m.checks).toMatchObject({ passes: 2, fails: 0 });
    const bad = join(dir, 'bad-hosts.js');
    writeFileSync(bad, `export const options = { hosts: { 'a.test': 'localhost' } };\nexport default function () {}\n`);
    const refused = await runCli(['run', bad, '--address', '', '--quiet']);
    expect(refused.code).toBe(104);
    expect(refused.stderr).toContain('invalid hosts entry "a.test": "localhost" is not an IP address or IP:port');
  });

  test('bad values are refused before the run (104)', async () => {
    const script = join(dir, 'bad.js');
    writeFileSync(script, `export const options = { maxRedirects: 'many' };\nexport default function () {}\n`);
    const res = await runCli(['run', script, '--address', '', '--quiet']);
    expect(res.code).toBe(104);
    expect(res.stderr).toContain('invalid maxRedirects: expected a whole number, got "many"');
    const flag = await runCli(['run', script, '--address', '', '--quiet', '--batch', '0']);
    expect(flag.code).toBe(104);
  });
});
