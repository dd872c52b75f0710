/**
 * From `volley run` flags to a validated plan: the engine options (k6's shortcut options mapped
 * to a scenario exactly as k6 maps them, spec §11) and the run's side settings.
 */
import type { EngineOptions } from '../native';
import { isLoopbackHost } from '../api/guards';
import { parseAddress, type ApiAddress } from '../api/server';
import { parseDuration } from './duration';
import { minIterationDurationMs, resolveHttpSettings, withOptionHeaders } from './httpOptions';
import type { ScenarioSpec } from '../script/vu';
import { OutputSpecError, parseOutputSpecs, type OutputTarget } from '../output/spec';
import { summarySettings } from './summaryOptions';

/** Bad options: k6's exit code 104 (InvalidConfig); nothing has started. */
export class ConfigError extends Error {}

/** setup() and teardown(): k6's setupTimeout and teardownTimeout (in ms), and --no-setup / --no-teardown. */
export interface LifecyclePlan {
  setupMs: number;
  teardownMs: number;
  runSetup: boolean;
  runTeardown: boolean;
}

/** k6's defaults: 60 s for each, both run. */
export const DEFAULT_LIFECYCLE: LifecyclePlan = { setupMs: 60_000, teardownMs: 60_000, runSetup: true, runTeardown: true };

export interface RunFlags {
  url?: string;
  /** `-e KEY=VALUE` (repeatable): script environment (__ENV), over the process environment. */
  env?: string[];
  method?: string;
  header?: string[];
  body?: string;
  vus?: string;
  duration?: string;
  iterations?: string;
  /** `--stage 30s:10` (repeatable): ramping-vus stages. */
  stage?: string[];
  timeout?: string;
  insecureSkipTlsVerify?: boolean;
  address?: string;
  summaryExport?: string;
  summaryTrendStats?: string;
  /** `--summary-time-unit s|ms|us`. */
  summaryTimeUnit?: string;
  summaryMode?: string;
  summary?: boolean;
  quiet?: boolean;
  paused?: boolean;
  linger?: boolean;
  apiToken?: string;
  apiInsecure?: boolean;
  /** `--out TYPE=FILE` (repeatable): json, csv. */
  out?: string[];
  /** `--junit FILE`: thresholds and checks as JUnit XML. */
  junit?: string;
  /** k6's execution segments: this instance's share of the test. */
  executionSegment?: string;
  executionSegmentSequence?: string;
  /** k6's HTTP and iteration options (see httpOptions.ts); over the script's options. */
  userAgent?: string;
  discardResponseBodies?: boolean;
  maxRedirects?: string;
  throw?: boolean;
  /** `--no-connection-reuse` (commander's negation: false when given). */
  connectionReuse?: boolean;
  /** `--no-vu-connection-reuse` (false when given). */
  vuConnectionReuse?: boolean;
  batch?: string;
  batchPerHost?: string;
  minIterationDuration?: string;
  /** `--no-thresholds`, `--no-setup`, `--no-teardown` (commander's negations: false when given). */
  thresholds?: boolean;
  setup?: boolean;
  teardown?: boolean;
  /** `--tag NAME=VALUE` (repeatable): tags of every sample, over the script's `options.tags`. */
  tag?: string[];
}

export type SummaryMode = 'compact' | 'full' | 'legacy';

export interface RunPlan {
  engine: EngineOptions;
  /** Set for a script run: what the script session needs. */
  script?: { path: string; scenarios: ScenarioSpec[]; env: Record<string, string>; thresholds: unknown; timeouts: LifecyclePlan };
  /** null: the REST API is disabled (`--address ""`). */
  address: ApiAddress | null;
  /** Said once before the test starts (k6 options the script sets that volley does not apply). */
  warnings?: string[];
  /** k6 exits 106 when an explicit address cannot be bound, and only warns for the default. */
  addressExplicit: boolean;
  /** Bearer token every /v1/ request must carry (`--api-token` or VOLLEY_API_TOKEN). */
  apiToken?: string;
  /** Bound to a non-loopback address (then a token or --api-insecure was required). */
  apiExposed: boolean;
  summaryExport?: string;
  summaryTrendStats: string[];
  /** '' = automatic; 's', 'ms' or 'us' from the flag, or anything the script's option says. */
  summaryTimeUnit: string;
  summaryMode: SummaryMode | 'disabled';
  quiet: boolean;
  linger: boolean;
  /** Sample outputs (`--out`), written by the engine. */
  outputs: OutputTarget[];
  junit?: string;
}

export const DEFAULT_ADDRESS = '127.0.0.1:6565';
const GRACEFUL_STOP_MS = 30_000;

function positiveInt(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`invalid ${name} "${text}": expected a whole number`);
  const n = Number(text);
  if (n < min || n > 0xffffffff) throw new ConfigError(`invalid ${name} ${text}: must be at least ${min}`);
  return n;
}

function duration(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw new ConfigError(`invalid ${name}: ${(e as Error).message}`);
  }
}

