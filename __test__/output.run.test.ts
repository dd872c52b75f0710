/**
 * `--out json`, `--out csv` and `--junit` through the real CLI: every sample the run counted is
 * in the files (k6's rule: http_reqs points == the http_reqs count), in k6's formats.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli, type CliResult } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

type Export = { metrics: Record<string, Record<string, number>> };
type Line =
  | { type: 'Metric'; metric: string; data: { name: string; type: string; contains: string; thresholds: unknown[]; submetrics: unknown } }
  | { type: 'Point'; metric: string; data: { time: string; value: number; tags: Record<string, string> } };

const CSV_HEADER =
  'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata';
/** Go's RFC 3339 with nanoseconds: fraction without trailing zeros, `Z` or `+hh:mm`. */
const GO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?(Z|[+-]\d\d:\d\d)$/;

/** runCli with extra environment (jest's `process.env` is a sandbox copy children do not see). */
function runCliWithEnv(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function jsonLines(path: string): { raw: string[]; lines: Line[] } {
  const raw = readFileSync(path, 'utf8').split('\n');
  expect(raw.pop()).toBe('');
  return { raw, lines: raw.map((l) => JSON.parse(l) as Line) };
}

function points(lines: Line[], metric: string): Array<Extract<Line, { type: 'Point' }>> {
  return lines.filter((l): l is Extract<Line, { type: 'Point' }> => l.type === 'Point' && l.metric === metric);
}

describe('volley run --out', () => {
  let target: CountingServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-out-'));

  beforeEach(async () => {
    target = await startCountingServer();
  });
  afterEach(() => target.close());

  test('json: one point per sample, as many as the summary counted, in k6 field order', async () => {
    const out = join(dir, 'run.json');
    const summary = join(dir, 'run-summary.json');
    const res = await runCli(['run', '--url', target.url, '--vus', '5', '--iterations', '300', '--address', '', '--quiet', '--out', `json=${out}`, '--summary-export', summary]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(summary, 'utf8')) as Export).metrics;
    const { raw, lines } = jsonLines(out);

    // k6's rule, and the issue's bar.
    expect(points(lines, 'http_reqs')).toHaveLength(m.http_reqs.count);
    expect(points(lines, 'http_req_duration')).toHaveLength(m.http_reqs.count);
    expect(m.http_reqs.count).toBe(target.requests());
    expect(points(lines, 'iterations')).toHaveLength(m.iterations.count);
    for (const phase of ['blocked', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving', 'failed']) {
      expect(points(lines, `http_req_${phase}`)).toHaveLength(300);
    }
    const sum = (metric: string) => points(lines, metric).reduce((n, p) => n + p.data.value, 0);
    expect(sum('data_sent')).toBe(m.data_sent.count);
    expect(sum('data_received')).toBe(m.data_received.count);
    expect(sum('http_req_failed')).toBe(0);

    // A Metric line once per metric, before its first point.
    const declared = new Set<string>();
    for (const l of lines) {
      if (l.type === 'Metric') {
        expect(declared.has(l.metric)).toBe(false);
        declared.add(l.metric);
      } else {
        expect(declared.has(l.metric)).toBe(true);
      }
    }
    expect([...declared].sort()).toEqual(
      expect.arrayContaining(['data_received', 'data_sent', 'http_req_duration', 'http_req_failed', 'http_reqs', 'iteration_duration', 'iterations']),
    );

    // Field order and forms as k6 v0.49 writes them (golden out-json-cvus-head.txt).
    const decl = raw.find((l) => l.startsWith('{"type":"Metric","data":{"name":"http_req_duration"'));
    expect(decl).toBe(
      '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":[{"name":"http_req_duration{expected_response:true}","suffix":"expected_response:true","tags":{"expected_response":"true"}}]},"metric":"http_req_duration"}',
    );
    const first = raw.find((l) => l.startsWith('{"metric":"http_reqs"'))!;
    expect(first).toMatch(/^\{"metric":"http_reqs","type":"Point","data":\{"time":"[^"]+","value":1,"tags":\{/);
    const p = points(lines, 'http_reqs')[0];
    expect(p.data.time).toMatch(GO_TIME);
    expect(Object.keys(p.data.tags)).toEqual(['expected_response', 'group', 'method', 'name', 'proto', 'scenario', 'status', 'url']);
    expect(p.data.tags).toEqual({
      expected_response: 'true',
      group: '',
      method: 'GET',
      name: target.url,
      proto: 'HTTP/1.1',
      scenario: 'default',
      status: '200',
      url: target.url,
    });
    expect(points(lines, 'iterations')[0].data.tags).toEqual({ group: '', scenario: 'default' });
  });

  test('csv: k6 header, one row per sample', async () => {
    const out = join(dir, 'run.csv');
    const summary = join(dir, 'csv-summary.json');
    const res = await runCli(['run', '--url', target.url, '--vus', '2', '--iterations', '120', '--address', '', '--quiet', '--out', `csv=${out}`, '--summary-export', summary]);
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(summary, 'utf8')) as Export).metrics;
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe(CSV_HEADER);
    const body = rows.slice(1).map((r) => r.split(','));
    for (const r of body) expect(r).toHaveLength(19);
    const rowsOf = (metric: string) => body.filter((r) => r[0] === metric);
    expect(rowsOf('http_reqs')).toHaveLength(m.http_reqs.count);
    expect(rowsOf('http_req_duration')).toHaveLength(m.http_reqs.count);
    expect(rowsOf('iterations')).toHaveLength(m.iterations.count);
    const vus = rowsOf('vus').length + rowsOf('vus_max').length;
    expect(body).toHaveLength(11 * m.http_reqs.count + 2 * m.iterations.count + vus);
    const [name, timestamp, value, check, error, errorCode, expected, group, method, tagName, proto, scenario, service, status, subproto, tls, url, extra, metadata] =
      rowsOf('http_reqs')[0];
    expect(name).toBe('http_reqs');
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(120);
    expect([value, check, error, errorCode, expected, group, method, tagName, proto, scenario, service, status, subproto, tls, url, extra, metadata]).toEqual([
      '1.000000', '', '', '', 'true', '', 'GET', target.url, 'HTTP/1.1', 'default', '', '200', '', '', target.url, '', '',
    ]);
    expect(rowsOf('http_req_duration')[0][2]).toMatch(/^\d+\.\d{6}$/);
  });

  test('two outputs at once hold the same samples', async () => {
    const json = join(dir, 'both.json');
    const csv = join(dir, 'both.csv');
    const res = await runCli(['run', '--url', target.url, '--vus', '3', '--iterations', '90', '--address', '', '--quiet', '-o', `json=${json}`, '--out', `csv=${csv}`]);
    expect(res.code).toBe(0);
    const { lines } = jsonLines(json);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1);
    const jsonPoints = lines.filter((l) => l.type === 'Point');
    expect(rows).toHaveLength(jsonPoints.length);
    expect(rows.map((r) => r.split(',')[0])).toEqual(jsonPoints.map((p) => p.metric));
    expect(points(lines, 'http_reqs')).toHaveLength(90);
  });

  test('an unknown output type is refused before the run: exit 104, one line', async () => {
    const res = await runCli(['run', '--url', target.url, '--address', '', '--quiet', '--out', 'influxdb=http://localhost:8086/k6']);
    expect(res.code).toBe(104);
    expect(res.stderr).toBe("volley: invalid output type 'influxdb', available types are: json, csv\n");
    expect(target.requests()).toBe(0);
  });

  test('an output without a file, or a file that cannot be made, is refused before the run', async () => {
    const noFile = await runCli(['run', '--url', target.url, '--address', '', '--quiet', '--out', 'json']);
    expect(noFile.code).toBe(104);
    expect(noFile.stderr).toBe('volley: --out json needs a file: --out json=results.json\n');
    const badPath = await runCli(['run', '--url', target.url, '--address', '', '--quiet', '--out', `csv=${join(dir, 'missing-dir', 'x.csv')}`]);
    expect(badPath.code).toBe(104);
    expect(badPath.stderr).toMatch(/level=error msg="cannot create the output file .*missing-dir\/x\.csv: /);
    expect(badPath.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(target.requests()).toBe(0);
  });

  test('a writer that cannot keep up drops samples, counts them and says so', async () => {
    const out = join(dir, 'tiny.json');
    const summary = join(dir, 'tiny-summary.json');
    // A one-entry queue between 20 VUs and the writer.
    const res = await runCliWithEnv(['run', '--url', target.url, '--vus', '20', '--duration', '2s', '--address', '', '--quiet', '--out', `json=${out}`, '--summary-export', summary], {
      VOLLEY_OUTPUT_QUEUE: '1',
    });
    expect(res.code).toBe(0);
    const warning = /level=warning msg="the outputs could not keep up: (\d+) of (\d+) samples were dropped \(the files hold (\d+)\)"/.exec(res.stderr);
    expect(warning).not.toBeNull();
    const [dropped, total, held] = warning!.slice(1).map(Number);
    expect(dropped).toBeGreaterThan(0);
    const m = (JSON.parse(readFileSync(summary, 'utf8')) as Export).metrics;
    const { lines } = jsonLines(out);
    const written = lines.filter((l) => l.type === 'Point');
    expect(written).toHaveLength(held);
    const vus = points(lines, 'vus').length + points(lines, 'vus_max').length;
    // Nothing lost silently: written + dropped == every sample the run made.
    expect(total).toBe(11 * m.http_reqs.count + 2 * m.iterations.count + vus);
    expect(held + dropped).toBe(total);
  });
});

describe('volley run SCRIPT --out json', () => {
  let target: CountingServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-out-script-'));

  beforeEach(async () => {
    target = await startCountingServer();
  });
  afterEach(() => target.close());

  test('checks, groups and requests carry the check, group and scenario tags', async () => {
    const script = join(dir, 'tagged.js');
    writeFileSync(
      script,
      `import http from 'k6/http';
import { check, group } from 'k6';
export const options = {
  scenarios: { smoke: { executor: 'shared-iterations', vus: 2, iterations: 6 } },
  thresholds: { http_req_duration: ['p(95)<5000'], checks: ['rate>0.4'] },
};
export default async function () {
  await group('visit homepage', async () => {
    const r = await http.get(__ENV.URL);
    check(r, { 'status is 200': (x) => x.status === 200, 'body is empty': (x) => x.body === '' });
  });
}
`,
    );
    const out = join(dir, 'tagged.json');
    const summary = join(dir, 'tagged-summary.json');
    // Not --no-summary: as in k6, a disabled summary writes no --summary-export file either.
    const res = await runCli(['run', script, '-e', `URL=${target.url}`, '--address', '', '--quiet', '--out', `json=${out}`, '--summary-export', summary]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = (JSON.parse(readFileSync(summary, 'utf8')) as Export).metrics;
    const { raw, lines } = jsonLines(out);

    expect(points(lines, 'http_reqs')).toHaveLength(m.http_reqs.count);
    expect(points(lines, 'http_req_duration')).toHaveLength(6);
    const checks = points(lines, 'checks');
    expect(checks).toHaveLength(12);
    expect(checks.filter((c) => c.data.value === 1)).toHaveLength(6);
    expect(checks[0].data.tags).toEqual({ check: 'status is 200', group: '::visit homepage', scenario: 'smoke' });
    expect(checks.find((c) => c.data.value === 0)!.data.tags.check).toBe('body is empty');
    const groups = points(lines, 'group_duration');
    expect(groups).toHaveLength(6);
    expect(groups[0].data.tags).toEqual({ group: '::visit homepage', scenario: 'smoke' });
    // Nanosecond resolution, as k6's Go durations: no float noise from performance.now().
    for (const g of groups) expect(String(g.data.value)).toMatch(/^\d+(\.\d{1,6})?$/);
    expect(points(lines, 'http_reqs')[0].data.tags).toMatchObject({ group: '::visit homepage', scenario: 'smoke', status: '200', method: 'GET' });
    expect(points(lines, 'iterations')[0].data.tags).toEqual({ group: '', scenario: 'smoke' });
    // The test's thresholds are declared on their metrics.
    expect(raw.find((l) => l.startsWith('{"type":"Metric","data":{"name":"checks"'))).toBe(
      '{"type":"Metric","data":{"name":"checks","type":"rate","contains":"default","thresholds":["rate>0.4"],"submetrics":null},"metric":"checks"}',
    );
  });
});

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** Enough XML to check a JUnit report's shape: elements, attributes, text, entities. */
function parseXml(xml: string): XmlNode {
  const decode = (s: string) =>
    s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_m, e: string) =>
      e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e],
    );
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/gy;
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  let m: RegExpExecArray | null;
  while ((m = token.exec(body))) {
    const [, closing, name, attrText, selfClosing, text] = m;
    const top = stack[stack.length - 1];
    if (text !== undefined) {
      top.text += decode(text);
    } else if (closing) {
      expect(top.name).toBe(name);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([\w:.-]+)="([^"]*)"/g)) attrs[a[1]] = decode(a[2]);
      const node: XmlNode = { name, attrs, children: [], text: '' };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  expect(token.lastIndex === 0 || token.lastIndex === body.length).toBe(true);
  expect(stack).toHaveLength(1);
  expect(root.children).toHaveLength(1);
  return root.children[0];
}

