// The end-of-test text summary in k6's layouts (spec 12.3, 12.4).

import { frameForStdout, renderTextSummary, type SummaryData, type SummaryGroup, type SummaryMetric } from '../ts/summary';
import { cvusCompactLines, cvusFullLines, cvusLegacyConsoleLines, cvusSummaryData } from './fixtures/summary-cvus';
import { existsSync, readFileSync } from 'fs';

// The shared spec folder, when this checkout has it: the fixture is checked against it.
const GOLDEN_CONSOLE = '/work/shared/spec/k6-golden/run-cvus-console.txt';
const withGoldenConsole = existsSync(GOLDEN_CONSOLE) ? test : test.skip;

function root(groups: SummaryGroup[] = [], checks: SummaryGroup['checks'] = []): SummaryGroup {
  return { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups, checks };
}

function data(metrics: Record<string, SummaryMetric>, rootGroup = root(), overrides: Partial<SummaryData['options']> = {}): SummaryData {
  return {
    root_group: rootGroup,
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'], summaryTimeUnit: '', noColor: false, ...overrides },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 10_000 },
    metrics,
  };
}

const counter = (count: number, rate: number, contains: SummaryMetric['contains'] = 'default'): SummaryMetric => ({
  type: 'counter',
  contains,
  values: { count, rate },
});
const rate = (passes: number, fails: number): SummaryMetric => ({
  type: 'rate',
  contains: 'default',
  values: { rate: passes / (passes + fails), passes, fails },
});
const trend = (ms: number): SummaryMetric => ({
  type: 'trend',
  contains: 'time',
  values: { avg: ms, min: ms, med: ms, max: ms, 'p(90)': ms, 'p(95)': ms },
});

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('legacy layout', () => {
  test('reproduces the golden k6 v0.49 console summary line for line', () => {
    const text = renderTextSummary(cvusSummaryData, { mode: 'legacy' });
    expect(text.split('\n')).toEqual(cvusLegacyConsoleLines);
  });

  withGoldenConsole('framed for stdout it is byte-identical to the block in the golden console', () => {
    const consoleText = readFileSync(GOLDEN_CONSOLE, 'utf8');
    const framed = frameForStdout(renderTextSummary(cvusSummaryData, { mode: 'legacy' }));
    // The progress line before ends with "\n"; the frame adds the blank line seen in the file.
    expect(consoleText).toContain(`steady ↓ [ 100% ] 2 VUs  8s\n${framed}`);
  });

  withGoldenConsole('the fixture lines are the ones in the golden console file', () => {
    const consoleText = readFileSync(GOLDEN_CONSOLE, 'utf8');
    expect(consoleText).toContain(cvusLegacyConsoleLines.join('\n'));
  });

  test('v1.x rate cells print "passes out of total" when asked', () => {
    const lines = renderTextSummary(cvusSummaryData, { mode: 'legacy', legacyRateStyle: 'out-of' }).split('\n');
    expect(lines).toContain('   ✓ checks.........................: 100.00% 32 out of 32');
    expect(lines).toContain('     http_req_failed................: 0.00%   0 out of 32');
    // The gauge's min= column now pads to the widest first extra, `32 out of 32`.
    expect(lines).toContain('     vus............................: 2       min=2        max=2');
  });

  test('a failed check shows its floored pass percentage under it', () => {
    const check = { name: 'body ok', path: '::login::body ok', id: 'x', passes: 2, fails: 1 };
    const group: SummaryGroup = { name: 'login', path: '::login', id: 'y', groups: [], checks: [check] };
    const text = renderTextSummary(data({ checks: rate(2, 1) }, root([group])), { mode: 'legacy' });
    expect(text.split('\n')).toEqual([
      '     █ login',
      '',
      '       ✗ body ok',
      '        ↳  66% — ✓ 2 / ✗ 1',
      '',
      '     checks...: 66.66% ✓ 2 ✗ 1',
    ]);
  });

  test('root-level checks come before groups, without a title', () => {
    const check = { name: 'ok', path: '::ok', id: 'x', passes: 1, fails: 0 };
    const text = renderTextSummary(data({ iterations: counter(1, 0.1) }, root([], [check])), { mode: 'legacy' });
    expect(text.split('\n')).toEqual(['     ✓ ok', '', '     iterations...: 1 0.1/s']);
  });

  test('colours follow summary-legacy.js and do not change the layout', () => {
    const colored = renderTextSummary(cvusSummaryData, { mode: 'legacy', enableColors: true });
    expect(stripAnsi(colored)).toBe(renderTextSummary(cvusSummaryData, { mode: 'legacy' }));
    expect(colored).toContain('\x1b[32m       ✓ status is 200\x1b[0m');
    expect(colored).toContain('   \x1b[31m✗\x1b[0m my_counter\x1b[2m.....................:\x1b[0m \x1b[36m32\x1b[0m');
    expect(colored).toContain('\x1b[36;2m3.987324/s\x1b[0m');
  });

  test('summaryTimeUnit and summaryTrendStats come from data.options', () => {
    const d = data({ iteration_duration: { type: 'trend', contains: 'time', values: { count: 7, 'p(99)': 1234.5 } } }, root(), {
      summaryTrendStats: ['count', 'p(99)'],
      summaryTimeUnit: 's',
    });
    expect(renderTextSummary(d, { mode: 'legacy' })).toBe('     iteration_duration...: count=7 p(99)=1.23s');
  });
});

