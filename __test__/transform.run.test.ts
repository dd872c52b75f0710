/**
 * Transformed fixture scripts run under Node against stand-ins for k6's modules whose blocking
 * calls are real Promises: each request starts only after the previous one ended, in the order a
 * synchronous k6 run would make them, and the values the script computes from responses are right.
 */
import { assertSequential, calls, runFixture } from './fixtures/transform/harness';

const T = 'http://test.local';

function run(entry: string, exports: readonly string[] = ['default']): string[] {
  const log = runFixture(entry, exports);
  assertSequential(log);
  return log;
}

test('nested functions and closures wait for each request', () => {
  const log = run('nested.js');
  expect(calls(log)).toEqual([`GET ${T}/a`, `GET ${T}/a?again`, `GET ${T}/items/1`, `GET ${T}/items/2`, 'sleep 0.1']);
  expect(log.at(-1)).toBe('returned 402');
});

test('arrow functions, returned closures and arrow callbacks passed to group', () => {
  const log = run('arrows.js');
  expect(log).toEqual([
    'call default',
    '> group arrows',
    `> GET ${T}/a`,
    `< GET ${T}/a`,
    `> GET ${T}/a?2`,
    `< GET ${T}/a?2`,
    'check has url pass',
    '> group inner',
    `> GET ${T}/b`,
    `< GET ${T}/b`,
    '> sleep 0.1',
    '< sleep 0.1',
    '< group inner',
    '< group arrows',
    'returned 3',
  ]);
});

test('loops with blocking calls: for, for...of, for...in, while, do...while, labelled continue', () => {
  const log = run('loops.js');
  expect(calls(log)).toEqual([
    `GET ${T}/for/0`,
    `GET ${T}/for/1`,
    `GET ${T}/one`,
    `GET ${T}/two`,
    `POST ${T}/in/x`,
    `GET ${T}/poll/0`,
    `GET ${T}/poll/1`,
    'sleep 0.1',
    `GET ${T}/label/one/1`,
    `GET ${T}/label/two/1`,
  ]);
  expect(log.at(-1)).toBe('returned 1');
});

test('try/finally around a request: finally runs after the request ends', () => {
  const log = run('tryfinally.js');
  expect(calls(log)).toEqual([`POST ${T}/login`, `GET ${T}/audit`, `GET ${T}/error?m=boom`, 'sleep 0.1']);
  expect(log.at(-1)).toBe('returned 200');
});

test('classes with methods that request, this.method(), inheritance, super and static factories', () => {
  const log = run('classes.js');
  expect(calls(log)).toEqual([`POST ${T}/login/alice`, `GET ${T}/me`, 'POST http://slow.local/login/slow', 'sleep 0.1', 'GET http://slow.local/home']);
  expect(log.at(-1)).toBe('returned "http://slow.local/home"');
});

test('object literal methods called as api.login(), and functions looked up by computed key', () => {
  const log = run('objects.js');
  expect(calls(log)).toEqual([`POST ${T}/login`, `GET ${T}/profile`, `DELETE ${T}/session`, `GET ${T}/`, `GET ${T}/about`]);
  expect(log.at(-1)).toBe(`returned "${T}/profile"`);
});

test('default parameters, including a blocking default callback', () => {
  const log = run('defaults.js');
  expect(calls(log)).toEqual([`GET ${T}/a?tag=/a`, `GET ${T}/default-action`, `GET ${T}/default-action`, `POST ${T}/custom/anon`]);
  expect(log.at(-1)).toBe('returned 200');
});

test('a helper module imported by the script: named, renamed, default and namespace imports', () => {
  const log = run('helper-module.js');
  expect(calls(log)).toEqual([
    `POST ${T}/login/alice`,
    `GET ${T}/me`,
    `GET ${T}/items`,
    `GET ${T}/via-namespace`,
    `POST ${T}/form`,
    'sleep 0.1',
    `POST ${T}/login/bob`,
    `GET ${T}/me`,
  ]);
  expect(log.at(-1)).toBe('returned 22');
});

