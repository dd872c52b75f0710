/**
 * The issue 5 bar: pause, resume and scale work live on constant-vus, ramping-vus and both
 * arrival-rate executors, through the REST API's k6 clients (`volley pause|resume|scale|status`).
 */
import { join } from 'node:path';
import { runCli, startCli } from './support/cli';
import { startCountingServer } from './support/countingServer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'])('live control on %s', (executor) => {
  test('pause stops the load, resume restarts it, scale changes the VU limits', async () => {
    const target = await startCountingServer();
    const run = startCli(['run', join(__dirname, 'fixtures', 'executors', `${executor}.js`), '-e', `URL=${target.url}`, '--address', '127.0.0.1:0', '--quiet', '--no-summary']);
    try {
      const [, address] = await run.waitFor(/REST API: http:\/\/(127\.0\.0\.1:\d+)/);
      const until = Date.now() + 10_000;
      while (target.requests() < 10 && Date.now() < until) await sleep(20);
      expect(target.requests()).toBeGreaterThanOrEqual(10);

      const paused = await runCli(['pause', '--address', address]);
      expect([paused.code, paused.stderr]).toEqual([0, '']);
      expect(paused.stdout).toMatch(/^paused: "true"$/m);
      await sleep(150);
      const frozen = target.requests();
      await sleep(400);
      expect(target.requests()).toBe(frozen);

      const resumed = await runCli(['resume', '--address', address]);
      expect(resumed.code).toBe(0);
      const again = Date.now() + 5000;
      while (target.requests() < frozen + 5 && Date.now() < again) await sleep(20);
      expect(target.requests()).toBeGreaterThanOrEqual(frozen + 5);

      const scaled = await runCli(['scale', '--address', address, '--vus', '3', '--max', '6']);
      expect([scaled.code, scaled.stderr]).toEqual([0, '']);
      expect(scaled.stdout).toMatch(/^vus-max: "6"$/m);
      const status = await runCli(['status', '--address', address]);
      expect(status.stdout).toMatch(/^status: 7$/m);
      expect(status.stdout).toMatch(/^vus-max: "6"$/m);
    } finally {
      run.child.kill('SIGKILL');
      await run.done;
      await target.close();
    }
  });
});
