/** k6's run-wide HTTP options: script options, flags over them, and the errors for bad values. */
import { minIterationDurationMs, resolveHttpSettings } from '../ts/run/httpOptions';
import { ConfigError } from '../ts/run/plan';

describe('http settings', () => {
  test("k6's defaults when nothing is said", () => {
    expect(resolveHttpSettings({}, {})).toEqual({
      discardResponseBodies: false,
      maxRedirects: 10,
      throw: false,
      noConnectionReuse: false,
      noVUConnectionReuse: false,
      batch: 20,
      batchPerHost: 6,
      insecureSkipTLSVerify: false,
    });
    expect(minIterationDurationMs({}, {})).toBe(0);
  });

  test('script options, and flags over them', () => {
    const options = { userAgent: 'mine/1.0', discardResponseBodies: true, maxRedirects: 2, throw: true, noConnectionReuse: true, noVUConnectionReuse: true, batch: 3, batchPerHost: 1, minIterationDuration: '1s' };
    expect(resolveHttpSettings(options, {})).toEqual({ userAgent: 'mine/1.0', discardResponseBodies: true, maxRedirects: 2, throw: true, noConnectionReuse: true, noVUConnectionReuse: true, batch: 3, batchPerHost: 1, insecureSkipTLSVerify: false });
    expect(minIterationDurationMs(options, {})).toBe(1000);
    const flags = { userAgent: '', maxRedirects: '0', batch: '7', batchPerHost: '2', minIterationDuration: '250ms', connectionReuse: false, vuConnectionReuse: false, discardResponseBodies: true, throw: true };
    expect(resolveHttpSettings({ userAgent: 'x', maxRedirects: 5 }, flags)).toEqual({ userAgent: '', discardResponseBodies: true, maxRedirects: 0, throw: true, noConnectionReuse: true, noVUConnectionReuse: true, batch: 7, batchPerHost: 2, insecureSkipTLSVerify: false });
    expect(minIterationDurationMs({ minIterationDuration: '1s' }, flags)).toBe(250);
  });

  test.each([
    [{ userAgent: 5 }, /invalid userAgent: expected a string, got 5/],
    [{ discardResponseBodies: 'yes' }, /invalid discardResponseBodies: expected true or false, got "yes"/],
    [{ maxRedirects: -1 }, /invalid maxRedirects: expected a whole number, got -1/],
    [{ batch: 1.5 }, /invalid batch: expected a whole number, got 1.5/],
    [{ batch: 0 }, /invalid batch: it must be at least 1/],
    [{ insecureSkipTLSVerify: 1 }, /invalid insecureSkipTLSVerify: expected true or false, got 1/],
  ])('a bad value is refused: %j', (options, message) => {
    expect(() => resolveHttpSettings(options, {})).toThrow(ConfigError);
    expect(() => resolveHttpSettings(options, {})).toThrow(message);
  });

  test('bad flags and durations are refused', () => {
    expect(() => resolveHttpSettings({}, { maxRedirects: 'ten' })).toThrow(/invalid --max-redirects "ten": expected a whole number/);
    expect(() => minIterationDurationMs({ minIterationDuration: 'soon' }, {})).toThrow(ConfigError);
    expect(() => minIterationDurationMs({}, { minIterationDuration: '-1s' })).toThrow(ConfigError);
  });
});
