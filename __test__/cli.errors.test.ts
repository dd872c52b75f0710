import { runCli } from './support/cli';

describe('bad input on the command line', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['an unknown flag', ['run', '--url', 'http://127.0.0.1:1/', '--bogus'], 255, /unknown option '--bogus'/],
    ['a bad URL', ['run', '--url', 'not a url'], 104, /invalid --url "not a url"/],
    ['a URL with another scheme', ['run', '--url', 'ftp://127.0.0.1/'], 104, /scheme must be http or https/],
    ['no URL at all', ['run'], 104, /no target/],
    ['a bad duration', ['run', '--url', 'http://127.0.0.1:1/', '--duration', '10x'], 104, /invalid --duration: invalid duration "10x"/],
    ['zero VUs', ['run', '--url', 'http://127.0.0.1:1/', '--vus', '0'], 104, /invalid --vus 0: must be at least 1/],
    ['negative VUs', ['run', '--url', 'http://127.0.0.1:1/', '--vus', '-3'], 104, /invalid --vus "-3"/],
    ['a bad header', ['run', '--url', 'http://127.0.0.1:1/', '-H', 'no colon'], 104, /invalid --header "no colon"/],
    ['a bad address', ['run', '--url', 'http://127.0.0.1:1/', '--address', 'nope'], 104, /invalid --address "nope"/],
    // k6's messages and exit code (255) for the summary options.
    ['a bad percentile trend stat', ['run', '--url', 'http://127.0.0.1:1/', '--summary-trend-stats', 'avg,p(101)'], 255, /invalid percentile trend stat value 'p\(101\)', provide a number between 0 and 100/],
    ['an unknown trend stat', ['run', '--url', 'http://127.0.0.1:1/', '--summary-trend-stats', 'avg,mean'], 255, /invalid trend stat 'mean', unknown format/],
    ['a bad summary time unit', ['run', '--url', 'http://127.0.0.1:1/', '--summary-time-unit', 'ns'], 255, /invalid summary time unit 'ns', use 's', 'ms' or 'us'/],
    ['an unknown command', ['launch'], 255, /unknown command 'launch'/],
    ['a stage without a target', ['run', '--url', 'http://127.0.0.1:1/', '--stage', '10s'], 104, /invalid --stage "10s": expected duration:target/],
    ['--stage with --duration', ['run', '--url', 'http://127.0.0.1:1/', '--stage', '1s:2', '--duration', '5s'], 104, /multiple execution config shortcuts/],
    ['a network-wide address without a token', ['run', '--url', 'http://127.0.0.1:1/', '--address', '0.0.0.0:0'], 104, /reachable from the network: give --api-token/],
  ];

  test.each(cases)('%s gets one line on stderr and a non-zero exit', async (_name, args, code, message) => {
    const res = await runCli(args);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    // Nothing started: no banner, no summary.
    expect(res.stdout).toBe('');
  });

  test('an address already in use, given explicitly, exits 106 before any load', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['run', '--url', 'http://127.0.0.1:1/', '--duration', '5s', '--address', `127.0.0.1:${port}`]);
      expect(res.code).toBe(106);
      expect(res.stderr).toMatch(/cannot start the REST API/);
    } finally {
      blocker.close();
    }
  });
});

describe('the other commands', () => {
  test('version names volley and the engine', async () => {
    const res = await runCli(['version']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^volley v\d+\.\d+\.\d+ \(engine \d+\.\d+\.\d+, node v\d+/);
  });

  test('--help lists the commands', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    for (const cmd of ['run', 'demo', 'version']) expect(res.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  });
});
