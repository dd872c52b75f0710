/** `volley run script.js`: the script's options, overridden by flags, to a plan and a session. */
import { existsSync } from 'node:fs';
import type { EngineOptions } from '../native';
import { ConfigError, DEFAULT_LIFECYCLE, keyValues, parseEnv, parseShortcuts, sidePlan, type LifecyclePlan, type RunFlags, type RunPlan } from './plan';
import { toRequestList } from './requestList';
import { asSingleScenario, poolSize } from './scenarios';
import { durationMs, scenariosFromOptions, stringMap, type ScriptScenario } from './scriptPlan';
import { parseSegment, scaleScenario } from './segment';
import type { ScenarioSpec } from '../script/vu';
import { ScriptSession } from './scriptSession';
import { minIterationDurationMs, resolveHttpSettings, withOptionHeaders } from './httpOptions';
import { planThresholds, type PlannedThresholds } from './thresholdRun';
import { scriptSummarySettings } from './summaryOptions';

export interface ScriptRun {
  plan: RunPlan;
  /** Absent when every scenario is a declarative request list: no JS runs during the test. */
  session?: ScriptSession;
  thresholds: PlannedThresholds;
}

/** k6's check that every scenario's exec is runnable (js/bundle.go, validateScenarioConfig). */
function checkExec(scenario: ScriptScenario, exports: string[], lists: Record<string, unknown>, several: boolean): void {
  const { exec } = scenario;
  if (lists[exec] || exports.includes(exec)) return;
  if (!several && scenario.engine.exec === undefined) {
    throw new ConfigError('the script has no default function to run (export default function () { ... })');
  }
  throw new ConfigError(`executor ${scenario.engine.name}: function '${exec}' not found in exports`);
}

/**
 * k6 options volley does not apply (yet): a script that sets one is told so, once, instead of
 * running as if it had taken effect. Options only k6 Cloud reads (ext, cloud) are not listed.
 */
const UNAPPLIED_OPTIONS: Record<string, string> = {
  dns: 'requests resolve hostnames through the system resolver, with its own caching',
  rps: 'requests are not rate-limited; use an arrival-rate executor',
  httpDebug: 'requests and responses are not dumped',
  tlsVersion: 'TLS versions are rustls defaults (1.2 and 1.3)',
  tlsCipherSuites: "TLS cipher suites are rustls defaults",
  tlsAuth: 'no TLS client certificates are sent',
  localIPs: 'requests leave from the default local address',
  blockHostnames: 'no hostname is blocked',
  systemTags: "every system tag k6 enables by default is kept",
  consoleOutput: 'console output goes to stderr',
};

/**
 * k6's `hosts`: `{ "name": "IP" | "IP:port" }` (`*.name` for its subdomains) as the engine takes
 * them; the engine checks each address (Hosts::parse) before anything starts.
 */
function hostsOption(value: unknown): Array<{ name: string; value: string }> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError('invalid hosts: expected an object of hostname -> IP or IP:port');
  return Object.entries(value as Record<string, unknown>).map(([name, address]) => ({ name, value: typeof address === 'string' ? address : JSON.stringify(address) }));
}

/** Warnings for the options in UNAPPLIED_OPTIONS the script sets. */
function unappliedOptions(options: Record<string, unknown>): string[] {
  return Object.entries(UNAPPLIED_OPTIONS)
    .filter(([name]) => options[name] !== undefined && options[name] !== null && options[name] !== '')
    .map(([name, instead]) => `the option "${name}" is not supported by volley and is ignored: ${instead}`);
}

function lifecyclePlan(options: Record<string, unknown>, flags: RunFlags): LifecyclePlan {
  const one = (name: string, field: 'setupMs' | 'teardownMs'): number => {
    const ms = durationMs(options[name], name) ?? DEFAULT_LIFECYCLE[field];
    if (!(ms > 0)) throw new ConfigError(`invalid ${name}: it must be more than 0`);
    return ms;
  };
  return { setupMs: one('setupTimeout', 'setupMs'), teardownMs: one('teardownTimeout', 'teardownMs'), runSetup: flags.setup !== false, runTeardown: flags.teardown !== false };
}

