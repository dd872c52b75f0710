import { join } from 'node:path';
import { runCli, startCli } from './support/cli';
import { startCountingServer } from './support/countingServer';

const fixture = (name: string) => join(__dirname, 'fixtures', 'scripts-features', name);

describe('thresholds during a run', () => {
  test('abortOnFail stops the run at the next evaluation and exits 99', async () => {
    const target = await startCountingServer();
    try {
      const started = Date.now();
      const res = await runCli(['run', fixture('abort-on-fail.js'), '-e', `URL=${target.url}`, '--address', '', '--quiet', '--no-summary']);
      expect(res.code).toBe(99);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(res.stderr).toMatch(/thresholds on metrics 'http_reqs' were crossed; at least one has abortOnFail enabled, stopping test prematurely/);
    } finally {
      await target.close();
    }
  });

  test('tainted is null until evaluated, then per metric in /v1/metrics and overall in /v1/status', async () => {
    const target = await startCountingServer();
    const run = startCli(['run', fixture('tainted.js'), '-e', `URL=${target.url}`, '--address', '127.0.0.1:0', '--quiet', '--no-summary']);
    try {
      const [, api] = await run.waitFor(/REST API: (http:\/\/127\.0\.0\.1:\d+)/);
      await new Promise((r) => setTimeout(r, 2600));
      const metric = async (id: string) => ((await (await fetch(`${api}/v1/metrics/${id}`)).json()) as { data: { attributes: { tainted: boolean | null } } }).data.attributes.tainted;
      expect(await metric('http_reqs')).toBe(true);
      expect(await metric('http_req_duration')).toBe(false);
      expect(await metric('iterations')).toBeNull();
      const status = (await (await fetch(`${api}/v1/status`)).json()) as { data: { attributes: { tainted: boolean } } };
      expect(status.data.attributes.tainted).toBe(true);
      expect((await run.done).code).toBe(99);
    } finally {
      run.child.kill('SIGKILL');
      await target.close();
    }
  });
});
