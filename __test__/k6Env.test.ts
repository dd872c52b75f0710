/** K6_* environment variables as k6 reads them: under the command line, over the script. */
import { withK6Env } from '../ts/run/k6Env';
import { ConfigError, type RunFlags } from '../ts/run/plan';

const none = () => false;

describe('K6_* variables', () => {
  test('fill the flags the command line did not give', () => {
    const env = {
      K6_VUS: '3',
      K6_DURATION: '1m',
      K6_USER_AGENT: 'env/1',
      K6_NO_SUMMARY: 'true',
      K6_NO_CONNECTION_REUSE: '1',
      K6_THROW: 'false',
      K6_STAGES: '30s:10,1m:0',
      K6_OUT: 'json=out.json',
      OTHER: 'ignored',
    };
    expect(withK6Env({ summary: true, connectionReuse: true }, none, env)).toEqual({
      vus: '3',
      duration: '1m',
      userAgent: 'env/1',
      summary: false,
      connectionReuse: false,
      throw: false,
      stage: ['30s:10', '1m:0'],
      out: ['json=out.json'],
    });
  });

  test('never over a flag given on the command line', () => {
    const flags: RunFlags = { vus: '5', summary: false };
    const fromCli = (key: keyof RunFlags) => key in flags;
    expect(withK6Env(flags, fromCli, { K6_VUS: '3', K6_NO_SUMMARY: 'false', K6_ITERATIONS: '9' })).toEqual({ vus: '5', summary: false, iterations: '9' });
  });

  test("a boolean that Go's ParseBool does not take is a config error", () => {
    expect(() => withK6Env({}, none, { K6_PAUSED: 'yes' })).toThrow(ConfigError);
    expect(() => withK6Env({}, none, { K6_PAUSED: 'yes' })).toThrow('invalid K6_PAUSED "yes": expected true or false');
  });
});
