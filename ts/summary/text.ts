// The end-of-test text summary, in k6's three layouts (spec 12.3 / 12.4).
//
// - 'compact' and 'full' follow k6 v1.x summary.js (ReportBuilder) fed by the report that
//   internal/output/summary builds in Go; the Go side's work (sections, hidden metrics, the
//   checks_* trio) is redone here from SummaryData.
// - 'legacy' follows summary-legacy.js, with v0.x rate cells by default, so that it reproduces
//   the golden console of k6 v0.49 (`k6-golden/run-cvus-console.txt`) byte for byte.

import {
  compareNames,
  computeColumns,
  isSubMetric,
  parentName,
  rateMarks,
  rateOutOf,
  renderCells,
  sortMetricNames,
  subMetricLabel,
  type CellPainter,
  type ColumnLayout,
  type RateExtras,
} from './columns';
import { strWidth } from './format';
import type { SummaryCheck, SummaryData, SummaryGroup, SummaryMetric } from './types';

export type TextSummaryMode = 'compact' | 'full' | 'legacy';

/**
 * What k6's full mode shows for one group or scenario. k6 aggregates it from the samples tagged
 * with exactly that group (not its descendants) or scenario; SummaryData has no such breakdown.
 */
export interface SummaryBreakdownNode {
  /** Checks whose samples this node aggregated, in order of first appearance. */
  checks: SummaryCheck[];
  metrics: Record<string, SummaryMetric>;
  /** Child groups by name, in order of first appearance. */
  groups: Record<string, SummaryBreakdownNode>;
}

export interface SummaryBreakdown {
  /** Top-level groups of the samples without a scenario tag (or tagged `default`). */
  groups: Record<string, SummaryBreakdownNode>;
  /** Per named scenario; with named scenarios k6 nests the groups here, not in `groups`. */
  scenarios: Record<string, SummaryBreakdownNode>;
}

export interface TextSummaryOptions {
  mode: TextSummaryMode;
  /** ANSI colours as k6 prints them on a TTY. Default off. */
  enableColors?: boolean;
  /**
   * Legacy mode only: the cells after a rate metric's percentage. 'marks' (default) is v0.x,
   * `100.00% ✓ 32 ✗ 0` as in the golden console; 'out-of' is v1.x summary-legacy.js,
   * `100.00% 32 out of 32`.
   */
  legacyRateStyle?: 'marks' | 'out-of';
  /**
   * Full mode only: per-group and per-scenario data. Without it, GROUP sections are derived from
   * `root_group` (each group's own checks, no metrics, no SCENARIO sections) and the `setup` /
   * `teardown` groups are left out when they have nothing to show.
   */
  breakdown?: SummaryBreakdown;
  /**
   * Compact/full only: trend values named by thresholds but missing from `summaryTrendStats`
   * (a `p(99.9)<4000` threshold with the default stats), by metric name then stat. k6's report
   * carries them for the THRESHOLDS block; the handleSummary data does not. Without them such a
   * threshold line ends in `p(99.9)=`.
   */
  thresholdValues?: Record<string, Record<string, number>>;
  /**
   * Compact/full only: check names in order of their first sample, as k6 lists them under TOTAL
   * RESULTS. `root_group` cannot tell (a group's check may come before a root check); without
   * it the tree is walked depth-first. Names not in the run are ignored.
   */
  checkOrder?: readonly string[];
}

/**
 * Renders the end-of-test summary as k6's textSummary() returns it: the caller adds the framing,
 * exactly as k6's summary wrapper does, by writing `"\n" + text + "\n\n"` to stdout (see
 * {@link frameForStdout}). The k6 quirks that follow from this are kept: compact/full text itself
 * starts with "\n" and ends with "\n\n"; legacy text has no leading or trailing newline.
 *
 * Trend stats and the fixed time unit come from `data.options` (`summaryTrendStats`,
 * `summaryTimeUnit`), as in k6.
 */
export function renderTextSummary(data: SummaryData, opts: TextSummaryOptions): string {
  const colors = opts.enableColors ?? false;
  if (opts.mode === 'legacy') {
    return renderLegacy(data, colors, opts.legacyRateStyle === 'out-of' ? rateOutOf : rateMarks);
  }
  return new ReportRenderer(data, opts.mode, colors, opts.thresholdValues ?? {}, opts.checkOrder).render(opts.breakdown);
}

/** What k6 writes to stdout around the rendered text (summary-wrapper.js). */
export function frameForStdout(text: string): string {
  return `\n${text}\n\n`;
}

