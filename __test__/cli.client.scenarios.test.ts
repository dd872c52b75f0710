import { join } from 'node:path';
import { runCli, startCli, type RunningCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

describe('volley scale --scenario (the /v1/scenarios extension)', () => {
  let target: CountingServer;
  let run: RunningCli;
  let address: string;

  beforeAll(async () => {
    target = await startCountingServer();
    run = startCli(['run', join(__dirname, 'fixtures', 'scripts-features', 'arrivals.js'), '-e', `URL=${target.url}`, '--address', '127.0.0.1:0', '--quiet', '--no-summary']);
    const [, url] = await run.waitFor(/REST API: http:\/\/(127\.0\.0\.1:\d+)/);
    address = url;
  });

  afterAll(async () => {
    run.child.kill('SIGKILL');
    await run.done;
    await target.close();
  });

  test('--rate changes an arrival-rate scenario live and prints it', async () => {
    const res = await runCli(['scale', '--address', address, '--scenario', 'arrivals', '--rate', '50']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^name: arrivals\nexecutor: constant-arrival-rate\n/);
    expect(res.stdout).toMatch(/^rate: 50$/m);
  });

  test('an unknown scenario is the API error line and 255', async () => {
    const res = await runCli(['scale', '--address', address, '--scenario', 'nope', '--rate', '5']);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(/level=error msg="Not Found: /);
  });

  test('--rate without --scenario is refused before any request', async () => {
    const res = await runCli(['scale', '--address', address, '--rate', '5']);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(/give -s\/--scenario NAME/);
  });
});
