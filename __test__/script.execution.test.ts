/** k6/execution in a running test: iteration numbers across VUs, instance and scenario readings. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

describe('k6/execution', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'volley-exec-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('iterationInTest numbers the scenario iterations once each, across VUs', async () => {
    const file = join(dir, 'exec.json');
    const script = join(__dirname, 'fixtures', 'scripts-execution', 'execution.js');
    const res = await runCli(['run', script, '-e', `URL=${url}`, '--address', '', '--quiet', '--summary-export', file]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as { metrics: Record<string, Record<string, number>> }).metrics;
    expect(m.checks).toMatchObject({ passes: 10 * 8, fails: 0 });
    expect([...seen].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `/i/${i}`).sort());
  });
});
