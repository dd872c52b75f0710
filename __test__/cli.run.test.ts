import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

type Export = { metrics: Record<string, Record<string, number>> };

describe('volley run --url', () => {
  let target: CountingServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-run-'));

  beforeEach(async () => {
    target = await startCountingServer();
  });
  afterEach(() => target.close());

  test('http_reqs equals the number of requests the server counted', async () => {
    const file = join(dir, 'count.json');
    const res = await runCli(['run', '--url', target.url, '--vus', '5', '--duration', '2s', '--address', '', '--quiet', '--summary-export', file]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const exp = JSON.parse(readFileSync(file, 'utf8')) as Export;
    expect(exp.metrics.http_reqs.count).toBe(target.requests());
    expect(target.requests()).toBeGreaterThan(100);
    expect(exp.metrics.iterations.count).toBe(target.requests());
    // One keep-alive connection per VU.
    expect(target.connections()).toBe(5);
    expect(exp.metrics.http_req_failed.value).toBe(0);
    expect(exp.metrics.vus).toEqual({ value: 5, min: 5, max: 5 });
    expect(exp.metrics.data_received.count).toBeGreaterThan(target.requests() * 13);
  });

  test('phase timings are present and consistent', async () => {
    const file = join(dir, 'timings.json');
    const res = await runCli(['run', '--url', target.url, '--vus', '2', '--iterations', '200', '--address', '', '--quiet', '--summary-export', file]);
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    expect(m.http_reqs.count).toBe(200);
    expect(target.requests()).toBe(200);
    const phases = ['blocked', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving', 'duration'];
    for (const p of phases) {
      const t = m[`http_req_${p}`];
      expect(Object.keys(t).sort()).toEqual(['avg', 'max', 'med', 'min', 'p(90)', 'p(95)']);
      expect(t.min).toBeGreaterThanOrEqual(0);
      expect(t.min).toBeLessThanOrEqual(t.med);
      expect(t.med).toBeLessThanOrEqual(t['p(90)']);
      expect(t['p(90)']).toBeLessThanOrEqual(t['p(95)']);
      expect(t['p(95)']).toBeLessThanOrEqual(t.max);
    }
    // duration = sending + waiting + receiving, request by request, so the means add up too.
    const sum = m.http_req_sending.avg + m.http_req_waiting.avg + m.http_req_receiving.avg;
    expect(m.http_req_duration.avg).toBeCloseTo(sum, 3);
    // Plain HTTP: no TLS; two VUs connect once each, so most requests show no connecting time.
    expect(m.http_req_tls_handshaking.max).toBe(0);
    expect(m.http_req_connecting.max).toBeGreaterThan(0);
    expect(m.http_req_connecting.med).toBe(0);
    expect(m['http_req_duration{expected_response:true}'].max).toBe(m.http_req_duration.max);
  });

  test('the summary names every built-in metric and the API answers while it runs', async () => {
    const cli = startCli(['run', '--url', target.url, '--vus', '3', '--duration', '3s', '--address', '127.0.0.1:0']);
    const [, apiUrl] = await cli.waitFor(/REST API: (http:\/\/127\.0\.0\.1:\d+)/);
    await cli.waitFor(/running \(01/);
    const res = await fetch(`${apiUrl}/v1/status`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as { data: { attributes: Record<string, unknown> } };
    expect(body.data.attributes).toEqual({
      status: 7,
      paused: false,
      vus: 3,
      'vus-max': 3,
      stopped: false,
      running: true,
      tainted: false,
    });
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    for (const name of ['http_req_duration', 'http_req_failed', 'http_reqs', 'iteration_duration', 'iterations', 'vus', 'vus_max', 'data_received', 'data_sent']) {
      expect(stdout).toMatch(new RegExp(`^ +${name}\\.+: `, 'm'));
    }
    expect(stdout).toMatch(/\{ expected_response:true \}/);
  });

  test('a refused connection is a counted failure, not a crash', async () => {
    const closed = await startCountingServer();
    const url = closed.url;
    await closed.close();
    const file = join(dir, 'refused.json');
    const res = await runCli(['run', '--url', url, '--iterations', '20', '--address', '', '--quiet', '--summary-export', file]);
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    expect(m.http_reqs.count).toBe(20);
    expect(m.http_req_failed).toMatchObject({ value: 1, passes: 20, fails: 0 });
    expect(m['http_req_duration{expected_response:true}']).toBeUndefined();
  });
});
