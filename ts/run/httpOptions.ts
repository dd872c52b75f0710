/**
 * k6's run-wide HTTP and iteration options (lib/options.go), from the script's `options` and,
 * over them, the `volley run` flags of the same name, as k6 merges them. Checked before anything
 * starts: a value of the wrong type is a config error (k6's exit code 104).
 */
import { ConfigError, type RunFlags } from './plan';
import { durationMs } from './scriptPlan';

export interface HttpSettings {
  /** The User-Agent header of requests that set none; "" sends none; undefined: volley's own. */
  userAgent?: string;
  /** Responses are read but not kept: `res.body` is null unless a request asks for a type. */
  discardResponseBodies: boolean;
  /** Redirects followed when a request does not say (`params.redirects`). */
  maxRedirects: number;
  /** A failed request (connection error, timeout) throws instead of returning its response. */
  throw: boolean;
  /** No keep-alive at all: every request on a new connection. */
  noConnectionReuse: boolean;
  /** Keep-alive within an iteration only: a VU's connections close when its iteration ends. */
  noVUConnectionReuse: boolean;
  /** http.batch: requests in flight at once, in all and per host. */
  batch: number;
  batchPerHost: number;
  /** Any TLS certificate is accepted. */
  insecureSkipTLSVerify: boolean;
}

/** The flags `volley run` takes for these options (k6's names). */
export type HttpFlags = Pick<RunFlags, 'insecureSkipTlsVerify' | 'userAgent' | 'discardResponseBodies' | 'maxRedirects' | 'throw' | 'connectionReuse' | 'vuConnectionReuse' | 'batch' | 'batchPerHost' | 'minIterationDuration'>;

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  discardResponseBodies: false,
  maxRedirects: 10,
  throw: false,
  noConnectionReuse: false,
  noVUConnectionReuse: false,
  batch: 20,
  batchPerHost: 6,
  insecureSkipTLSVerify: false,
};

function bool(options: Record<string, unknown>, name: keyof HttpSettings & string, flag: boolean | undefined): boolean {
  if (flag) return true;
  const value = options[name];
  if (value === undefined || value === null) return DEFAULT_HTTP_SETTINGS[name] as boolean;
  if (typeof value !== 'boolean') throw new ConfigError(`invalid ${name}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

function whole(options: Record<string, unknown>, name: 'maxRedirects' | 'batch' | 'batchPerHost', flag: string | undefined, flagName: string): number {
  if (flag !== undefined) {
    const n = Number(flag);
    if (!/^\d+$/.test(flag.trim()) || !Number.isSafeInteger(n)) throw new ConfigError(`invalid ${flagName} "${flag}": expected a whole number`);
    if (name === 'batch' && n < 1) throw new ConfigError('invalid --batch: it must be at least 1');
    return n;
  }
  const value = options[name];
  if (value === undefined || value === null) return DEFAULT_HTTP_SETTINGS[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ConfigError(`invalid ${name}: expected a whole number, got ${JSON.stringify(value)}`);
  // k6 runs a batch with `batch` workers: none would run nothing.
  if (name === 'batch' && value < 1) throw new ConfigError('invalid batch: it must be at least 1');
  return value;
}

export function resolveHttpSettings(options: Record<string, unknown>, flags: HttpFlags): HttpSettings {
  let userAgent: string | undefined = flags.userAgent;
  if (userAgent === undefined && options.userAgent !== undefined && options.userAgent !== null) {
    if (typeof options.userAgent !== 'string') throw new ConfigError(`invalid userAgent: expected a string, got ${JSON.stringify(options.userAgent)}`);
    userAgent = options.userAgent;
  }
  const settings: HttpSettings = {
    discardResponseBodies: bool(options, 'discardResponseBodies', flags.discardResponseBodies),
    maxRedirects: whole(options, 'maxRedirects', flags.maxRedirects, '--max-redirects'),
    throw: bool(options, 'throw', flags.throw),
    noConnectionReuse: bool(options, 'noConnectionReuse', flags.connectionReuse === false),
    noVUConnectionReuse: bool(options, 'noVUConnectionReuse', flags.vuConnectionReuse === false),
    batch: whole(options, 'batch', flags.batch, '--batch'),
    batchPerHost: whole(options, 'batchPerHost', flags.batchPerHost, '--batch-per-host'),
    insecureSkipTLSVerify: bool(options, 'insecureSkipTLSVerify', flags.insecureSkipTlsVerify),
  };
  if (userAgent !== undefined) settings.userAgent = userAgent;
  return settings;
}

/** k6's minIterationDuration (ms; 0: none): a shorter iteration waits out the rest before the next. */
export function minIterationDurationMs(options: Record<string, unknown>, flags: HttpFlags): number {
  const ms = flags.minIterationDuration !== undefined ? durationMs(flags.minIterationDuration, '--min-iteration-duration') : durationMs(options.minIterationDuration, 'minIterationDuration');
  if (ms !== undefined && ms < 0) throw new ConfigError("invalid minIterationDuration: it can't be negative");
  return ms ?? 0;
}

type Header = { name: string; value: string };
const NO_HEADERS: readonly Header[] = [];

/**
 * The headers these options add to a request that does not set its own (`has(name)`: it does):
 * the User-Agent, and `Connection: close` for noConnectionReuse (what Go's transport sends with
 * keep-alives off). k6/http and the native requests (`--url`, request lists) both take them here.
 */
export function optionHeaders(settings: HttpSettings, has: (name: string) => boolean): readonly Header[] {
  if (settings.userAgent === undefined && !settings.noConnectionReuse) return NO_HEADERS;
  const out: Header[] = [];
  if (settings.userAgent !== undefined && !has('User-Agent')) out.push({ name: 'User-Agent', value: settings.userAgent });
  if (settings.noConnectionReuse && !has('Connection')) out.push({ name: 'Connection', value: 'close' });
  return out;
}

/** A native request's header list with optionHeaders after its own. */
export function withOptionHeaders(headers: Header[], settings: HttpSettings): Header[] {
  const extra = optionHeaders(settings, (name) => headers.some((h) => h.name.toLowerCase() === name.toLowerCase()));
  return extra.length ? [...headers, ...extra] : headers;
}
