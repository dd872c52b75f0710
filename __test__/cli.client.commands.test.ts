/**
 * `volley status|pause|resume|scale|stats` against a fake API that replays k6's own answers
 * (the golden captures): the exact request each command sends, what it prints, its exit code.
 */
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runCli } from './support/cli';
import { startFakeApi, type FakeApi, type FakeResponse } from './support/fakeApi';
import { readGolden } from './support/golden';

const TIMEOUT_MS = 15_000;

/** A k6 golden response, replayed as sent: status, Content-Type (if any) and body. */
function golden(file: string): FakeResponse {
  const g = readGolden(file);
  if (g.status === null) throw new Error(`${file} has no response`);
  const type = g.headers['content-type'];
  return { status: g.status, headers: type ? { 'Content-Type': type } : {}, body: g.text };
}

const yaml = (...lines: string[]) => [...lines, ''].join('\n');
const patchBody = (attrs: string) => `{"data":{"type":"status","id":"default","attributes":{"status":0,${attrs},"stopped":false,"running":false,"tainted":false}}}`;
/** k6's error line: logrus' text format with a timestamp. */
const errorLine = (msg: string) => new RegExp(`^time="\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ" level=error msg=${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`);

let api: FakeApi;

beforeEach(async () => {
  api = await startFakeApi();
});

afterEach(async () => {
  await api.close();
});

