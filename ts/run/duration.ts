/**
 * k6's duration syntax (Go's time.ParseDuration plus `d`, and a bare number meaning seconds):
 * `10s`, `1m30s`, `1.5h`, `500ms`, `2d`, `30`.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseDuration(text: string): number {
  const input = text.trim();
  if (/^\d+(\.\d+)?$/.test(input)) return Number(input) * 1000;
  const part = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < input.length) {
    part.lastIndex = pos;
    const m = part.exec(input);
    if (!m) throw new Error(`invalid duration "${text}": expected a number and a unit (ms, s, m, h), like 10s or 1m30s`);
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = part.lastIndex;
  }
  if (pos === 0) throw new Error(`invalid duration "${text}": empty`);
  return total;
}

/**
 * k6 prints durations in the scenario banner with Go's time.Duration.String: 10s, 1m30s,
 * 1h0m0s, 1m30.5s, 300ms, 1.5ms, 0s.
 */
export function formatDuration(ms: number): string {
  const ns = Math.round(Math.abs(ms) * 1e6);
  const sign = ms < 0 && ns > 0 ? '-' : '';
  const fraction = (n: number, digits: number) => {
    const text = String(n).padStart(digits, '0').replace(/0+$/, '');
    return text ? `.${text}` : '';
  };
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${Math.floor(ns / 1e3)}${fraction(ns % 1e3, 3)}µs`;
  if (ns < 1e9) return `${sign}${Math.floor(ns / 1e6)}${fraction(ns % 1e6, 6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const sNs = ns % 6e10;
  const seconds = `${Math.floor(sNs / 1e9)}${fraction(sNs % 1e9, 9)}s`;
  if (h > 0) return `${sign}${h}h${m}m${seconds}`;
  if (m > 0) return `${sign}${m}m${seconds}`;
  return `${sign}${seconds}`;
}
