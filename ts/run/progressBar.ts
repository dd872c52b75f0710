/**
 * k6's progress bars as text (k6 v0.49: ui/pb/progressbar.go, ui/pb/helpers.go, cmd/ui.go and
 * each executor's progressFn), from one sample of the engine. Pure: the live refresh is in
 * progress.ts.
 *
 * A block is an empty line, the run line (`running (01.0s), 2/2 VUs, 6 complete and 0
 * interrupted iterations`) and one bar per scenario (`steady   [  25% ] 2 VUs  2.0s/8s`). Off a
 * terminal the bar is k6's percentage form (`[  25% ]`); on a terminal it is a filling bar
 * (`[=====>-----]`) as wide as the terminal allows, at most 40 columns.
 */
import type { ScenarioOptions, StatusSnapshot } from '../native';
import { formatDuration } from './duration';

/** k6's pb.Status: the mark between a bar's name and its body. */
export type BarStatus = ' ' | '•' | '↓' | '✗' | '✓';

/** One line of a block: a bar, or text that replaces it (k6's pb.WithHijack). */
export type BarLine = { left: string; status: BarStatus; progress: number; right: string[] } | { text: string };

const DEFAULT_WIDTH = 40;
/** Bars this narrow or narrower are drawn as a percentage (k6's pb minWidth). */
const MIN_WIDTH = 8;
const MAX_LEFT = 30;
/** Columns kept free at the right edge of the terminal. */
const TERM_PADDING = 1;
/** k6's maxDuration of the iteration executors when none is given. */
const DEFAULT_MAX_DURATION_MS = 600_000;
const DEFAULT_GRACEFUL_STOP_MS = 30_000;

const FAINT = '\x1b[2m';
const STATUS_COLOR: Partial<Record<BarStatus, string>> = { '✓': '\x1b[32m', '✗': '\x1b[31m', '•': FAINT };
const RESET = '\x1b[0m';

/** Go's `%0Nd` with N the digit count of `max` (k6's pb.GetFixedLengthIntFormat). */
function fixedInt(n: number, max: number): string {
  return String(n).padStart(String(Math.max(0, Math.trunc(max))).length, '0');
}

/** Go's `%0N.2f` with N fitting `max` (k6's pb.GetFixedLengthFloatFormat with precision 2). */
function fixedFloat(v: number, max: number): string {
  const width = 1 + (max >= 10 ? Math.floor(Math.log10(max)) : 0) + 3;
  return v.toFixed(2).padStart(width, '0');
}