describe('each command sends what k6 sends and prints what k6 prints', () => {
  test('status: GET /v1/status, no body, no headers of its own', async () => {
    api.reply(golden('02-get-status-running.txt'));
    const res = await runCli(['status', '-a', api.address], TIMEOUT_MS);
    expect(res).toEqual({
      code: 0,
      stdout: yaml('status: 7', 'paused: "false"', 'vus: "2"', 'vus-max: "10"', 'stopped: false', 'running: true', 'tainted: true'),
      stderr: '',
    });
    expect(api.requests).toHaveLength(1);
    const [req] = api.requests;
    expect([req.method, req.url, req.body]).toEqual(['GET', '/v1/status', '']);
    expect(req.headers['content-type']).toBeUndefined();
    expect(req.headers.host).toBe(api.address);
  });

  test('pause: PATCH /v1/status with paused true and every other field at its zero value', async () => {
    api.reply(golden('03-patch-paused-true.txt'));
    const res = await runCli(['pause', '--address', api.address], TIMEOUT_MS);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(yaml('status: 7', 'paused: "true"', 'vus: "0"', 'vus-max: "10"', 'stopped: false', 'running: true', 'tainted: true'));
    expect(api.requests.map((r) => [r.method, r.url, r.body])).toEqual([['PATCH', '/v1/status', patchBody('"paused":true,"vus":null,"vus-max":null')]]);
    expect(api.requests[0].headers['content-type']).toBeUndefined();
  });

  test('resume: the same PATCH with paused false', async () => {
    api.reply(golden('05-patch-paused-false.txt'));
    const res = await runCli(['resume', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^status: 7\npaused: "false"\nvus: "\d+"\nvus-max: "10"\n/);
    expect(api.requests.map((r) => r.body)).toEqual([patchBody('"paused":false,"vus":null,"vus-max":null')]);
  });

  test('scale --vus sends vus only; vus-max stays null', async () => {
    api.reply(golden('06-patch-vus-5.txt'));
    const res = await runCli(['scale', '--vus', '5', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(yaml('status: 7', 'paused: "false"', 'vus: "5"', 'vus-max: "10"', 'stopped: false', 'running: true', 'tainted: true'));
    expect(api.requests.map((r) => [r.method, r.url, r.body])).toEqual([['PATCH', '/v1/status', patchBody('"paused":null,"vus":5,"vus-max":null')]]);
  });

  test('scale -m sends vus-max only', async () => {
    api.reply(golden('09-patch-vus-max-20.txt'));
    const res = await runCli(['scale', '-m', '20', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^vus-max: "20"$/m);
    expect(api.requests.map((r) => r.body)).toEqual([patchBody('"paused":null,"vus":null,"vus-max":20')]);
  });

  test('scale -u N -m M sends both; 0 and negative values are sent as given', async () => {
    api.reply(golden('14-patch-vus-and-max-together.txt'), golden('13-patch-vus-negative.txt'), golden('06-patch-vus-5.txt'));
    expect((await runCli(['scale', '-u', '4', '-m', '15', '-a', api.address], TIMEOUT_MS)).code).toBe(0);
    const negative = await runCli(['scale', '--vus', '-1', '-a', api.address], TIMEOUT_MS);
    expect(negative.stderr).toMatch(errorLine('"Config update error: invalid configuration supplied: the number of VUs can\'t be negative"'));
    expect((await runCli(['scale', '--vus', '0', '-a', api.address], TIMEOUT_MS)).code).toBe(0);
    expect(api.requests.map((r) => r.body)).toEqual([
      patchBody('"paused":null,"vus":4,"vus-max":15'),
      patchBody('"paused":null,"vus":-1,"vus-max":null'),
      patchBody('"paused":null,"vus":0,"vus-max":null'),
    ]);
  });

  test('scale with neither flag fails before any request, as k6 does', async () => {
    const res = await runCli(['scale', '-a', api.address], TIMEOUT_MS);
    expect(res).toMatchObject({ code: 255, stdout: '' });
    expect(res.stderr).toMatch(errorLine('"Specify either -u/--vus or -m/--max"'));
    expect(api.requests).toHaveLength(0);
  });

  test('scale --vus with something not an integer is a usage error (255), no request', async () => {
    const res = await runCli(['scale', '--vus', 'many', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(/--vus/);
    expect(api.requests).toHaveLength(0);
  });

  test('stats: GET /v1/metrics, every metric in the server\'s order, as k6 prints them', async () => {
    const g = golden('30-get-metrics.txt');
    api.reply(g);
    const res = await runCli(['stats', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(api.requests.map((r) => [r.method, r.url, r.body])).toEqual([['GET', '/v1/metrics', '']]);
    const ids = (JSON.parse(g.body) as { data: Array<{ id: string }> }).data.map((m) => `- name: ${m.id}`);
    expect(res.stdout.match(/^- name: .*$/gm)).toEqual(ids);
    expect(res.stdout).toContain(
      yaml(
        '- name: my_counter',
        '  type:',
        '    type: counter',
        '    valid: true',
        '  contains:',
        '    type: default',
        '    valid: true',
        '  tainted: "true"',
        '  sample:',
        '    count: 100',
        '    rate: 5.844046447742714',
        '- name: data_sent',
      ),
    );
    expect(res.stdout).toContain(yaml('    count: 26558', '    rate: 1552.0618555915098'));
    expect(res.stdout).toContain(yaml('  sample:', '    value: 15'));
  });
});

describe('failures: one logfmt line on stderr, exit 255, nothing on stdout', () => {
  const cases: Array<[string, string[], string, string]> = [
    [
      'a 400 Config update error',
      ['scale', '--vus', '20'],
      '08-patch-vus-20-over-max.txt',
      '"Config update error: invalid configuration supplied: the number of active VUs (20) must be less than or equal to the number of maxVUs (10)"',
    ],
    ['a 500 Pause error', ['pause'], 'cv-04-patch-paused-true.txt', '"Pause error: constant-vus executor \'steady\' doesn\'t support pause and resume operations after its start"'],
    ['a 500 Execution config error', ['scale', '-u', '5'], 'cv-02-patch-vus-5.txt', '"Execution config error: an externally-controlled executor needs to be configured for live configuration updates"'],
    ['a 500 from /v1/metrics', ['stats'], 'ps-05-get-metrics-while-paused.txt', '"Encoding error: json: unsupported value: NaN"'],
    ['an empty 405 (Go\'s JSON error, as k6 shows it)', ['status'], '24-delete-status.txt', '"unexpected end of JSON input"'],
    ['Go\'s plain-text 404', ['status'], '82-get-v1-unknown.txt', '"invalid character \'p\' after top-level value"'],
  ];

  test.each(cases)('%s', async (_name, args, file, msg) => {
    api.reply(golden(file));
    const res = await runCli([...args, '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(255);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(errorLine(msg));
  });

  test('an error status without a JSON:API error says what came back (k6 would panic)', async () => {
    api.reply({ status: 401, headers: { 'Content-Type': 'application/json' }, body: '{"errors":[]}' });
    const res = await runCli(['status', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(errorLine('"the REST API answered 401 Unauthorized without a JSON:API error"'));
  });

  test('a 200 that is not a status document fails with Go\'s decoding error', async () => {
    api.reply({ status: 200, body: '{"data":{"attributes":{"paused":"yes"}}}' });
    const res = await runCli(['status', '-a', api.address], TIMEOUT_MS);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(errorLine('"json: cannot unmarshal string into Go value of type null.Bool"'));
  });
});

describe('transport failures read like Go\'s', () => {
  test('nothing listening: connection refused, with the method as Go names it', async () => {
    const address = api.address;
    await api.close();
    const get = await runCli(['status', '-a', address], TIMEOUT_MS);
    expect(get).toMatchObject({ code: 255, stdout: '' });
    expect(get.stderr).toMatch(errorLine(`"Get \\"http://${address}/v1/status\\": dial tcp ${address}: connect: connection refused"`));
    const patch = await runCli(['resume', '-a', address], TIMEOUT_MS);
    expect(patch.stderr).toMatch(errorLine(`"Patch \\"http://${address}/v1/status\\": dial tcp ${address}: connect: connection refused"`));
    const stats = await runCli(['stats', '-a', address], TIMEOUT_MS);
    expect(stats.stderr).toMatch(errorLine(`"Get \\"http://${address}/v1/metrics\\": dial tcp ${address}: connect: connection refused"`));
    api = await startFakeApi();
  });

  test('a server that hangs up without answering: EOF', async () => {
    const rude: NetServer = createNetServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(rude.address() as AddressInfo).port}`;
    try {
      const res = await runCli(['status', '-a', address], TIMEOUT_MS);
      expect(res.code).toBe(255);
      expect(res.stderr).toMatch(errorLine(`"Get \\"http://${address}/v1/status\\": EOF"`));
    } finally {
      await new Promise<void>((resolve) => rude.close(() => resolve()));
    }
  });

  test('an address with a bad port fails as Go\'s URL parser does', async () => {
    const res = await runCli(['status', '-a', 'localhost:http'], TIMEOUT_MS);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(errorLine('"parse \\"http://localhost:http\\": invalid port \\":http\\" after host"'));
  });

  test('--help names the default address, localhost:6565', async () => {
    const res = await runCli(['status', '--help'], TIMEOUT_MS);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/-a, --address <host:port>[^-]*\(default:\s+"localhost:6565"\)/);
  });
});
