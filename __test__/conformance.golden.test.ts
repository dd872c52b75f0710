/**
 * Replays the k6 v0.49.0 golden exchanges against volley running the same scenario shapes, in
 * the order they were captured, and compares status codes, the headers that matter and JSON
 * bodies (values that vary with the run masked; structure and types exact). Where volley
 * deliberately differs, the case asserts our behaviour and names the spec item
 * (../shared/spec/README.md, "Where we deliberately do better").
 */
import { createApp } from '../ts/api/app';
import { listen, type BoundApi } from '../ts/api/server';
import { SetupData } from '../ts/api/setup';
import { Engine, type EngineOptions } from '../ts/native';
import { readGolden, type GoldenExchange } from './support/golden';
import { startCountingServer, type CountingServer } from './support/countingServer';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

async function replay(api: BoundApi, g: GoldenExchange): Promise<Reply> {
  const res = await fetch(`${api.url}${g.path}`, {
    method: g.method,
    body: g.body,
    headers: g.body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  return { status: res.status, headers: res.headers, text: g.method === 'HEAD' ? '' : await res.text() };
}

/**
 * Masks what legitimately differs between two runs: metric values (numbers in `sample`), and
 * `tainted`, which needs thresholds (a script feature: the golden script had failing ones).
 */
function mask(value: Json, key = ''): Json {
  if (Array.isArray(value)) return value.map((v) => mask(v));
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = mask(v, k);
    return out;
  }
  if (key === 'tainted') return '<tainted>';
  if (typeof value === 'number' && !['status', 'vus', 'vus-max'].includes(key)) return '<number>';
  return value;
}

/** The content type k6 sends, or volley's where spec item 5 applies (JSON everywhere). */
function expectedType(g: GoldenExchange): string | null {
  const type = g.headers['content-type'];
  if (type === undefined) return null;
  if (g.text.startsWith('{')) return 'application/json; charset=utf-8';
  return type;
}

function expectSameExchange(g: GoldenExchange, r: Reply): void {
  expect({ file: g.file, status: r.status }).toEqual({ file: g.file, status: g.status });
  expect(r.headers.get('content-type')).toBe(expectedType(g));
  if (g.headers['x-content-type-options']) expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  if (g.text.startsWith('{')) {
    expect(mask(JSON.parse(r.text) as Json)).toEqual(mask(JSON.parse(g.text) as Json));
  } else {
    expect(r.text).toBe(g.text);
  }
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Session {
  target: CountingServer;
  engine: Engine;
  api: BoundApi;
  setupData: SetupData;
}

async function session(options: Omit<EngineOptions, 'url'>): Promise<Session> {
  const target = await startCountingServer();
  const engine = new Engine({ url: target.url, workers: 1, ...options });
  const setupData = new SetupData();
  const api = await listen(createApp(engine, { setupData }), { host: '127.0.0.1', port: 0 });
  engine.start();
  return { target, engine, api, setupData };
}

async function close(s: Session): Promise<void> {
  s.engine.stop();
  await s.engine.wait();
  await s.api.close();
  await s.target.close();
}

/** Exchanges that need a k6 script (groups, checks, custom metrics, setup()): issue 4. */
const NEEDS_SCRIPT = new Set([
  '33-get-metric-my_counter.txt',
  '34-get-metric-my_trend.txt',
  '35-get-metric-my_gauge.txt',
  '36-get-metric-my_rate.txt',
  '37-get-metric-checks.txt',
  '50-get-groups.txt',
  '51-get-group-root.txt',
  '52-get-group-visit-homepage.txt',
  '53-get-group-nested-level-2.txt',
]);

describe('golden run 1: externally-controlled, 2 VUs of 10 (scripts/ext.js)', () => {
  let s: Session;
  beforeAll(async () => {
    s = await session({ executor: 'externally-controlled', vus: 2, maxVus: 10, durationMs: 0 });
    await eventually(() => s.engine.status().vus === 2);
    // k6 had been running for seconds when the capture started: the once-a-second vus sample exists.
    await eventually(() => s.engine.metrics([]).some((m) => m.name === 'vus'));
    // ext.js's setup() returned {a:1}; without script support the data is put in place first.
    s.setupData.set('{"a":1}');
  });
  afterAll(() => close(s));

  const files = [
    '01-get-status-first.txt', '02-get-status-running.txt', '03-patch-paused-true.txt', '04-get-status-while-paused.txt',
    '05-patch-paused-false.txt', '06-patch-vus-5.txt', '07-get-status-after-vus-5.txt', '08-patch-vus-20-over-max.txt',
    '09-patch-vus-max-20.txt', '10-get-status-after-vus-max-20.txt', '11-patch-vus-20-after-max.txt',
    '12-patch-vus-max-3-below-vus.txt', '13-patch-vus-negative.txt', '14-patch-vus-and-max-together.txt',
    '15-patch-empty-object.txt', '16-patch-empty-body.txt', '17-patch-malformed-json.txt', '18-patch-wrong-type-paused.txt',
    '19-patch-not-an-object.txt', '20-patch-vus-string.txt', '21-patch-vus-null.txt', '22-patch-paused-and-vus.txt',
    '23-patch-paused-false-again.txt', '24-delete-status.txt', '25-post-status.txt', '26-put-status.txt', '27-head-status.txt',
    '30-get-metrics.txt', '31-get-metric-http_req_duration.txt', '32-get-metric-unknown.txt', '33-get-metric-my_counter.txt',
    '34-get-metric-my_trend.txt', '35-get-metric-my_gauge.txt', '36-get-metric-my_rate.txt', '37-get-metric-checks.txt',
    '38-get-metric-vus.txt', '39-get-metric-empty-id.txt', '40-post-metrics.txt', '41-delete-metric.txt',
    '42-get-metric-submetric.txt', '50-get-groups.txt', '51-get-group-root.txt', '52-get-group-visit-homepage.txt',
    '53-get-group-nested-level-2.txt', '54-get-group-unknown.txt', '55-get-group-empty-id.txt', '56-post-groups.txt',
    '60-get-setup.txt', '61-post-setup.txt', '62-put-setup.txt', '63-get-setup-after-put.txt', '64-put-setup-plain-object.txt',
    '65-put-setup-malformed.txt', '66-put-setup-empty-body.txt', '67-get-setup-after-empty-put.txt', '68-delete-setup.txt',
    '69-put-setup-restore.txt', '70-post-teardown.txt', '71-get-teardown.txt', '80-get-ping.txt', '81-get-root.txt',
    '82-get-v1-unknown.txt', '83-get-status-trailing-slash.txt', '85-get-v1-root.txt', '90-get-status-before-stop.txt',
    '91-patch-stopped-true.txt', '92-get-status-after-stop.txt',
  ];

  test.each(files)('%s', async (file) => {
    const g = readGolden(file);
    if (NEEDS_SCRIPT.has(file)) {
      // Replayed for the status code and shape where volley can already answer; the exact
      // contents need the script runtime (issue 4).
      const r = await replay(s.api, g);
      expect([200, 404]).toContain(r.status);
      return;
    }
    if (file === '90-get-status-before-stop.txt') {
      // Between 71 and 90 the capture session moved to 3 VUs of 12 (golden 90 shows it; the
      // request itself was not captured).
      const move = await fetch(`${s.api.url}/v1/status`, { method: 'PATCH', body: '{"data":{"attributes":{"vus":3,"vus-max":12}}}' });
      expect(move.status).toBe(200);
    }
    const r = await replay(s.api, g);
    if (file === '30-get-metrics.txt') {
      // Spec item 5: sorted by name (k6: random). Every metric volley lists is one k6 listed,
      // with the same type, contains and sample keys.
      const ours = (JSON.parse(r.text) as { data: Array<{ id: string; attributes: Json }> }).data;
      const theirs = new Map((JSON.parse(g.text) as { data: Array<{ id: string; attributes: Json }> }).data.map((m) => [m.id, m.attributes]));
      expect(ours.map((m) => m.id)).toEqual(ours.map((m) => m.id).sort());
      for (const m of ours) expect(mask(m.attributes, m.id)).toEqual(mask(theirs.get(m.id) as Json, m.id));
      for (const id of ['http_reqs', 'http_req_duration', 'http_req_duration{expected_response:true}', 'vus', 'vus_max', 'iterations']) {
        expect(ours.map((m) => m.id)).toContain(id);
      }
      return;
    }
    if (file === '92-get-status-after-stop.txt') {
      // Spec item 4: the API stays up after a stop; `running` is false once the run is over.
      await s.engine.wait();
      expect(r.status).toBe(200);
      const attrs = (JSON.parse((await replay(s.api, g)).text) as { data: { attributes: Json } }).data.attributes;
      expect(attrs).toMatchObject({ status: 10, stopped: true, running: false, vus: 0 });
      return;
    }
    expectSameExchange(g, r);
  });

  test('84-get-debug-pprof.txt has no counterpart: volley has no Go profiler, the path is plain ok', async () => {
    const r = await replay(s.api, readGolden('84-get-debug-pprof.txt'));
    expect([r.status, r.text]).toEqual([200, 'ok']);
  });
});

describe('golden run 2: constant-vus, 2 VUs (scripts/cvus.js)', () => {
  let s: Session;
  beforeAll(async () => {
    s = await session({ executor: 'constant-vus', scenarioName: 'steady', vus: 2, durationMs: 60_000 });
    await eventually(() => s.engine.status().vus === 2);
  });
  afterAll(() => close(s));

  test('cv-01-get-status.txt', async () => {
    const g = readGolden('cv-01-get-status.txt');
    expectSameExchange(g, await replay(s.api, g));
  });

  test('cv-02/03: vus and vus-max change live (spec item 1; k6 answers 500 Execution config error)', async () => {
    const raise = await replay(s.api, readGolden('cv-03-patch-vus-max-20.txt'));
    expect(raise.status).toBe(200);
    const vus = await replay(s.api, readGolden('cv-02-patch-vus-5.txt'));
    expect(vus.status).toBe(200);
    expect(JSON.parse(vus.text).data.attributes).toMatchObject({ vus: 5, 'vus-max': 20 });
  });

  test('cv-04..08: pause and resume work on constant-vus (spec item 1; k6 answers 500 Pause error)', async () => {
    const pause = await replay(s.api, readGolden('cv-04-patch-paused-true.txt'));
    expect(pause.status).toBe(200);
    const paused = await replay(s.api, readGolden('cv-05-get-status-paused.txt'));
    expect(JSON.parse(paused.text).data.attributes).toMatchObject({ paused: true, vus: 0 });
    const before = s.target.requests();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.target.requests()).toBe(before);
    expect((await replay(s.api, readGolden('cv-06-patch-paused-false.txt'))).status).toBe(200);
    const both = await replay(s.api, readGolden('cv-07-patch-paused-and-vus.txt'));
    expect(both.status).toBe(200);
    expect(JSON.parse(both.text).data.attributes).toMatchObject({ paused: true });
    const resumed = await replay(s.api, readGolden('cv-08-patch-paused-false.txt'));
    expect(JSON.parse(resumed.text).data.attributes).toMatchObject({ paused: false });
  });

  test('cv-09-get-groups.txt (the root; the golden script also had groups: issue 4)', async () => {
    const r = await replay(s.api, readGolden('cv-09-get-groups.txt'));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).data[0].id).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});

describe('golden run 3: started with --paused (scripts/ext.js)', () => {
  let s: Session;
  beforeAll(async () => {
    s = await session({ executor: 'externally-controlled', vus: 2, maxVus: 10, durationMs: 0, paused: true });
    await eventually(() => s.engine.status().status === 4);
  });
  afterAll(() => close(s));

  test.each(['ps-01-get-status-started-paused.txt', 'ps-02-get-status-paused-2s.txt', 'ps-03-get-setup-while-paused.txt', 'ps-04-get-groups-while-paused.txt'])(
    '%s',
    async (file) => {
      const g = readGolden(file);
      expectSameExchange(g, await replay(s.api, g));
    },
  );

  test('ps-05: GET /v1/metrics before the start is a 200 list, not k6 NaN 500 (spec item 3)', async () => {
    const r = await replay(s.api, readGolden('ps-05-get-metrics-while-paused.txt'));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ data: [] });
  });

  test.each(['ps-06-patch-vus-5-while-paused.txt', 'ps-07-get-status-after-resume.txt'])('%s', async (file) => {
    if (file.startsWith('ps-07')) {
      const resume = await fetch(`${s.api.url}/v1/status`, { method: 'PATCH', body: '{"data":{"attributes":{"paused":false}}}' });
      expect(resume.status).toBe(200);
      await eventually(() => s.engine.status().vus === 5);
    }
    const g = readGolden(file);
    expectSameExchange(g, await replay(s.api, g));
  });

  test.each(['ps-09-patch-paused-true-again.txt', 'ps-10-patch-stopped-while-paused.txt'])('%s', async (file) => {
    const g = readGolden(file);
    expectSameExchange(g, await replay(s.api, g));
  });
});
