/**
 * Every script in examples/ runs through the CLI against a local server, and what the run
 * reported (the summary export) is compared with what the server saw and with the values the
 * script makes predictable: request counts, check passes and fails, custom metric values.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './support/cli';
import { startExampleServer, type ExampleServer, type SeenRequest } from './support/exampleServer';

const EXAMPLES = join(__dirname, '..', 'examples');

type Values = Record<string, number> & { thresholds?: Record<string, boolean> };

interface ExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportGroup>;
  checks: Record<string, { name: string; path: string; id: string; passes: number; fails: number }>;
}

interface Export {
  metrics: Record<string, Values>;
  root_group: ExportGroup;
}

interface ExampleRun extends CliResult {
  exp: Export;
  metric: (name: string) => Values;
  /** Check path (`::group::name`) -> [passes, fails]. */
  checks: Record<string, [number, number]>;
  /** Group path -> id, every group of the tree. */
  groups: Record<string, string>;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function flatten(g: ExportGroup, checks: ExampleRun['checks'], groups: ExampleRun['groups']): void {
  for (const c of Object.values(g.checks)) checks[c.path] = [c.passes, c.fails];
  for (const child of Object.values(g.groups)) {
    groups[child.path] = child.id;
    flatten(child, checks, groups);
  }
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /level=error/.test(l));

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const header = (r: SeenRequest, name: string) => String(r.headers[name] ?? '');

