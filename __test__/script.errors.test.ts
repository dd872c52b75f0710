import { join } from 'node:path';
import { runCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

const fixture = (name: string) => join(__dirname, 'fixtures', 'scripts-errors', name);

describe('script errors name the user line and never crash the run', () => {
  let target: CountingServer;
  beforeAll(async () => {
    target = await startCountingServer();
  });
  afterAll(() => target.close());

  const run = (name: string) => runCli(['run', fixture(name), '-e', `URL=${target.url}`, '--address', '', '--quiet', '--no-summary']);

  test('a response read without await throws a TypeError at the reading line', async () => {
    const res = await run('escaped.js');
    expect(res.stderr).toMatch(/TypeError: read \.status of a pending response/);
    expect(res.stderr).toContain('escaped.js:6:');
  });

  test('a blocking call inside forEach is refused at load with file:line:col and the fix', async () => {
    const before = target.requests();
    const res = await run('foreach.js');
    expect(res.code).toBe(107);
    expect(res.stderr).toMatch(/foreach\.js:4:\d+/);
    expect(res.stderr).toMatch(/for\.\.\.of/);
    expect(target.requests()).toBe(before);
  });

  test('an unsupported k6 module is named', async () => {
    const res = await run('unknown-module.js');
    expect(res.code).toBe(107);
    expect(res.stderr).toMatch(/the module \\"k6\/ws\\" is not supported by volley/);
  });

  test('a request in the init context is refused as k6 refuses it', async () => {
    const res = await run('init-request.js');
    expect(res.code).toBe(107);
    expect(res.stderr).toMatch(/Making http requests in the init context is not supported/);
  });

  test('an exception in an iteration is logged with its line and the VU goes on', async () => {
    const before = target.requests();
    const res = await run('throws.js');
    expect(target.requests() - before).toBe(3);
    const errors = res.stderr.split('\n').filter((l) => l.includes('boom on iteration'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('throws.js:5:');
    expect(errors.map((l) => /iteration (\d)/.exec(l)?.[1]).sort()).toEqual(['0', '1', '2']);
  });
});
