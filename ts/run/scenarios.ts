/**
 * The scenarios of a run, whichever form its engine options use: `scenarios` (several, k6's
 * `options.scenarios`) or the single-scenario fields (`--url` runs and older callers).
 */
import type { EngineOptions, ScenarioOptions } from '../native';

/** The single-scenario fields of EngineOptions (what `scenarios` replaces). */
export type SingleScenarioFields = Pick<
  EngineOptions,
  'executor' | 'scenarioName' | 'vus' | 'maxVus' | 'durationMs' | 'iterations' | 'gracefulStopMs' | 'stages' | 'rate' | 'startRate' | 'timeUnitMs' | 'preAllocatedVus' | 'gracefulRampDownMs'
>;

export function scenariosOf(o: EngineOptions): ScenarioOptions[] {
  if (o.scenarios?.length) return o.scenarios;
  const { executor, vus, maxVus, durationMs, iterations, gracefulStopMs, stages, rate, startRate, timeUnitMs, preAllocatedVus, gracefulRampDownMs } = o;
  return [{ name: o.scenarioName ?? 'default', executor, vus, maxVus, durationMs, iterations, gracefulStopMs, stages, rate, startRate, timeUnitMs, preAllocatedVus, gracefulRampDownMs }];
}

/**
 * The single-scenario fields describing `s`. With `scenarios` set the engine does not read them;
 * a run sets them to its first scenario so that what shows one scenario (the progress bar) keeps
 * working.
 */
export function asSingleScenario(s: ScenarioOptions): SingleScenarioFields {
  const { name, executor, vus, maxVus, durationMs, iterations, gracefulStopMs, stages, rate, startRate, timeUnitMs, preAllocatedVus, gracefulRampDownMs } = s;
  return { scenarioName: name, executor, vus, maxVus, durationMs, iterations, gracefulStopMs, stages, rate, startRate, timeUnitMs, preAllocatedVus, gracefulRampDownMs };
}

/** The most VUs a scenario can have at once: what sizes the script workers. */
export function poolSize(s: Pick<ScenarioOptions, 'executor' | 'vus' | 'maxVus' | 'preAllocatedVus' | 'stages'>): number {
  const stagePeak = Math.max(0, ...(s.stages ?? []).map((st) => st.target));
  switch (s.executor) {
    case 'ramping-vus':
      return Math.max(s.vus, stagePeak, 1);
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return Math.max(s.maxVus ?? 0, s.preAllocatedVus ?? 0, 1);
    default:
      return Math.max(s.maxVus ?? s.vus, 1);
  }
}