test('re-exports: export { f } from, export * from, export * as ns from, export { x as default } from', () => {
  const log = run('reexports.js');
  expect(calls(log)).toEqual([`GET ${T}/home`, `POST ${T}/login/carol`, `GET ${T}/me`, `POST ${T}/reexported-namespace`, `POST ${T}/checkout`]);
  expect(log.at(-1)).toBe('returned 200');
});

test('functions passed as arguments then called, returned from functions, bound and called with call()', () => {
  const log = run('higher-order.js');
  expect(calls(log)).toEqual([
    `GET ${T}/run`,
    `GET ${T}/repeat/0`,
    `GET ${T}/repeat/1`,
    `POST ${T}/written`,
    `GET ${T}/bound/1`,
    `GET ${T}/list/7`,
    `GET ${T}/call/3`,
    `GET ${T}/in-group/0`,
  ]);
  expect(log.at(-1)).toBe('returned 42');
});

test('setup, scenario exec functions, teardown and handleSummary', () => {
  const log = run('lifecycle.js', ['setup', 'browse:{"token":200}', 'idle', 'already', 'teardown:{"token":200}', 'handleSummary:{}', 'default:{"token":1}']);
  expect(log).toEqual([
    'call setup',
    `> POST ${T}/setup`,
    `< POST ${T}/setup`,
    'returned {"token":200}',
    'call browse',
    `> GET ${T}/browse?token=200`,
    `< GET ${T}/browse?token=200`,
    'call idle',
    'returned "nothing to wait for"',
    'call already',
    `> GET ${T}/already`,
    `< GET ${T}/already`,
    'call teardown',
    '> sleep 0.1',
    '< sleep 0.1',
    `> DELETE ${T}/session/200`,
    `< DELETE ${T}/session/200`,
    'call handleSummary',
    'returned {"stdout":"{}"}',
    'call default',
    `> GET ${T}/browse?token=1`,
    `< GET ${T}/browse?token=1`,
  ]);
});

test('await precedence: member access, destructuring, comparison, conditional, exponent, template, ASI, optional chain', () => {
  const log = run('precedence.js');
  expect(log.at(-1)).toBe(
    `returned "${T}/json 200 true ${T}/then 40000 ${T}/template! ${T}/nullish 2 1 ${T}/chain"`,
  );
});

test('a script written async keeps its own concurrency, and its blocking calls still wait', () => {
  const log = runFixture('user-async.js', ['default']);
  expect(log).toEqual([
    'call default',
    `> GET ${T}/a`,
    `> GET ${T}/b`,
    `< GET ${T}/a`,
    `< GET ${T}/b`,
    `> GET ${T}/awaited`,
    `< GET ${T}/awaited`,
    '> sleep 0.1',
    '< sleep 0.1',
    `> GET ${T}/direct`,
    `< GET ${T}/direct`,
    'returned 800',
  ]);
});

test('volley module names work as k6 ones', () => {
  expect(run('volley.js')).toEqual([
    'call default',
    '> group volley names',
    `> GET ${T}/volley`,
    `< GET ${T}/volley`,
    '> sleep 0.1',
    '< sleep 0.1',
    '< group volley names',
  ]);
});

test('the golden k6 scripts run unmodified: nested groups, checks and metrics in order', () => {
  const log = run('golden/cvus.js', ['setup', 'default:{"a":1}', 'teardown:{"a":1}']);
  expect(log).toEqual([
    'call setup',
    'returned {"a":1}',
    'call default',
    '> group visit homepage',
    '> GET http://127.0.0.1:8099/',
    '< GET http://127.0.0.1:8099/',
    'check status is 200 pass',
    'metric my_trend 1',
    '> group nested level 1',
    '> group nested level 2',
    'metric my_counter 1',
    'metric my_gauge 1',
    'metric my_rate true',
    '< group nested level 2',
    '< group nested level 1',
    '< group visit homepage',
    '> sleep 0.5',
    '< sleep 0.5',
    'call teardown',
    'console teardown data: {"a":1}',
  ]);
  expect(calls(run('golden/slowsetup.js', ['setup', 'teardown:{"a":1}']))).toEqual(['sleep 3', 'sleep 2']);
});
