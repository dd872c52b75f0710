/** k6's log lines on stderr (logfmt), shared by script workers: console.* and script errors. */
export type Level = 'debug' | 'info' | 'warning' | 'error';

export function logLine(level: Level, msg: string, source?: string, fields: Record<string, string> = {}): string {
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('');
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}${extra}${source ? ` source=${source}` : ''}\n`;
}

/** Where this thread's log lines go (stderr through the worker's writer; see installConsole). */
let sink: (line: string) => void = (line) => process.stderr.write(line);

/** A log line of volley's own from script code, as k6's logger writes them (e.g. "Request Failed"). */
export function logEvent(level: Level, msg: string, fields: Record<string, string> = {}): void {
  sink(logLine(level, msg, undefined, fields));
}

function format(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.stack ?? a.message;
      try {
        return JSON.stringify(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

/** k6 prints console output as log lines with source=console. */
export function installConsole(write: (line: string) => void): void {
  sink = write;
  const to = (level: Level) => (...args: unknown[]) => write(logLine(level, format(args), 'console'));
  console.log = to('info');
  console.info = to('info');
  console.warn = to('warning');
  console.error = to('error');
  console.debug = () => {};
}

/**
 * The stack without volley's and Node's own frames, as k6 shows only the script's: user modules
 * are ES modules loaded from file: URLs, the runtime is CommonJS with plain paths.
 */
function userFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !/^\s+at /.test(line) || line.includes('file://'))
    .join('\n');
}

/** An exception in an iteration: logged with its stack (the user's file:line:col), not fatal. */
export function errorLine(e: unknown): string {
  const text = e instanceof Error ? (e.stack ? userFrames(e.stack) : `${e.name}: ${e.message}`) : `Uncaught (in promise) ${String(e)}`;
  return logLine('error', text.replace(/\?vu=\d+/g, ''), 'stacktrace');
}
