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

/** k6's way of printing a duration in the scenario banner: 10s, 1m30s, 1h0m0s, 500ms. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