describe('compact layout', () => {
  test('matches what k6 v1.x summary.js prints for the golden data', () => {
    const text = renderTextSummary(cvusSummaryData, { mode: 'compact' });
    expect(text.split('\n')).toEqual(cvusCompactLines);
  });

  test('the text starts with a newline and ends with a blank line, as k6 textSummary returns it', () => {
    const text = renderTextSummary(cvusSummaryData, { mode: 'compact' });
    expect(text.startsWith('\n  █ THRESHOLDS \n\n')).toBe(true);
    expect(text.endsWith('319 B/s\n\n')).toBe(true);
  });

  test('without thresholds or checks it starts with TOTAL RESULTS and its metrics', () => {
    const text = renderTextSummary(data({ iterations: counter(3, 0.3) }), { mode: 'compact' });
    expect(text).toBe('\n  █ TOTAL RESULTS \n\n    EXECUTION\n    iterations...: 3 0.3/s\n\n');
  });

  test('a failed check is detailed six spaces in, checks_failed reads failed out of total', () => {
    const checks = [
      { name: 'status is 200', path: '::status is 200', id: 'a', passes: 30, fails: 0 },
      { name: 'body ok', path: '::body ok', id: 'b', passes: 15, fails: 15 },
    ];
    const text = renderTextSummary(data({ checks: rate(45, 15) }, root([], checks)), { mode: 'compact' });
    expect(text.split('\n').slice(1, 11)).toEqual([
      '  █ TOTAL RESULTS ',
      '',
      '    checks_total.......: 60     6/s',
      '    checks_succeeded...: 75.00% 45 out of 60',
      '    checks_failed......: 25.00% 15 out of 60',
      '',
      '    ✓ status is 200',
      '    ✗ body ok',
      '      ↳  50% — ✓ 15 / ✗ 15',
      '',
    ]);
  });

  test('checks of all groups are listed once per name, merged', () => {
    const check = (path: string, passes: number): SummaryGroup['checks'][number] => ({
      name: 'ok',
      path,
      id: path,
      passes,
      fails: 0,
    });
    const a: SummaryGroup = { name: 'a', path: '::a', id: 'a', groups: [], checks: [check('::a::ok', 2)] };
    const b: SummaryGroup = { name: 'b', path: '::b', id: 'b', groups: [], checks: [check('::b::ok', 3)] };
    const text = renderTextSummary(data({ checks: rate(5, 0) }, root([a, b])), { mode: 'compact' });
    expect(text.match(/✓ ok/g)).toHaveLength(1);
    expect(text).toContain('    checks_total.......: 5       0.5/s');
  });

  test('sections by name prefix: CUSTOM first, then the Go struct order', () => {
    const text = renderTextSummary(
      data({
        ws_sessions: counter(1, 0.1),
        grpc_req_duration: trend(1),
        browser_web_vital_lcp: trend(2),
        browser_data_sent: counter(10, 1, 'data'),
        vus_custom: counter(1, 0.1),
        checks_foo: counter(1, 0.1),
        group_duration: trend(3),
        zeta: counter(1, 0.1),
        data_sent: counter(10, 1, 'data'),
        http_req_waiting: trend(4),
      }),
      { mode: 'compact' },
    );
    const headings = text.split('\n').filter((l) => /^ {4}[A-Z_]+$/.test(l));
    expect(headings.map((h) => h.trim())).toEqual(['CUSTOM', 'EXECUTION', 'NETWORK', 'BROWSER', 'WEB_VITALS', 'GRPC', 'WEBSOCKET']);
    expect(text).toContain('vus_custom');
    expect(text).not.toContain('checks_foo');
    expect(text).not.toContain('group_duration');
    expect(text).not.toContain('http_req_waiting');
  });

  test('threshold lines: sub-metric under its parent, counter rate, extra percentile', () => {
    const duration: SummaryMetric = {
      ...trend(120),
      values: { ...trend(120).values, 'p(99)': 300 },
      thresholds: { 'p(99) < 500': { ok: true }, 'avg<100': { ok: false } },
    };
    const text = renderTextSummary(
      data({
        http_req_duration: duration,
        'http_req_duration{expected_response:true}': { ...trend(110), thresholds: { 'p(95)<200': { ok: true } } },
        'my_counter{tag:x}': { ...counter(5, 0.5), thresholds: { 'rate<1': { ok: true } } },
      }),
      { mode: 'compact' },
    );
    expect(text.split('\n').slice(0, 15)).toEqual([
      '',
      '  █ THRESHOLDS ',
      '',
      '    http_req_duration',
      "    ✓ 'p(99) < 500' p(99)=300ms",
      "    ✗ 'avg<100' avg=120ms",
      '',
      '      {expected_response:true}',
      "      ✓ 'p(95)<200' p(95)=110ms",
      '',
      '    my_counter{tag:x}',
      "    ✓ 'rate<1' rate=0.5/s",
      '',
      '',
      '  █ TOTAL RESULTS ',
    ]);
  });

  test('colours follow summary.js and do not change the layout', () => {
    const colored = renderTextSummary(cvusSummaryData, { mode: 'compact', enableColors: true });
    expect(stripAnsi(colored)).toBe(renderTextSummary(cvusSummaryData, { mode: 'compact' }));
    expect(colored).toContain('  █ \x1b[1mTHRESHOLDS\x1b[0m \n');
    expect(colored).toContain("\x1b[31m✗\x1b[0m \x1b[37m'count<1'\x1b[0m \x1b[37mcount\x1b[0m=\x1b[36m32\x1b[0m");
    expect(colored).toContain('    data_sent\x1b[2;37m......................:\x1b[0m \x1b[36m2.6 kB\x1b[0m  \x1b[2;36m319 B/s\x1b[0m');
  });
});

