/** Builds k6's handleSummary data shape (spec §12.5) from the engine's final snapshot. */
import { createHash } from 'node:crypto';
import type { GroupSnapshot, MetricSnapshot } from '../native';
import { thresholdPercentile } from '../summary';
import type { SummaryData, SummaryGroup, SummaryMetric } from '../summary/types';

export function groupId(path: string): string {
  return createHash('md5').update(path).digest('hex');
}

/**
 * One metric's handleSummary entry. A trend's `values` are exactly `trendStats`, in that order, as
 * in k6: a stat the snapshot holds only for a threshold (`p(99.9)<x`) stays out of the data (the
 * text summary gets it through {@link thresholdTrendValues}).
 */
export function toSummaryMetric(m: MetricSnapshot, trendStats?: readonly string[]): SummaryMetric {
  const values: Record<string, number> = {};
  if (m.type === 'trend' && trendStats !== undefined) {
    const byName = new Map(m.stats.map((s) => [s.name, s.value]));
    for (const stat of trendStats) values[stat] = byName.get(stat) ?? NaN;
  } else {
    for (const s of m.stats) values[s.name] = s.value;
  }
  return { type: m.type as SummaryMetric['type'], contains: m.contains as SummaryMetric['contains'], values };
}

export interface SummaryInputs {
  metrics: MetricSnapshot[];
  trendStats: string[];
  /** '' = automatic; otherwise what the flag or the script option said. */
  timeUnit: string;
  testRunDurationMs: number;
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
  /** The engine's group tree in pre-order (root first); absent: the root only. */
  groups?: GroupSnapshot[];
  /** setup()'s data as JSON text. */
  setupData?: string;
}

/** The pre-order list back into k6's nested `root_group` (groups and checks in order of appearance). */
export function toSummaryGroups(groups: GroupSnapshot[] | undefined): SummaryGroup {
  const root: SummaryGroup = { name: '', path: '', id: groupId(''), groups: [], checks: [] };
  const byId = new Map<string, SummaryGroup>([[root.id, root]]);
  for (const g of groups ?? []) {
    const node = g.parentId == null ? root : { name: g.name, path: g.path, id: g.id, groups: [], checks: [] };
    node.checks = g.checks.map((c) => ({ name: c.name, path: c.path, id: c.id, passes: c.passes, fails: c.fails }));
    if (g.parentId != null) {
      byId.get(g.parentId)?.groups.push(node);
      byId.set(g.id, node);
    }
  }
  return root;
}

export function buildSummaryData(i: SummaryInputs): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  for (const m of i.metrics) metrics[m.name] = toSummaryMetric(m, i.trendStats);
  return {
    root_group: toSummaryGroups(i.groups),
    options: { summaryTrendStats: i.trendStats, summaryTimeUnit: i.timeUnit, noColor: false },
    state: { isStdOutTTY: i.isStdOutTTY, isStdErrTTY: i.isStdErrTTY, testRunDurationMs: i.testRunDurationMs },
    metrics,
    ...(i.setupData === undefined ? {} : { setup_data: JSON.parse(i.setupData) as unknown }),
  };
}

/**
 * The trend values k6's text report adds for its THRESHOLDS block: for each trend threshold on a
 * percentile that `summaryTrendStats` lacks (`p(99.9)<4000` with the default stats), that
 * percentile, read from the engine's snapshot (internal/output/summary `summaryThresholds`).
 */
export function thresholdTrendValues(data: SummaryData, snapshots: MetricSnapshot[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const byName = new Map(snapshots.map((m) => [m.name, m]));
  for (const [name, metric] of Object.entries(data.metrics)) {
    if (metric.type !== 'trend' || metric.thresholds === undefined) continue;
    const stats = byName.get(name)?.stats ?? [];
    for (const source of Object.keys(metric.thresholds)) {
      const agg = thresholdPercentile(source);
      if (agg === undefined || Object.hasOwn(metric.values, agg)) continue;
      const stat = stats.find((s) => s.name === agg);
      if (stat !== undefined) (out[name] ??= {})[agg] = stat.value;
    }
  }
  return out;
}
