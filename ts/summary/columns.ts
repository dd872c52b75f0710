// Column layout shared by both text layouts: every metric name is padded with dots to one width,
// every value column to its widest cell, across the whole block being rendered (k6's
// `computeSummaryInfo` in summary.js, `summarizeMetrics` in summary-legacy.js).

import { humanizeValue, strWidth } from './format';
import type { SummaryMetric } from './types';

/** The extras printed after a rate metric's percentage. */
export type RateExtras = (values: Record<string, number>) => string[];

/** v1.x: `32 out of 32`. */
export const rateOutOf: RateExtras = (v) => [`${num(v.passes)} out of ${num(v.passes) + num(v.fails)}`];

/** v0.x (and the golden console): `✓ 32` and `✗ 0` as two padded columns. */
export const rateMarks: RateExtras = (v) => [`✓ ${num(v.passes)}`, `✗ ${num(v.fails)}`];

/** A missing value renders as NaN (k6 would print `undefined` or crash). */
function num(v: number | undefined): number {
  return v ?? NaN;
}

export interface ColumnLayout {
  trendStats: readonly string[];
  /** Formatted cells of each trend metric, one per trend stat. */
  trendCols: Map<string, string[]>;
  /** Formatted trend values that are not trend stats (a threshold's extra p(N)). */
  trendKeys: Map<string, Record<string, string>>;
  trendColWidths: number[];
  /** Main cell of each non-trend metric (count, value, percentage). */
  mainValues: Map<string, string>;
  mainWidth: number;
  extras: Map<string, string[]>;
  extraWidths: number[];
}

function trendCell(metric: SummaryMetric, stat: string, timeUnit: string): string {
  const value = num(metric.values[stat]);
  // k6 prints the count column raw (`value.toString()`), not humanized.
  return stat === 'count' ? String(value) : humanizeValue(value, metric, timeUnit);
}

/** k6's `nonTrendMetricValueForSum`: the main cell then the extras. */
function nonTrendCells(metric: SummaryMetric, timeUnit: string, rateExtras: RateExtras): string[] {
  const v = metric.values;
  const h = (x: number | undefined): string => humanizeValue(num(x), metric, timeUnit);
  switch (metric.type) {
    case 'counter':
      return [h(v.count), `${h(v.rate)}/s`];
    case 'gauge':
      return [h(v.value), `min=${h(v.min)}`, `max=${h(v.max)}`];
    case 'rate':
      return [h(v.rate), ...rateExtras(v)];
    default:
      return ['[no data]'];
  }
}

export function computeColumns(
  metrics: Record<string, SummaryMetric>,
  trendStats: readonly string[],
  timeUnit: string,
  rateExtras: RateExtras,
): ColumnLayout {
  const layout: ColumnLayout = {
    trendStats,
    trendCols: new Map(),
    trendKeys: new Map(),
    trendColWidths: trendStats.map(() => 0),
    mainValues: new Map(),
    mainWidth: 0,
    extras: new Map(),
    extraWidths: [],
  };
  for (const [name, metric] of Object.entries(metrics)) {
    if (metric.type === 'trend') {
      const cols = trendStats.map((stat) => trendCell(metric, stat, timeUnit));
      cols.forEach((col, i) => {
        layout.trendColWidths[i] = Math.max(layout.trendColWidths[i], strWidth(col));
      });
      layout.trendCols.set(name, cols);
      const keys: Record<string, string> = {};
      for (const key of Object.keys(metric.values)) {
        if (!trendStats.includes(key)) keys[key] = trendCell(metric, key, timeUnit);
      }
      layout.trendKeys.set(name, keys);
      continue;
    }
    const [main, ...extras] = nonTrendCells(metric, timeUnit, rateExtras);
    layout.mainValues.set(name, main);
    layout.mainWidth = Math.max(layout.mainWidth, strWidth(main));
    layout.extras.set(name, extras);
    extras.forEach((extra, i) => {
      layout.extraWidths[i] = Math.max(layout.extraWidths[i] ?? 0, strWidth(extra));
    });
  }
  return layout;
}

/** Colouring hooks; identity functions when colours are off. */
export interface CellPainter {
  value(text: string): string;
  extra(text: string): string;
}

/** The cells after `name...: ` for one metric, padded to the layout's column widths. */
export function renderCells(name: string, metric: SummaryMetric, layout: ColumnLayout, paint: CellPainter): string {
  if (metric.type === 'trend') {
    const cols = layout.trendCols.get(name) ?? [];
    return cols
      .map((col, i) => `${layout.trendStats[i]}=${paint.value(col)}${pad(layout.trendColWidths[i], col)}`)
      .join(' ');
  }
  const main = layout.mainValues.get(name) ?? '';
  const extras = layout.extras.get(name) ?? [];
  let out = paint.value(main) + pad(layout.mainWidth, main);
  if (extras.length === 1) {
    // A single extra is the last cell: k6 does not pad it.
    out += ` ${paint.extra(extras[0])}`;
  } else if (extras.length > 1) {
    out += ` ${extras.map((e, i) => paint.extra(e) + pad(layout.extraWidths[i], e)).join(' ')}`;
  }
  return out;
}

function pad(width: number, text: string): string {
  return ' '.repeat(Math.max(0, width - strWidth(text)));
}

// k6 sorts with String.prototype.localeCompare, i.e. the root collation (`_` before letters).
const collator = new Intl.Collator('und');

/** k6's `localeCompare` order for metric, group and scenario names. */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}

/** Metric names sorted by parent name, sub-metrics right after their parent, sorted by their tags. */
export function sortMetricNames(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const pa = parentName(a);
    const pb = parentName(b);
    return collator.compare(pa, pb) || collator.compare(a.slice(pa.length), b.slice(pb.length));
  });
}

/** `http_req_duration{expected_response:true}` -> `http_req_duration`. */
export function parentName(name: string): string {
  const i = name.indexOf('{');
  return i < 0 ? name : name.slice(0, i);
}

/** `http_req_duration{expected_response:true}` -> `{ expected_response:true }`; a plain name unchanged. */
export function subMetricLabel(name: string): string {
  const i = name.indexOf('{');
  return i < 0 ? name : `{ ${name.slice(i + 1, name.length - 1)} }`;
}

export function isSubMetric(name: string): boolean {
  return name.includes('{');
}