const SUCCESS_MARK = '✓';
const FAIL_MARK = '✗';
const TITLE_PREFIX = '█';
const SUBTITLE_PREFIX = '↳';

/** Share of passes as k6 prints it under a failed check: floored whole percent. */
function checkPercent(check: SummaryCheck): number {
  return Math.floor((100 * check.passes) / (check.passes + check.fails));
}

// ---------------------------------------------------------------------------------------------
// Legacy layout (summary-legacy.js)

/** summary-legacy.js colours: `ESC[<color>;<styles>m`. */
type LegacyDecorate = (text: string, ...codes: number[]) => string;

function legacyDecorator(colors: boolean): LegacyDecorate {
  if (!colors) return (text) => text;
  return (text, ...codes) => `\x1b[${codes.join(';')}m${text}\x1b[0m`;
}

const FAINT = 2;
const RED = 31;
const GREEN = 32;
const CYAN = 36;

function renderLegacy(data: SummaryData, colors: boolean, rateExtras: RateExtras): string {
  const decorate = legacyDecorator(colors);
  // k6's default `indent` option is one space; groups get 4 more, metrics 2 more.
  const indent = ' ';
  const lines = [
    ...legacyGroup(`${indent}    `, data.root_group, decorate),
    ...legacyMetrics(`${indent}  `, data, rateExtras, decorate),
  ];
  return lines.join('\n');
}

function legacyGroup(indent: string, group: SummaryGroup, decorate: LegacyDecorate): string[] {
  const out: string[] = [];
  if (group.name !== '') {
    // The "\n" inside the element plus the join makes the blank line after a group title.
    out.push(`${indent}${TITLE_PREFIX} ${group.name}\n`);
    indent += '  ';
  }
  for (const check of group.checks) out.push(legacyCheck(indent, check, decorate));
  if (group.checks.length > 0) out.push('');
  for (const sub of group.groups) out.push(...legacyGroup(indent, sub, decorate));
  return out;
}

function legacyCheck(indent: string, check: SummaryCheck, decorate: LegacyDecorate): string {
  if (check.fails === 0) return decorate(`${indent}${SUCCESS_MARK} ${check.name}`, GREEN);
  const detail =
    `${indent} ${SUBTITLE_PREFIX}  ${checkPercent(check)}% — ` +
    `${SUCCESS_MARK} ${check.passes} / ${FAIL_MARK} ${check.fails}`;
  return decorate(`${indent}${FAIL_MARK} ${check.name}\n${detail}`, RED);
}

