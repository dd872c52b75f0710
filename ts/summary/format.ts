// k6's value formatting for the end-of-test summary (spec 12.2), rule for rule as in k6's
// summary.js / summary-legacy.js (`humanizeValue` and helpers). Both text layouts use it.

import type { MetricContains, MetricType } from './types';

/** `--summary-time-unit` values with their multiplier from milliseconds. */
const FIXED_TIME_UNITS: Readonly<Record<string, { unit: string; coef: number }>> = {
  s: { unit: 's', coef: 0.001 },
  ms: { unit: 'ms', coef: 1 },
  us: { unit: 'µs', coef: 1000 },
};

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;

/** `toFixed(prec)` without trailing zeros (`1.50` -> `1.5`, `2.00` -> `2`). Rounds. */
export function toFixedNoTrailingZeros(value: number, prec: number): string {
  return parseFloat(value.toFixed(prec)).toString();
}

/** Like {@link toFixedNoTrailingZeros} but truncates instead of rounding (k6: `1.029593` ms -> `1.02ms`). */
export function toFixedNoTrailingZerosTrunc(value: number, prec: number): string {
  const mult = Math.pow(10, prec);
  return toFixedNoTrailingZeros(Math.trunc(mult * value) / mult, prec);
}

/**
 * Automatic duration unit for a value in milliseconds: `0s`, integer `ns` below 1µs, `µs` and `ms`
 * with up to 2 truncated decimals, `s` with up to 2 below a minute, then `XmYs` / `XhYmZs` with
 * whole seconds (rounded, as k6 does: 59.6s past a minute prints `1m60s`).
 *
 * Not k6: a non-finite input prints `NaN`/`Infinity` instead of k6's `NaNhNaNmNaNs`.
 */
export function formatGenericDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${Math.trunc(ms * 1_000_000)}ns`;
  if (ms < 1) return `${toFixedNoTrailingZerosTrunc(ms * 1000, 2)}µs`;
  if (ms < 1000) return `${toFixedNoTrailingZerosTrunc(ms, 2)}ms`;

  let result = `${toFixedNoTrailingZerosTrunc((ms % 60_000) / 1000, ms > 60_000 ? 0 : 2)}s`;
  let rem = Math.trunc(ms / 60_000);
  if (rem < 1) return result;
  result = `${rem % 60}m${result}`;
  rem = Math.trunc(rem / 60);
  if (rem < 1) return result;
  return `${rem}h${result}`;
}

/**
 * A duration in milliseconds, in `timeUnit` (`s`, `ms`, `us`: always 2 decimals, rounded) or in
 * the automatic unit when `timeUnit` is '' or unknown (k6 ignores unknown units the same way).
 */
export function formatDuration(ms: number, timeUnit = ''): string {
  if (timeUnit !== '' && Object.hasOwn(FIXED_TIME_UNITS, timeUnit)) {
    const fixed = FIXED_TIME_UNITS[timeUnit];
    return `${(ms * fixed.coef).toFixed(2)}${fixed.unit}`;
  }
  return formatGenericDuration(ms);
}

/**
 * A byte amount: below 10 the raw number + ` B`; otherwise SI (base 1000) with one decimal below
 * 10 units, none above, rounded half up. As in k6 the unit is chosen before rounding, so 999999
 * bytes print `1000 kB`, not `1.0 MB`.
 *
 * Not k6: past `YB` the exponent is clamped (k6 prints `undefined` as the unit), and non-finite
 * input prints `NaN B` / `Infinity B`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${String(bytes)} B`;
  if (bytes < 10) return `${bytes} B`;
  const e = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), BYTE_UNITS.length - 1);
  const val = Math.floor((bytes / Math.pow(1000, e)) * 10 + 0.5) / 10;
  return `${val.toFixed(val < 10 ? 1 : 0)} ${BYTE_UNITS[e]}`;
}

/** A 0..1 fraction as a percentage with 2 decimals, truncated (0.99999 -> `99.99%`). NaN -> `NaN%`. */
export function formatRate(fraction: number): string {
  return `${(Math.trunc(fraction * 100 * 100) / 100).toFixed(2)}%`;
}

/** A plain number with up to 6 decimals, rounded, trailing zeros dropped (`3.9873241648` -> `3.987324`). */
export function formatNumber(value: number): string {
  return toFixedNoTrailingZeros(value, 6);
}

/** What {@link humanizeValue} needs to know about a metric. */
export interface MetricKind {
  type: MetricType;
  contains: MetricContains;
}

/**
 * k6's `humanizeValue`: rate metrics as percentages (whatever they contain), then by `contains`:
 * data sizes, durations (milliseconds in), plain numbers.
 */
export function humanizeValue(value: number, metric: MetricKind, timeUnit = ''): string {
  if (metric.type === 'rate') return formatRate(value);
  switch (metric.contains) {
    case 'data':
      return formatBytes(value);
    case 'time':
      return formatDuration(value, timeUnit);
    default:
      return formatNumber(value);
  }
}

/**
 * Display width of `s` on a terminal as k6 measures it: NFKC code points, ANSI escape sequences
 * skipped. (`µ`, `✓`, `█` count as one column each.)
 */
export function strWidth(s: string): number {
  let inEscSeq = false;
  let inLongEscSeq = false;
  let width = 0;
  for (const char of s.normalize('NFKC')) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\x1b') {
      inEscSeq = true;
      continue;
    }
    if (inEscSeq && char === '[') {
      inLongEscSeq = true;
      continue;
    }
    if (inEscSeq && inLongEscSeq && code >= 0x40 && code <= 0x7e) {
      inEscSeq = false;
      inLongEscSeq = false;
      continue;
    }
    if (inEscSeq && !inLongEscSeq && code >= 0x40 && code <= 0x5f) {
      inEscSeq = false;
      continue;
    }
    if (!inEscSeq && !inLongEscSeq) width++;
  }
  return width;
}