describe('volley run --junit', () => {
  let target: CountingServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-junit-'));

  beforeEach(async () => {
    target = await startCountingServer();
  });
  afterEach(() => target.close());

  test('one test case per threshold and per check, failures with their values', async () => {
    const script = join(dir, 'verdict.js');
    writeFileSync(
      script,
      `import http from 'k6/http';
import { check, group } from 'k6';
export const options = {
  vus: 1,
  iterations: 4,
  thresholds: {
    http_req_duration: ['p(95)<5000'],
    http_reqs: ['count>100'],
    checks: ['rate>0.9'],
    'http_req_duration{status:200}': ['max<5000'],
  },
};
export default async function () {
  const r = await http.get(__ENV.URL);
  check(r, { 'status is 200': (x) => x.status === 200 });
  await group('api & <tags>', async () => {
    check(r, { 'says "hi"': (x) => x.body.includes('hi') });
  });
}
`,
    );
    const report = join(dir, 'report.xml');
    const res = await runCli(['run', script, '-e', `URL=${target.url}`, '--address', '', '--quiet', '--no-summary', '--junit', report]);
    expect(res.code).toBe(99);
    const root = parseXml(readFileSync(report, 'utf8'));

    // The JUnit schema's shape: testsuites > testsuite > testcase > failure.
    expect(root.name).toBe('testsuites');
    for (const attr of ['name', 'tests', 'failures', 'time']) expect(root.attrs).toHaveProperty(attr);
    expect(root.children.map((s) => s.name)).toEqual(['testsuite', 'testsuite']);
    let tests = 0;
    let failures = 0;
    for (const suite of root.children) {
      for (const attr of ['name', 'tests', 'failures', 'time']) expect(suite.attrs).toHaveProperty(attr);
      expect(Number(suite.attrs.time)).toBeGreaterThan(0);
      expect(suite.children.every((c) => c.name === 'testcase')).toBe(true);
      expect(Number(suite.attrs.tests)).toBe(suite.children.length);
      const failed = suite.children.filter((c) => c.children.some((f) => f.name === 'failure'));
      expect(Number(suite.attrs.failures)).toBe(failed.length);
      for (const c of suite.children) {
        for (const attr of ['name', 'classname', 'time']) expect(c.attrs).toHaveProperty(attr);
        for (const f of c.children) {
          expect(f.name).toBe('failure');
          expect(f.attrs).toHaveProperty('message');
        }
      }
      tests += suite.children.length;
      failures += failed.length;
    }
    expect(Number(root.attrs.tests)).toBe(tests);
    expect(Number(root.attrs.failures)).toBe(failures);

    const [thresholds, checks] = root.children;
    expect(thresholds.attrs.name).toBe('thresholds');
    const byName = Object.fromEntries(thresholds.children.map((c) => [c.attrs.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['checks - rate>0.9', 'http_req_duration - p(95)<5000', 'http_req_duration{status:200} - max<5000', 'http_reqs - count>100']);
    expect(byName['http_req_duration - p(95)<5000'].children).toEqual([]);
    const failure = byName['http_reqs - count>100'].children[0];
    expect(failure.name).toBe('failure');
    expect(failure.attrs.message).toBe('count>100 failed: count=4');
    expect(byName['checks - rate>0.9'].children[0].attrs.message).toBe('rate>0.9 failed: rate=0.5');
    // A sub-metric's threshold is evaluated like any other (every request here got a 200).
    expect(byName['http_req_duration{status:200} - max<5000'].children).toEqual([]);
    expect(thresholds.attrs.failures).toBe('2');

    expect(checks.attrs.name).toBe('checks');
    expect(checks.children.map((c) => [c.attrs.name, c.attrs.classname])).toEqual([
      ['::status is 200', 'checks'],
      ['::api & <tags>::says "hi"', 'checks::api & <tags>'],
    ]);
    expect(checks.children[0].children).toEqual([]);
    const checkFailure = checks.children[1].children[0];
    expect(checkFailure.attrs.message).toBe('4 of 4 failed');
    expect(checkFailure.text).toBe('passes: 0, fails: 4');
  });
});
