/**
 * k6 options (the script's `options` export, overridden by command-line flags as k6 does) to
 * the engine's scenario (spec §11).
 */
import type { EngineOptions } from '../native';
import { parseDuration } from './duration';
import { ConfigError } from './plan';

type Options = Record<string, unknown>;

function durationMs(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new ConfigError(`invalid ${name}: expected a duration like "30s"`);
  try {
    return parseDuration(value);
  } catch (e) {
    throw new ConfigError(`invalid ${name}: ${(e as Error).message}`);
  }
}

function count(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ConfigError(`invalid ${name}: expected a whole number, got ${JSON.stringify(value)}`);
  return value;
}

const SUPPORTED_EXECUTORS = [
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'externally-controlled',
  'shared-iterations',
  'per-vu-iterations',
];

/** k6 stages: `[{duration: '30s', target: 10}, ...]`. */
export function parseStages(value: unknown, name: string): Array<{ durationMs: number; target: number }> {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(`invalid ${name}: expected a list of {duration, target}`);
  return value.map((stage: unknown, i) => {
    const s = stage as { duration?: unknown; target?: unknown };
    const durationMsValue = durationMs(s?.duration, `${name}[${i}].duration`);
    if (durationMsValue === undefined) throw new ConfigError(`invalid ${name}[${i}]: the duration is missing`);
    const target = count(s?.target ?? 0, `${name}[${i}].target`) ?? 0;
    return { durationMs: durationMsValue, target };
  });
}

/** The most VUs a scenario can have at once: what sizes the script workers. */
export function poolSize(engine: ScriptScenario['engine']): number {
  const stagePeak = Math.max(0, ...(engine.stages ?? []).map((s) => s.target));
  switch (engine.executor) {
    case 'ramping-vus':
      return Math.max(engine.vus, stagePeak, 1);
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return Math.max(engine.maxVus ?? 0, engine.preAllocatedVus ?? 0, 1);
    default:
      return Math.max(engine.maxVus ?? engine.vus, 1);
  }
}

export interface ScriptScenario {
  engine: Omit<EngineOptions, 'scriptWorkers'>;
  exec: string;
  env: Record<string, string>;
}

function executorSpecific(executor: string, s: Options, at: string): Partial<ScriptScenario['engine']> {
  switch (executor) {
    case 'ramping-vus':
      return {
        vus: count(s.startVUs, `${at}.startVUs`) ?? 1,
        stages: parseStages(s.stages, `${at}.stages`),
        gracefulRampDownMs: durationMs(s.gracefulRampDown, `${at}.gracefulRampDown`) ?? 30_000,
      };
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const pre = count(s.preAllocatedVUs, `${at}.preAllocatedVUs`);
      return {
        vus: pre ?? 1,
        preAllocatedVus: pre,
        maxVus: count(s.maxVUs, `${at}.maxVUs`) ?? pre,
        timeUnitMs: durationMs(s.timeUnit, `${at}.timeUnit`) ?? 1000,
        ...(executor === 'constant-arrival-rate'
          ? { rate: count(s.rate, `${at}.rate`), durationMs: durationMs(s.duration, `${at}.duration`) }
          : { startRate: count(s.startRate, `${at}.startRate`) ?? 0, stages: parseStages(s.stages, `${at}.stages`) }),
      };
    }
    default:
      return {};
  }
}

/** `shortcuts` are --vus/--duration/--iterations from the command line (they win over options). */
export function scenarioFromOptions(options: Options, shortcuts: { vus?: number; durationMs?: number; iterations?: number }): ScriptScenario {
  const scenarios = options.scenarios as Record<string, Options> | undefined;
  const hasShortcut = shortcuts.vus !== undefined || shortcuts.durationMs !== undefined || shortcuts.iterations !== undefined;
  if (scenarios && Object.keys(scenarios).length > 0 && !hasShortcut) {
    const names = Object.keys(scenarios);
    if (options.duration !== undefined || options.iterations !== undefined || options.stages !== undefined) {
      throw new ConfigError('using multiple execution config shortcuts (`duration`, `iterations`, `stages`) simultaneously with `scenarios` is not allowed');
    }
    if (names.length > 1) throw new ConfigError(`the script defines ${names.length} scenarios (${names.join(', ')}); volley runs one scenario per test so far`);
    const name = names[0];
    const s = scenarios[name];
    const executor = String(s.executor ?? '');
    if (!SUPPORTED_EXECUTORS.includes(executor)) {
      throw new ConfigError(`scenario ${name}: the executor "${executor}" is not supported yet (supported: ${SUPPORTED_EXECUTORS.join(', ')})`);
    }
    if (s.startTime !== undefined && durationMs(s.startTime, `scenarios.${name}.startTime`) !== 0) {
      throw new ConfigError(`scenario ${name}: startTime is not supported yet`);
    }
    const env = (s.env as Record<string, string> | undefined) ?? {};
    return {
      exec: typeof s.exec === 'string' ? s.exec : 'default',
      env,
      engine: {
        executor,
        scenarioName: name,
        vus: count(s.vus, `scenarios.${name}.vus`) ?? 1,
        maxVus: count(s.maxVUs, `scenarios.${name}.maxVUs`),
        durationMs: durationMs(executor.endsWith('iterations') ? s.maxDuration : s.duration, `scenarios.${name}.duration`),
        iterations: count(s.iterations, `scenarios.${name}.iterations`),
        gracefulStopMs: durationMs(s.gracefulStop, `scenarios.${name}.gracefulStop`) ?? 30_000,
        ...executorSpecific(executor, s, `scenarios.${name}`),
      },
    };
  }
  if (options.stages !== undefined && shortcuts.durationMs === undefined && shortcuts.iterations === undefined) {
    if (options.duration !== undefined || options.iterations !== undefined) {
      throw new ConfigError('using multiple execution config shortcuts (`duration`, `iterations`, `stages`) simultaneously is not allowed');
    }
    // k6: `stages` is ramping-vus, `vus` its startVUs.
    return {
      exec: 'default',
      env: {},
      engine: {
        executor: 'ramping-vus',
        scenarioName: 'default',
        vus: shortcuts.vus ?? count(options.vus, 'vus') ?? 1,
        stages: parseStages(options.stages, 'stages'),
        gracefulStopMs: 30_000,
        gracefulRampDownMs: 30_000,
      },
    };
  }
  const vus = shortcuts.vus ?? count(options.vus, 'vus') ?? 1;
  const duration = shortcuts.durationMs ?? durationMs(options.duration, 'duration');
  const iterations = shortcuts.iterations ?? count(options.iterations, 'iterations');
  if (vus < 1) throw new ConfigError('invalid vus: must be at least 1');
  // k6's shortcut mapping, as for --url runs.
  const engine: ScriptScenario['engine'] = { executor: 'per-vu-iterations', scenarioName: 'default', vus, iterations: 1, gracefulStopMs: 30_000 };
  if (iterations !== undefined) {
    engine.executor = 'shared-iterations';
    engine.iterations = iterations;
    if (duration !== undefined) engine.durationMs = duration;
    if (vus > iterations) throw new ConfigError(`invalid iterations ${iterations}: fewer than the ${vus} VUs`);
  } else if (duration !== undefined) {
    engine.executor = 'constant-vus';
    engine.durationMs = duration;
  }
  return { engine, exec: 'default', env: {} };
}
