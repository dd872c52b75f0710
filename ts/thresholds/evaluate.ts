/**
 * Evaluates thresholds against a metric's aggregated values (the engine's snapshot, trends in
 * ms). k6 compares with JavaScript semantics; `==` and `===` both mean equal here because the
 * values are numbers.
 */
import type { Operator, Threshold, ThresholdSet } from './parse';

export function compare(left: number, op: Operator, right: number): boolean {
  switch (op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '==':
    case '===':
      return left === right;
    case '!=':
      return left !== right;
  }
}

/** The aggregation names a set of thresholds needs from the engine (trend stats to request). */
export function neededStats(sets: ThresholdSet[]): string[] {
  const stats = new Set<string>();
  for (const s of sets) for (const t of s.thresholds) stats.add(t.aggregation);
  return [...stats];
}

export interface ThresholdResult {
  threshold: Threshold;
  /** The aggregated value it was compared with; undefined when the metric has no value yet. */
  value: number | undefined;
  ok: boolean;
}

/**
 * A metric without values is not evaluated (k6 skips empty sinks), so its thresholds pass.
 * `values` maps aggregation names to numbers (count, rate, value, avg, p(95)...).
 */
export function evaluateSet(set: ThresholdSet, values: Record<string, number> | undefined): ThresholdResult[] {
  return set.thresholds.map((threshold) => {
    const value = values?.[threshold.aggregation];
    return { threshold, value, ok: value === undefined ? true : compare(value, threshold.operator, threshold.value) };
  });
}
