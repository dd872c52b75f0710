// End-of-test summary: k6's text layouts, value formatting and the --summary-export file,
// all rendered from the handleSummary data shape (spec 12).

export type {
  MetricContains,
  MetricType,
  SummaryCheck,
  SummaryData,
  SummaryExport,
  SummaryExportGroup,
  SummaryExportMetric,
  SummaryGroup,
  SummaryMetric,
  SummaryOptions,
  SummaryState,
  SummaryThreshold,
} from './types';
export {
  formatBytes,
  formatDuration,
  formatGenericDuration,
  formatNumber,
  formatRate,
  humanizeValue,
  strWidth,
  type MetricKind,
} from './format';
export {
  frameForStdout,
  renderTextSummary,
  thresholdPercentile,
  type SummaryBreakdown,
  type SummaryBreakdownNode,
  type TextSummaryMode,
  type TextSummaryOptions,
} from './text';
export { serializeSummaryExport, toSummaryExport } from './export';