describe('full layout', () => {
  test('adds the hidden http timings and one GROUP section per group', () => {
    const text = renderTextSummary(cvusSummaryData, { mode: 'full' });
    expect(text.split('\n')).toEqual(cvusFullLines);
  });

  test('a breakdown supplies per-group metrics and sorted SCENARIO sections', () => {
    const text = renderTextSummary(data({ iterations: counter(2, 0.2) }), {
      mode: 'full',
      breakdown: {
        groups: {},
        scenarios: {
          zeta: { checks: [], metrics: { iterations: counter(1, 0.1) }, groups: {} },
          alpha: {
            checks: [],
            metrics: { iterations: counter(1, 0.1) },
            groups: { login: { checks: [], metrics: { group_duration: trend(5), my_trend: trend(5) }, groups: {} } },
          },
        },
      },
    });
    expect(text.split('\n').slice(7)).toEqual([
      '  █ SCENARIO: alpha ',
      '',
      '    EXECUTION',
      '    iterations...: 1 0.1/s',
      '',
      '    ↳ GROUP: login ',
      '',
      '      CUSTOM',
      '      my_trend...: avg=5ms min=5ms med=5ms max=5ms p(90)=5ms p(95)=5ms',
      '',
      '',
      '  █ SCENARIO: zeta ',
      '',
      '    EXECUTION',
      '    iterations...: 1 0.1/s',
      '',
      '',
    ]);
  });
});

test('frameForStdout adds what k6 summary-wrapper.js adds', () => {
  expect(frameForStdout('x')).toBe('\nx\n\n');
});
