/**
 * The rest of k6/http through the real CLI, against a local server that logs what it saw:
 * concurrent http.batch and asyncRequest (with batch/batchPerHost), response callbacks,
 * multipart uploads with http.file, http.url, the TLS/OCSP constants, cookies as k6 has them,
 * and VU init time kept out of iteration_duration.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './support/cli';

const fixture = (name: string) => join(__dirname, 'fixtures', 'scripts-http', name);
type Export = { metrics: Record<string, Record<string, number>> };

/** A JSON-lines sample of `--out json`. */
interface Sample {
  type: string;
  metric: string;
  data: { value: number; tags?: Record<string, string> };
}

const SLOW_MS = 300;

describe('k6/http in scripts', () => {
  let server: Server;
  let url: string;
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<Socket>();
  let uploads: Array<{ contentType: string; body: Buffer }> = [];
  const dir = mkdtempSync(join(tmpdir(), 'volley-http-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const path = req.url ?? '/';
        const slow = /^\/slow\/(\w+)$/.exec(path);
        if (slow) {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          setTimeout(() => {
            inFlight -= 1;
            res.end(slow[1]);
          }, SLOW_MS);
          return;
        }
        const status = /^\/status\/(\d+)$/.exec(path);
        if (status) {
          res.statusCode = Number(status[1]);
          return res.end();
        }
        if (path.startsWith('/cookies/set')) {
          res.setHeader('Set-Cookie', ['a=1', 'b="q"; Domain=.127.0.0.1; Path=/x; Max-Age=0', 'c=3; Max-Age=100; Secure; HttpOnly', 'd=4; Expires=Wed, 21 Oct 2035 07:28:00 GMT; Path=p', 'e=5; Max-Age=-2', 'f=6; Max-Age=07']);
          return res.end('set');
        }
        if (path.startsWith('/cookies/echo')) return res.end(JSON.stringify({ cookie: req.headers.cookie ?? '' }));
        if (path === '/upload') uploads.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    maxInFlight = 0;
    sockets.clear();
    uploads = [];
  });

  async function run(name: string, extra: string[] = []): Promise<CliResult & { m: Export['metrics'] }> {
    const file = join(dir, `${name}.json`);
    const res = await runCli(['run', fixture(name), '-e', `URL=${url}`, '--address', '', '--quiet', '--summary-export', file, ...extra]);
    let m: Export['metrics'];
    try {
      m = (JSON.parse(readFileSync(file, 'utf8')) as Export).metrics;
    } catch {
      throw new Error(`${name} wrote no summary export (exit ${res.code}):\n${res.stderr}`);
    }
    return { ...res, m };
  }

  /** The `list N`, `object N` and `async N` lines batch.js logs: milliseconds each part took. */
  const took = (stderr: string, what: string) => Number(new RegExp(`${what} (\\d+)`).exec(stderr)?.[1] ?? NaN);

  test('http.batch and asyncRequest run concurrently on connections of their own, answers in order', async () => {
    const res = await run('batch.js');
    expect(res.code).toBe(0);
    expect(res.m.checks).toMatchObject({ passes: 3, fails: 0 });
    for (const part of ['list', 'object', 'async']) {
      // Three 300 ms answers at once: far below the 900 ms they take one after another.
      expect(took(res.stderr, part)).toBeGreaterThanOrEqual(SLOW_MS - 20);
      expect(took(res.stderr, part)).toBeLessThan(2 * SLOW_MS);
    }
    expect(maxInFlight).toBe(3);
    // One VU: its three connections are opened once and kept alive across the three parts.
    expect(sockets.size).toBe(3);
    expect(res.m.http_reqs.count).toBe(9);
  });

  test('batchPerHost: 1 sends a batch one request at a time; asyncRequest is not limited by it', async () => {
    const res = await run('batch.js', ['-e', 'BATCH_PER_HOST=1']);
    expect(res.code).toBe(0);
    expect(res.m.checks).toMatchObject({ passes: 3, fails: 0 });
    expect(took(res.stderr, 'list')).toBeGreaterThanOrEqual(3 * SLOW_MS - 20);
    expect(took(res.stderr, 'object')).toBeGreaterThanOrEqual(3 * SLOW_MS - 20);
    expect(took(res.stderr, 'async')).toBeLessThan(2 * SLOW_MS);
  });

  test('response callbacks decide http_req_failed, the expected_response tag and the sub-metric', async () => {
    const out = join(dir, 'callbacks.jsonl');
    const res = await run('callbacks.js', ['--out', `json=${out}`]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.m.checks).toMatchObject({ passes: 3, fails: 0 });
    expect(res.m.http_reqs.count).toBe(5);
    // 200 and 404 (the VU's callback), 500 (its own callback): expected; one 500 not; 503 not judged.
    expect(res.m.http_req_failed).toMatchObject({ passes: 1, fails: 3 });
    const samples = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Sample)
      .filter((s) => s.type === 'Point');
    const byStatus = (metric: string) =>
      samples.filter((s) => s.metric === metric).map((s) => `${s.data.tags?.status}:${s.data.tags?.expected_response ?? '-'}:${metric === 'http_req_failed' ? s.data.value : ''}`);
    expect(byStatus('http_req_duration')).toEqual(['200:true:', '404:true:', '500:false:', '500:true:', '503:-:']);
    expect(byStatus('http_req_failed')).toEqual(['200:true:0', '404:true:0', '500:false:1', '500:true:0']);
  });

  test('http.file makes a multipart body as k6 builds it; http.url; TLS and OCSP constants', async () => {
    const res = await run('files.js');
    expect(res.stderr).toBe('');
    expect(res.m.checks).toMatchObject({ passes: 7, fails: 0 });
    expect(uploads).toHaveLength(1);
    const boundary = /^multipart\/form-data; boundary=([0-9a-f]{60})$/.exec(uploads[0].contentType)?.[1];
    expect(boundary).toBeDefined();
    const expected = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\nv\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="doc"; filename="a\\"b.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="bin"; filename="b.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      Buffer.from([0, 1, 2, 255]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    expect(uploads[0].body.equals(expected)).toBe(true);
  });

  test('cookies: res.cookies, the jar rules of RFC 6265, the jar API, params.cookies and params.jar', async () => {
    const res = await run('cookies.js');
    expect(res.stderr).toBe('');
    expect(res.m.checks).toMatchObject({ passes: 19, fails: 0 });
  });

  test('VU init time is not part of the first iteration_duration', async () => {
    const res = await run('init-time.js');
    expect(res.stderr).toBe('');
    expect(res.m.iterations.count).toBe(12);
    // Each VU's init spins 200 ms; the iterations are empty.
    expect(res.m.iteration_duration.max).toBeLessThan(50);
  });

  test('the first VUs are initialised before the test starts: an arrival rate drops nothing for them', async () => {
    const res = await run('init-arrival.js');
    expect(res.stderr).toBe('');
    // 50 a second for 1 s (k6 may start one more at the very end).
    expect(res.m.iterations.count).toBeGreaterThanOrEqual(50);
    expect(res.m.iterations.count).toBeLessThanOrEqual(51);
    expect(res.m.dropped_iterations).toBeUndefined();
  });
});
