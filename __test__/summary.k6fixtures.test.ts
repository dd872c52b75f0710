// Our text summary against real k6's, line for line, on the same run's data
// (__test__/fixtures/k6-summary: k6 v0.49.0 for legacy, k6 v1.8.1 for compact, full and v1 legacy).

import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { frameForStdout, renderTextSummary, type SummaryBreakdown, type SummaryData, type TextSummaryMode } from '../ts/summary';

const DIR = join(__dirname, 'fixtures', 'k6-summary');

/** What aggregate.mjs derived from the run's samples (see the README there). */
interface Extra {
  thresholdValues: Record<string, Record<string, number>>;
  checkOrder: string[];
  thresholdSources: Record<string, string[]>;
  breakdown: SummaryBreakdown;
}

interface Case {
  name: string;
  mode: TextSummaryMode;
  data: SummaryData;
  extra: Extra;
  k6Text: string;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(DIR, file), 'utf8')) as T;
}

/** k6's handleSummary data lists thresholds in Go map order; put them back in the script's order. */
function inDefinitionOrder(data: SummaryData, sources: Record<string, string[]>): SummaryData {
  for (const [name, metric] of Object.entries(data.metrics)) {
    const order = sources[name];
    if (metric.thresholds === undefined || order === undefined) continue;
    const thresholds = metric.thresholds;
    metric.thresholds = Object.fromEntries(order.filter((s) => Object.hasOwn(thresholds, s)).map((s) => [s, thresholds[s]]));
  }
  return data;
}

function loadCases(): Case[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.k6.txt'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.k6.txt'.length);
      const extra = readJson<Extra>(`${name}.extra.json`);
      return {
        name,
        mode: name.split('-')[0] as TextSummaryMode,
        data: inDefinitionOrder(readJson<SummaryData>(`${name}.data.json`), extra.thresholdSources),
        extra,
        k6Text: readFileSync(join(DIR, file), 'utf8'),
      };
    });
}

function render(c: Case): string {
  return frameForStdout(
    renderTextSummary(c.data, {
      mode: c.mode,
      // v1.x's summary-legacy.js prints rates as `N out of M`; v0.49 as `✓ N ✗ M`.
      legacyRateStyle: c.name.includes('-v1-') ? 'out-of' : 'marks',
      breakdown: c.mode === 'full' ? c.extra.breakdown : undefined,
      thresholdValues: c.extra.thresholdValues,
      checkOrder: c.extra.checkOrder,
    }),
  );
}

const cases = loadCases();

test('the fixtures cover every mode, k6 version and the fixed time units', () => {
  expect(cases.map((c) => c.name)).toEqual([
    'compact-v1-groups',
    'compact-v1-s-odd-stats',
    'full-v1-groups',
    'full-v1-scenarios-ms',
    'legacy-v049-groups',
    'legacy-v049-us-odd-stats',
    'legacy-v1-scenarios',
  ]);
  const units = cases.map((c) => c.data.options.summaryTimeUnit);
  expect(new Set(units)).toEqual(new Set(['', 's', 'ms', 'us']));
});

describe.each(cases)('$name', (c) => {
  test('renders line for line what k6 printed', () => {
    expect(render(c).split('\n')).toEqual(c.k6Text.split('\n'));
  });
});

describe('what the fixtures exercise', () => {
  const byName = Object.fromEntries(cases.map((c) => [c.name, c]));

  test('a threshold percentile outside the trend stats is shown from the report values only', () => {
    const c = byName['compact-v1-groups'];
    expect(c.k6Text).toMatch(/✓ 'p\(99\.9\)<4000' p\(99\.9\)=\S+/);
    const without = frameForStdout(renderTextSummary(c.data, { mode: 'compact', checkOrder: c.extra.checkOrder }));
    expect(without).toContain("✓ 'p(99.9)<4000' p(99.9)=\n");
  });

  test('the odd percentiles and count are columns, in the order given', () => {
    const c = byName['legacy-v049-us-odd-stats'];
    expect(c.data.options.summaryTrendStats).toEqual(['avg', 'min', 'med', 'max', 'p(99.9)', 'p(0)', 'count', 'p(99.99)', 'p(50)']);
    expect(render(c)).toMatch(/http_req_duration\.+: avg=[\d.]+µs +min=[\d.]+µs +med=[\d.]+µs +max=[\d.]+µs +p\(99\.9\)=[\d.]+µs +p\(0\)=[\d.]+µs +count=36 +p\(99\.99\)/);
  });

  test('hour, minute, second, µs and ns durations appear in the automatic unit', () => {
    const text = render(byName['compact-v1-groups']);
    expect(text).toMatch(/huge_time\.+: avg=1h32m\d+s/);
    expect(text).toMatch(/wait_time\.+: avg=3m\d+s +min=12\.34s/);
    expect(text).toMatch(/tiny_time\.+: avg=1\.\d+µs +min=456ns/);
  });
});
