import { createApp } from '../ts/api/app';
import { listen, type BoundApi } from '../ts/api/server';
import { Engine } from '../ts/native';
import { startCountingServer, type CountingServer } from './support/countingServer';

type StatusDoc = { data: { type: string; id: string; attributes: Record<string, number | boolean> } };

async function call(api: BoundApi, method: string, path: string, body?: string) {
  const res = await fetch(`${api.url}${path}`, { method, body, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

function patch(api: BoundApi, attributes: Record<string, unknown>) {
  return call(api, 'PATCH', '/v1/status', JSON.stringify({ data: { type: 'status', id: 'default', attributes } }));
}

async function eventually(check: () => Promise<boolean>, ms = 5000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('/v1/status on a running externally-controlled test', () => {
  let target: CountingServer;
  let engine: Engine;
  let api: BoundApi;

  beforeAll(async () => {
    target = await startCountingServer();
    engine = new Engine({ url: target.url, executor: 'externally-controlled', vus: 2, maxVus: 10, durationMs: 0, workers: 1 });
    api = await listen(createApp(engine), { host: '127.0.0.1', port: 0 });
    engine.start();
    await eventually(async () => engine.status().vus === 2);
  });

  afterAll(async () => {
    engine.stop();
    await engine.wait();
    await api.close();
    await target.close();
  });

  test('GET gives the status document with its attributes in k6 order', async () => {
    const res = await call(api, 'GET', '/v1/status');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(
      '{"data":{"type":"status","id":"default","attributes":{"status":7,"paused":false,"vus":2,"vus-max":10,"stopped":false,"running":true,"tainted":false}}}',
    );
  });

  test('PATCH paused pauses the engine: vus drops to 0 and no request is sent', async () => {
    const res = await patch(api, { paused: true });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as StatusDoc).data.attributes.paused).toBe(true);
    await eventually(async () => engine.status().vus === 0);
    const before = target.requests();
    await new Promise((r) => setTimeout(r, 200));
    expect(target.requests()).toBe(before);

    const again = await patch(api, { paused: true });
    expect(again.status).toBe(500);
    expect(again.text).toBe('{"errors":[{"status":"500","title":"Pause error","detail":"test execution was already paused"}]}');

    expect((await patch(api, { paused: false })).status).toBe(200);
    await eventually(async () => target.requests() > before + 10);
    const notPaused = await patch(api, { paused: false });
    expect(notPaused.status).toBe(500);
    expect(notPaused.text).toContain("test execution wasn't paused");
  });

  test('PATCH vus above vus-max is a 400 with k6 detail; raising vus-max first works', async () => {
    const over = await patch(api, { vus: 20 });
    expect(over.status).toBe(400);
    expect(over.type).toBe('application/json; charset=utf-8');
    expect(over.text).toBe(
      '{"errors":[{"status":"400","title":"Config update error","detail":"invalid configuration supplied: the number of active VUs (20) must be less than or equal to the number of maxVUs (10)"}]}',
    );
    expect((await patch(api, { 'vus-max': 20 })).status).toBe(200);
    const ok = await patch(api, { vus: '20' });
    expect(ok.status).toBe(200);
    await eventually(async () => engine.status().vus === 20);
    const below = await patch(api, { 'vus-max': 3 });
    expect(below.status).toBe(400);
    expect(below.text).toContain('the number of active VUs (20) must be less than or equal to the number of maxVUs (3)');
    const negative = await patch(api, { vus: -1 });
    expect(negative.text).toContain("the number of VUs can't be negative");
    expect((await patch(api, { vus: 2 })).status).toBe(200);
    await eventually(async () => engine.status().vus === 2);
  });

  test.each([
    ['an empty body', '', 'unexpected end of JSON input'],
    ['malformed JSON', '{"data":', 'unexpected end of JSON input'],
    ['garbage', 'xyz', "invalid character 'x' looking for beginning of value"],
    ['an array', '[1,2]', 'json: cannot unmarshal array into Go value of type v1.StatusJSONAPI'],
    ['paused as a string', '{"data":{"attributes":{"paused":"yes"}}}', 'json: cannot unmarshal string into Go value of type null.Bool'],
    ['a fractional vus', '{"data":{"attributes":{"vus":1.5}}}', 'json: cannot unmarshal number 1.5 into Go value of type int64'],
  ])('PATCH with %s is a 400 Invalid data', async (_name, body, detail) => {
    const res = await call(api, 'PATCH', '/v1/status', body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ errors: [{ status: '400', title: 'Invalid data', detail }] });
  });

  test('PATCH {} and vus:null change nothing', async () => {
    expect((await call(api, 'PATCH', '/v1/status', '{}')).status).toBe(200);
    const res = await patch(api, { vus: null });
    expect((JSON.parse(res.text) as StatusDoc).data.attributes['vus-max']).toBe(20);
  });

  test('other methods get an empty 405 without Content-Type', async () => {
    for (const method of ['DELETE', 'POST', 'PUT']) {
      const res = await call(api, method, '/v1/status');
      expect(res).toEqual({ status: 405, type: null, text: '' });
    }
  });

  test('outside /v1/ everything is ok; unknown /v1/ paths are Go-style 404s', async () => {
    expect(await call(api, 'GET', '/ping')).toEqual({ status: 200, type: 'text/plain; charset=utf-8', text: 'ok' });
    expect((await call(api, 'POST', '/anything')).text).toBe('ok');
    for (const path of ['/v1/status/', '/v1/nope', '/v1/']) {
      expect(await call(api, 'GET', path)).toEqual({ status: 404, type: 'text/plain; charset=utf-8', text: '404 page not found\n' });
    }
  });

  test('a body over 1 MiB is a 413 JSON:API error', async () => {
    const res = await call(api, 'PATCH', '/v1/status', `{"x":"${'a'.repeat(1024 * 1024)}"}`);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).errors[0].title).toBe('Request body too large');
  });
});

