/**
 * The summary settings of a run: `--summary-trend-stats` / `summaryTrendStats` and
 * `--summary-time-unit` / `summaryTimeUnit`, the flag over the script option (spec §12.1), validated
 * with k6's own messages (internal/cmd/options.go, metrics/sample.go `parsePercentile`).
 */
import { ConfigError } from './plan';

/**
 * A summary option k6 refuses while reading its flags and config: k6 logs the message and exits
 * 255 (not 104, InvalidConfig), for the flag and the script option alike. (Not a ConfigError
 * subclass: plan.ts imports this module, and a class cannot extend a cyclic import.)
 */
export class SummaryOptionError extends Error {}

export const DEFAULT_TREND_STATS: readonly string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
const STATIC_STATS = new Set(['avg', 'min', 'med', 'max', 'count']);
const TIME_UNITS = new Set(['s', 'ms', 'us']);

/**
 * One trend stat, as k6's `GetResolversForTrendColumns` checks it. Not k6: a percentile must be
 * written in decimal (k6's ParseFloat would also take `p(1e1)` or `p(NaN)`).
 */
function checkTrendStat(stat: string): void {
  if (STATIC_STATS.has(stat)) return;
  if (!stat.startsWith('p(') || !stat.endsWith(')')) throw new SummaryOptionError(`invalid trend stat '${stat}', unknown format`);
  const text = stat.slice(2, -1);
  const percentile = Number(text);
  if (!/^\+?(\d+(\.\d*)?|\.\d+)$/.test(text) || percentile < 0 || percentile > 100) {
    throw new SummaryOptionError(`invalid percentile trend stat value '${stat}', provide a number between 0 and 100`);
  }
}

/** `--summary-trend-stats avg,p(99.9)`: split on commas as k6's string slice flag does, no trimming. */
export function parseTrendStats(text: string): string[] {
  const stats = text === '' ? [] : text.split(',');
  stats.forEach(checkTrendStat);
  return stats;
}

/** `--summary-time-unit`: '' (automatic), s, ms or us. */
export function parseTimeUnit(text: string): string {
  if (text !== '' && !TIME_UNITS.has(text)) throw new SummaryOptionError(`invalid summary time unit '${text}', use 's', 'ms' or 'us'`);
  return text;
}

export interface SummarySettings {
  trendStats: string[];
  /** '' = automatic unit. */
  timeUnit: string;
}

export interface SummaryFlags {
  summaryTrendStats?: string;
  summaryTimeUnit?: string;
}

/** From the flags alone (a run without a script). */
export function summarySettings(flags: SummaryFlags): SummarySettings {
  return {
    trendStats: flags.summaryTrendStats === undefined ? [...DEFAULT_TREND_STATS] : parseTrendStats(flags.summaryTrendStats),
    timeUnit: flags.summaryTimeUnit === undefined ? '' : parseTimeUnit(flags.summaryTimeUnit),
  };
}

/**
 * The flags over the script's `options.summaryTrendStats` and `options.summaryTimeUnit`. As in k6,
 * the script's trend stats are validated like the flag's, but its time unit is not: an unknown
 * unit there falls back to the automatic one when rendering.
 */
export function scriptSummarySettings(flags: SummaryFlags, options: Record<string, unknown>): SummarySettings {
  const settings = summarySettings(flags);
  const stats = options.summaryTrendStats;
  if (flags.summaryTrendStats === undefined && stats !== undefined && stats !== null) {
    if (!Array.isArray(stats) || stats.some((s) => typeof s !== 'string')) {
      throw new ConfigError(`invalid options.summaryTrendStats: expected a list of strings, got ${JSON.stringify(stats)}`);
    }
    (stats as string[]).forEach(checkTrendStat);
    settings.trendStats = [...(stats as string[])];
  }
  const unit = options.summaryTimeUnit;
  if (flags.summaryTimeUnit === undefined && unit !== undefined && unit !== null) {
    if (typeof unit !== 'string') throw new ConfigError(`invalid options.summaryTimeUnit: expected a string, got ${JSON.stringify(unit)}`);
    settings.timeUnit = unit;
  }
  return settings;
}