/** Go's `%3.f`: rounds half to even, as strconv does on the exact value. */
function percent(progress: number): string {
  const x = progress * 100;
  const floor = Math.floor(x);
  const frac = x - floor;
  const n = frac > 0.5 || (frac === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return `${String(n).padStart(3)}%`;
}

/**
 * A duration whose width depends only on `maxMs`, so that the line does not jump: `8.0s`,
 * `01.0s`, `0m01.0s`, `00m01.0s`, `1h00m01.0s` (k6's pb.GetFixedLengthDuration, tenths rounded).
 */
export function fixedLengthDuration(ms: number, maxMs: number): string {
  const d = Math.abs(ms);
  const max = Math.round(Math.max(Math.abs(maxMs), d) / 100) * 100;
  let u = Math.round(d / 100);
  const digit = (base: number): number => {
    const r = u % base;
    u = Math.floor(u / base);
    return r;
  };
  const tenths = digit(10);
  const s1 = digit(10);
  let out = `${s1}.${tenths}s`;
  if (max < 10_000) return out;
  out = `${digit(6)}${out}`;
  if (max < 60_000) return out;
  out = `${digit(10)}m${out}`;
  if (max < 600_000) return out;
  out = `${digit(6)}${out}`;
  if (max < 3_600_000) return out;
  const h = digit(24);
  if (max < 36_000_000) return `${h % 10}h${out}`;
  out = `${String(h).padStart(2, '0')}h${out}`;
  if (max < 86_400_000) return out;
  let days = String(digit(10));
  for (let powers = Math.floor(max / 864_000_000); powers > 0; powers = Math.floor(powers / 10)) days = `${digit(10)}${days}`;
  return `${days}d${out}`;
}

function stagesMs(o: ScenarioOptions): number {
  return (o.stages ?? []).reduce((t, s) => t + s.durationMs, 0);
}

/** How long the scenario runs before its graceful stop (k6's regular duration). */
export function regularDurationMs(o: ScenarioOptions): number {
  switch (o.executor) {
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return stagesMs(o);
    case 'shared-iterations':
    case 'per-vu-iterations':
      return o.durationMs ?? DEFAULT_MAX_DURATION_MS;
    default:
      return o.durationMs ?? 0;
  }
}

/** Where the scenario ends, graceful stop included, on the run's clock. */
function endMs(o: ScenarioOptions): number {
  const grace = o.executor === 'externally-controlled' ? 0 : (o.gracefulStopMs ?? DEFAULT_GRACEFUL_STOP_MS);
  return (o.startTimeMs ?? 0) + regularDurationMs(o) + grace;
}

/** The most VUs the scenario can have. */
export function scenarioMaxVus(o: ScenarioOptions): number {
  switch (o.executor) {
    case 'ramping-vus':
      return Math.max(o.vus, ...(o.stages ?? []).map((s) => s.target));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
    case 'externally-controlled':
      return Math.max(o.maxVus ?? 0, o.preAllocatedVus ?? 0, o.vus);
    default:
      return o.vus;
  }
}

/**
 * The run line's fixed widths: the time's from k6's "max duration (incl. graceful stop)", the VU
 * counts' from its max possible VUs (the most at any one moment, lib.GetMaxPossibleVUs).
 */
export function runWidths(scenarios: ScenarioOptions[]): { maxDurationMs: number; maxVus: number } {
  const events = scenarios.flatMap((o) => [
    { at: o.startTimeMs ?? 0, vus: scenarioMaxVus(o) },
    { at: endMs(o), vus: -scenarioMaxVus(o) },
  ]);
  // A scenario that ends frees its VUs before one that starts at the same moment takes them.
  events.sort((a, b) => a.at - b.at || a.vus - b.vus);
  let now = 0;
  let maxVus = 0;
  for (const e of events) maxVus = Math.max(maxVus, (now += e.vus));
  return { maxDurationMs: Math.max(0, ...scenarios.map(endMs)), maxVus };
}

function perSecond(o: ScenarioOptions, rate: number): number {
  return (rate * 1000) / (o.timeUnitMs ?? 1000);
}

/** ramping-arrival-rate's rate at `ms` into the scenario: linear within each stage. */
function rampedRate(o: ScenarioOptions, ms: number): number {
  let from = o.startRate ?? 0;
  let t = ms;
  for (const s of o.stages ?? []) {
    if (t < s.durationMs) return from + ((s.target - from) * t) / s.durationMs;
    t -= s.durationMs;
    from = s.target;
  }
  return from;
}

/** One scenario at one moment (the fields of the engine's `scenarios()` read here). */
export interface ScenarioSample {
  name: string;
  /** "waiting", "running" or "done". */
  state: string;
  vus: number;
  vusMax: number;
  /** Its completed iterations. */
  iterations: number;
  /** The arrival-rate executors' current rate, iterations per second. */
  rate?: number;
}

/** What the engine says at one moment. */
export interface ProgressSample {
  status: StatusSnapshot;
  /** Un-paused run time: the clock the engine's duration limits use. */
  elapsedMs: number;
  /** The `iterations` metric's count. */
  completed: number;
  /** Only known once the run is over; 0 before. */
  interrupted: number;
  /** Per scenario; without it, a single scenario reads the run-wide numbers. */
  scenarios?: ScenarioSample[];
}

/**
 * A scenario's progress (0..1) and right-hand columns as its k6 executor reports them, `spent`
 * milliseconds after the scenario started.
 */
export function scenarioColumns(o: ScenarioOptions, live: ScenarioSample, spent: number): { progress: number; right: string[] } {
  const regular = regularDurationMs(o);
  const regularText = formatDuration(regular);
  const over = spent > regular;
  const spentOf = (denominator = regularText) => `${fixedLengthDuration(spent, regular)}/${denominator}`;
  const timeShare = regular > 0 ? Math.min(1, spent / regular) : 0;
  const maxVus = scenarioMaxVus(o);
  switch (o.executor) {
    case 'constant-vus':
      return { progress: over ? 1 : timeShare, right: [`${o.vus} VUs`, over ? regularText : spentOf()] };
    case 'shared-iterations': {
      const total = o.iterations ?? 1;
      return {
        progress: Math.min(1, live.iterations / total),
        right: [`${o.vus} VUs`, spentOf(), `${fixedInt(live.iterations, total)}/${total} shared iters`],
      };
    }
    case 'per-vu-iterations': {
      const perVu = o.iterations ?? 1;
      const total = o.vus * perVu;
      return {
        progress: over ? 1 : Math.min(1, live.iterations / total),
        right: [`${o.vus} VUs`, over ? regularText : spentOf(), `${fixedInt(live.iterations, total)}/${total} iters, ${perVu} per VU`],
      };
    }
    case 'ramping-vus':
      return {
        progress: over ? 1 : timeShare,
        right: [`${fixedInt(live.vus, maxVus)}/${maxVus} VUs`, over ? regularText : spentOf(fixedLengthDuration(regular, regular))],
      };
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const ramping = o.executor === 'ramping-arrival-rate';
      const peak = perSecond(o, ramping ? Math.max(o.startRate ?? 0, ...(o.stages ?? []).map((st) => st.target)) : (o.rate ?? 0));
      const now = live.rate ?? (ramping ? perSecond(o, rampedRate(o, spent)) : peak);
      return {
        progress: over ? 1 : timeShare,
        right: [`${fixedInt(live.vus, maxVus)}/${fixedInt(live.vusMax, maxVus)} VUs`, over ? regularText : spentOf(), `${fixedFloat(now, peak)} iters/s`],
      };
    }
    default: {
      // externally-controlled: the counts' width follows the live vus-max (golden run-ext).
      const max = live.vusMax;
      return {
        progress: over ? 1 : timeShare,
        right: [`${fixedInt(live.vus, max)}/${max} VUs`, over ? regularText : spentOf(), ''],
      };
    }
  }
}

