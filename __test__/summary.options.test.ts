// The summary options as k6 takes them: --summary-trend-stats / summaryTrendStats,
// --summary-time-unit / summaryTimeUnit, --summary-mode=disabled / --no-summary (spec §12.1).

import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseTimeUnit, parseTrendStats, scriptSummarySettings, SummaryOptionError } from '../ts/run/summaryOptions';
import type { SummaryData } from '../ts/summary';
import { runCli } from './support/cli';
import { startCountingServer, type CountingServer } from './support/countingServer';

describe('parsing', () => {
  test('trend stats keep the order given, odd percentiles and count included', () => {
    expect(parseTrendStats('avg,p(99.9),count,p(0),med,p(100)')).toEqual(['avg', 'p(99.9)', 'count', 'p(0)', 'med', 'p(100)']);
  });

  test("an empty --summary-trend-stats is an empty list, as k6's string slice", () => {
    expect(parseTrendStats('')).toEqual([]);
  });

  test.each([
    ['p(101)', "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"],
    ['p(x)', "invalid percentile trend stat value 'p(x)', provide a number between 0 and 100"],
    ['mean', "invalid trend stat 'mean', unknown format"],
    // No trimming, as k6: the space is part of the stat.
    [' min', "invalid trend stat ' min', unknown format"],
    ['avg,', "invalid trend stat '', unknown format"],
  ])('%j is refused with k6 message', (text, message) => {
    expect(() => parseTrendStats(text)).toThrow(new SummaryOptionError(message));
  });

  test('time units: s, ms, us, or automatic', () => {
    expect(['s', 'ms', 'us', ''].map(parseTimeUnit)).toEqual(['s', 'ms', 'us', '']);
    expect(() => parseTimeUnit('µs')).toThrow("invalid summary time unit 'µs', use 's', 'ms' or 'us'");
  });

  test('the flags win over the script options', () => {
    const options = { summaryTrendStats: ['min', 'max'], summaryTimeUnit: 's' };
    expect(scriptSummarySettings({}, options)).toEqual({ trendStats: ['min', 'max'], timeUnit: 's' });
    expect(scriptSummarySettings({ summaryTrendStats: 'avg', summaryTimeUnit: 'us' }, options)).toEqual({ trendStats: ['avg'], timeUnit: 'us' });
    expect(scriptSummarySettings({}, {})).toEqual({ trendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'], timeUnit: '' });
  });

  test("the script's trend stats are checked like the flag's, its time unit is not (k6 renders it automatic)", () => {
    expect(() => scriptSummarySettings({}, { summaryTrendStats: ['p(200)'] })).toThrow(SummaryOptionError);
    expect(scriptSummarySettings({}, { summaryTimeUnit: 'minutes' }).timeUnit).toBe('minutes');
    expect(() => scriptSummarySettings({}, { summaryTimeUnit: 5 })).toThrow('invalid options.summaryTimeUnit: expected a string, got 5');
    expect(() => scriptSummarySettings({}, { summaryTrendStats: 'avg' })).toThrow('invalid options.summaryTrendStats');
  });
});

describe('volley run with summary options', () => {
  let target: CountingServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-summary-options-'));

  beforeAll(async () => {
    target = await startCountingServer();
  });
  afterAll(() => target.close());

  function script(name: string, options: string, handleSummary = ''): string {
    const file = join(dir, `${name}.js`);
    writeFileSync(
      file,
      `import http from 'k6/http';
import { Trend } from 'k6/metrics';
const fixed = new Trend('fixed_time', true);
export const options = ${options};
export default async function () {
  await http.get(__ENV.URL);
  fixed.add(1234.5);
}
${handleSummary}`,
    );
    return file;
  }

  test('--summary-time-unit fixes the unit of every time trend value, 2 decimals', async () => {
    const file = script('unit-flag', `{ iterations: 2 }`);
    const res = await runCli(['run', file, '-e', `URL=${target.url}`, '--address', '', '--quiet', '--summary-time-unit', 's']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/fixed_time\.+: avg=1\.23s +min=1\.23s +med=1\.23s +max=1\.23s +p\(90\)=1\.23s +p\(95\)=1\.23s/);
    expect(res.stdout).toMatch(/http_req_duration\.+: avg=\d+\.\d\ds /);
    // Not a time: counts keep their own format.
    expect(res.stdout).toMatch(/http_reqs\.+: 2 /);
  });

  test("the script's summaryTimeUnit and summaryTrendStats reach the text and handleSummary's data", async () => {
    const out = join(dir, 'data.json');
    const file = script(
      'unit-option',
      `{ iterations: 1, summaryTimeUnit: 'us', summaryTrendStats: ['p(99.9)', 'count', 'min'], thresholds: { fixed_time: ['p(99)<5000'] } }`,
      `export function handleSummary(data) { return { [${JSON.stringify(out)}]: JSON.stringify(data) }; }`,
    );
    const res = await runCli(['run', file, '-e', `URL=${target.url}`, '--address', '', '--quiet']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const data = JSON.parse(readFileSync(out, 'utf8')) as SummaryData;
    expect(data.options).toEqual({ summaryTrendStats: ['p(99.9)', 'count', 'min'], summaryTimeUnit: 'us', noColor: false });
    // Exactly the trend stats, as k6: the threshold's p(99) is not in the data.
    expect(Object.keys(data.metrics.fixed_time.values)).toEqual(['p(99.9)', 'count', 'min']);
    expect(data.metrics.fixed_time.values.count).toBe(1);
    expect(data.metrics.fixed_time.thresholds).toEqual({ 'p(99)<5000': { ok: true } });
  });

  test("a threshold's percentile outside the trend stats is shown in THRESHOLDS, not in the metric line", async () => {
    const file = script('threshold-percentile', `{ iterations: 1, thresholds: { fixed_time: ['p(99.9)<5000'] } }`);
    const res = await runCli(['run', file, '-e', `URL=${target.url}`, '--address', '', '--quiet']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("    ✓ 'p(99.9)<5000' p(99.9)=1.23s\n");
    expect(res.stdout).toMatch(/fixed_time\.+: avg=1\.23s +min=1\.23s +med=1\.23s +max=1\.23s +p\(90\)=1\.23s +p\(95\)=1\.23s *\n/);
  });

  test('an invalid summaryTrendStats in the script exits 255 with k6 message', async () => {
    const file = script('bad-stats', `{ iterations: 1, summaryTrendStats: ['avg', 'p(150)'] }`);
    const res = await runCli(['run', file, '-e', `URL=${target.url}`, '--address', '', '--quiet']);
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(/invalid percentile trend stat value 'p\(150\)', provide a number between 0 and 100/);
    expect(res.stdout).toBe('');
  });

  test.each([['--no-summary'], ['--summary-mode=disabled']])(
    '%s: no text, no handleSummary() and no --summary-export file, as k6',
    async (flag) => {
      const marker = join(dir, `handled-${flag.replace(/\W/g, '')}.txt`);
      const exported = join(dir, `export-${flag.replace(/\W/g, '')}.json`);
      const file = script('disabled', `{ iterations: 1 }`, `export function handleSummary() { return { ${JSON.stringify(marker)}: 'called' }; }`);
      const res = await runCli(['run', file, '-e', `URL=${target.url}`, '--address', '', '--quiet', flag, '--summary-export', exported]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe('');
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(exported)).toBe(false);
    },
  );
});
