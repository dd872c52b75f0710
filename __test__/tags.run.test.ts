/**
 * Tags end to end: user tags on every sample a VU makes (JSON and CSV outputs), sub-metrics
 * selected by them and by system tags, listed by the REST API and failing the run (exit 99,
 * abortOnFail), on the script path and on the native fast path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameRequest } from '../ts/script/hostLink';
import type { ScriptRequest } from '../ts/native';
import { runCli, startCli } from './support/cli';
import { startExampleServer, type ExampleServer } from './support/exampleServer';

interface JsonLine {
  type: string;
  metric: string;
  data: { tags?: Record<string, string>; value?: number; submetrics?: Array<{ name: string }> | null };
}

const points = (file: string, metric: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonLine)
    .filter((l) => l.type === 'Point' && l.metric === metric)
    .map((l) => l.data.tags ?? {});

describe('tags and sub-metrics', () => {
  let server: ExampleServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-tags-'));
  const script = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    server = await startExampleServer();
  });
  afterAll(() => server.close());

  test('user tags reach --out json and csv on every kind of sample; changed tags are not resent stale', async () => {
    const file = script(
      'tagged.js',
      `import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const hits = new Counter('hits');
export const options = { iterations: 1, tags: { env: 'test' } };
export default function () {
  // The same request three times with different tags: each sample keeps its own.
  for (const n of ['1', '2', '2']) http.get(__ENV.URL, { tags: { n } });
  exec.vu.tags.stage = 'two';
  exec.vu.tags.bad = { no: 1 };
  const r = http.get(__ENV.URL);
  check(r, { ok: (x) => x.status === 200 }, { c: 'yes' });
  group('g', () => hits.add(1, { k: 'v' }));
}
`,
    );
    const json = join(dir, 'tagged.json');
    const csv = join(dir, 'tagged.csv');
    const res = await runCli(['run', file, '-e', `URL=${server.url}/`, '--address', '', '--quiet', '--no-summary', '--out', `json=${json}`, '--out', `csv=${csv}`]);
    expect(res.code).toBe(0);
    // k6 discards a tag value that is not a string, number or boolean, with a warning.
    expect(res.stderr).toMatch(/level=warning msg="the execution.vu.tags.Set\('bad'\) operation has been discarded/);
    const reqs = points(json, 'http_reqs');
    expect(reqs.map((t) => [t.n, t.stage, t.env, t.scenario])).toEqual([
      ['1', undefined, 'test', 'default'],
      ['2', undefined, 'test', 'default'],
      ['2', undefined, 'test', 'default'],
      [undefined, 'two', 'test', 'default'],
    ]);
    expect(points(json, 'checks')).toEqual([{ c: 'yes', check: 'ok', env: 'test', group: '', scenario: 'default', stage: 'two' }]);
    expect(points(json, 'hits')).toEqual([{ env: 'test', group: '::g', k: 'v', scenario: 'default', stage: 'two' }]);
    expect(points(json, 'group_duration')).toEqual([{ env: 'test', group: '::g', scenario: 'default', stage: 'two' }]);
    expect(points(json, 'iterations')).toEqual([{ env: 'test', group: '', scenario: 'default', stage: 'two' }]);
    // CSV: tags without a column of their own go to extra_tags.
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const extra = header.indexOf('extra_tags');
    const checkRow = rows.find((r) => r.startsWith('checks,'))?.split(',') ?? [];
    expect(checkRow[extra]).toBe('c=yes&env=test&stage=two');
  });

  test('/v1/metrics lists each sub-metric as parent{selector} while the run goes on', async () => {
    const file = script(
      'live.js',
      `import http from 'k6/http';
import { sleep } from 'k6';
export const options = {
  vus: 1, duration: '4s',
  thresholds: { 'http_reqs{status:404}': ['count<1000000'], 'http_req_duration{ name: "home" }': ['p(95)<10000'], 'http_reqs{zone:none}': ['count<1'] },
};
export default function () {
  http.get(__ENV.URL + '/status/404');
  http.get(__ENV.URL + '/', { tags: { name: 'home' } });
  sleep(0.2);
}
`,
    );
    const run = startCli(['run', file, '-e', `URL=${server.url}`, '--address', '127.0.0.1:0', '--quiet', '--no-summary']);
    try {
      const [, api] = await run.waitFor(/REST API: (http:\/\/127\.0\.0\.1:\d+)/);
      await new Promise((r) => setTimeout(r, 2600));
      const list = (await (await fetch(`${api}/v1/metrics`)).json()) as { data: Array<{ id: string; attributes: { type: string; tainted: boolean | null; sample: Record<string, number> } }> };
      const byId = Object.fromEntries(list.data.map((m) => [m.id, m.attributes]));
      expect(byId['http_reqs{status:404}']).toMatchObject({ type: 'counter', tainted: false });
      expect(byId['http_reqs{status:404}'].sample.count).toBe(byId.http_reqs.sample.count / 2);
      // The id keeps the selector as typed, inside trimmed.
      expect(byId['http_req_duration{name: "home"}']).toMatchObject({ type: 'trend', tainted: false });
      // Not observed yet: no sample.
      expect(byId['http_reqs{zone:none}']).toBeUndefined();
      const one = await fetch(`${api}/v1/metrics/${encodeURIComponent('http_reqs{status:404}')}`);
      expect(one.status).toBe(200);
      expect((await run.done).code).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('native request lists honour sub-metrics on their system tags: a failing one exits 99', async () => {
    const file = script(
      'native.js',
      `export const requests = [__ENV.URL + '/', __ENV.URL + '/status/404'];
export const options = {
  scenarios: { fast: { executor: 'per-vu-iterations', vus: 1, iterations: 5, exec: 'requests', tags: { tier: 'native' } } },
  thresholds: { 'http_reqs{status:404}': ['count==0'], 'http_reqs{tier:native,status:200}': ['count==5'] },
};
`,
    );
    const exp = join(dir, 'native.export.json');
    const res = await runCli(['run', file, '-e', `URL=${server.url}`, '--address', '', '--quiet', '--summary-export', exp]);
    expect(res.code).toBe(99);
    const m = (JSON.parse(readFileSync(exp, 'utf8')) as { metrics: Record<string, { count: number; thresholds: Record<string, boolean> }> }).metrics;
    expect(m['http_reqs{status:404}']).toMatchObject({ count: 5, thresholds: { 'count==0': true } });
    expect(m['http_reqs{tier:native,status:200}']).toMatchObject({ count: 5, thresholds: { 'count==5': false } });
  });

  test('abortOnFail on a sub-metric stops the run', async () => {
    const file = script(
      'abort.js',
      `import http from 'k6/http';
export const options = {
  vus: 1, duration: '30s',
  thresholds: { 'http_reqs{status:404}': [{ threshold: 'count<1', abortOnFail: true }] },
};
export default function () { http.get(__ENV.URL + '/status/404'); }
`,
    );
    const started = Date.now();
    const res = await runCli(['run', file, '-e', `URL=${server.url}`, '--address', '', '--quiet', '--no-summary']);
    expect(res.code).toBe(99);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res.stderr).toContain("thresholds on metrics 'http_reqs{status:404}' were crossed");
  });

  test('a bad selector is refused before the run', async () => {
    const file = script('bad.js', `export const options = { thresholds: { 'http_reqs{:1}': ['count>0'] } };\nexport default function () {}\n`);
    const res = await runCli(['run', file, '--address', '', '--quiet']);
    expect(res.code).toBe(104);
    expect(res.stderr).toContain("invalid threshold key 'http_reqs{:1}'");
  });
});

describe('sameRequest (the resend path)', () => {
  const req = (tags?: Array<{ name: string; value: string }>): ScriptRequest => ({ method: 'GET', url: 'http://x/', headers: [], timeoutMs: 1000, tags });
  test('equal tag lists are the same request, different ones are not', () => {
    const shared = [{ name: 'a', value: '1' }];
    expect(sameRequest(req(shared), req(shared))).toBe(true);
    expect(sameRequest(req([{ name: 'a', value: '1' }]), req([{ name: 'a', value: '1' }]))).toBe(true);
    expect(sameRequest(req(), req())).toBe(true);
    expect(sameRequest(req(shared), req([{ name: 'a', value: '2' }]))).toBe(false);
    expect(sameRequest(req(shared), req())).toBe(false);
  });
});
