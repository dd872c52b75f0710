/**
 * k6 reads its run options from `K6_*` environment variables too (lib/options.go `envconfig`
 * tags): above the script's options, below the command line. Here they fill the flags the
 * command line did not give, so they take the flags' checks and precedence.
 */
import { ConfigError, type RunFlags } from './plan';

type Env = Record<string, string | undefined>;

/** Flags that take a value, and the variable of each. */
const VALUE_VARS: Array<[keyof RunFlags, string]> = [
  ['vus', 'K6_VUS'],
  ['duration', 'K6_DURATION'],
  ['iterations', 'K6_ITERATIONS'],
  ['executionSegment', 'K6_EXECUTION_SEGMENT'],
  ['executionSegmentSequence', 'K6_EXECUTION_SEGMENT_SEQUENCE'],
  ['userAgent', 'K6_USER_AGENT'],
  ['maxRedirects', 'K6_MAX_REDIRECTS'],
  ['batch', 'K6_BATCH'],
  ['batchPerHost', 'K6_BATCH_PER_HOST'],
  ['minIterationDuration', 'K6_MIN_ITERATION_DURATION'],
  ['summaryTrendStats', 'K6_SUMMARY_TREND_STATS'],
  ['summaryTimeUnit', 'K6_SUMMARY_TIME_UNIT'],
  ['summaryExport', 'K6_SUMMARY_EXPORT'],
];

/**
 * Boolean flags: the flag's attribute, its variable, and whether the flag is a negation
 * (`--no-summary` sets `summary` to false; K6_NO_SUMMARY=true does the same).
 */
const BOOL_VARS: Array<[keyof RunFlags, string, boolean]> = [
  ['paused', 'K6_PAUSED', false],
  ['linger', 'K6_LINGER', false],
  ['insecureSkipTlsVerify', 'K6_INSECURE_SKIP_TLS_VERIFY', false],
  ['discardResponseBodies', 'K6_DISCARD_RESPONSE_BODIES', false],
  ['throw', 'K6_THROW', false],
  ['connectionReuse', 'K6_NO_CONNECTION_REUSE', true],
  ['vuConnectionReuse', 'K6_NO_VU_CONNECTION_REUSE', true],
  ['setup', 'K6_NO_SETUP', true],
  ['teardown', 'K6_NO_TEARDOWN', true],
  ['thresholds', 'K6_NO_THRESHOLDS', true],
  ['summary', 'K6_NO_SUMMARY', true],
];

/** Go's strconv.ParseBool, which envconfig uses. */
function parseBool(name: string, text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new ConfigError(`invalid ${name} "${text}": expected true or false`);
}

/**
 * `flags` with the K6_* variables of `env` for every flag the command line did not set
 * (`fromCli(key)`: whether it did). K6_STAGES is `30s:10,1m:0` as --stage takes them; K6_OUT one
 * output, as --out.
 */
export function withK6Env(flags: RunFlags, fromCli: (key: keyof RunFlags) => boolean, env: Env = process.env): RunFlags {
  const out: RunFlags = { ...flags };
  const set = <K extends keyof RunFlags>(key: K, value: RunFlags[K]) => {
    if (!fromCli(key)) out[key] = value;
  };
  for (const [key, name] of VALUE_VARS) {
    const text = env[name];
    if (text !== undefined) set(key, text as never);
  }
  for (const [key, name, negated] of BOOL_VARS) {
    const text = env[name];
    if (text !== undefined) set(key, (negated ? !parseBool(name, text) : parseBool(name, text)) as never);
  }
  if (env.K6_STAGES !== undefined) set('stage', env.K6_STAGES.split(',').filter((s) => s !== ''));
  if (env.K6_OUT !== undefined) set('out', [env.K6_OUT]);
  return out;
}
