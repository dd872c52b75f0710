import { createApp } from '../ts/api/app';
import { listen, type BoundApi } from '../ts/api/server';
import { SetupData } from '../ts/api/setup';
import { Engine } from '../ts/native';
import { startCountingServer, type CountingServer } from './support/countingServer';

type Doc = { data: { type: string; id: string; attributes: Record<string, unknown> } };
type ListDoc = { data: Array<Doc['data']> };

async function call(api: BoundApi, method: string, path: string, body?: string) {
  const res = await fetch(`${api.url}${path}`, { method, body });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('metrics, groups, setup and teardown after a finished run', () => {
  let target: CountingServer;
  let engine: Engine;
  let api: BoundApi;
  const lifecycleCalls: string[] = [];
  let setupResult: string | undefined = '{"token": "abc"}';

  beforeAll(async () => {
    target = await startCountingServer();
    engine = new Engine({ url: target.url, executor: 'shared-iterations', vus: 2, iterations: 40, workers: 1 });
    const lifecycle = {
      setup: async () => {
        lifecycleCalls.push('setup');
        if (setupResult === 'throw') throw new Error('setup exploded');
        return setupResult;
      },
      teardown: async (data: string | undefined) => {
        lifecycleCalls.push(`teardown ${data}`);
      },
    };
    api = await listen(createApp(engine, { trendStats: ['p(99.9)'], setupData: new SetupData(), lifecycle }), { host: '127.0.0.1', port: 0 });
    engine.start();
    await engine.wait();
  });

  afterAll(async () => {
    await api.close();
    await target.close();
  });

  test('GET /v1/metrics lists observed metrics sorted by name, with k6 sample keys', async () => {
    const res = await call(api, 'GET', '/v1/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    const doc = JSON.parse(res.text) as ListDoc;
    const ids = doc.data.map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['http_reqs', 'http_req_duration', 'http_req_duration{expected_response:true}', 'iterations', 'vus', 'vus_max', 'data_sent', 'data_received', 'http_req_failed']));
    const byId = Object.fromEntries(doc.data.map((m) => [m.id, m.attributes]));
    expect(Object.keys(byId.http_reqs)).toEqual(['type', 'contains', 'tainted', 'sample']);
    expect(byId.http_reqs).toMatchObject({ type: 'counter', contains: 'default', tainted: null, sample: { count: 40 } });
    expect(Object.keys(byId.http_reqs.sample as object)).toEqual(['count', 'rate']);
    expect(byId.vus).toEqual({ type: 'gauge', contains: 'default', tainted: null, sample: { value: 2 } });
    expect(byId.http_req_failed).toEqual({ type: 'rate', contains: 'default', tainted: null, sample: { rate: 0 } });
    expect(byId.data_sent).toMatchObject({ type: 'counter', contains: 'data' });
    const trend = byId.http_req_duration as { type: string; contains: string; sample: Record<string, number> };
    expect(trend.contains).toBe('time');
    // k6's six keys in Go's sorted order, plus the configured --summary-trend-stats extra.
    expect(Object.keys(trend.sample)).toEqual(['avg', 'max', 'med', 'min', 'p(90)', 'p(95)', 'p(99.9)']);
    expect(trend.sample.min).toBeLessThanOrEqual(trend.sample.med);
    expect(trend.sample.max).toBeGreaterThanOrEqual(trend.sample['p(99.9)']);
    expect(target.requests()).toBe(40);
  });

  test('GET /v1/metrics/{id} answers sub-metrics with encoded braces and ?stats= adds keys', async () => {
    const sub = await call(api, 'GET', '/v1/metrics/http_req_duration%7Bexpected_response:true%7D');
    expect(sub.status).toBe(200);
    expect((JSON.parse(sub.text) as Doc).data.id).toBe('http_req_duration{expected_response:true}');
    const withStats = JSON.parse((await call(api, 'GET', '/v1/metrics/http_req_waiting?stats=p(99),count')).text) as Doc;
    expect(Object.keys(withStats.data.attributes.sample as object)).toEqual(['avg', 'count', 'max', 'med', 'min', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)']);
    expect((withStats.data.attributes.sample as Record<string, number>).count).toBe(40);
  });

  test.each([
    ['/v1/metrics/nope', 'No metric with that ID was found'],
    ['/v1/metrics/', 'No metric with that ID was found'],
    ['/v1/metrics/HTTP_REQS', 'No metric with that ID was found'],
    ['/v1/groups/nope', 'No group with that ID was found'],
    ['/v1/groups/', 'No group with that ID was found'],
  ])('GET %s is a JSON:API 404', async (path, detail) => {
    const res = await call(api, 'GET', path);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ errors: [{ status: '404', title: 'Not Found', detail }] });
  });

  test('a bad ?stats= is a 400', async () => {
    const res = await call(api, 'GET', '/v1/metrics?stats=p(101)');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0].title).toBe('Invalid stats');
  });

  test('GET /v1/groups has the root with checks null and no relations', async () => {
    const res = await call(api, 'GET', '/v1/groups');
    expect(res.text).toBe(
      '{"data":[{"type":"groups","id":"d41d8cd98f00b204e9800998ecf8427e","attributes":{"path":"","name":"","checks":null},"relationships":{"groups":{"data":[]},"parent":{"data":null}}}]}',
    );
    const root = await call(api, 'GET', '/v1/groups/d41d8cd98f00b204e9800998ecf8427e');
    expect((JSON.parse(root.text) as Doc).data.attributes).toEqual({ path: '', name: '', checks: null });
  });

  test('setup data: PUT stores the raw body compacted, empty PUT clears, malformed is a 400', async () => {
    expect((await call(api, 'GET', '/v1/setup')).text).toBe('{"data":{"type":"setupData","id":"default","attributes":{}}}');
    const put = await call(api, 'PUT', '/v1/setup', '{"a": 1,\n "b": [1.50, "x y"]}');
    expect(put.status).toBe(200);
    expect(put.text).toBe('{"data":{"type":"setupData","id":"default","attributes":{"data":{"a":1,"b":[1.50,"x y"]}}}}');
    expect((await call(api, 'GET', '/v1/setup')).text).toBe(put.text);
    const bad = await call(api, 'PUT', '/v1/setup', '{"data":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ errors: [{ status: '400', title: 'Error parsing request body', detail: 'unexpected end of JSON input' }] });
    expect((await call(api, 'GET', '/v1/setup')).text).toBe(put.text);
    expect((await call(api, 'PUT', '/v1/setup', 'null')).text).toBe('{"data":{"type":"setupData","id":"default","attributes":{"data":null}}}');
    expect((await call(api, 'PUT', '/v1/setup', '')).text).toBe('{"data":{"type":"setupData","id":"default","attributes":{}}}');
  });

  test('POST /v1/setup runs setup() again each time; its failure is a 500', async () => {
    const first = await call(api, 'POST', '/v1/setup');
    expect(first.text).toBe('{"data":{"type":"setupData","id":"default","attributes":{"data":{"token":"abc"}}}}');
    await call(api, 'POST', '/v1/setup');
    expect(lifecycleCalls.filter((c) => c === 'setup')).toHaveLength(2);
    setupResult = 'throw';
    const failed = await call(api, 'POST', '/v1/setup');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.text).errors[0]).toEqual({ status: '500', title: 'Error executing setup', detail: 'setup exploded' });
    setupResult = undefined;
    expect((await call(api, 'POST', '/v1/setup')).text).toBe('{"data":{"type":"setupData","id":"default","attributes":{}}}');
  });

  test('POST /v1/teardown runs teardown(data): 200, empty, no Content-Type', async () => {
    await call(api, 'PUT', '/v1/setup', '{"a":1}');
    const res = await call(api, 'POST', '/v1/teardown');
    expect(res).toEqual({ status: 200, type: null, text: '' });
    expect(lifecycleCalls).toContain('teardown {"a":1}');
  });

  test.each([
    ['POST', '/v1/metrics'],
    ['DELETE', '/v1/metrics/http_reqs'],
    ['POST', '/v1/groups'],
    ['DELETE', '/v1/setup'],
    ['GET', '/v1/teardown'],
  ])('%s %s is an empty 405', async (method, path) => {
    expect(await call(api, method, path)).toEqual({ status: 405, type: null, text: '' });
  });
});
