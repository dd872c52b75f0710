/** Builds k6's handleSummary data shape (spec §12.5) from the engine's final snapshot. */
import { createHash } from 'node:crypto';
import type { MetricSnapshot } from '../native';
import type { SummaryData, SummaryMetric } from '../summary/types';

export function groupId(path: string): string {
  return createHash('md5').update(path).digest('hex');
}

export function toSummaryMetric(m: MetricSnapshot): SummaryMetric {
  const values: Record<string, number> = {};
  for (const s of m.stats) values[s.name] = s.value;
  return { type: m.type as SummaryMetric['type'], contains: m.contains as SummaryMetric['contains'], values };
}

export interface SummaryInputs {
  metrics: MetricSnapshot[];
  trendStats: string[];
  testRunDurationMs: number;
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
}

export function buildSummaryData(i: SummaryInputs): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  for (const m of i.metrics) metrics[m.name] = toSummaryMetric(m);
  return {
    root_group: { name: '', path: '', id: groupId(''), groups: [], checks: [] },
    options: { summaryTrendStats: i.trendStats, summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: i.isStdOutTTY, isStdErrTTY: i.isStdErrTTY, testRunDurationMs: i.testRunDurationMs },
    metrics,
  };
}
