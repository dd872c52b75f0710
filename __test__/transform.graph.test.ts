/**
 * transformGraph over several modules: results per module URL, asyncExports (what the runtime must
 * await), values followed through imports and re-exports, and the blocking-API option.
 */
import { DEFAULT_BLOCKING_APIS, transformGraph, type ModuleSource, type TransformResult } from '../ts/script/transform';
import { codeOf, transformFixture } from './fixtures/transform/harness';

function graph(modules: Record<string, string>): Map<string, TransformResult> {
  const list: ModuleSource[] = Object.entries(modules).map(([path, source]) => ({ url: `file:///s/${path}`, source }));
  return transformGraph(list);
}

function result(results: Map<string, TransformResult>, path: string): TransformResult {
  const r = results.get(`file:///s/${path}`);
  if (!r) throw new Error(`no result for ${path}`);
  return r;
}

test('returns one result per module, keyed by the URL as passed', () => {
  const results = transformGraph([
    { url: 'file:///s/main.js', source: "import { f } from './lib.js';\nexport default function () { f(); }" },
    { url: 'file:///s/lib.js', source: "import http from 'k6/http';\nexport function f() { http.get('x'); }" },
  ]);
  expect([...results.keys()]).toEqual(['file:///s/main.js', 'file:///s/lib.js']);
});

test('asyncExports lists the exports that became async, and those written async', () => {
  const results = transformFixture('lifecycle.js');
  const entry = [...results.values()][0];
  expect(entry.asyncExports.sort()).toEqual(['already', 'browse', 'default', 'setup', 'teardown']);
});

test('asyncExports of a helper module names its named, arrow and default exports that became async', () => {
  const results = transformFixture('helper-module.js');
  expect([...results.values()].map((r) => r.asyncExports)).toEqual([['default'], ['getJson', 'postForm', 'default'], ['login']]);
});

test('re-exported names carry their async-ness: export { f as g } from, export * from', () => {
  const results = transformFixture('reexports.js');
  const index = [...results.entries()].find(([url]) => url.endsWith('/lib/index.js'));
  expect(index?.[1].asyncExports).toEqual(['visit', 'browse', 'checkout']);
  expect(codeOf(results, 'reexports.js')).toContain("await visit('/home');\n  noRequest();\n  await session.start('carol');");
});

test('a module imported by two others, and modules that import each other', () => {
  const results = graph({
    'main.js': "import { a } from './a.js';\nimport { b } from './b.js';\nexport default function () { a(); b(); }",
    'a.js': "import { b, shared } from './b.js';\nexport function a() { return b() + shared(); }",
    'b.js': "import http from 'k6/http';\nimport { a } from './a.js';\nexport function b() { return http.get('b').status; }\nexport function shared() { return 1; }\nexport function loop(n) { return n ? a() : 0; }",
  });
  expect(result(results, 'main.js').code).toContain('export default async function () { await a(); await b(); }');
  expect(result(results, 'a.js').code).toContain('export async function a() { return await b() + shared(); }');
  expect(result(results, 'b.js').code).toContain('export async function loop(n) { return n ? await a() : 0; }');
});

test('an object exported as default, with methods that request', () => {
  const results = graph({
    'main.js': "import api from './api.js';\nexport default function () { api.login('u'); }",
    'api.js': "import http from 'k6/http';\nexport default {\n  login(user) { return http.post(user); },\n};",
  });
  expect(result(results, 'main.js').code).toBe("import api from './api.js';\nexport default async function () { await api.login('u'); }");
  expect(result(results, 'api.js').code).toContain('  async login(user) { return await http.post(user); },');
});

test('a class exported from a helper module, extended in the script', () => {
  const results = graph({
    'main.js': "import { Base } from './base.js';\nclass Shop extends Base { buy() { this.send('/buy'); } }\nexport default function () { new Shop().buy(); }",
    'base.js': "import http from 'k6/http';\nexport class Base { send(path) { return http.post(path); } }",
  });
  expect(result(results, 'main.js').code).toBe(
    "import { Base } from './base.js';\nclass Shop extends Base { async buy() { await this.send('/buy'); } }\nexport default async function () { await new Shop().buy(); }",
  );
});

test('a relative import the caller did not pass is not followed: its functions are not awaited', () => {
  const results = graph({
    'main.js': "import { helper } from './missing.js';\nexport default function () { helper(); }",
  });
  expect(result(results, 'main.js').code).toBe("import { helper } from './missing.js';\nexport default function () { helper(); }");
});

test('extra blocking APIs can be declared, and their callbacks may wait', () => {
  const source =
    "import ws from 'k6/ws';\nimport http from 'k6/http';\nexport default function () {\n  ws.connect('u', {}, (socket) => { http.get('in-callback'); });\n}";
  const results = transformGraph([{ url: 'file:///s/ws.js', source }], {
    blocking: { ...DEFAULT_BLOCKING_APIS, 'k6/ws': ['connect'] },
  });
  expect(results.get('file:///s/ws.js')?.code).toBe(
    "import ws from 'k6/ws';\nimport http from 'k6/http';\nexport default async function () {\n  await ws.connect('u', {}, async (socket) => { await http.get('in-callback'); });\n}",
  );
});

test('the blocking option replaces the default list', () => {
  const source = "import http from 'k6/http';\nexport default function () { http.get('u'); }";
  expect(transformGraph([{ url: 'file:///s/x.js', source }], { blocking: {} }).get('file:///s/x.js')?.code).toBe(source);
});

test('a source map is produced on request, naming the file', () => {
  const results = transformGraph(
    [{ url: 'file:///s/x.js', source: "import http from 'k6/http';\nexport default function () { http.get('u'); }" }],
    { sourceMap: true },
  );
  const map = JSON.parse(results.get('file:///s/x.js')?.map ?? '{}') as { version: number; sources: string[]; mappings: string };
  expect(map.version).toBe(3);
  expect(map.sources).toEqual(['/s/x.js']);
  expect(map.mappings.length).toBeGreaterThan(0);
});

test('modules of the runtime (volley:vu) and remote modules are built-ins: not followed, not awaited', () => {
  const source =
    "import { __VU } from 'volley:vu';\nimport { describe } from 'https://jslib.k6.io/k6chaijs/4.3.4.3/index.js';\nexport default function () { describe('x', () => __VU); }";
  expect(transformGraph([{ url: 'file:///s/x.js', source }]).get('file:///s/x.js')?.code).toBe(source);
});