/** Whether the scenario's regular time is over and its iterations are finishing (k6's `↓`). */
export function inGracefulStop(o: ScenarioOptions, spent: number): boolean {
  return o.executor !== 'externally-controlled' && spent >= regularDurationMs(o);
}

/** A scenario before its startTime: `• [   0% ] waiting 05.0s`, the time left. */
export function waitingColumns(o: ScenarioOptions, spent: number): string[] {
  return ['waiting', fixedLengthDuration(-spent, o.startTimeMs ?? 0)];
}

/** k6's run line: `running (01.0s), 2/2 VUs, 6 complete and 0 interrupted iterations`. */
export function runLine(widths: { maxDurationMs: number; maxVus: number }, s: ProgressSample): string {
  const word = s.status.paused ? 'paused' : 'running';
  const vus = `${fixedInt(s.status.vus, widths.maxVus)}/${fixedInt(s.status.vusMax, widths.maxVus)} VUs`;
  return `${word} (${fixedLengthDuration(s.elapsedMs, widths.maxDurationMs)}), ${vus}, ${s.completed} complete and ${s.interrupted} interrupted iterations`;
}

export interface RenderOptions {
  /** Terminal columns: the bars fill up to this width; absent off a terminal (percentages). */
  columns?: number;
  color?: boolean;
  /** Names are padded to at least this width (k6 counts the hidden "Run" bar's name too). */
  minLeft?: number;
}

/** The block's lines, without line ends (k6's renderMultipleBars). */
export function renderBlock(lines: BarLine[], opts: RenderOptions = {}): string[] {
  const bars = lines.filter((l): l is Extract<BarLine, { left: string }> => 'left' in l);
  const maxLeft = Math.min(MAX_LEFT, Math.max(opts.minLeft ?? 0, ...bars.map((b) => b.left.length)));
  // Every column but a bar's last is padded to the widest of its kind.
  const columnWidth = [0, 1].map((i) => Math.max(0, ...bars.map((b) => (i < b.right.length - 1 ? b.right[i].length : 0))));
  const parts = bars.map((b) => {
    const left = (b.left.length > maxLeft ? `${b.left.slice(0, maxLeft - 3)}...` : b.left).padEnd(maxLeft);
    const right = b.right.map((r, i) => ` ${r.padEnd((columnWidth[i] ?? 0) + 1)}`).join('');
    return { left, right };
  });
  const fixed = Math.max(0, ...parts.map((p) => p.left.length + 3 + p.right.length));
  const width = opts.columns === undefined ? MIN_WIDTH : Math.max(MIN_WIDTH, Math.min(DEFAULT_WIDTH, opts.columns - TERM_PADDING - fixed));
  const color = opts.color ?? false;
  let next = 0;
  return lines.map((line) => {
    if ('text' in line) return line.text;
    const { left, right } = parts[next++];
    const mark = color && STATUS_COLOR[line.status] ? `${STATUS_COLOR[line.status]}${line.status}${RESET}` : line.status;
    return `${left} ${mark} ${barBody(line.progress, width, color)}${right}`;
  });
}

function barBody(progress: number, width: number, color: boolean): string {
  const p = Math.min(1, Math.max(0, progress));
  if (width <= MIN_WIDTH) return `[ ${percent(p)} ]`;
  const space = width - 2;
  const filled = Math.floor(space * p);
  const fill = filled <= 0 ? '' : filled < space ? `${'='.repeat(filled - 1)}>` : '='.repeat(filled);
  const pad = '-'.repeat(space - filled);
  return `[${fill}${color && pad ? `${FAINT}${pad}${RESET}` : pad}]`;
}
