/**
 * k6/html end to end: parseHTML with every Selection and Element method on a fixed page, checked
 * against what k6 v0.49.0 gives (fixtures/scripts-html/expected.js, captured from the real binary),
 * and k6/http's res.html(), res.submitForm() and res.clickLink() against a local server that
 * records what it received (the requests below are the ones k6 v0.49.0 sent for served.js).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

const fixture = (name: string) => join(__dirname, 'fixtures', 'scripts-html', name);
type Export = {
  metrics: Record<string, Record<string, number>>;
  root_group: { checks: Record<string, { passes: number; fails: number }> };
};

const dir = mkdtempSync(join(tmpdir(), 'volley-html-'));
/** expected.js is `export const EXPECTED = {JSON};` */
const expectedText = readFileSync(fixture('expected.js'), 'utf8');
const EXPECTED = JSON.parse(expectedText.slice(expectedText.indexOf('{'), expectedText.lastIndexOf('}') + 1)) as Record<string, string>;
const cases = Object.keys(EXPECTED).length;

async function run(name: string, env: string[] = []): Promise<Export> {
  const file = join(dir, `${name}.json`);
  const res = await runCli(['run', fixture(name), '--address', '', '--quiet', ...env, '--summary-export', file]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as Export;
}

const failing = (e: Export) => Object.entries(e.root_group.checks).filter(([, c]) => c.fails > 0).map(([n]) => n);

test('parseHTML: every Selection and Element case gives what k6 v0.49 gives, in the init context and in an iteration', async () => {
  expect(cases).toBeGreaterThan(150);
  const exported = await run('html.js');
  expect(failing(exported)).toEqual([]);
  expect(exported.metrics.checks).toMatchObject({ passes: 2 * (cases + 1), fails: 0 });
});

test('volley/html is the same module, by named, default and namespace import', async () => {
  const exported = await run('alias.js');
  expect(failing(exported)).toEqual([]);
  expect(exported.metrics.checks).toMatchObject({ passes: 3, fails: 0 });
});

const PAGE = `<!DOCTYPE html><html><head><title>Forms</title></head><body>
<ul><li>a</li><li>b</li><li>c</li></ul>
<a id="nohref">none</a>
<a href="/first">first</a>
<a id="next" href="next?x=1">next</a>
<form id="login" action="/login" method="post">
  <input name="user" value="ann"><input type="hidden" name="token" value="t0k">
  <input type="checkbox" name="remember" value="yes" checked="checked">
  <input type="submit" name="go" value="in">
</form>
<form id="search" action="/search?old=1" method="get">
  <select name="lang"><option>de</option><option selected value="en">English</option></select>
  <input name="q"><button id="find" type="submit" name="s" value="Find">Find</button>
</form>
<form id="self"><input name="n" value="1"></form>
</body></html>`;

/** What k6 v0.49.0 sent for served.js's submitForm/clickLink calls (the /page requests left out). */
const K6_V049_REQUESTS = [
  { method: 'POST', url: '/login', type: 'application/x-www-form-urlencoded', body: 'extra=a+b%26c&go=in&remember=yes&token=t0k&user=bob', test: 'form' },
  { method: 'GET', url: '/search?lang=en&q=x+y&s=Find', type: '', body: '', test: '' },
  { method: 'GET', url: '/next?x=1', type: '', body: '', test: 'link' },
  { method: 'GET', url: '/first', type: '', body: '', test: '' },
];

describe('res.html(), res.submitForm(), res.clickLink()', () => {
  let server: Server;
  let url: string;
  const received: Array<Record<string, string>> = [];
  const pages: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const path = req.url ?? '/';
        if (path.startsWith('/page')) {
          pages.push(path);
          res.setHeader('Content-Type', 'text/html');
          return res.end(PAGE);
        }
        const rec = {
          method: req.method ?? '',
          url: path,
          type: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString(),
          test: String(req.headers['x-test'] ?? ''),
        };
        received.push(rec);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(rec));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('the page as a Selection, and forms and links sent as k6 v0.49 sends them', async () => {
    const exported = await run('served.js', ['-e', `URL=${url}`]);
    expect(failing(exported)).toEqual([]);
    expect(exported.metrics.checks).toMatchObject({ passes: 17, fails: 0 });
    expect(received).toEqual(K6_V049_REQUESTS);
    // The page, then the form without action or method: a GET of the page with its fields.
    expect(pages).toEqual(['/page?from=test', '/page?n=1']);
  });
});
