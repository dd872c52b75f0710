/**
 * The rewrite only inserts: the output has the same lines as the input, every original token is on
 * its original line, and taking the inserted tokens out gives back the original text exactly (so
 * columns move only by what was inserted before them on their line). It must also parse as a module,
 * and a large script must transform quickly.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, tokenizer } from 'acorn';
import { transformModule } from '../ts/script/transform';
import { FIXTURES, readGraph } from './fixtures/transform/harness';
import { transformGraph } from '../ts/script/transform';

/** The only tokens the transform inserts. */
const INSERTED = new Set(['async', 'await', '(', ')', ';', '?', '?.']);

interface Tok {
  text: string;
  start: number;
  end: number;
  line: number;
}

function tokens(code: string): Tok[] {
  const out: Tok[] = [];
  for (const t of tokenizer(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true })) {
    out.push({ text: code.slice(t.start, t.end), start: t.start, end: t.end, line: t.loc?.start.line ?? 0 });
  }
  return out;
}

/**
 * Aligns the transformed tokens on the original ones, skipping only insertable tokens, and checks
 * that each original token kept its line and that removing the skipped tokens restores the source.
 */
function expectOnlyInsertions(original: string, transformed: string, name: string): void {
  expect(transformed.split('\n').length).toBe(original.split('\n').length);
  parse(transformed, { ecmaVersion: 'latest', sourceType: 'module' });
  const before = tokens(original);
  const after = tokens(transformed);
  const removed: Array<[number, number]> = [];
  let j = 0;
  for (const t of after) {
    const o = before[j];
    if (o && t.text === o.text) {
      if (t.line !== o.line) throw new Error(`${name}: "${o.text}" moved from line ${o.line} to ${t.line}`);
      j++;
    } else if (INSERTED.has(t.text)) {
      const spaced = (t.text === 'async' || t.text === 'await') && transformed[t.end] === ' ';
      removed.push([t.start, spaced ? t.end + 1 : t.end]);
    } else {
      throw new Error(`${name}: unexpected token "${t.text}" on line ${t.line} (expected "${o?.text}")`);
    }
  }
  expect(j).toBe(before.length);
  let stripped = '';
  let at = 0;
  for (const [start, end] of removed) {
    stripped += transformed.slice(at, start);
    at = end;
  }
  stripped += transformed.slice(at);
  expect(stripped).toBe(original);
}

function fixtureEntries(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'runtime') out.push(...fixtureEntries(path));
    } else if (name.endsWith('.js')) {
      out.push(relative(FIXTURES, path));
    }
  }
  return out.sort();
}

describe.each(fixtureEntries(FIXTURES))('%s', (entry) => {
  test('keeps every line and every original token, and only inserts', () => {
    const modules = readGraph(entry);
    const results = transformGraph(modules);
    for (const m of modules) {
      const result = results.get(m.url);
      if (!result) throw new Error(`no result for ${m.url}`);
      expectOnlyInsertions(m.source, result.code, m.url);
    }
  });
});

test('line terminators other than \\n are kept', () => {
  const source = "import http from 'k6/http';\r\nexport default function () {\r\n  http.get('a').json();\u2028  http.get('b');\r}\r\n";
  const { code } = transformModule(source);
  expect(code).toBe("import http from 'k6/http';\r\nexport default async function () {\r\n  (await http.get('a')).json();\u2028  await http.get('b');\r}\r\n");
});

/** A k6-style script of about `lines` lines: helpers, object methods, classes, groups and checks. */
function largeScript(lines: number): { source: string; steps: number } {
  const out = ["import http from 'k6/http';", "import { check, group, sleep } from 'k6';", ''];
  let i = 0;
  // Each step adds 14 lines here and one in the default export.
  while (out.length + i + 4 < lines) {
    out.push(
      `function step${i}(base, n = ${i}) {`,
      `  const res = http.get(\`\${base}/items/${i}?n=\${n}\`);`,
      `  check(res, { 'status ${i}': (r) => r.status === 200 });`,
      "  const ids = res.json('ids') || [];",
      '  for (const id of ids.slice(0, 2)) {',
      `    helper${i}(base, id);`,
      '  }',
      `  return res.status === 200 ? light${i}(n) : null;`,
      '}',
      `function helper${i}(base, id) { return http.post(base + '/x', JSON.stringify({ id })).status; }`,
      `function light${i}(n) { return n * 2; }`,
      `const api${i} = { run(base) { return step${i}(base); }, pure: (x) => x + ${i} };`,
      `class Page${i} { constructor(b) { this.b = b; } open() { return api${i}.run(this.b); } }`,
      '',
    );
    i++;
  }
  out.push('export default function () {', "  const base = 'http://127.0.0.1';");
  for (let j = 0; j < i; j++) out.push(`  group('g${j}', () => { new Page${j}(base).open(); api${j}.pure(1); });`);
  out.push('  sleep(1);', '}');
  return { source: out.join('\n'), steps: i };
}

test('a 2,400-line script transforms completely (time reported, not asserted)', () => {
  const { source, steps } = largeScript(2400);
  expect(source.split('\n').length).toBeGreaterThanOrEqual(2400);
  const started = process.hrtime.bigint();
  const { code, asyncExports } = transformModule(source);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`transform of a ${source.split('\n').length}-line script: ${ms.toFixed(0)} ms`);
  expect(asyncExports).toEqual(['default']);
  // Per step: step, helper, run and open become async; awaits: get, post, helper(), step(), run(), open(), group().
  expect(code.match(/\basync /g)?.length).toBe(steps * 4 + steps + 1);
  expect(code.match(/\bawait /g)?.length).toBe(steps * 6 + steps + 1);
  expectOnlyInsertions(source, code, 'large script');
});
