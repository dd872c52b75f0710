/**
 * /v1/metrics and /v1/metrics/{id} (spec §3.3, §3.4, §5): every metric with a value, sorted by
 * name (k6's order is random), `sample` keys sorted as Go sorts map keys. Trends carry k6's six
 * keys plus `--summary-trend-stats` extras and `?stats=p(99),p(99.9)` per request (spec README
 * item 6).
 */
import type { Context } from 'koa';
import type { MetricSnapshot } from '../native';
import { ApiError, resource, sendJson } from './jsonapi';
import type { ControlSurface } from './surface';

export const API_TREND_STATS = ['avg', 'max', 'med', 'min', 'p(90)', 'p(95)'];
const STAT = /^(avg|min|med|max|count|p\((\d+(\.\d+)?)\))$/;

/** The sample of each type holds these keys only, whatever else the engine reports. */
function sampleOf(m: MetricSnapshot, trendStats: Set<string>): Record<string, number> {
  const keep = (name: string) => {
    switch (m.type) {
      case 'counter':
        return name === 'count' || name === 'rate';
      case 'gauge':
        return name === 'value';
      case 'rate':
        return name === 'rate';
      default:
        return trendStats.has(name);
    }
  };
  const sample: Record<string, number> = {};
  for (const s of [...m.stats].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (keep(s.name)) sample[s.name] = s.value;
  }
  return sample;
}

type TaintedOf = (metric: string) => boolean | null;
const noThresholds: TaintedOf = () => null;

function toJsonApiMetric(m: MetricSnapshot, trendStats: Set<string>, taintedOf: TaintedOf) {
  // Attribute order: type, contains, tainted, sample. tainted is null until thresholds are evaluated.
  return resource('metrics', m.name, { type: m.type, contains: m.contains, tainted: taintedOf(m.name), sample: sampleOf(m, trendStats) });
}

function requestedStats(ctx: Context, configured: string[]): string[] {
  const stats = new Set([...API_TREND_STATS, ...configured]);
  const query = ctx.query.stats;
  if (typeof query === 'string' && query !== '') {
    for (const s of query.split(',').map((x) => x.trim())) {
      const m = STAT.exec(s);
      if (!m || (m[2] !== undefined && Number(m[2]) > 100)) {
        throw new ApiError(400, 'Invalid stats', `"${s}" is not a trend stat: use avg, min, med, max, count or p(N) with N in 0..100`);
      }
      stats.add(s);
    }
  }
  return [...stats];
}

export function listMetrics(surface: ControlSurface, configured: string[], taintedOf: TaintedOf = noThresholds) {
  return (ctx: Context) => {
    const stats = requestedStats(ctx, configured);
    const keys = new Set(stats);
    sendJson(ctx, 200, { data: surface.metrics(stats).map((m) => toJsonApiMetric(m, keys, taintedOf)) });
  };
}

export function getMetric(surface: ControlSurface, configured: string[], taintedOf: TaintedOf = noThresholds) {
  return (ctx: Context) => {
    const id = (ctx.params.id as string | undefined) ?? '';
    const stats = requestedStats(ctx, configured);
    const metric = surface.metrics(stats).find((m) => m.name === id);
    if (!metric) throw new ApiError(404, 'Not Found', 'No metric with that ID was found');
    sendJson(ctx, 200, { data: toJsonApiMetric(metric, new Set(stats), taintedOf) });
  };
}
