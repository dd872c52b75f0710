/**
 * k6 options (the script's `options` export, overridden by command-line flags as k6 does) to
 * the engine's scenarios (spec §11).
 */
import type { ScenarioOptions } from '../native';
import { parseDuration } from './duration';
import { ConfigError } from './plan';

type Options = Record<string, unknown>;

export function durationMs(value: unknown, name: string): number | undefined {
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

/** One scenario of a script run: what the engine runs and what the JS VUs need. */
export interface ScriptScenario {
  engine: ScenarioOptions;
  /** The exported function (or request list) its iterations run. */
  exec: string;
  /** The scenario's own `env` (the run's environment goes under it). */
  env: Record<string, string>;
  tags: Record<string, string>;
}

function executorSpecific(executor: string, s: Options, at: string): Partial<ScenarioOptions> {
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

/** k6's scenario names (lib/executor/base_config.go). */
const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;

/** `env` and `tags`: objects of strings (k6 refuses other values when it decodes them). */
export function stringMap(value: unknown, at: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`invalid ${at}: expected an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new ConfigError(`invalid ${at}.${k}: expected a string, got ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

function scenarioFromConfig(name: string, s: Options): ScriptScenario {
  const at = `scenarios.${name}`;
  if (!SCENARIO_NAME.test(name)) throw new ConfigError(`scenario "${name}": the executor name should contain only numbers, latin letters, underscores, and dashes`);
  if (!s || typeof s !== 'object') throw new ConfigError(`invalid ${at}: expected an object`);
  const executor = String(s.executor ?? '');
  if (!SUPPORTED_EXECUTORS.includes(executor)) {
    throw new ConfigError(`scenario ${name}: the executor "${executor}" is not supported yet (supported: ${SUPPORTED_EXECUTORS.join(', ')})`);
  }
  if (s.exec !== undefined && (typeof s.exec !== 'string' || s.exec === '')) throw new ConfigError(`scenario ${name}: exec value cannot be empty`);
  const startTimeMs = durationMs(s.startTime, `${at}.startTime`) ?? 0;
  if (startTimeMs < 0) throw new ConfigError(`scenario ${name}: the startTime can't be negative`);
  const gracefulStopMs = durationMs(s.gracefulStop, `${at}.gracefulStop`);
  if (gracefulStopMs !== undefined && gracefulStopMs < 0) throw new ConfigError(`scenario ${name}: the gracefulStop timeout can't be negative`);
  // k6 (ExternallyControlledConfig.Validate): such a VU only stops when it is told, never waits.
  if (executor === 'externally-controlled' && s.gracefulStop !== undefined) throw new ConfigError(`scenario ${name}: gracefulStop is not supported by the externally controlled executor`);
  return {
    exec: (s.exec as string | undefined) ?? 'default',
    env: stringMap(s.env, `${at}.env`),
    tags: stringMap(s.tags, `${at}.tags`),
    engine: {
      name,
      executor,
      exec: s.exec as string | undefined,
      startTimeMs,
      vus: count(s.vus, `${at}.vus`) ?? 1,
      maxVus: count(s.maxVUs, `${at}.maxVUs`),
      durationMs: durationMs(executor.endsWith('iterations') ? s.maxDuration : s.duration, `${at}.duration`),
      iterations: count(s.iterations, `${at}.iterations`),
      gracefulStopMs: gracefulStopMs ?? 30_000,
      ...executorSpecific(executor, s, at),
    },
  };
}

/**
 * The run's scenarios, in the order k6 keeps them: by startTime, then by name
 * (lib.ScenarioConfigs.GetSortedConfigs). That order is the engine's: the banner's, that of
 * /v1/scenarios, and what "the first scenario" means for PATCH /v1/status.
 *
 * `shortcuts` are --vus/--duration/--iterations from the command line: they win over options,
 * `scenarios` included, as in k6.
 */
export function scenariosFromOptions(options: Options, shortcuts: Shortcuts): ScriptScenario[] {
  const scenarios = options.scenarios as Record<string, Options> | undefined;
  const hasShortcut = shortcuts.vus !== undefined || shortcuts.durationMs !== undefined || shortcuts.iterations !== undefined || shortcuts.stages !== undefined;
  if (scenarios && Object.keys(scenarios).length > 0 && !hasShortcut) {
    if (options.duration !== undefined || options.iterations !== undefined || options.stages !== undefined) {
      throw new ConfigError('using multiple execution config shortcuts (`duration`, `iterations`, `stages`) simultaneously with `scenarios` is not allowed');
    }
    const list = Object.entries(scenarios).map(([name, s]) => scenarioFromConfig(name, s));
    return list.sort((a, b) => (a.engine.startTimeMs ?? 0) - (b.engine.startTimeMs ?? 0) || (a.engine.name < b.engine.name ? -1 : a.engine.name > b.engine.name ? 1 : 0));
  }
  return [shortcutScenario(options, shortcuts)];
}

/** --vus, --duration, --iterations and --stage from the command line: they win over `options`. */
export interface Shortcuts {
  vus?: number;
  durationMs?: number;
  iterations?: number;
  stages?: Array<{ durationMs: number; target: number }>;
}

function shortcutScenario(options: Options, shortcuts: Shortcuts): ScriptScenario {
  const base = { exec: 'default', env: {}, tags: {} };
  if (shortcuts.stages !== undefined || (options.stages !== undefined && shortcuts.durationMs === undefined && shortcuts.iterations === undefined)) {
    if (shortcuts.stages === undefined && (options.duration !== undefined || options.iterations !== undefined)) {
      throw new ConfigError('using multiple execution config shortcuts (`duration`, `iterations`, `stages`) simultaneously is not allowed');
    }
    // k6: `stages` is ramping-vus, `vus` its startVUs.
    return {
      ...base,
      engine: {
        executor: 'ramping-vus',
        name: 'default',
        vus: shortcuts.vus ?? count(options.vus, 'vus') ?? 1,
        stages: shortcuts.stages ?? parseStages(options.stages, 'stages'),
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
  const engine: ScenarioOptions = { executor: 'per-vu-iterations', name: 'default', vus, iterations: 1, gracefulStopMs: 30_000 };
  if (iterations !== undefined) {
    engine.executor = 'shared-iterations';
    engine.iterations = iterations;
    if (duration !== undefined) engine.durationMs = duration;
    if (vus > iterations) throw new ConfigError(`invalid iterations ${iterations}: fewer than the ${vus} VUs`);
  } else if (duration !== undefined) {
    engine.executor = 'constant-vus';
    engine.durationMs = duration;
  }
  return { ...base, engine };
}