describe('/v1/status around the end of a run', () => {
  test('stopped:true stops the run; later changes get 409 Test ended instead of hanging', async () => {
    const target = await startCountingServer();
    const engine = new Engine({ url: target.url, executor: 'externally-controlled', vus: 1, maxVus: 2, durationMs: 0, workers: 1 });
    const api = await listen(createApp(engine), { host: '127.0.0.1', port: 0 });
    try {
      engine.start();
      const res = await patch(api, { stopped: true, paused: true });
      expect(res.status).toBe(200);
      const attrs = (JSON.parse(res.text) as StatusDoc).data.attributes;
      expect(attrs.stopped).toBe(true);
      expect(attrs.paused).toBe(false);
      const summary = await engine.wait();
      expect(summary.status).toBe(10);
      const after = (JSON.parse((await call(api, 'GET', '/v1/status')).text) as StatusDoc).data.attributes;
      expect(after).toMatchObject({ status: 10, stopped: true, running: false, vus: 0 });
      const late = await patch(api, { paused: true });
      expect(late.status).toBe(409);
      expect(JSON.parse(late.text).errors[0].title).toBe('Test ended');
      expect((await patch(api, { vus: 1 })).status).toBe(409);
    } finally {
      await api.close();
      await target.close();
    }
  });

  test('a run started paused waits at status 4 and starts on resume', async () => {
    const target = await startCountingServer();
    const engine = new Engine({ url: target.url, executor: 'shared-iterations', vus: 2, iterations: 10, paused: true, workers: 1 });
    const api = await listen(createApp(engine), { host: '127.0.0.1', port: 0 });
    try {
      engine.start();
      await eventually(async () => engine.status().status === 4);
      const doc = JSON.parse((await call(api, 'GET', '/v1/status')).text) as StatusDoc;
      expect(doc.data.attributes).toMatchObject({ status: 4, paused: true, vus: 0, running: false });
      const twice = await patch(api, { paused: true });
      expect(JSON.parse(twice.text).errors[0].detail).toBe('execution is already paused');
      await new Promise((r) => setTimeout(r, 100));
      expect(target.requests()).toBe(0);
      expect((await patch(api, { paused: false })).status).toBe(200);
      const summary = await engine.wait();
      expect(summary.status).toBe(9);
      expect(target.requests()).toBe(10);
    } finally {
      await api.close();
      await target.close();
    }
  });
});

describe('access policy', () => {
  let target: CountingServer;
  let engine: Engine;
  let open: BoundApi;
  let guarded: BoundApi;

  beforeAll(async () => {
    target = await startCountingServer();
    engine = new Engine({ url: target.url, executor: 'externally-controlled', vus: 0, maxVus: 1, durationMs: 0, workers: 1 });
    open = await listen(createApp(engine), { host: '127.0.0.1', port: 0 });
    guarded = await listen(createApp(engine, { loopback: false, token: 's3cret' }), { host: '127.0.0.1', port: 0 });
    engine.start();
  });

  afterAll(async () => {
    engine.stop();
    await engine.wait();
    await open.close();
    await guarded.close();
    await target.close();
  });

  async function get(api: BoundApi, headers: Record<string, string>) {
    const { request } = await import('node:http');
    const url = new URL(`${api.url}/v1/status`);
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('a Host that is not a loopback name is refused (DNS rebinding)', async () => {
    const res = await get(open, { Host: 'evil.example:6565' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).errors[0].title).toBe('Forbidden');
    expect((await get(open, { Host: 'localhost:6565' })).status).toBe(200);
    expect((await get(open, { Host: '[::1]:6565' })).status).toBe(200);
  });

  test('a cross-site Origin is refused; a loopback one is allowed', async () => {
    expect((await get(open, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await get(open, { Origin: 'null' })).status).toBe(403);
    expect((await get(open, { Origin: 'http://localhost:3000' })).status).toBe(200);
  });

  test('with a token, /v1/ needs the bearer header; other paths stay open', async () => {
    const missing = await get(guarded, {});
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body).errors[0].title).toBe('Unauthorized');
    expect((await get(guarded, { Authorization: 'Bearer wrong!' })).status).toBe(401);
    expect((await get(guarded, { Authorization: 'Bearer s3cret', Host: 'runner-0.k6.svc:6565' })).status).toBe(200);
  });
});
