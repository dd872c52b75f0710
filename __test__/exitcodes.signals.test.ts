/**
 * Signals during `volley run` (k6's 105, ExternalAbort): the first SIGINT (or SIGTERM) stops the
 * test gracefully, teardown and the summary still run; a second SIGINT exits at once.
 */
import { join } from 'node:path';
import { startCli, type RunningCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

const SCRIPTS = join(__dirname, 'fixtures', 'scripts');

describe('signals', () => {
  let target: CountingServer;

  beforeAll(async () => {
    target = await startCountingServer();
  });
  afterAll(() => target.close());

  /** long.js (30 s of load, failing thresholds) once its first progress block is out. */
  async function startLong(...env: string[]): Promise<RunningCli> {
    const cli = startCli(['run', '--address', '', '-e', `URL=${target.url}`, ...env.flatMap((e) => ['-e', e]), join(SCRIPTS, 'long.js')], 40_000);
    // The handlers are in place before the first progress block.
    await cli.waitFor(/running \(/);
    return cli;
  }

  test.each(['SIGINT', 'SIGTERM'] as const)('%s once: graceful stop, teardown and summary run, exit 105', async (signal) => {
    const cli = await startLong();
    const sent = Date.now();
    cli.child.kill(signal);
    const res = await cli.done;
    expect(res.code).toBe(105);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(res.stderr).toMatch(/stopping the test/);
    expect(res.stderr).toMatch(/teardown ran/);
    expect(res.stdout).toMatch(/TOTAL RESULTS/);
    // The scenario did not run its 30 s: its bar ends interrupted; the failed threshold (99) loses to 105.
    expect(res.stdout).toMatch(/^steady ✗ \[ +\d+% \] 2 VUs {2}\d\d\.\ds\/30s$/m);
    expect(res.stderr).toMatch(/thresholds on metrics 'http_req_duration' have been crossed/);
  });

  test('SIGINT twice: exit 105 at once, without waiting for teardown', async () => {
    const cli = await startLong('TEARDOWN_SLEEP=20');
    cli.child.kill('SIGINT');
    await cli.waitFor(/teardown ran/);
    const second = Date.now();
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(105);
    expect(Date.now() - second).toBeLessThan(5_000);
    expect(res.stdout).not.toMatch(/TOTAL RESULTS/);
  });
});
