/**
 * k6/crypto end to end: the fixture computes every function on fixed inputs and checks each value
 * against what k6 v0.49.0 gives (fixtures/scripts-crypto/expected.js, captured from the real binary).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli';

const fixture = (name: string) => join(__dirname, 'fixtures', 'scripts-crypto', name);
type Export = {
  metrics: Record<string, Record<string, number>>;
  root_group: { checks: Record<string, { passes: number; fails: number }> };
};

const dir = mkdtempSync(join(tmpdir(), 'volley-crypto-'));
/** expected.js is `export const EXPECTED = {JSON};` */
const expectedText = readFileSync(fixture('expected.js'), 'utf8');
const EXPECTED = JSON.parse(expectedText.slice(expectedText.indexOf('{'), expectedText.lastIndexOf('}') + 1)) as Record<string, string>;
const cases = Object.keys(EXPECTED).length;

async function run(name: string): Promise<Export> {
  const file = join(dir, `${name}.json`);
  const res = await runCli(['run', fixture(name), '--address', '', '--quiet', '--summary-export', file]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as Export;
}

const failing = (e: Export) => Object.entries(e.root_group.checks).filter(([, c]) => c.fails > 0).map(([n]) => n);

test('every k6/crypto function gives what k6 v0.49 gives, in the init context and in iterations', async () => {
  const exported = await run('crypto.js');
  expect(failing(exported)).toEqual([]);
  // 2 iterations x (init and iteration values, each every case plus the case list) + randomBytes
  expect(exported.metrics.checks).toMatchObject({ passes: 2 * (2 * (cases + 1) + 1), fails: 0 });
  expect(exported.root_group.checks['iteration: hmac(ripemd160, long key, long, base64)']).toEqual(
    expect.objectContaining({ passes: 2, fails: 0 }),
  );
});

test('volley/crypto is the same module, by namespace, named and default import', async () => {
  const exported = await run('alias.js');
  expect(failing(exported)).toEqual([]);
  expect(exported.metrics.checks).toMatchObject({ passes: cases + 3, fails: 0 });
});

test('createHash() with an unknown algorithm throws a GoError the script catches', async () => {
  const file = join(dir, 'unknown-hash.json');
  const res = await runCli(['run', fixture('unknown-hash.js'), '--address', '', '--quiet', '--summary-export', file]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const exported = JSON.parse(readFileSync(file, 'utf8')) as { metrics: { checks: { passes: number; fails: number } } };
  expect(exported.metrics.checks).toMatchObject({ passes: 3, fails: 0 });
});
