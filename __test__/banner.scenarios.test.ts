/** The scenario lines of the banner, as k6 prints them (cmd/ui.go and each executor's description). */
import type { EngineOptions, ScenarioOptions } from '../ts/native';
import { banner } from '../ts/run/banner';
import { formatDuration } from '../ts/run/duration';

function scenarioLines(scenarios: ScenarioOptions[]): string[] {
  const options: EngineOptions = { executor: scenarios[0].executor, vus: scenarios[0].vus, scriptWorkers: 1, scenarios };
  const lines = banner(options, null, 'test.js').split('\n');
  const at = lines.findIndex((l) => l.includes('scenarios: ('));
  return lines.slice(at, at + 1 + scenarios.length);
}

describe('banner', () => {
  test('one line per scenario, and the VUs of overlapping scenarios add up', () => {
    expect(
      scenarioLines([
        { name: 'ramp', executor: 'ramping-vus', vus: 0, stages: [{ durationMs: 10_000, target: 20 }], gracefulRampDownMs: 5000, gracefulStopMs: 30_000 },
        { name: 'car', executor: 'constant-arrival-rate', vus: 5, rate: 30, timeUnitMs: 60_000, durationMs: 90_500, preAllocatedVus: 5, maxVus: 50, exec: 'api', startTimeMs: 1500, gracefulStopMs: 30_000 },
        { name: 'rar', executor: 'ramping-arrival-rate', vus: 2, startRate: 0, timeUnitMs: 1000, stages: [{ durationMs: 5000, target: 10 }], preAllocatedVus: 2, maxVus: 2, gracefulStopMs: 0 },
        { name: 'ext', executor: 'externally-controlled', vus: 1, maxVus: 3, durationMs: 60_000, startTimeMs: 2000 },
      ]),
    ).toEqual([
      '     scenarios: (100.00%) 4 scenarios, 75 max VUs, 2m2s max duration (incl. graceful stop):',
      '              * ramp: Up to 20 looping VUs for 10s over 1 stages (gracefulRampDown: 5s, gracefulStop: 30s)',
      '              * car: 0.50 iterations/s for 1m30.5s (maxVUs: 5-50, exec: api, startTime: 1.5s, gracefulStop: 30s)',
      '              * rar: Up to 10.00 iterations/s for 5s over 1 stages (maxVUs: 2)',
      '              * ext: Externally controlled execution with 1 VUs, 3 max VUs, 1m0s duration',
    ]);
  });

  test('durations print as Go prints them', () => {
    expect([0, 300, 1.5, 1500, 60_000, 90_500, 3_600_000, 630_300].map(formatDuration)).toEqual(['0s', '300ms', '1.5ms', '1.5s', '1m0s', '1m30.5s', '1h0m0s', '10m30.3s']);
  });
});
