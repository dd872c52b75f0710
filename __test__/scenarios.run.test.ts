/**
 * Several scenarios in one `volley run`, in parallel as k6 runs them: each runs its own `exec`
 * with its own `env` over the run's, knows its scenario through k6/execution, and gets VU ids
 * of its own. The server counts which function sent what.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

interface Seen {
  path: string;
  params: Record<string, string>;
}

async function startRecorder(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    seen.push({ path: url.pathname, params: Object.fromEntries(url.searchParams) });
    req.resume();
    res.writeHead(200, { 'Content-Length': '2' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const SCRIPT = `
import http from 'k6/http';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    // Listed out of k6's order: k6 sorts scenarios by startTime, then name.
    buy: {
      executor: 'per-vu-iterations', vus: 2, iterations: 5, exec: 'buy', startTime: '300ms',
      env: { AREA: 'cart' },
    },
    browse: {
      executor: 'shared-iterations', vus: 3, iterations: 30, exec: 'browse',
      env: { AREA: 'shop' }, tags: { kind: 'window' },
    },
  },
};

function send(fn) {
  const q = [
    'area=' + __ENV.AREA, 'base=' + __ENV.BASE, 'scenario=' + exec.scenario.name,
    'executor=' + exec.scenario.executor, 'vu=' + __VU, 'kind=' + exec.vu.tags.kind,
    'tag=' + exec.vu.tags.scenario,
  ].join('&');
  http.get(__ENV.TARGET + '/' + fn + '?' + q);
}

export function browse() { send('browse'); }
export function buy() { send('buy'); }
export default function () { send('default'); }
`;

describe('volley run with several scenarios', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-scenarios-'));
  const script = join(dir, 'scenarios.js');
  writeFileSync(script, SCRIPT);

  test('each scenario runs its exec with its env, scenario info and VUs, in k6 order', async () => {
    const target = await startRecorder();
    try {
      const res = await runCli(['run', script, '--address', '', '-e', `TARGET=${target.url}`, '-e', 'BASE=run', '-e', 'AREA=run']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);

      const by = (path: string) => target.seen.filter((s) => s.path === path);
      const [browse, buy] = [by('/browse'), by('/buy')];
      // Exact counts: 30 shared iterations, 2 VUs x 5 iterations; nothing ran the default.
      expect([browse.length, buy.length, by('/default').length]).toEqual([30, 10, 0]);
      // The scenario's env over the run's: AREA is the scenario's, BASE the run's.
      expect(new Set(browse.map((s) => `${s.params.area} ${s.params.base} ${s.params.scenario} ${s.params.executor}`))).toEqual(
        new Set(['shop run browse shared-iterations']),
      );
      expect(new Set(buy.map((s) => `${s.params.area} ${s.params.base} ${s.params.scenario} ${s.params.executor}`))).toEqual(
        new Set(['cart run buy per-vu-iterations']),
      );
      // The scenario tag and the scenario's tags are the VU's tags.
      expect(new Set(browse.map((s) => `${s.params.tag} ${s.params.kind}`))).toEqual(new Set(['browse window']));
      expect(new Set(buy.map((s) => `${s.params.tag} ${s.params.kind}`))).toEqual(new Set(['buy undefined']));
      // __VU is unique across scenarios: 3 VUs for browse, then 2 for buy.
      const vus = (seen: Seen[]) => [...new Set(seen.map((s) => Number(s.params.vu)))].sort();
      expect(vus(browse)).toEqual([1, 2, 3]);
      expect(vus(buy)).toEqual([4, 5]);

      // k6's banner: sorted by startTime then name, exec and startTime in the base info, the
      // most VUs at once over both, the latest end rounded to 100 ms.
      const lines = res.stdout.split('\n');
      const at = lines.findIndex((l) => l.includes('scenarios: ('));
      expect(lines.slice(at, at + 3)).toEqual([
        '     scenarios: (100.00%) 2 scenarios, 5 max VUs, 10m30.3s max duration (incl. graceful stop):',
        '              * browse: 30 iterations shared among 3 VUs (maxDuration: 10m0s, exec: browse, gracefulStop: 30s)',
        '              * buy: 5 iterations for each of 2 VUs (maxDuration: 10m0s, exec: buy, startTime: 300ms, gracefulStop: 30s)',
      ]);
    } finally {
      await target.close();
    }
  });

  test('an exec that names no export is refused before anything runs', async () => {
    const bad = join(dir, 'bad-exec.js');
    writeFileSync(
      bad,
      `export const options = { scenarios: {
        a: { executor: 'shared-iterations', exec: 'a' },
        b: { executor: 'shared-iterations', exec: 'missing' },
      } };
      export function a() {}`,
    );
    const res = await runCli(['run', bad, '--address', '', '--quiet']);
    expect(res.code).toBe(104);
    expect(res.stderr).toContain("executor b: function 'missing' not found in exports");
  });

  test('gracefulStop on an externally-controlled scenario is refused, as k6 does', async () => {
    const bad = join(dir, 'ext-grace.js');
    writeFileSync(
      bad,
      `export const options = { scenarios: {
        ext: { executor: 'externally-controlled', vus: 1, maxVUs: 2, duration: '10s', gracefulStop: '0s' },
      } };
      export default function () {}`,
    );
    const res = await runCli(['run', bad, '--address', '', '--quiet']);
    expect(res.code).toBe(104);
    expect(res.stderr).toContain('scenario ext: gracefulStop is not supported by the externally controlled executor');
  });

  test('scenarios that do not overlap share their VUs in the banner, as in k6', async () => {
    const target = await startRecorder();
    const seq = join(dir, 'sequential.js');
    writeFileSync(
      seq,
      `import http from 'k6/http';
      export const options = { scenarios: {
        first: { executor: 'constant-vus', vus: 4, duration: '1s', gracefulStop: '0s' },
        second: { executor: 'shared-iterations', vus: 2, iterations: 4, startTime: '1s', gracefulStop: '0s' },
      } };
      export default function () { http.get(__ENV.TARGET + '/' + __VU); }`,
    );
    try {
      const res = await runCli(['run', seq, '--address', '', '-e', `TARGET=${target.url}`]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('     scenarios: (100.00%) 2 scenarios, 4 max VUs, 10m1s max duration (incl. graceful stop):');
      expect(res.stdout).toContain('              * first: 4 looping VUs for 1s\n');
      expect(res.stdout).toContain('              * second: 4 iterations shared among 2 VUs (maxDuration: 10m0s, startTime: 1s)\n');
      // The second scenario started after the first one's second.
      expect(target.seen.length).toBeGreaterThan(4);
    } finally {
      await target.close();
    }
  });

  test('a request-list scenario runs natively beside a JS one', async () => {
    const target = await startRecorder();
    const mixed = join(dir, 'mixed.js');
    writeFileSync(
      mixed,
      `import http from 'k6/http';
      export const pages = [__ENV.TARGET + '/list/a', __ENV.TARGET + '/list/b'];
      export const options = { scenarios: {
        native: { executor: 'per-vu-iterations', vus: 2, iterations: 3, exec: 'pages' },
        js: { executor: 'shared-iterations', vus: 1, iterations: 4, exec: 'run' },
      } };
      export function run() { http.get(__ENV.TARGET + '/js'); }`,
    );
    try {
      const res = await runCli(['run', mixed, '--address', '', '--quiet', '-e', `TARGET=${target.url}`]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const count = (path: string) => target.seen.filter((s) => s.path === path).length;
      expect([count('/list/a'), count('/list/b'), count('/js')]).toEqual([6, 6, 4]);
    } finally {
      await target.close();
    }
  });
});
