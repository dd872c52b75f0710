// The data k6 hands to handleSummary(data) (spec 12.5). Everything in ts/summary renders from this
// shape, so a run's end-of-test output and a user's handleSummary see the same numbers.

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type MetricContains = 'default' | 'time' | 'data';

/** Threshold result keyed by its source expression; `ok` = the threshold passed. */
export interface SummaryThreshold {
  ok: boolean;
}

/**
 * One metric or sub-metric (`http_req_duration{expected_response:true}`).
 *
 * `values` by type: counter {count, rate}; gauge {value, min, max}; rate {rate, passes, fails};
 * trend: exactly the `summaryTrendStats` keys (avg, min, med, max, count, p(N)), in milliseconds
 * when `contains` is 'time'. A trend may carry an extra p(N) named by a threshold (k6 adds it).
 */
export interface SummaryMetric {
  type: MetricType;
  contains: MetricContains;
  values: Record<string, number>;
  /** Present only when the metric has thresholds; key order = definition order. */
  thresholds?: Record<string, SummaryThreshold>;
}

export interface SummaryCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

/** Groups and checks are arrays in order of first appearance. The root has name '' and path ''. */
export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

export interface SummaryOptions {
  summaryTrendStats: string[];
  /** '' = automatic unit; otherwise 's', 'ms' or 'us'. */
  summaryTimeUnit: string;
  noColor: boolean;
}

export interface SummaryState {
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
  testRunDurationMs: number;
}

export interface SummaryData {
  root_group: SummaryGroup;
  options: SummaryOptions;
  state: SummaryState;
  metrics: Record<string, SummaryMetric>;
  /** Absent when the script has no setup data. */
  setup_data?: unknown;
}

/** A group as written by `--summary-export`: groups and checks keyed by name (spec 12.6). */
export interface SummaryExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, SummaryExportGroup>;
  checks: Record<string, SummaryCheck>;
}

/**
 * A metric as written by `--summary-export`: the flat `values` (a rate's `rate` renamed `value`)
 * plus, when it has thresholds, `thresholds: {expr: failed}` where **true means FAILED**.
 */
export type SummaryExportMetric = Record<string, number | Record<string, boolean>>;

export interface SummaryExport {
  root_group: SummaryExportGroup;
  metrics: Record<string, SummaryExportMetric>;
  setup_data?: unknown;
}
