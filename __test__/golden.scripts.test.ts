/**
 * The golden k6 scripts (__test__/golden/scripts, as captured with k6 v0.49.0) run unmodified
 * and build what k6 built: the same group tree (md5 ids), checks, and metric names and types.
 * The scripts target http://127.0.0.1:8099/ (the golden nginx), so the test serves that port.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from './support/cli';
import { GOLDEN_DIR, readGolden } from './support/golden';

const SCRIPTS = join(GOLDEN_DIR, 'scripts');
const GOLDEN_TARGET_PORT = 8099;

interface GroupDoc {
  id: string;
  attributes: { path: string; name: string; checks: Array<{ id: string; path: string; name: string; passes: number; fails: number }> | null };
  relationships: { groups: { data: Array<{ id: string }> }; parent: { data: { id: string } | null } };
}

interface MetricDoc {
  id: string;
  attributes: { type: string; contains: string };
}

interface ExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportGroup>;
  checks: Record<string, { name: string; path: string; id: string }>;
}

interface Export {
  metrics: Record<string, unknown>;
  root_group: ExportGroup;
}

/** What identifies a group tree: paths, names, ids, parents, children and check names/ids. */
function groupShape(docs: GroupDoc[]) {
  return docs.map((g) => ({
    id: g.id,
    path: g.attributes.path,
    name: g.attributes.name,
    checks: g.attributes.checks?.map((c) => ({ id: c.id, path: c.path, name: c.name })) ?? null,
    children: g.relationships.groups.data.map((c) => c.id),
    parent: g.relationships.parent.data?.id ?? null,
  }));
}

function exportShape(g: ExportGroup): unknown {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    checks: Object.values(g.checks).map((c) => ({ name: c.name, path: c.path, id: c.id })),
    groups: Object.values(g.groups).map(exportShape),
  };
}

const goldenExport = (file: string) => JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as Export;

async function serveGoldenTarget(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<html><body>golden target</body></html>\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`the golden scripts target 127.0.0.1:${GOLDEN_TARGET_PORT}, which cannot be served: ${e.message}`)));
    server.listen(GOLDEN_TARGET_PORT, '127.0.0.1', resolve);
  });
  return server;
}

describe('golden k6 scripts run unmodified', () => {
  let target: Server;
  const dir = mkdtempSync(join(tmpdir(), 'volley-golden-scripts-'));

  beforeAll(async () => {
    target = await serveGoldenTarget();
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        target.close(() => resolve());
        target.closeAllConnections();
      }),
  );

  test('ext.js (externally-controlled): /v1/groups and /v1/metrics name what k6 named; stopped over the API', async () => {
    const file = join(dir, 'ext.json');
    const cli = startCli(['run', join(SCRIPTS, 'ext.js'), '--address', '127.0.0.1:0', '--quiet', '--summary-export', file]);
    const [, api] = await cli.waitFor(/REST API: (http:\/\/\S+)/);

    // Until iterations have gone through every group (each sleeps 0.5 s) and every metric has
    // samples: `vus` and `vus_max` are sampled once a second, as in k6.
    const goldenMetrics = (JSON.parse(readGolden('30-get-metrics.txt').text) as { data: MetricDoc[] }).data;
    let groups: GroupDoc[] = [];
    let metrics: MetricDoc[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      groups = ((await (await fetch(`${api}/v1/groups`)).json()) as { data: GroupDoc[] }).data;
      metrics = ((await (await fetch(`${api}/v1/metrics`)).json()) as { data: MetricDoc[] }).data;
      const visit = groups.find((g) => g.attributes.path === '::visit homepage');
      if ((visit?.attributes.checks?.[0]?.passes ?? 0) >= 4 && groups.length >= 5 && metrics.length >= goldenMetrics.length) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const stop = await fetch(`${api}/v1/status`, { method: 'PATCH', body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { stopped: true } } }) });
    expect(stop.status).toBe(200);
    const res = await cli.done;

    // k6 v0.49.0, captured during the same scenario: root, ::setup, then the script's groups.
    const golden = (JSON.parse(readGolden('50-get-groups.txt').text) as { data: GroupDoc[] }).data;
    expect(groupShape(groups)).toEqual(groupShape(golden));
    const visit = groups.find((g) => g.attributes.path === '::visit homepage');
    expect(visit?.attributes.checks?.[0].fails).toBe(0);

    const typed = (ms: MetricDoc[]) => Object.fromEntries(ms.map((m) => [m.id, `${m.attributes.type}/${m.attributes.contains}`]));
    expect(typed(metrics)).toEqual(typed(goldenMetrics));
    expect(typed(metrics)).toMatchObject({
      my_counter: 'counter/default',
      my_trend: 'trend/time',
      my_gauge: 'gauge/default',
      my_rate: 'rate/default',
      checks: 'rate/default',
    });

    // Stopped over the API wins over the crossed my_counter threshold: 103, as k6.
    expect(res.code).toBe(103);
    const exp = JSON.parse(readFileSync(file, 'utf8')) as Export;
    const ext = goldenExport('summary-export-ext.json');
    expect(Object.keys(exp.metrics).sort()).toEqual(Object.keys(ext.metrics).sort());
    expect(exportShape(exp.root_group)).toEqual(exportShape(ext.root_group));
    expect(res.stderr).toContain('teardown data: {\\"a\\":1}');
  });

  test('cvus.js (constant-vus, 8 s as written): the export has the golden metric names, groups and checks', async () => {
    const file = join(dir, 'cvus.json');
    const res = await startCli(['run', join(SCRIPTS, 'cvus.js'), '--address', '', '--quiet', '--summary-export', file]).done;
    // my_counter: ['count<1'] is crossed on purpose in the golden script: 99, as k6.
    expect(res.code).toBe(99);
    const exp = JSON.parse(readFileSync(file, 'utf8')) as Export;
    const cvus = goldenExport('summary-export-cvus.json');
    expect(Object.keys(exp.metrics).sort()).toEqual(Object.keys(cvus.metrics).sort());
    for (const [name, golden] of Object.entries(cvus.metrics)) {
      expect({ name, keys: Object.keys(exp.metrics[name] as object).sort() }).toEqual({ name, keys: Object.keys(golden as object).sort() });
    }
    expect(exportShape(exp.root_group)).toEqual(exportShape(cvus.root_group));
    const lines = res.stderr.split('\n').filter(Boolean);
    expect(lines.filter((l) => /level=error/.test(l))).toEqual([expect.stringContaining("thresholds on metrics 'my_counter' have been crossed")]);
  }, 30_000);
});