function parseUrl(text: string | undefined): string {
  if (!text) throw new ConfigError('no target: give --url http://host:port/path');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`invalid --url "${text}": not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`invalid --url "${text}": the scheme must be http or https`);
  }
  if (!url.hostname) throw new ConfigError(`invalid --url "${text}": no host`);
  return text;
}

function parseHeader(text: string): { name: string; value: string } {
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim() : '';
  if (!name || /[\s:]/.test(name)) {
    throw new ConfigError(`invalid --header "${text}": expected "Name: value"`);
  }
  return { name, value: text.slice(i + 1).trim() };
}

/** --vus, --duration and --iterations, validated (k6's shortcut options). */
export function parseShortcuts(flags: RunFlags): { vus?: number; durationMs?: number; iterations?: number; stages?: Array<{ durationMs: number; target: number }> } {
  const vus = flags.vus === undefined ? undefined : positiveInt('--vus', flags.vus, 1);
  const durationMs = flags.duration === undefined ? undefined : duration('--duration', flags.duration);
  const iterations = flags.iterations === undefined ? undefined : positiveInt('--iterations', flags.iterations, 1);
  if (durationMs !== undefined && durationMs <= 0 && iterations === undefined) {
    throw new ConfigError(`invalid --duration "${flags.duration}": must be more than 0`);
  }
  const stages = flags.stage?.map((text) => {
    const m = /^(.+):(\d+)$/.exec(text.trim());
    if (!m) throw new ConfigError(`invalid --stage "${text}": expected duration:target, like 30s:10`);
    return { durationMs: duration('--stage', m[1]), target: Number(m[2]) };
  });
  if (stages && (durationMs !== undefined || iterations !== undefined)) {
    throw new ConfigError('using multiple execution config shortcuts (--duration, --iterations, --stage) simultaneously is not allowed');
  }
  return { vus, durationMs, iterations, stages };
}

/** `-e KEY=VALUE` over the process environment (k6 includes the system environment by default). */
export function parseEnv(pairs: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...keyValues(pairs, '-e', 'KEY') };
}

/** Repeated `NAME=VALUE` flags (`-e`, `--tag`) as a map; `key` names the left side in the error. */
export function keyValues(pairs: string[] = [], flag: string, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new ConfigError(`invalid ${flag} "${pair}": expected ${key}=VALUE`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function planRun(flags: RunFlags): RunPlan {
  if (flags.executionSegment !== undefined) throw new ConfigError('--execution-segment splits a script run between instances; give a script');
  const url = parseUrl(flags.url);
  const { vus, durationMs, iterations, stages } = parseShortcuts(flags);
  const engine: EngineOptions = {
    url,
    method: (flags.method ?? 'GET').toUpperCase(),
    headers: withOptionHeaders((flags.header ?? []).map(parseHeader), resolveHttpSettings({}, flags)),
    body: flags.body,
    executor: 'per-vu-iterations',
    scenarioName: 'default',
    vus: vus ?? 1,
    gracefulStopMs: GRACEFUL_STOP_MS,
    insecureSkipTlsVerify: flags.insecureSkipTlsVerify ?? false,
    paused: flags.paused ?? false,
    minIterationDurationMs: minIterationDurationMs({}, flags),
    noVuConnectionReuse: flags.vuConnectionReuse === false,
  };
  if (!/^[A-Z]+$/.test(engine.method ?? '')) throw new ConfigError(`invalid --method "${flags.method}"`);
  if (flags.timeout !== undefined) engine.timeoutMs = duration('--timeout', flags.timeout);
  // k6's shortcut mapping: iterations (with duration as maxDuration) -> shared-iterations;
  // duration -> constant-vus; neither -> per-vu-iterations, 1 iteration per VU.
  if (stages !== undefined) {
    engine.executor = 'ramping-vus';
    engine.stages = stages;
    engine.gracefulRampDownMs = GRACEFUL_STOP_MS;
  } else if (iterations !== undefined) {
    engine.executor = 'shared-iterations';
    engine.iterations = iterations;
    if (durationMs !== undefined) engine.durationMs = durationMs;
    if (engine.vus > iterations) {
      throw new ConfigError(`invalid --iterations ${iterations}: fewer than the ${engine.vus} VUs`);
    }
  } else if (durationMs !== undefined) {
    engine.executor = 'constant-vus';
    engine.durationMs = durationMs;
  } else {
    engine.iterations = 1;
  }

  return { engine, ...sidePlan(flags) };
}

function outputTargets(specs: string[] | undefined): OutputTarget[] {
  try {
    return parseOutputSpecs(specs);
  } catch (e) {
    if (e instanceof OutputSpecError) throw new ConfigError(e.message);
    throw e;
  }
}

function summaryFields(flags: RunFlags): Pick<RunPlan, 'summaryTrendStats' | 'summaryTimeUnit'> {
  const { trendStats, timeUnit } = summarySettings(flags);
  return { summaryTrendStats: trendStats, summaryTimeUnit: timeUnit };
}

/** The settings every run shares: REST API, summary, output. */
export function sidePlan(flags: RunFlags): Omit<RunPlan, 'engine' | 'script'> {
  const addressText = flags.address ?? DEFAULT_ADDRESS;
  let address: ApiAddress | null = null;
  if (addressText !== '') {
    try {
      address = parseAddress(addressText);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  const apiToken = flags.apiToken ?? (process.env.VOLLEY_API_TOKEN || undefined);
  const apiExposed = address !== null && !isLoopbackHost(address.host);
  if (apiExposed && !apiToken && !flags.apiInsecure) {
    throw new ConfigError(
      `the REST API on ${addressText} would be reachable from the network: give --api-token (or VOLLEY_API_TOKEN), or --api-insecure to accept that`,
    );
  }
  const mode = flags.summary === false ? 'disabled' : (flags.summaryMode ?? 'compact');
  if (!['compact', 'full', 'legacy', 'disabled'].includes(mode)) {
    throw new ConfigError(`invalid --summary-mode "${mode}": use compact, full, legacy or disabled`);
  }
  return {
    address,
    addressExplicit: flags.address !== undefined,
    apiToken,
    apiExposed,
    summaryExport: flags.summaryExport,
    ...summaryFields(flags),
    summaryMode: mode as RunPlan['summaryMode'],
    quiet: flags.quiet ?? false,
    linger: flags.linger ?? false,
    outputs: outputTargets(flags.out),
    junit: flags.junit,
  };
}
