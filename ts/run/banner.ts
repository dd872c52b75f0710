/** The lines k6 prints before a run: execution, target, scenarios (as in k6's console). */
import type { EngineOptions } from '../native';
import { formatDuration } from './duration';

const MAX_DURATION_DEFAULT_MS = 600_000;

function perSecond(rate: number, timeUnitMs = 1000): string {
  return ((rate * 1000) / timeUnitMs).toFixed(2);
}

function scenarioLine(o: EngineOptions): string {
  const grace = `gracefulStop: ${formatDuration(o.gracefulStopMs ?? 30_000)}`;
  const maxDuration = formatDuration(o.durationMs ?? MAX_DURATION_DEFAULT_MS);
  switch (o.executor) {
    case 'constant-vus':
      return `${o.vus} looping VUs for ${formatDuration(o.durationMs ?? 0)} (${grace})`;
    case 'shared-iterations':
      return `${o.iterations} iterations shared among ${o.vus} VUs (maxDuration: ${maxDuration}, ${grace})`;
    case 'per-vu-iterations':
      return `${o.iterations ?? 1} iterations for each of ${o.vus} VUs (maxDuration: ${maxDuration}, ${grace})`;
    case 'ramping-vus': {
      const stages = o.stages ?? [];
      const peak = Math.max(o.vus, ...stages.map((s) => s.target));
      const total = stages.reduce((t, s) => t + s.durationMs, 0);
      return `Up to ${peak} looping VUs for ${formatDuration(total)} over ${stages.length} stages (gracefulRampDown: ${formatDuration(o.gracefulRampDownMs ?? 30_000)}, ${grace})`;
    }
    case 'constant-arrival-rate':
      return `${perSecond(o.rate ?? 0, o.timeUnitMs)} iterations/s for ${formatDuration(o.durationMs ?? 0)} (maxVUs: ${o.preAllocatedVus ?? 0}-${o.maxVus ?? o.preAllocatedVus ?? 0}, ${grace})`;
    case 'ramping-arrival-rate': {
      const stages = o.stages ?? [];
      const peak = Math.max(o.startRate ?? 0, ...stages.map((s) => s.target));
      const total = stages.reduce((t, s) => t + s.durationMs, 0);
      return `Up to ${perSecond(peak, o.timeUnitMs)} iterations/s for ${formatDuration(total)} over ${stages.length} stages (maxVUs: ${o.preAllocatedVus ?? 0}-${o.maxVus ?? o.preAllocatedVus ?? 0}, ${grace})`;
    }
    default:
      return `Externally controlled execution with ${o.vus} VUs, ${o.maxVus ?? o.vus} max VUs, ${formatDuration(o.durationMs ?? 0)} duration`;
  }
}

export function banner(o: EngineOptions, apiUrl: string | null, script?: string): string {
  const maxVus = Math.max(o.maxVus ?? o.vus, ...(o.executor === 'ramping-vus' ? (o.stages ?? []).map((s) => s.target) : []));
  const stagesMs = (o.stages ?? []).reduce((t, s) => t + s.durationMs, 0);
  const scheduleMs = o.stages?.length ? stagesMs + (o.executor === 'ramping-vus' ? (o.gracefulRampDownMs ?? 30_000) : 0) : (o.durationMs ?? MAX_DURATION_DEFAULT_MS);
  const limit = scheduleMs + (o.gracefulStopMs ?? 30_000);
  return [
    '',
    '     execution: local',
    script ? `        script: ${script}` : `        target: ${o.method ?? 'GET'} ${o.url}`,
    `      REST API: ${apiUrl ?? 'disabled'}`,
    '',
    `     scenarios: (100.00%) 1 scenario, ${maxVus} max VUs, ${formatDuration(limit)} max duration (incl. graceful stop):`,
    `              * ${o.scenarioName ?? 'default'}: ${scenarioLine(o)}`,
    '',
  ].join('\n');
}
