/** The lines k6 prints before a run: execution, target, scenarios (as in k6's console). */
import type { EngineOptions } from '../native';
import { formatDuration } from './duration';

const MAX_DURATION_DEFAULT_MS = 600_000;

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
    default:
      return `Externally controlled execution with ${o.vus} VUs, ${o.maxVus ?? o.vus} max VUs, ${formatDuration(o.durationMs ?? 0)} duration`;
  }
}

export function banner(o: EngineOptions, apiUrl: string | null, script?: string): string {
  const maxVus = o.maxVus ?? o.vus;
  const limit = (o.durationMs ?? MAX_DURATION_DEFAULT_MS) + (o.gracefulStopMs ?? 30_000);
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
