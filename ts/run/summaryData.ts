/** Builds k6's handleSummary data shape (spec §12.5) from the engine's final snapshot. */
import { createHash } from 'node:crypto';
import type { GroupSnapshot, MetricSnapshot } from '../native';
import type { SummaryData, SummaryGroup, SummaryMetric } from '../summary/types';

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
  for (const m of i.metrics) metrics[m.name] = toSummaryMetric(m);
  return {
    root_group: toSummaryGroups(i.groups),
    options: { summaryTrendStats: i.trendStats, summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: i.isStdOutTTY, isStdErrTTY: i.isStdErrTTY, testRunDurationMs: i.testRunDurationMs },
    metrics,
    ...(i.setupData === undefined ? {} : { setup_data: JSON.parse(i.setupData) as unknown }),
  };
}
