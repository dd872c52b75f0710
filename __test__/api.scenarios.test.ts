/**
 * /v1/scenarios, volley's extension: each scenario's executor, state, progress, VUs and rate,
 * and live control of one scenario while the others go on. Through createApp on a real engine.
 */
import { createApp } from '../ts/api/app';
import { listen, type BoundApi } from '../ts/api/server';
import { Engine } from '../ts/native';
import { startCountingServer, type CountingServer } from './support/countingServer';

type Resource = { type: string; id: string; attributes: Record<string, unknown> };

async function call(api: BoundApi, method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: text ? (JSON.parse(text) as { data: Resource & Resource[]; errors?: Array<Record<string, string>> }) : null };
}

const patch = (attributes: Record<string, unknown>) => ({ data: { type: 'scenarios', attributes } });

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('/v1/scenarios on a running test', () => {
  let target: CountingServer;
  let engine: Engine;
  let api: BoundApi;

  beforeAll(async () => {
    target = await startCountingServer();
    engine = new Engine({
      url: target.url,
      workers: 2,
      // The single-scenario fields are not read when `scenarios` is given.
      executor: 'constant-vus',
      vus: 1,
      scenarios: [
        { name: 'steady', executor: 'constant-vus', vus: 2, durationMs: 30_000 },
        { name: 'rate', executor: 'constant-arrival-rate', vus: 5, rate: 20, timeUnitMs: 1000, durationMs: 30_000, preAllocatedVus: 5, maxVus: 10 },
        { name: 'later', executor: 'shared-iterations', vus: 1, iterations: 5, startTimeMs: 60_000 },
      ],
    });
    api = await listen(createApp(engine), { host: '127.0.0.1', port: 0 });
    engine.start();
    await waitFor('2 steady VUs', () => engine.scenarios()[0].vus === 2);
  });

  afterAll(async () => {
    engine.stop();
    await engine.wait();
    await api.close();
    await target.close();
  });

  test('GET /v1/scenarios lists every scenario, JSON:API style', async () => {
    const res = await call(api, 'GET', '/v1/scenarios');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json; charset=utf-8');
    const list = res.json!.data;
    expect(list.map((s) => `${s.type}/${s.id}`)).toEqual(['scenarios/steady', 'scenarios/rate', 'scenarios/later']);
    const [steady, rate, later] = list.map((s) => s.attributes);
    expect(steady).toMatchObject({ executor: 'constant-vus', state: 'running', vus: 2, 'vus-max': 2, paused: false });
    expect(steady).not.toHaveProperty('rate');
    expect(steady.progress).toBeGreaterThan(0);
    expect(steady.progress).toBeLessThan(0.2);
    expect(rate).toMatchObject({ executor: 'constant-arrival-rate', state: 'running', 'vus-max': 5, rate: 20 });
    expect(later).toMatchObject({ executor: 'shared-iterations', state: 'waiting', progress: 0, vus: 0, 'start-time-ms': 60_000 });
    expect(Object.keys(steady)).toEqual(['executor', 'state', 'progress', 'vus', 'vus-max', 'paused', 'iterations', 'start-time-ms']);
  });

  test('GET /v1/scenarios/{name} reads one; an unknown name is a JSON:API 404', async () => {
    const one = await call(api, 'GET', '/v1/scenarios/rate');
    expect(one.status).toBe(200);
    expect(one.json!.data).toMatchObject({ type: 'scenarios', id: 'rate', attributes: { executor: 'constant-arrival-rate' } });
    for (const path of ['/v1/scenarios/nope', '/v1/scenarios/']) {
      const missing = await call(api, 'GET', path);
      expect(missing.status).toBe(404);
      expect(missing.json!.errors).toEqual([{ status: '404', title: 'Not Found', detail: 'No scenario with that ID was found' }]);
    }
    expect((await call(api, 'DELETE', '/v1/scenarios/rate')).status).toBe(405);
  });

  test('PATCH vus and vus-max scale one scenario; /v1/status sums them', async () => {
    const res = await call(api, 'PATCH', '/v1/scenarios/steady', patch({ vus: 4, 'vus-max': 6 }));
    expect(res.status).toBe(200);
    expect(res.json!.data.attributes).toMatchObject({ vus: 4, 'vus-max': 6 });
    const status = await call(api, 'GET', '/v1/status');
    // 6 + 5 + 1 initialised VUs across the scenarios.
    expect(status.json!.data.attributes['vus-max']).toBe(12);
    const over = await call(api, 'PATCH', '/v1/scenarios/steady', patch({ vus: 9 }));
    expect(over.status).toBe(400);
    expect(over.json!.errors![0]).toMatchObject({ title: 'Config update error' });
    expect(over.json!.errors![0].detail).toContain('must be less than or equal to the number of maxVUs (6)');
  });

  test('PATCH rate changes an arrival-rate scenario, and is refused elsewhere', async () => {
    const before = engine.scenarios()[1].iterations;
    const res = await call(api, 'PATCH', '/v1/scenarios/rate', patch({ rate: 200 }));
    expect(res.status).toBe(200);
    expect(res.json!.data.attributes.rate).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    // 200/s for half a second: far more than the 10 the old rate would start.
    expect(engine.scenarios()[1].iterations - before).toBeGreaterThan(50);
    const refused = await call(api, 'PATCH', '/v1/scenarios/steady', patch({ rate: 5 }));
    expect(refused.status).toBe(400);
    expect(refused.json!.errors![0].detail).toContain('has no rate');
    await call(api, 'PATCH', '/v1/scenarios/rate', patch({ rate: 20 }));
  });

  test('PATCH paused freezes one scenario while the others go on', async () => {
    const res = await call(api, 'PATCH', '/v1/scenarios/steady', patch({ paused: true }));
    expect(res.status).toBe(200);
    expect(res.json!.data.attributes.paused).toBe(true);
    // `vus` reads 0 at once while paused; the iterations in flight finish in a few ms.
    let last = -1;
    await waitFor('steady to park', async () => {
      const now = engine.scenarios()[0].iterations;
      const still = now === last;
      last = now;
      await new Promise((r) => setTimeout(r, 50));
      return still;
    });
    const [steadyBefore, rateBefore] = [engine.scenarios()[0].iterations, engine.scenarios()[1].iterations];
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.scenarios()[0].iterations).toBe(steadyBefore);
    expect(engine.scenarios()[1].iterations).toBeGreaterThan(rateBefore);
    expect((await call(api, 'GET', '/v1/status')).json!.data.attributes.paused).toBe(false);
    const again = await call(api, 'PATCH', '/v1/scenarios/steady', patch({ paused: true }));
    expect(again.status).toBe(500);
    expect(again.json!.errors).toEqual([{ status: '500', title: 'Pause error', detail: "scenario 'steady' was already paused" }]);
    expect((await call(api, 'PATCH', '/v1/scenarios/steady', patch({ paused: false }))).status).toBe(200);
    await waitFor('steady to resume', () => engine.scenarios()[0].vus === 4);
  });

  test('bad PATCH bodies are JSON:API 400s', async () => {
    for (const [body, detail] of [
      ['not json', 'the body is not JSON'],
      [{ data: {} }, 'expected {"data":{"attributes":{...}}}'],
      [patch({ vus: 1.5 }), '"vus" must be a whole number, got 1.5'],
      [patch({ paused: 'yes' }), '"paused" must be true or false, got "yes"'],
    ] as const) {
      const res = await call(api, 'PATCH', '/v1/scenarios/steady', body);
      expect(res.status).toBe(400);
      expect(res.json!.errors).toEqual([{ status: '400', title: 'Invalid data', detail }]);
    }
  });
});

describe('/v1/scenarios after the end', () => {
  test('states read done and changes answer 409', async () => {
    const target = await startCountingServer();
    const engine = new Engine({ url: target.url, workers: 1, executor: 'per-vu-iterations', vus: 1, scenarios: [{ name: 'once', executor: 'shared-iterations', vus: 2, iterations: 10 }] });
    const api = await listen(createApp(engine), { host: '127.0.0.1', port: 0 });
    try {
      engine.start();
      await engine.wait();
      const res = await call(api, 'GET', '/v1/scenarios/once');
      expect(res.json!.data.attributes).toMatchObject({ state: 'done', progress: 1, iterations: 10 });
      const late = await call(api, 'PATCH', '/v1/scenarios/once', patch({ vus: 1 }));
      expect(late.status).toBe(409);
      expect(late.json!.errors![0].title).toBe('Test ended');
    } finally {
      await api.close();
      await target.close();
    }
  });
});
