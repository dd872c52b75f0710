/**
 * k6's `run` flags that change what a test does: --no-setup, --no-teardown, --no-thresholds,
 * --tag (over options.tags) and --no-color, on a real script against a local server.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

describe('k6 run flags', () => {
  let server: Server;
  let url: string;
  let paths: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'volley-k6flags-'));
  const script = join(dir, 'flags.js');

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    writeFileSync(
      script,
      `import http from 'k6/http';
export const options = {
  vus: 1,
  iterations: 2,
  tags: { team: 'script', site: 'eu' },
  thresholds: { http_req_duration: ['max<0'] },
};
export function setup() { http.get(__ENV.URL + 'setup'); }
export default function () { http.get(__ENV.URL + 'iteration'); }
export function teardown() { http.get(__ENV.URL + 'teardown'); }
`,
    );
  });
  beforeEach(() => {
    paths = [];
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('as written: setup, iterations, teardown, and the failing threshold exits 99', async () => {
    const res = await runCli(['run', script, '-e', `URL=${url}`, '--address', '', '--quiet']);
    expect(res.code).toBe(99);
    expect(paths).toEqual(['/setup', '/iteration', '/iteration', '/teardown']);
  });

  test('--no-setup --no-teardown --no-thresholds --tag --no-color', async () => {
    const out = join(dir, 'samples.json');
    const res = await runCli(['run', script, '-e', `URL=${url}`, '--address', '', '--quiet', '--no-setup', '--no-teardown', '--no-thresholds', '--tag', 'team=cli', '--tag', 'run=7', '--no-color', '--out', `json=${out}`]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(paths).toEqual(['/iteration', '/iteration']);
    expect(res.stdout).not.toContain('max<0');
    const points = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; metric: string; data: { tags?: Record<string, string> } })
      .filter((p) => p.type === 'Point' && p.metric === 'http_reqs');
    expect(points).toHaveLength(2);
    for (const p of points) expect(p.data.tags).toMatchObject({ team: 'cli', site: 'eu', run: '7' });
  });

  test('a --tag or -e without a value is refused (104)', async () => {
    const res = await runCli(['run', script, '--address', '', '--quiet', '--tag', 'lonely']);
    expect(res.code).toBe(104);
    expect(res.stderr).toContain('invalid --tag "lonely": expected NAME=VALUE');
    const env = await runCli(['run', script, '--address', '', '--quiet', '-e', 'lonely']);
    expect(env.code).toBe(104);
    expect(env.stderr).toContain('invalid -e "lonely": expected KEY=VALUE');
  });
});