function legacyMetrics(
  indent: string,
  data: SummaryData,
  rateExtras: RateExtras,
  decorate: LegacyDecorate,
): string[] {
  const { summaryTrendStats, summaryTimeUnit } = data.options;
  const layout = computeColumns(data.metrics, summaryTrendStats, summaryTimeUnit, rateExtras);
  const names = Object.keys(data.metrics);
  const subIndent = (name: string): string => (isSubMetric(name) ? '  ' : '');
  const nameWidth = Math.max(0, ...names.map((n) => strWidth(subIndent(n) + subMetricLabel(n))));
  const paint: CellPainter = {
    value: (t) => decorate(t, CYAN),
    extra: (t) => decorate(t, CYAN, FAINT),
  };

  return sortMetricNames(names).map((name) => {
    const metric = data.metrics[name];
    let mark = ' ';
    let markColor = (t: string): string => t;
    const thresholds = metric.thresholds;
    if (thresholds !== undefined) {
      // Any threshold object, even an empty one, earns the ✓ (k6 tests presence, not size).
      const failed = Object.values(thresholds).some((t) => !t.ok);
      mark = failed ? FAIL_MARK : SUCCESS_MARK;
      markColor = (t) => decorate(t, failed ? RED : GREEN);
    }
    const fmtIndent = subIndent(name);
    const label = subMetricLabel(name);
    const dots = '.'.repeat(Math.max(0, nameWidth - strWidth(label) - strWidth(fmtIndent) + 3));
    const fmtName = label + decorate(`${dots}:`, FAINT);
    return `${indent}${fmtIndent}${markColor(mark)} ${fmtName} ${renderCells(name, metric, layout, paint)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Compact / full layout (summary.js v1.x, with the report built as internal/output/summary does)

/** summary.js ANSIFormatter: `ESC[<styles>;<color>m`, bold as its own sequence. */
interface Formatter {
  decorate(text: string, color: 'green' | 'red' | 'cyan' | 'white', ...styles: Array<'faint'>): string;
  boldify(text: string): string;
}

const ANSI_COLORS = { green: '32', red: '31', cyan: '36', white: '37' } as const;

function formatter(colors: boolean): Formatter {
  if (!colors) return { decorate: (text) => text, boldify: (text) => text };
  return {
    decorate: (text, color, ...styles) => {
      const codes = [...styles.map(() => '2'), ANSI_COLORS[color]].join(';');
      return `\x1b[${codes}m${text}\x1b[0m`;
    },
    boldify: (text) => `\x1b[1m${text}\x1b[0m`,
  };
}

/** summary.js RenderContext: indentation in steps of two spaces. */
class RenderContext {
  constructor(readonly base = 0) {}

  indentLevel(level = 1): string {
    return ' '.repeat((this.base + level) * 2);
  }

  indent(text: string, level = 1): string {
    return this.indentLevel(level) + text;
  }

  deeper(increment = 1): RenderContext {
    return new RenderContext(this.base + increment);
  }
}

/**
 * Sections in the Go struct's field order (internal/lib/summary Metrics); the JS key is the
 * snake_case field name and the heading is that key upper-cased. `custom` is moved first when
 * rendered.
 */
const SECTION_ORDER = ['http', 'execution', 'network', 'browser', 'web_vitals', 'grpc', 'websocket', 'custom'] as const;
type SectionKey = (typeof SECTION_ORDER)[number];
type Sections = Record<SectionKey, Record<string, SummaryMetric>>;

const HTTP_METRICS = [
  'http_reqs',
  'http_req_failed',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
];
const EXECUTION_METRICS = ['vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations'];
const NETWORK_METRICS = ['data_sent', 'data_received'];
const ALWAYS_HIDDEN = ['checks', 'group_duration'];
const HIDDEN_IN_COMPACT = [
  ...ALWAYS_HIDDEN,
  'http_req_blocked',
  'http_req_connecting',
  'http_req_receiving',
  'http_req_sending',
  'http_req_tls_handshaking',
  'http_req_waiting',
];

/**
 * k6 matches names by prefix, not equality (internal/output/summary `oneOfMetrics`): sub-metrics
 * follow their parent, and so does any custom metric that happens to share a prefix
 * (`vus_custom` lands in EXECUTION, `checks_foo` is hidden). Copied as is.
 */
function hasPrefixIn(name: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => name.startsWith(p));
}

function sectionOf(name: string): SectionKey {
  if (hasPrefixIn(name, HTTP_METRICS)) return 'http';
  if (hasPrefixIn(name, EXECUTION_METRICS)) return 'execution';
  if (hasPrefixIn(name, NETWORK_METRICS)) return 'network';
  if (name.startsWith('browser_web_vital_')) return 'web_vitals';
  if (name.startsWith('browser_')) return 'browser';
  if (name.startsWith('grpc_')) return 'grpc';
  if (name.startsWith('ws_')) return 'websocket';
  return 'custom';
}

function toSections(metrics: Record<string, SummaryMetric>, mode: 'compact' | 'full'): Sections {
  const sections = Object.fromEntries(SECTION_ORDER.map((k) => [k, {}])) as Sections;
  const hidden = mode === 'compact' ? HIDDEN_IN_COMPACT : ALWAYS_HIDDEN;
  for (const [name, metric] of Object.entries(metrics)) {
    if (hasPrefixIn(name, hidden)) continue;
    sections[sectionOf(name)][name] = metric;
  }
  return sections;
}

/** The checks block k6 derives from the `checks` rate: checks_total, checks_succeeded, checks_failed. */
interface ChecksReport {
  metrics: Record<string, SummaryMetric>;
  ordered: SummaryCheck[];
}

function checksReport(total: number, succeeded: number, durationMs: number, ordered: SummaryCheck[]): ChecksReport {
  const failed = total - succeeded;
  const rate = durationMs === 0 ? 0 : total / (durationMs / 1000);
  return {
    ordered,
    metrics: {
      checks_total: { type: 'counter', contains: 'default', values: { count: total, rate } },
      checks_succeeded: {
        type: 'rate',
        contains: 'default',
        values: { rate: succeeded / total, passes: succeeded, fails: failed },
      },
      // k6 swaps passes and fails here so that the line reads `<failed%> <failed> out of <total>`.
      checks_failed: {
        type: 'rate',
        contains: 'default',
        values: { rate: failed / total, passes: failed, fails: succeeded },
      },
    },
  };
}

function sumChecks(checks: SummaryCheck[]): { total: number; passes: number } {
  return checks.reduce(
    (acc, c) => ({ total: acc.total + c.passes + c.fails, passes: acc.passes + c.passes }),
    { total: 0, passes: 0 },
  );
}

/**
 * TOTAL RESULTS lists every check of the run once per name, merged across groups, in order of
 * first appearance (k6 keys its root check list by name only). SummaryData keeps no global
 * order, so the tree is walked depth-first, a group's own checks before its subgroups'.
 */
function flattenChecks(root: SummaryGroup): SummaryCheck[] {
  const byName = new Map<string, SummaryCheck>();
  const visit = (group: SummaryGroup): void => {
    for (const check of group.checks) {
      const seen = byName.get(check.name);
      if (seen === undefined) byName.set(check.name, { ...check });
      else {
        seen.passes += check.passes;
        seen.fails += check.fails;
      }
    }
    group.groups.forEach(visit);
  };
  visit(root);
  return [...byName.values()];
}

/** `checks` in the order of `names` first, the rest after in their own order. */
function orderChecks(checks: SummaryCheck[], names: readonly string[] | undefined): SummaryCheck[] {
  if (names === undefined) return checks;
  const rank = (c: SummaryCheck): number => {
    const i = names.indexOf(c.name);
    return i < 0 ? names.length : i;
  };
  return [...checks].sort((a, b) => rank(a) - rank(b));
}

function rootChecks(data: SummaryData, order: readonly string[] | undefined): ChecksReport | undefined {
  const ordered = orderChecks(flattenChecks(data.root_group), order);
  const checks = data.metrics.checks;
  if (checks !== undefined && checks.type === 'rate') {
    const passes = checks.values.passes ?? 0;
    const total = passes + (checks.values.fails ?? 0);
    return checksReport(total, passes, data.state.testRunDurationMs, ordered);
  }
  if (ordered.length === 0) return undefined;
  const { total, passes } = sumChecks(ordered);
  return checksReport(total, passes, data.state.testRunDurationMs, ordered);
}

function nodeChecks(checks: SummaryCheck[], durationMs: number): ChecksReport | undefined {
  if (checks.length === 0) return undefined;
  const { total, passes } = sumChecks(checks);
  return checksReport(total, passes, durationMs, checks);
}

const LIFECYCLE_GROUPS = new Set(['::setup', '::teardown']);

/** Full-mode groups without a breakdown: each group's own checks, no metrics. */
function breakdownFromTree(root: SummaryGroup): SummaryBreakdown {
  const toNode = (group: SummaryGroup): SummaryBreakdownNode => ({
    checks: group.checks,
    metrics: {},
    groups: Object.fromEntries(group.groups.map((g) => [g.name, toNode(g)])),
  });
  const groups: Record<string, SummaryBreakdownNode> = {};
  for (const group of root.groups) {
    const node = toNode(group);
    // setup() and teardown() run as groups but emit no group_duration; k6 shows them only when
    // something inside them produced samples.
    const empty = node.checks.length === 0 && Object.keys(node.groups).length === 0;
    if (LIFECYCLE_GROUPS.has(group.path) && empty) continue;
    groups[group.name] = node;
  }
  return { groups, scenarios: {} };
}

interface Section {
  title: string;
  content: string[];
}

/** Marks the end of a line in a section's content list (summary.js pushes a bare "\n"). */
const EOL = '\n';

class ReportRenderer {
  private readonly fmt: Formatter;
  private readonly root = new RenderContext(0);
  private readonly paint: CellPainter;

  constructor(
    private readonly data: SummaryData,
    private readonly mode: 'compact' | 'full',
    colors: boolean,
    private readonly thresholdValues: Record<string, Record<string, number>>,
    private readonly checkOrder: readonly string[] | undefined,
  ) {
    this.fmt = formatter(colors);
    this.paint = {
      value: (t) => this.fmt.decorate(t, 'cyan'),
      extra: (t) => this.fmt.decorate(t, 'cyan', 'faint'),
    };
  }

  render(breakdown: SummaryBreakdown | undefined): string {
    const sections: Section[] = [];
    const thresholds = this.thresholdMetrics();
    if (Object.keys(thresholds).length > 0) {
      sections.push({ title: 'THRESHOLDS', content: this.thresholds(thresholds, this.root.deeper()) });
    }
    sections.push({
      title: 'TOTAL RESULTS',
      content: [
        ...this.checks(rootChecks(this.data, this.checkOrder), this.root),
        ...this.metrics(toSections(this.data.metrics, this.mode), this.root),
      ],
    });
    if (this.mode === 'full') {
      const full = breakdown ?? breakdownFromTree(this.data.root_group);
      for (const [name, node] of Object.entries(full.groups)) {
        sections.push({ title: `GROUP: ${name}`, content: this.node(node, this.root) });
      }
      for (const name of Object.keys(full.scenarios).sort(compareNames)) {
        sections.push({ title: `SCENARIO: ${name}`, content: this.node(full.scenarios[name], this.root) });
      }
    }
    // summary.js joins with "\n" before every element except the bare EOL markers, which are
    // appended as is; hence the leading "\n" and the blank lines around titles.
    return sections
      .flatMap((s) => [this.title(s.title, this.root, TITLE_PREFIX), ...s.content, EOL])
      .reduce((acc, item) => (item === EOL ? acc + item : `${acc}\n${item}`), '');
  }

  private title(title: string, ctx: RenderContext, prefix: string): string {
    return ctx.indent(`${prefix} ${this.fmt.boldify(title)} \n`);
  }

  private thresholdMetrics(): Record<string, SummaryMetric> {
    return Object.fromEntries(
      Object.entries(this.data.metrics)
        .filter(([, m]) => m.thresholds && Object.keys(m.thresholds).length > 0)
        .map(([name, m]) => [name, { ...m, values: { ...m.values, ...this.thresholdValues[name] } }]),
    );
  }

  private thresholds(metrics: Record<string, SummaryMetric>, ctx: RenderContext): string[] {
    const layout = this.layout(metrics);
    const out: string[] = [];
    for (const name of sortMetricNames(Object.keys(metrics))) {
      const parent = parentName(name);
      // A sub-metric sits under its parent, showing only its tags, when the parent has
      // thresholds too; otherwise it is printed with its full name.
      const nested = name !== parent && metrics[parent] !== undefined;
      const inner = nested ? ctx.deeper() : ctx;
      out.push(inner.indent(nested ? name.slice(parent.length) : name));
      for (const [source, threshold] of Object.entries(metrics[name].thresholds ?? {})) {
        const status = threshold.ok
          ? this.fmt.decorate(SUCCESS_MARK, 'green')
          : this.fmt.decorate(FAIL_MARK, 'red');
        const sourceText = this.fmt.decorate(`'${source.trim()}'`, 'white');
        out.push(inner.indent([status, sourceText, this.thresholdValue(name, metrics[name], source, layout)].join(' ')));
      }
      out.push(EOL);
    }
    return out;
  }

  /**
   * `<agg>=<value>` for a threshold line. The aggregation is the source up to its operator. Trend:
   * that stat's cell; counter: the count for `count`, else the `<rate>/s` cell; gauge and rate:
   * the main cell (so a gauge's `max<10` shows the last value, as in k6). A trend stat that is not
   * in the data prints empty, as k6's `[agg, undefined].join('=')` does.
   */
  private thresholdValue(name: string, metric: SummaryMetric, source: string, layout: ColumnLayout): string {
    const agg = source.split(/[=><]/)[0].trim();
    let value: string | undefined;
    switch (metric.type) {
      case 'trend': {
        const i = layout.trendStats.indexOf(agg);
        value = i !== -1 ? layout.trendCols.get(name)?.[i] : layout.trendKeys.get(name)?.[agg];
        break;
      }
      case 'counter':
        value = agg === 'count' ? layout.mainValues.get(name) : layout.extras.get(name)?.[0];
        break;
      default:
        value = layout.mainValues.get(name);
    }
    const shown = value === undefined ? '' : this.fmt.decorate(value, 'cyan');
    return `${this.fmt.decorate(agg, 'white')}=${shown}`;
  }

  private checks(report: ChecksReport | undefined, ctx: RenderContext): string[] {
    if (report === undefined) return [];
    const inner = ctx.deeper();
    const layout = this.layout(report.metrics);
    const nameWidth = this.nameWidth(report.metrics, inner);
    // Fixed order total, succeeded, failed (k6 renders this block with sortByName off).
    const metricLines = Object.keys(report.metrics).map((name) =>
      this.metricLine(name, report.metrics[name], layout, inner, nameWidth),
    );
    const checkLines = report.ordered.map((check) => this.check(check, inner));
    return [...metricLines, EOL, ...checkLines, EOL];
  }

  private check(check: SummaryCheck, ctx: RenderContext): string {
    if (check.fails === 0) return ctx.indent(this.fmt.decorate(`${SUCCESS_MARK} ${check.name}`, 'green'));
    const name = this.fmt.decorate(`${FAIL_MARK} ${check.name}`, 'red');
    const detail = this.fmt.decorate(
      `${SUBTITLE_PREFIX}  ${checkPercent(check)}% — ${SUCCESS_MARK} ${check.passes} / ${FAIL_MARK} ${check.fails}`,
      'red',
    );
    // k6 passes `base + 1` as the level, which is added to base again: 6 spaces at base 1,
    // 10 at base 2. Copied.
    return `${ctx.indent(name)}\n${ctx.indent(detail, ctx.base + 1)}`;
  }

  private metrics(sections: Sections, ctx: RenderContext): string[] {
    const inner = ctx.deeper();
    const all = Object.assign({}, ...SECTION_ORDER.map((k) => sections[k])) as Record<string, SummaryMetric>;
    // One layout for all sections, so columns line up across CUSTOM/HTTP/EXECUTION/...
    const layout = this.layout(all);
    const nameWidth = this.nameWidth(all, inner);
    const keys = SECTION_ORDER.filter((k) => Object.keys(sections[k]).length > 0);
    const ordered = keys.includes('custom') ? ['custom' as const, ...keys.filter((k) => k !== 'custom')] : keys;
    return ordered.flatMap((key) => [
      inner.indent(this.fmt.boldify(key.toUpperCase())),
      ...sortMetricNames(Object.keys(sections[key])).map((name) =>
        this.metricLine(name, sections[key][name], layout, inner, nameWidth),
      ),
      EOL,
    ]);
  }

  private node(node: SummaryBreakdownNode, ctx: RenderContext): string[] {
    return [
      ...this.checks(nodeChecks(node.checks, this.data.state.testRunDurationMs), ctx),
      ...this.metrics(toSections(node.metrics, this.mode), ctx),
      ...this.nestedGroups(node.groups, ctx),
    ];
  }

  private nestedGroups(groups: Record<string, SummaryBreakdownNode>, ctx: RenderContext): string[] {
    const inner = ctx.deeper();
    return Object.entries(groups).flatMap(([name, node]) => [
      this.title(`GROUP: ${name}`, inner, SUBTITLE_PREFIX),
      ...this.node(node, inner),
    ]);
  }

  private layout(metrics: Record<string, SummaryMetric>): ColumnLayout {
    const { summaryTrendStats, summaryTimeUnit } = this.data.options;
    return computeColumns(metrics, summaryTrendStats, summaryTimeUnit, rateOutOf);
  }

  /**
   * Widest indented display name. Not k6's main-branch code, which measures `name + displayName`
   * (doubling every name): released v1.x output, as users post it and as spec 12.3 shows, gives
   * the longest name exactly three dots, which is what this width produces.
   */
  private nameWidth(metrics: Record<string, SummaryMetric>, ctx: RenderContext): number {
    return Math.max(0, ...Object.keys(metrics).map((n) => strWidth(ctx.indent(displayName(n)))));
  }

  private metricLine(
    name: string,
    metric: SummaryMetric,
    layout: ColumnLayout,
    ctx: RenderContext,
    nameWidth: number,
  ): string {
    const shown = displayName(name);
    const dots = Math.max(0, nameWidth - strWidth(shown) - strWidth(ctx.indentLevel()) + 3);
    const dotted = shown + this.fmt.decorate(`${'.'.repeat(dots)}:`, 'white', 'faint');
    return ctx.indent(`${dotted} ${renderCells(name, metric, layout, this.paint)}`);
  }
}

/** v1.x display name: a sub-metric is `  { tags }`, indented under its parent. */
function displayName(name: string): string {
  return isSubMetric(name) ? `  ${subMetricLabel(name)}` : name;
}

// k6's internal/output/summary `percentileThresholdSourceRe`.
const PERCENTILE_THRESHOLD = /^p\((\d+(?:\.\d+)?)\)\s*[<>=]/;

/**
 * The percentile a threshold source aggregates (`p(99.9) < 4000` -> `p(99.9)`), spelled as in the
 * source; undefined for any other aggregation.
 */
export function thresholdPercentile(source: string): string | undefined {
  const m = PERCENTILE_THRESHOLD.exec(source.trim());
  return m === null ? undefined : `p(${m[1]})`;
}
