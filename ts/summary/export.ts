// The `--summary-export` file (spec 12.6): k6's "old JSON summary", derived from the
// handleSummary data the way k6's summary-wrapper.js does it.

import type {
  SummaryData,
  SummaryExport,
  SummaryExportGroup,
  SummaryExportMetric,
  SummaryGroup,
  SummaryMetric,
} from './types';

function exportMetric(metric: SummaryMetric): SummaryExportMetric {
  const out: SummaryExportMetric = { ...metric.values };
  const thresholds = metric.thresholds;
  if (thresholds !== undefined && Object.keys(thresholds).length > 0) {
    // Inverted on purpose: in this format `true` means the threshold FAILED.
    out.thresholds = Object.fromEntries(Object.entries(thresholds).map(([expr, t]) => [expr, !t.ok]));
  }
  if (metric.type === 'rate' && Object.hasOwn(out, 'rate')) {
    // k6 renames a rate's `rate` to `value`; being re-added, it comes last (after thresholds).
    out.value = out.rate;
    delete out.rate;
  }
  return out;
}

/** Groups and checks become objects keyed by name; a later duplicate name overwrites, as in k6. */
function exportGroup(group: SummaryGroup): SummaryExportGroup {
  return {
    name: group.name,
    path: group.path,
    id: group.id,
    groups: Object.fromEntries(group.groups.map((g) => [g.name, exportGroup(g)])),
    checks: Object.fromEntries(group.checks.map((c) => [c.name, { ...c }])),
  };
}

/** The `--summary-export` object: `options` and `state` dropped, metrics flattened, groups keyed. */
export function toSummaryExport(data: SummaryData): SummaryExport {
  const out: SummaryExport = {
    root_group: exportGroup(data.root_group),
    metrics: Object.fromEntries(Object.entries(data.metrics).map(([name, m]) => [name, exportMetric(m)])),
  };
  if (data.setup_data !== undefined) out.setup_data = structuredClone(data.setup_data);
  return out;
}

/** The file's text: JSON with 4-space indentation and no trailing newline, as k6 writes it. */
export function serializeSummaryExport(data: SummaryData): string {
  return JSON.stringify(toSummaryExport(data), null, 4);
}