export async function planScriptRun(scriptPath: string, flags: RunFlags): Promise<ScriptRun> {
  if (flags.url) throw new ConfigError('give either a script or --url, not both');
  if (!existsSync(scriptPath)) throw new ConfigError(`the script "${scriptPath}" does not exist`);
  if (!/\.(m?js|ts)$/.test(scriptPath)) throw new ConfigError(`the script "${scriptPath}" is not a .js, .mjs or .ts file`);
  const shortcuts = parseShortcuts(flags);
  const env = parseEnv(flags.env);
  const side = sidePlan(flags);
  const session = new ScriptSession(scriptPath, env);
  try {
    const info = await session.readScript();
    const scenarios = scenariosFromOptions(info.options, shortcuts);
    // --no-thresholds: none is evaluated, so none can fail the run (k6's exit 99).
    const thresholdOptions = flags.thresholds === false ? undefined : info.options.thresholds;
    const thresholds = planThresholds(thresholdOptions);
    const timeouts = lifecyclePlan(info.options, flags);
    const http = resolveHttpSettings(info.options, flags);
    const summary = scriptSummarySettings(flags, info.options);
    side.summaryTrendStats = summary.trendStats;
    side.summaryTimeUnit = summary.timeUnit;
    // k6's test-wide tags, under each scenario's own (js/runner.go: RunTags, then the scenario's).
    const runTags = { ...stringMap(info.options.tags, 'options.tags'), ...keyValues(flags.tag, '--tag', 'NAME') };
    const tagsOf = (s: ScriptScenario) => ({ ...runTags, ...s.tags });
    for (const s of scenarios) checkExec(s, info.exports, info.lists, scenarios.length > 1);
    // A scenario whose exec names an exported array runs it on the native fast path.
    const segment = flags.executionSegment === undefined ? undefined : parseSegment(flags.executionSegment, flags.executionSegmentSequence);
    const engineScenarios = scenarios.map((s) => {
      const list = info.lists[s.exec];
      const own = segment ? scaleScenario(s.engine, segment) : s.engine;
      // Native scenarios tag their samples in the engine; JS VUs send their tags themselves.
      const tags = Object.entries(tagsOf(s)).map(([name, value]) => ({ name, value }));
      return list ? { ...own, requests: toRequestList(s.exec, list).map((r) => ({ ...r, headers: withOptionHeaders(r.headers ?? [], http) })), tags } : own;
    });
    const js = scenarios.filter((s) => !info.lists[s.exec]);
    const engine: EngineOptions = {
      // The single-scenario fields describe the first scenario for what shows one (the progress).
      ...asSingleScenario(engineScenarios[0]),
      scenarios: engineScenarios,
      paused: flags.paused ?? false,
      insecureSkipTlsVerify: http.insecureSkipTLSVerify,
      thresholdKeys: thresholds.sets.map((s) => s.key),
      minIterationDurationMs: minIterationDurationMs(info.options, flags),
      noVuConnectionReuse: http.noVUConnectionReuse,
      hosts: hostsOption(info.options.hosts),
    };
    if (js.length === 0) {
      const lifecycle = ['setup', 'teardown', 'handleSummary'].filter((f) => info.exports.includes(f));
      if (lifecycle.length) {
        const names = scenarios.map((s) => `"${s.exec}"`).join(', ');
        const what = scenarios.length === 1 ? `the scenario runs the request list ${names}` : `the scenarios run the request lists ${names}`;
        throw new ConfigError(`${what} without JS, so ${lifecycle.join(', ')} would not run: remove them or use a function`);
      }
      await session.close();
      return { plan: { ...side, engine, warnings: unappliedOptions(info.options) }, thresholds };
    }
    const runs: ScenarioSpec[] = scenarios.map((s) => ({
      name: s.engine.name,
      executor: s.engine.executor,
      startTime: s.engine.startTimeMs ?? 0,
      exec: s.exec,
      // k6: the scenario's env over the run's (-e and the system environment).
      env: { ...env, ...s.env },
      tags: tagsOf(s),
    }));
    // The VUs k6 initialises up front: every scenario's pool, but only the pre-allocated VUs of
    // the arrival-rate ones (their others come when the rate needs them).
    const jsEngine = engineScenarios.filter((s) => !s.requests);
    const initialVus = jsEngine.reduce((n, s) => n + (s.executor.endsWith('arrival-rate') ? (s.preAllocatedVus ?? s.vus) : poolSize(s)), 0);
    session.configure({ scenarios: runs, vusMax: js.reduce((n, s) => n + poolSize(s.engine), 0), http, initialVus });
    engine.scriptWorkers = session.workerCount;
    const plan: RunPlan = {
      ...side,
      engine,
      warnings: unappliedOptions(info.options),
      script: { path: session.scriptPath, scenarios: runs, env, thresholds: thresholdOptions, timeouts },
    };
    return { plan, session, thresholds };
  } catch (e) {
    await session.close();
    throw e;
  }
}
