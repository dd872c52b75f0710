/**
 * Thresholds during a run: parsed before the start, evaluated every 2 s (GET /v1/status
 * `tainted`) and at the end (summary marks, exit code 99). Sub-metric selectors other than
 * the built-in `{expected_response:true}` need tagged samples, which the engine does not keep
 * yet: those are reported and left out.
 */
import type { Engine, MetricSnapshot } from '../native';
import { evaluateSet, neededStats, type ThresholdResult } from '../thresholds/evaluate';
import { parseThresholds, ThresholdError, type MetricType, type ThresholdSet } from '../thresholds/parse';
import { ConfigError } from './plan';

const BUILTIN_TYPES: Record<string, MetricType> = {
  vus: 'gauge', vus_max: 'gauge', iterations: 'counter', iteration_duration: 'trend', dropped_iterations: 'counter',
  checks: 'rate', group_duration: 'trend', http_reqs: 'counter', http_req_failed: 'rate', http_req_duration: 'trend',
  http_req_blocked: 'trend', http_req_connecting: 'trend', http_req_tls_handshaking: 'trend', http_req_sending: 'trend',
  http_req_waiting: 'trend', http_req_receiving: 'trend', data_sent: 'counter', data_received: 'counter',
};

export interface PlannedThresholds {
  sets: ThresholdSet[];
  skipped: string[];
}

export function planThresholds(raw: unknown): PlannedThresholds {
  if (raw === undefined || raw === null) return { sets: [], skipped: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('invalid thresholds: expected an object of metric -> expressions');
  let sets: ThresholdSet[];
  try {
    sets = parseThresholds(raw as Record<string, unknown>, (m) => BUILTIN_TYPES[m]);
  } catch (e) {
    if (e instanceof ThresholdError) throw new ConfigError(e.message);
    throw e;
  }
  const supported = (s: ThresholdSet) => s.tags.length === 0 || (s.tags.length === 1 && s.tags[0][0] === 'expected_response' && s.tags[0][1] === 'true');
  return { sets: sets.filter(supported), skipped: sets.filter((s) => !supported(s)).map((s) => s.key) };
}

function engineName(set: ThresholdSet): string {
  return set.tags.length ? `${set.metric}{expected_response:true}` : set.metric;
}

export function evaluateAll(planned: PlannedThresholds, metrics: MetricSnapshot[]): Map<string, ThresholdResult[]> {
  const byName = new Map(metrics.map((m) => [m.name, Object.fromEntries(m.stats.map((s) => [s.name, s.value]))]));
  const out = new Map<string, ThresholdResult[]>();
  for (const set of planned.sets) out.set(set.key, evaluateSet(set, byName.get(engineName(set))));
  return out;
}

export function statsFor(planned: PlannedThresholds): string[] {
  return neededStats(planned.sets).filter((s) => s === 'avg' || s === 'min' || s === 'max' || s === 'med' || s.startsWith('p('));
}

/** Evaluates every 2 s while the run goes on and keeps the status' `tainted` current. */
export function watchThresholds(engine: Engine, planned: PlannedThresholds): () => void {
  if (planned.sets.length === 0) return () => {};
  const stats = statsFor(planned);
  const timer = setInterval(() => {
    const results = evaluateAll(planned, engine.metrics(stats));
    engine.setTainted([...results.values()].some((rs) => rs.some((r) => !r.ok)));
  }, 2000);
  return () => clearInterval(timer);
}
