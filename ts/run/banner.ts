/** The lines k6 prints before a run: execution, target, scenarios (as in k6's console). */
import type { EngineOptions, ScenarioOptions } from '../native';
import { formatDuration } from './duration';
import { scenariosOf } from './scenarios';

const MAX_DURATION_DEFAULT_MS = 600_000;
const GRACEFUL_DEFAULT_MS = 30_000;

function perSecond(rate: number, timeUnitMs = 1000): string {
  return ((rate * 1000) / timeUnitMs).toFixed(2);
}

/** k6's getBaseInfo (lib/executor/base_config.go): `exec` when the script set it, `startTime` and `gracefulStop` when not zero. */
function baseInfo(s: ScenarioOptions, ...facts: string[]): string {
  if (s.exec !== undefined) facts.push(`exec: ${s.exec}`);
  if ((s.startTimeMs ?? 0) > 0) facts.push(`startTime: ${formatDuration(s.startTimeMs ?? 0)}`);
  const grace = s.gracefulStopMs ?? GRACEFUL_DEFAULT_MS;
  if (grace > 0) facts.push(`gracefulStop: ${formatDuration(grace)}`);
  return facts.length ? ` (${facts.join(', ')})` : '';
}

function scenarioLine(s: ScenarioOptions): string {
  const maxDuration = formatDuration(s.durationMs ?? MAX_DURATION_DEFAULT_MS);
  // k6 prints `maxVUs: pre` and adds `-max` only when maxVUs is above preAllocatedVUs.
  const pre = s.preAllocatedVus ?? 0;
  const pool = `maxVUs: ${pre}${(s.maxVus ?? pre) > pre ? `-${s.maxVus}` : ''}`;
  switch (s.executor) {
    case 'constant-vus':
      return `${s.vus} looping VUs for ${formatDuration(s.durationMs ?? 0)}${baseInfo(s)}`;
    case 'shared-iterations':
      return `${s.iterations} iterations shared among ${s.vus} VUs${baseInfo(s, `maxDuration: ${maxDuration}`)}`;
    case 'per-vu-iterations':
      return `${s.iterations ?? 1} iterations for each of ${s.vus} VUs${baseInfo(s, `maxDuration: ${maxDuration}`)}`;
    case 'ramping-vus': {
      const stages = s.stages ?? [];
      const peak = Math.max(s.vus, ...stages.map((st) => st.target));
      const total = stages.reduce((t, st) => t + st.durationMs, 0);
      return `Up to ${peak} looping VUs for ${formatDuration(total)} over ${stages.length} stages${baseInfo(s, `gracefulRampDown: ${formatDuration(s.gracefulRampDownMs ?? GRACEFUL_DEFAULT_MS)}`)}`;
    }
    case 'constant-arrival-rate':
      return `${perSecond(s.rate ?? 0, s.timeUnitMs)} iterations/s for ${formatDuration(s.durationMs ?? 0)}${baseInfo(s, pool)}`;
    case 'ramping-arrival-rate': {
      const stages = s.stages ?? [];
      const peak = Math.max(s.startRate ?? 0, ...stages.map((st) => st.target));
      const total = stages.reduce((t, st) => t + st.durationMs, 0);
      return `Up to ${perSecond(peak, s.timeUnitMs)} iterations/s for ${formatDuration(total)} over ${stages.length} stages${baseInfo(s, pool)}`;
    }
    default:
      // k6's externally-controlled description has no base info.
      return `Externally controlled execution with ${s.vus} VUs, ${s.maxVus ?? s.vus} max VUs, ${formatDuration(s.durationMs ?? 0)} duration`;
  }
}

/** The most VUs a scenario may hold at once (k6 counts arrival-rate maxVUs too). */
function maxVusOf(s: ScenarioOptions): number {
  const stagePeak = s.executor === 'ramping-vus' ? (s.stages ?? []).map((st) => st.target) : [];
  return Math.max(s.maxVus ?? s.vus, ...stagePeak);
}

/** From its startTime to the end of its schedule and its graceful stop (and ramp-down). */
function spanOf(s: ScenarioOptions): { start: number; end: number } {
  const stagesMs = (s.stages ?? []).reduce((t, st) => t + st.durationMs, 0);
  const scheduleMs = s.stages?.length ? stagesMs + (s.executor === 'ramping-vus' ? (s.gracefulRampDownMs ?? GRACEFUL_DEFAULT_MS) : 0) : (s.durationMs ?? MAX_DURATION_DEFAULT_MS);
  const start = s.startTimeMs ?? 0;
  return { start, end: start + scheduleMs + (s.gracefulStopMs ?? GRACEFUL_DEFAULT_MS) };
}

/**
 * k6's `max VUs` (lib.GetMaxPossibleVUs): the most VUs needed at any one time, so scenarios
 * that never overlap do not add up. Each scenario counts its peak over its whole span (k6's
 * plan steps a ramp down within it, so for ramping-vus that overlap k6 can print less).
 */
function maxPossibleVus(scenarios: ScenarioOptions[]): number {
  const events = scenarios.flatMap((s) => {
    const { start, end } = spanOf(s);
    return [
      { at: start, vus: maxVusOf(s) },
      { at: end, vus: -maxVusOf(s) },
    ];
  });
  // At the same instant a scenario that ends frees its VUs before one that starts takes them.
  events.sort((a, b) => a.at - b.at || a.vus - b.vus);
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.vus;
    most = Math.max(most, now);
  }
  return most;
}

export function banner(o: EngineOptions, apiUrl: string | null, script?: string): string {
  const scenarios = scenariosOf(o);
  // k6 rounds the whole test's duration to 100 ms (cmd/ui.go).
  const limit = Math.round(Math.max(...scenarios.map((s) => spanOf(s).end)) / 100) * 100;
  const count = scenarios.length === 1 ? '1 scenario' : `${scenarios.length} scenarios`;
  return [
    '',
    '     execution: local',
    script ? `        script: ${script}` : `        target: ${o.method ?? 'GET'} ${o.url}`,
    `      REST API: ${apiUrl ?? 'disabled'}`,
    '',
    `     scenarios: (100.00%) ${count}, ${maxPossibleVus(scenarios)} max VUs, ${formatDuration(limit)} max duration (incl. graceful stop):`,
    ...scenarios.map((s) => `              * ${s.name}: ${scenarioLine(s)}`),
    '',
  ].join('\n');
}
