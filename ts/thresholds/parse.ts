/**
 * k6 threshold expressions (spec §5.5): `<aggregation> <operator> <number>`, aggregations per
 * metric type, keys `metric` or `metric{tag:value,...}`, values as strings or
 * `{threshold, abortOnFail, delayAbortEval}` objects. Parsed before the run starts so that a bad
 * expression is refused with the expression and the reason (exit 104).
 */
import { parseDuration } from '../run/duration';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type Operator = '>' | '>=' | '<' | '<=' | '==' | '===' | '!=';

export interface Threshold {
  /** The expression as written, the key of summary and export entries. */
  source: string;
  aggregation: string;
  operator: Operator;
  value: number;
  abortOnFail: boolean;
  /** Milliseconds of un-paused run time before an abort may happen. */
  delayAbortEvalMs: number;
}

export interface ThresholdSet {
  /** The key as written, e.g. `http_req_duration{status:200}`. */
  key: string;
  metric: string;
  /** Tag selector of a sub-metric, in the order written. */
  tags: Array<[string, string]>;
  /** The selector's text as written between the braces, trimmed ('' without one). */
  selector: string;
  thresholds: Threshold[];
}

export class ThresholdError extends Error {}

const AGGREGATIONS: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\((\d+(?:\.\d+)?)\))$/,
};

const EXPRESSION = /^\s*([a-z]+(?:\(\s*[^)]*\))?)\s*(===|==|!=|>=|<=|>|<)\s*(\S+)\s*$/;

export function parseExpression(source: string, type: MetricType | undefined): Omit<Threshold, 'abortOnFail' | 'delayAbortEvalMs'> {
  const m = EXPRESSION.exec(source);
  if (!m) throw new ThresholdError(`invalid threshold expression '${source}': expected "<aggregation> <operator> <number>", like "p(95)<500"`);
  const aggregation = m[1].replace(/\s+/g, '');
  const value = Number(m[3]);
  if (!Number.isFinite(value)) throw new ThresholdError(`invalid threshold expression '${source}': '${m[3]}' is not a number`);
  if (type) {
    const p = AGGREGATIONS[type].exec(aggregation);
    if (!p) {
      throw new ThresholdError(`invalid threshold expression '${source}': the aggregation '${aggregation}' does not apply to a ${type} metric (use ${describe(type)})`);
    }
    if (p[2] !== undefined && Number(p[2]) > 100) {
      throw new ThresholdError(`invalid threshold expression '${source}': a percentile is between 0 and 100`);
    }
  }
  return { source, aggregation, operator: m[2] as Operator, value };
}

function describe(type: MetricType): string {
  return { counter: 'count or rate', gauge: 'value', rate: 'rate', trend: 'avg, min, max, med or p(N)' }[type];
}

/** k6 trims selector names and values of spaces, then of quotes (`'GET'`, `"GET"`). */
function trimTag(text: string): string {
  return text.trim().replace(/^["']+|["']+$/g, '');
}

/**
 * `name` or `name{tag:value,tag2:value2}`, read as k6 reads sub-metric selectors
 * (Metric.AddSubmetric): parts split on `,` (empty ones skipped), then on the first `:` (a group
 * path keeps its `::`); a part without `:` selects the empty value.
 */
export function parseKey(key: string): { metric: string; tags: Array<[string, string]>; selector: string } {
  const m = /^([a-zA-Z0-9_]+)(?:\{(.*)\})?$/s.exec(key.trim());
  if (!m) throw new ThresholdError(`invalid threshold key '${key}': expected "metric" or "metric{tag:value}"`);
  const tags: Array<[string, string]> = [];
  const selector = (m[2] ?? '').trim();
  if (m[2] !== undefined) {
    for (const part of selector.split(',')) {
      if (part === '') continue;
      const i = part.indexOf(':');
      const name = trimTag(i >= 0 ? part.slice(0, i) : part);
      if (!name) throw new ThresholdError(`invalid threshold key '${key}': the selector part '${part.trim()}' has no tag name (expected "tag:value")`);
      tags.push([name, i >= 0 ? trimTag(part.slice(i + 1)) : '']);
    }
    if (tags.length === 0) throw new ThresholdError(`invalid threshold key '${key}': an empty selector`);
  }
  return { metric: m[1], tags, selector };
}

type RawThreshold = string | { threshold?: unknown; abortOnFail?: unknown; delayAbortEval?: unknown };

/** Parses `options.thresholds`; `typeOf` gives the type of known metrics (built-in or custom). */
export function parseThresholds(raw: Record<string, unknown>, typeOf: (metric: string) => MetricType | undefined): ThresholdSet[] {
  const sets: ThresholdSet[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const { metric, tags, selector } = parseKey(key);
    const type = typeOf(metric);
    const list = Array.isArray(value) ? (value as RawThreshold[]) : [value as RawThreshold];
    const thresholds = list.map((item): Threshold => {
      if (typeof item === 'string') return { ...parseExpression(item, type), abortOnFail: false, delayAbortEvalMs: 0 };
      if (item && typeof item === 'object' && typeof item.threshold === 'string') {
        if (item.abortOnFail !== undefined && typeof item.abortOnFail !== 'boolean') {
          throw new ThresholdError(`invalid threshold on '${key}': abortOnFail must be true or false`);
        }
        let delay = 0;
        if (item.delayAbortEval !== undefined) {
          if (typeof item.delayAbortEval !== 'string') throw new ThresholdError(`invalid threshold on '${key}': delayAbortEval must be a duration like "10s"`);
          delay = parseDuration(item.delayAbortEval);
        }
        return { ...parseExpression(item.threshold, type), abortOnFail: item.abortOnFail === true, delayAbortEvalMs: delay };
      }
      throw new ThresholdError(`invalid threshold on '${key}': expected a string or {threshold, abortOnFail, delayAbortEval}`);
    });
    sets.push({ key: key.trim(), metric, tags, selector, thresholds });
  }
  return sets;
}