describe('examples/', () => {
  let server: ExampleServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-examples-'));

  beforeAll(async () => {
    server = await startExampleServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  async function run(script: string, extra: string[] = []): Promise<ExampleRun> {
    const file = join(dir, `${script}.export.json`);
    const res = await runCli(['run', join(EXAMPLES, script), '-e', `BASE_URL=${server.url}`, '--quiet', '--address', '', '--summary-export', file, ...extra]);
    let exp: Export;
    try {
      exp = JSON.parse(readFileSync(file, 'utf8')) as Export;
    } catch {
      throw new Error(`${script} wrote no summary export (exit ${res.code}):\n${res.stderr}`);
    }
    const checks: ExampleRun['checks'] = {};
    const groups: ExampleRun['groups'] = {};
    flatten(exp.root_group, checks, groups);
    const metric = (name: string) => {
      const m = exp.metrics[name];
      if (!m) throw new Error(`${script}: no metric ${name} in the export (${Object.keys(exp.metrics).join(', ')})`);
      return m;
    };
    return { ...res, exp, metric, checks, groups };
  }

  /**
   * Exit 0, nothing on stderr but k6's "Request Failed" warning for each request that got no
   * response (`failed` of them), and every request the run counted reached the server.
   */
  function expectClean(r: ExampleRun, failed = 0): void {
    expectOnlyFailureWarnings(r, failed);
    expect(r.code).toBe(0);
    expect(r.metric('http_reqs').count).toBe(server.seen().length);
  }

  function expectOnlyFailureWarnings(r: ExampleRun, failed: number): void {
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !/level=warning msg="Request Failed" error="/.test(l))).toEqual([]);
    expect(lines).toHaveLength(failed);
  }

  function expectChecks(r: ExampleRun, passes: number, fails: number): void {
    expect({ passes: r.metric('checks').passes, fails: r.metric('checks').fails }).toEqual({ passes, fails });
  }

  test('http-methods.js: every verb and body kind, 4 shared iterations of 10 requests', async () => {
    const r = await run('http-methods.js');
    expectClean(r);
    expect(r.metric('iterations').count).toBe(4);
    expect(r.metric('http_reqs').count).toBe(40);
    expectChecks(r, 4 * 14, 0);
    for (const [path, counts] of Object.entries(r.checks)) expect({ path, counts }).toEqual({ path, counts: [4, 0] });
    const methods: Record<string, number> = {};
    for (const s of server.seen()) methods[s.method] = (methods[s.method] ?? 0) + 1;
    expect(methods).toEqual({ GET: 4, POST: 16, PUT: 4, PATCH: 4, DELETE: 4, HEAD: 4, OPTIONS: 4 });
    const uploads = server.seen().filter((s) => header(s, 'content-type').startsWith('multipart/form-data; boundary='));
    expect(uploads).toHaveLength(4);
    expect(uploads[0].body).toMatch(/^--([0-9a-f]{60})\r\nContent-Disposition: form-data; name="title"\r\n\r\nnotes\r\n--\1\r\n/);
    const forms = server.seen().filter((s) => header(s, 'content-type') === 'application/x-www-form-urlencoded');
    expect(forms.map((s) => s.body)).toEqual(Array(4).fill('note=hello+world&user=alice'));
  });

  test('request-params.js: headers, tags, timeouts and response types, 2 VUs x 2 iterations', async () => {
    const r = await run('request-params.js');
    // The 4 timed-out requests: k6 warns of each.
    expectClean(r, 4);
    expect(r.metric('iterations').count).toBe(4);
    expect(r.metric('http_reqs').count).toBe(24);
    expectChecks(r, 4 * 9, 0);
    // The 4 timed-out requests are the only failed ones.
    expect(r.metric('http_req_failed')).toMatchObject({ passes: 4, fails: 20 });
    const ids = server.seenAt('/echo').map((s) => header(s, 'x-request-id')).sort();
    expect(ids).toEqual(['vu1-it0', 'vu1-it1', 'vu2-it0', 'vu2-it1']);
  });

  test('response-fields.js: status, body, headers, timings, json(), url, error and error_code', async () => {
    const port = await closedPort();
    const r = await run('response-fields.js', ['-e', `CLOSED_URL=http://127.0.0.1:${port}/`]);
    // The refused request of each iteration: k6 warns of each.
    expectOnlyFailureWarnings(r, 3);
    expect(r.code).toBe(0);
    expect(r.metric('iterations').count).toBe(3);
    // 3 requests per iteration; the refused one never reaches the server but is still counted.
    expect(r.metric('http_reqs').count).toBe(9);
    expect(server.seen()).toHaveLength(6);
    expect(r.metric('http_req_failed')).toMatchObject({ passes: 6, fails: 3 });
    expectChecks(r, 3 * 19, 0);
  });

  test('redirects-cookies.js: redirect hops are requests; each VU sends back only its own cookie', async () => {
    const r = await run('redirects-cookies.js');
    expectClean(r);
    expect(r.metric('iterations').count).toBe(6);
    // Per iteration: /redirect + /, 3 chain hops + /, one unfollowed 302, set, echo, echo.
    expect(r.metric('http_reqs').count).toBe(60);
    expectChecks(r, 6 * 9, 0);
    expect(server.seenAt('/redirect/chain')).toHaveLength(18);
    expect(server.seenAt('/')).toHaveLength(12);
    // The jar starts empty each iteration: the first request carries no cookie.
    expect(server.seenAt('/redirect').map((s) => header(s, 'cookie'))).toEqual(Array(12).fill(''));
    const echoed = server.seenAt('/cookies/echo').map((s) => /session=(vu\d)/.exec(header(s, 'cookie'))?.[1]);
    const perVu: Record<string, number> = {};
    for (const v of echoed) perVu[String(v)] = (perVu[String(v)] ?? 0) + 1;
    expect(perVu).toEqual({ vu1: 4, vu2: 4, vu3: 4 });
  });

  test('batch-async.js: batch lists and maps, awaited asyncRequest, response callbacks, 10 requests per iteration', async () => {
    const r = await run('batch-async.js');
    expectClean(r);
    const n = r.metric('iterations').count;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(r.metric('http_reqs').count).toBe(10 * n);
    expectChecks(r, 5 * n, 0);
    // The 404 and 410 answers are expected by the script's response callbacks: nothing failed.
    expect(r.metric('http_req_failed')).toMatchObject({ passes: 0, fails: 10 * n });
    expect(server.seen().filter((s) => header(s, 'x-batch') === 'list')).toHaveLength(n);
  });

  test('checks-groups.js: nested groups with md5 ids, one check failing every iteration', async () => {
    const r = await run('checks-groups.js');
    expectClean(r);
    const n = r.metric('iterations').count;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(r.metric('http_reqs').count).toBe(3 * n);
    expect(r.checks).toEqual({
      '::group returned the status': [n, 0],
      '::home page::home is 200': [n, 0],
      '::home page::home greets': [n, 0],
      '::home page::catalog::two items': [n, 0],
      '::missing page::missing page is 200': [0, n],
      '::missing page::missing page is 404': [n, 0],
    });
    expectChecks(r, 5 * n, n);
    const paths = ['::home page', '::home page::catalog', '::missing page'];
    expect(r.groups).toEqual(Object.fromEntries(paths.map((p) => [p, md5(p)])));
    expect(r.metric('vus_max').value).toBe(3);
  });

  test('custom-metrics.js: Counter, Gauge, Rate and Trend end at the values the script fixes', async () => {
    const r = await run('custom-metrics.js');
    expectClean(r);
    expect(r.metric('iterations').count).toBe(10);
    expect(r.metric('orders_placed').count).toBe(30);
    expect(r.metric('cart_size')).toEqual({ value: 42, min: 7, max: 42 });
    expect(r.metric('order_ok')).toEqual({ passes: 30, fails: 10, value: 0.75 });
    expect(r.metric('order_total')).toEqual({ avg: 20, min: 10, med: 20, max: 30, 'p(90)': 30, 'p(95)': 30 });
    // A time Trend of res.timings.duration holds the same samples as http_req_duration.
    const latency = r.metric('order_latency');
    const duration = r.metric('http_req_duration');
    for (const stat of ['avg', 'min', 'med', 'max']) expect(latency[stat]).toBeCloseTo(duration[stat], 6);
  });

  test('lifecycle.js: setup data reaches every VU, teardown gets it back, handleSummary writes its outputs', async () => {
    const file = join(dir, 'lifecycle-summary.json');
    const r = await run('lifecycle.js', ['-e', `SUMMARY_FILE=${file}`]);
    expectClean(r);
    // handleSummary's stdout replaces the default summary.
    expect(r.stdout).toBe('lifecycle: 8 requests, 14 checks passed, 0 failed\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      requests: 8,
      checks: { rate: 1, passes: 14, fails: 0 },
      setupData: { token: 'token-26', seen: 0 },
      groups: ['setup', 'teardown'],
    });
    expect(r.metric('iterations').count).toBe(6);
    expect(r.checks).toEqual({
      '::setup::logged in': [1, 0],
      '::token from setup is sent': [6, 0],
      '::data is per VU': [6, 0],
      '::teardown::logged out': [1, 0],
    });
    const seen = server.seen();
    // An object body is a form with its keys sorted, as k6 (Go's url.Values) encodes it.
    expect(seen[0]).toMatchObject({ method: 'POST', body: 'password=secret&user=admin' });
    expect(seen.filter((s) => header(s, 'authorization') === 'Bearer token-26')).toHaveLength(6);
    // teardown() gets setup()'s data, not a VU's changed copy.
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', query: { token: 'token-26', seen: '0' } });
  });

  test('shared-data.js: SharedArray from open(), k6/execution ids and scenario, basic auth', async () => {
    const r = await run('shared-data.js');
    expectClean(r);
    expect(r.metric('iterations').count).toBe(8);
    expectChecks(r, 8 * 6, 0);
    const users = server.seen().map((s) => Buffer.from(header(s, 'authorization').replace(/^Basic /, ''), 'base64').toString());
    expect(users.sort()).toEqual(['alice:wonderland', 'alice:wonderland', 'bob:builder', 'bob:builder', 'carol:singer', 'carol:singer', 'dave:grohl', 'dave:grohl']);
    expect(new Set(server.seen().map((s) => s.query.scenario))).toEqual(new Set(['logins']));
  });

  test('encoding.js: base64 variants, with the run shape from --iterations', async () => {
    const r = await run('encoding.js', ['--iterations', '3']);
    expectClean(r);
    expect(r.metric('iterations').count).toBe(3);
    expect(r.metric('http_reqs').count).toBe(6);
    expectChecks(r, 3 * 10, 0);
    const tokens = server.seenAt('/echo').map((s) => JSON.parse(Buffer.from(s.body, 'base64url').toString()) as unknown);
    expect(tokens).toEqual([0, 1, 2].map((iter) => ({ sub: 'vu-1', iter })));
  });

  test('helper-module.js: an imported helper module; a module-level counter counts per VU', async () => {
    const r = await run('helper-module.js');
    expectClean(r);
    const n = r.metric('iterations').count;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(r.metric('http_reqs').count).toBe(2 * n);
    expectChecks(r, 4 * n, 0);
    // Each VU numbered its purchases 1, 2, 3... on its own.
    const byVu: Record<string, number[]> = {};
    for (const s of server.seenAt('/echo')) (byVu[s.query.vu] ??= []).push(Number(s.query.n));
    expect(Object.keys(byVu).sort()).toEqual(['1', '2', '3']);
    for (const ns of Object.values(byVu)) expect(ns).toEqual(ns.map((_, i) => i + 1));
  });

  test('arrival-rate.js: constant-arrival-rate starts 20 iterations in its second', async () => {
    const r = await run('arrival-rate.js');
    expectClean(r);
    const started = r.metric('iterations').count;
    const dropped = r.exp.metrics.dropped_iterations?.count ?? 0;
    expect(started + dropped).toBe(20);
    expect(r.metric('http_reqs').count).toBe(started);
    expectChecks(r, 2 * started, 0);
  });

  test('thresholds.js: thresholds on built-in and custom metrics all pass, exit 0', async () => {
    const r = await run('thresholds.js');
    expectClean(r);
    // In the export a threshold's value is true when it FAILED (k6's legacy quirk).
    const thresholds = Object.fromEntries(Object.entries(r.exp.metrics).filter(([, m]) => m.thresholds).map(([k, m]) => [k, m.thresholds]));
    expect(thresholds).toEqual({
      http_req_duration: { 'p(95)<2000': false, 'avg<1000': false },
      'http_req_duration{expected_response:true}': { 'max<5000': false },
      http_req_failed: { 'rate<0.01': false },
      checks: { 'rate==1.0': false },
      iterations: { 'count>0': false },
      page_views: { 'count>=2': false },
      errors: { 'rate<0.1': false },
      body_size: { 'min>0': false, 'p(99)<100000': false },
    });
    expect(r.metric('page_views').count).toBe(r.metric('iterations').count);
  });

  test('tags-submetrics.js: thresholds on sub-metrics by system and user tags all hold, exit 0; one made to fail, exit 99', async () => {
    const r = await run('tags-submetrics.js');
    expectClean(r);
    expect(r.metric('http_reqs').count).toBe(36);
    // Each selector's sub-metric is in the export under its key, with its own thresholds.
    expect(r.metric('http_reqs{status:404}')).toMatchObject({ count: 6, thresholds: { 'count==6': false } });
    expect(r.metric('http_reqs{name:item}')).toMatchObject({ count: 12 });
    expect(r.metric('http_reqs{method:POST,group:::cart}')).toMatchObject({ count: 6 });
    expect(r.metric('http_reqs{team:shop,flow:browse}')).toMatchObject({ count: 36 });
    expect(r.metric('checks{mytag:x}')).toMatchObject({ value: 1, passes: 6, fails: 0 });
    expect(r.metric('cart_value{currency:eur}')).toMatchObject({ avg: 20, min: 10, max: 30, thresholds: { 'avg==20': false, 'min==10': false } });
    expect(r.metric('cart_value').max).toBe(99);
    expect(r.metric('iterations{phase:last}')).toMatchObject({ count: 2 });
    expect(r.metric('iteration_duration{scenario:browse}').thresholds).toEqual({ 'max<30000': false });
    expect(r.metric('http_req_duration{name:home}').thresholds).toEqual({ 'p(95)<5000': false });
    // The summary shows each sub-metric under its parent, marked by its thresholds.
    const legacy = await runCli(['run', join(EXAMPLES, 'tags-submetrics.js'), '-e', `BASE_URL=${server.url}`, '--quiet', '--address', '', '--summary-mode', 'legacy']);
    expect(legacy.code).toBe(0);
    const lines = legacy.stdout.split('\n');
    const at = (prefix: RegExp) => lines.findIndex((l) => prefix.test(l));
    expect(at(/^ {5}http_reqs\.+: 36 /)).toBeGreaterThan(0);
    expect(lines.slice(at(/^ {5}http_reqs\.+: /) + 1, at(/^ {5}http_reqs\.+: /) + 5).map((l) => l.replace(/\.+:.*/, ''))).toEqual([
      '     ✓ { method:POST,group:::cart }',
      '     ✓ { name:item }',
      '     ✓ { status:404 }',
      '     ✓ { team:shop,flow:browse }',
    ]);
    expect(lines[at(/^ {5}checks\.+: /) + 1]).toMatch(/^ {5}✓ \{ mytag:x \}\.+: 100\.00% ✓ 6 +✗ 0/);

    const strict = await run('tags-submetrics.js', ['-e', 'STRICT=1']);
    expect(strict.code).toBe(99);
    expect(strict.metric('http_reqs{status:404}').thresholds).toEqual({ 'count==0': true });
    expect(errorLines(strict.stderr).join('\n')).toContain("thresholds on metrics 'http_reqs{status:404}' have been crossed");
  });

  test('errors-fail.js: fail() ends its iteration with the script line logged; the run goes on and exits 0', async () => {
    const r = await run('errors-fail.js');
    expect(r.code).toBe(0);
    const source = readFileSync(join(EXAMPLES, 'errors-fail.js'), 'utf8').split('\n');
    const failLine = source.findIndex((l) => l.includes('fail(`unexpected status')) + 1;
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('unexpected status 404 on iteration 2');
    expect(errors[1]).toContain('unexpected status 404 on iteration 5');
    for (const line of errors) expect(line).toContain(`errors-fail.js:${failLine}:`);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.metric('iterations').count).toBe(6);
    expect(r.metric('http_reqs').count).toBe(server.seen().length);
    expect(r.metric('http_reqs').count).toBe(6);
    expectChecks(r, 4, 2);
    expect(r.metric('completed_iterations').count).toBe(4);
    expect(r.metric('caught_errors').count).toBe(4);
  });
});
