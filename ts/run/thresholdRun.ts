/**
 * Thresholds during a run: parsed before the start, evaluated every 2 s (GET /v1/status
 * `tainted`) and at the end (summary marks, exit code 99). A key with a tag selector
 * (`metric{tag:value}`) reads the engine's sub-metric for it (spec §5.3): the engine makes one
 * per distinct selector and says which holds each key's samples (`Engine.submetrics()`).
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
  /** Key -> the engine's sub-metric id for keys with a selector (see `bindSubmetrics`). */
  submetrics?: Map<string, string>;
}

export function planThresholds(raw: unknown): PlannedThresholds {
  if (raw === undefined || raw === null) return { sets: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('invalid thresholds: expected an object of metric -> expressions');
  try {
    return { sets: parseThresholds(raw as Record<string, unknown>, (m) => BUILTIN_TYPES[m]) };
  } catch (e) {
    if (e instanceof ThresholdError) throw new ConfigError(e.message);
    throw e;
  }
}

/** The plan with the ids the engine gave the sub-metrics of its selector keys. */
export function bindSubmetrics(planned: PlannedThresholds, engine: Pick<Engine, 'submetrics'>): PlannedThresholds {
  return { ...planned, submetrics: new Map(engine.submetrics().map((s) => [s.key, s.id])) };
}

/** The metric (or sub-metric) whose values a set's thresholds read. */
export function metricOf(planned: PlannedThresholds, set: ThresholdSet): string {
  if (set.tags.length === 0) return set.metric;
  return planned.submetrics?.get(set.key) ?? `${set.metric}{${set.selector}}`;
}

export function evaluateAll(planned: PlannedThresholds, metrics: MetricSnapshot[]): Map<string, ThresholdResult[]> {
  const byName = new Map(metrics.map((m) => [m.name, Object.fromEntries(m.stats.map((s) => [s.name, s.value]))]));
  const out = new Map<string, ThresholdResult[]>();
  for (const set of planned.sets) out.set(set.key, evaluateSet(set, byName.get(metricOf(planned, set))));
  return out;
}

export function statsFor(planned: PlannedThresholds): string[] {
  return neededStats(planned.sets).filter((s) => s === 'avg' || s === 'min' || s === 'max' || s === 'med' || s.startsWith('p('));
}

/**
 * Evaluates every 2 s while the run goes on (spec §5.4): keeps the status' and each metric's
 * `tainted` current, and stops the run when a failed threshold has `abortOnFail` and its
 * `delayAbortEval` has passed (k6 then exits 99).
 */
export class ThresholdWatch {
  private readonly tainted = new Map<string, boolean>();
  private timer: NodeJS.Timeout | null = null;
  /** The keys whose abortOnFail threshold stopped the run. */
  abortedBy: string[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly planned: PlannedThresholds,
    private readonly onAbort: (keys: string[]) => void = () => {},
  ) {}

  /** GET /v1/metrics `tainted`: null for a metric without thresholds or not evaluated yet. */
  taintedOf = (metric: string): boolean | null => this.tainted.get(metric) ?? null;

  start(): void {
    if (this.planned.sets.length === 0 || this.timer) return;
    this.timer = setInterval(() => this.evaluate(), 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Records a (final or periodic) evaluation; returns whether some threshold failed. */
  record(results: Map<string, ThresholdResult[]>): boolean {
    const failedByMetric = new Map<string, boolean>();
    for (const set of this.planned.sets) {
      const rs = results.get(set.key) ?? [];
      // k6 skips metrics without values: they stay null until they have some.
      if (rs.every((r) => r.value === undefined)) continue;
      const name = metricOf(this.planned, set);
      failedByMetric.set(name, (failedByMetric.get(name) ?? false) || rs.some((r) => !r.ok));
    }
    for (const [name, failed] of failedByMetric) this.tainted.set(name, failed);
    const any = [...failedByMetric.values()].some(Boolean);
    this.engine.setTainted(any);
    return any;
  }

  private evaluate(): void {
    const results = evaluateAll(this.planned, this.engine.metrics(statsFor(this.planned)));
    this.record(results);
    const elapsed = this.engine.elapsedMs();
    const aborting = this.planned.sets
      .filter((set) => (results.get(set.key) ?? []).some((r) => !r.ok && r.threshold.abortOnFail && elapsed >= r.threshold.delayAbortEvalMs))
      .map((set) => set.key);
    if (aborting.length && this.abortedBy.length === 0) {
      this.abortedBy = aborting;
      this.onAbort(aborting);
      this.engine.stop();
    }
  }
}
