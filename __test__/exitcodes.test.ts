/**
 * k6's exit codes (errext/exitcodes, issue 6) from real `volley run script.js` processes: each
 * case is a small script in fixtures/scripts against a local target.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

const SCRIPTS = join(__dirname, 'fixtures', 'scripts');

describe('exit codes of script runs', () => {
  let target: CountingServer;
  const run = (script: string, ...flags: string[]) =>
    runCli(['run', '--address', '', '--quiet', '-e', `URL=${target.url}`, ...flags, join(SCRIPTS, script)], 30_000);

  beforeAll(async () => {
    target = await startCountingServer();
  });
  afterAll(() => target.close());

  test('0: the run went through', async () => {
    const res = await run('ok.js');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  test('99: a threshold failed, and the summary marks it', async () => {
    const res = await run('thresholds-fail.js');
    expect(res.code).toBe(99);
    expect(res.stdout).toContain("✗ 'max<0'");
    expect(res.stderr).toMatch(/thresholds on metrics 'http_req_duration' have been crossed/);
  });

  test('104: a bad threshold expression, rejected before the run', async () => {
    const before = target.requests();
    const res = await run('bad-threshold.js');
    expect(res.code).toBe(104);
    expect(res.stderr).toMatch(/invalid threshold expression 'p\(95\) <<< 5'/);
    expect(target.requests()).toBe(before);
  });

  test('104: a bad option, rejected before the run', async () => {
    const res = await run('bad-option.js');
    expect(res.code).toBe(104);
    expect(res.stderr).toMatch(/invalid duration.*"ten seconds"/);
  });

  test('107: an exception in setup() stops the run at once', async () => {
    const started = Date.now();
    const res = await run('setup-throws.js');
    expect(res.code).toBe(107);
    expect(res.stderr).toMatch(/setup broke/);
    // The scenario's 30 s never ran.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('100: setup() past its setupTimeout ends the test; handleSummary still runs', async () => {
    const started = Date.now();
    const before = target.requests();
    const res = await run('setup-timeout.js');
    expect(res.code).toBe(100);
    expect(res.stderr).toMatch(/level=error msg="setup\(\) execution timed out after 1 seconds" hint="You can increase the time limit via the setupTimeout option"/);
    expect(res.stdout).toContain('summary: 0 iterations');
    expect(target.requests()).toBe(before);
    // Neither the 20 s busy loop nor the 30 s scenario held the run.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('101: teardown() past its teardownTimeout; the iterations count and the summary is printed', async () => {
    const started = Date.now();
    const res = await run('teardown-timeout.js');
    expect(res.code).toBe(101);
    expect(res.stderr).toMatch(/level=error msg="teardown\(\) execution timed out after 1 seconds" hint="You can increase the time limit via the teardownTimeout option"/);
    expect(res.stdout).toMatch(/iterations\.+: 3 /);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('104: a setupTimeout that is no duration, or not above 0, is refused before the run', async () => {
    for (const [value, message] of [
      ["'soon'", /invalid setupTimeout/],
      ["'0s'", /invalid teardownTimeout: it must be more than 0/],
    ] as const) {
      const name = message.source.includes('teardown') ? 'teardownTimeout' : 'setupTimeout';
      const script = join(tmpdir(), `volley-bad-timeout-${name}.js`);
      writeFileSync(script, `export const options = { ${name}: ${value} };\nexport default function () {}\n`);
      const res = await runCli(['run', '--address', '', '--quiet', script]);
      expect(res.code).toBe(104);
      expect(res.stderr).toMatch(message);
    }
  });

  test('107: an exception in the init code', async () => {
    const res = await run('init-throws.js');
    expect(res.code).toBe(107);
    expect(res.stderr).toMatch(/init broke/);
  });

  test('108: exec.test.abort() in an iteration stops the run; teardown still runs', async () => {
    const started = Date.now();
    const res = await run('abort.js');
    expect(res.code).toBe(108);
    expect(res.stderr).toMatch(/level=error msg="test aborted: enough requests"/);
    expect(res.stderr.indexOf('test aborted')).toBeLessThan(res.stderr.indexOf('teardown ran'));
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('108: exec.test.abort() in setup()', async () => {
    const res = await run('abort-setup.js');
    expect(res.code).toBe(108);
    expect(res.stderr).toMatch(/test aborted: no target/);
  });

  test('108: exec.test.abort() in the init code', async () => {
    const res = await run('abort-init.js');
    expect(res.code).toBe(108);
    expect(res.stderr).toMatch(/test aborted: not today/);
  });

  test('103: stopped through the REST API, which wins over failed thresholds (99)', async () => {
    const cli = startCli(['run', '--address', '127.0.0.1:0', '--quiet', '-e', `URL=${target.url}`, join(SCRIPTS, 'long.js')], 30_000);
    const address = (await cli.waitFor(/REST API: http:\/\/(\S+)/))[1];
    const before = target.requests();
    for (let waited = 0; target.requests() === before && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`http://${address}/v1/status`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { stopped: true } } }),
    });
    expect(res.status).toBe(200);
    const done = await cli.done;
    expect(done.code).toBe(103);
    // The thresholds did fail (long.js' max<0), and teardown ran.
    expect(done.stderr).toMatch(/thresholds on metrics 'http_req_duration' have been crossed/);
    expect(done.stderr).toMatch(/teardown ran/);
  });

  test('106: an explicit --address already in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as { port: number };
    try {
      const res = await runCli(['run', '--address', `127.0.0.1:${port}`, '-e', `URL=${target.url}`, join(SCRIPTS, 'ok.js')], 30_000);
      expect(res.code).toBe(106);
      expect(res.stderr).toMatch(/cannot start the REST API/);
    } finally {
      blocker.close();
    }
  });

  test('255: misuse of the command line', async () => {
    const res = await runCli(['run', '--no-such-flag', join(SCRIPTS, 'ok.js')]);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(/unknown option '--no-such-flag'/);
  });
});
