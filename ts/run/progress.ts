/**
 * The live progress of a run, from engine snapshots (status, elapsed time, the iterations count):
 * on a terminal, k6's bars redrawn in place a few times a second (with log-update); otherwise
 * k6's plain block every second, as in the golden consoles; nothing with `--quiet`.
 */
import type { EngineOptions, MetricSnapshot, ScenarioOptions, StatusSnapshot } from '../native';
import {
  inGracefulStop,
  renderBlock,
  runLine,
  runWidths,
  scenarioColumns,
  waitingColumns,
  type BarLine,
  type ProgressSample,
  type ScenarioSample,
} from './progressBar';
import { scenariosOf } from './scenarios';

export type ProgressMode = 'tty' | 'plain' | 'off';

/** What the progress reads from the engine. */
export interface ProgressSource {
  status(): StatusSnapshot;
  elapsedMs(): number;
  metrics(trendStats: string[]): MetricSnapshot[];
  scenarios?(): ScenarioSample[];
}

// k6's execution status numbers (spec §4.2).
const STATUS_SETUP = 6;
const STATUS_RUNNING = 7;

const TTY_REFRESH_MS = 200;
const PLAIN_REFRESH_MS = 1000;

export function progressMode(quiet: boolean, isTTY: boolean): ProgressMode {
  if (quiet) return 'off';
  return isTTY ? 'tty' : 'plain';
}

export function completedIterations(metrics: MetricSnapshot[]): number {
  const it = metrics.find((m) => m.name === 'iterations');
  return it?.stats.find((s) => s.name === 'count')?.value ?? 0;
}

type Bar = Extract<BarLine, { left: string }>;

/**
 * The block's lines over a run: the run line, then one bar per scenario in k6's order (start
 * time, then name). A bar freezes, marked `✓` or `✗`, at the first sample after its scenario
 * ended, as k6's do (lib/executor/helpers.go trackProgress).
 */
export class ProgressModel {
  private readonly scenarios: ScenarioOptions[];
  private readonly widths: { maxDurationMs: number; maxVus: number };
  private readonly finals = new Map<string, Bar>();

  constructor(options: EngineOptions) {
    this.scenarios = [...scenariosOf(options)].sort((a, b) => (a.startTimeMs ?? 0) - (b.startTimeMs ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.widths = runWidths(this.scenarios);
  }

  lines(s: ProgressSample): BarLine[] {
    const code = s.status.status;
    if (code < STATUS_RUNNING && this.finals.size === 0) {
      const stage = code === STATUS_SETUP ? 'setup()' : s.status.paused ? 'paused' : 'running';
      return [{ left: 'Run', status: ' ', progress: 1, right: [stage] }, ...this.scenarios.map((o): Bar => ({ left: o.name, status: ' ', progress: 0, right: [] }))];
    }
    return [{ text: runLine(this.widths, s) }, ...this.scenarios.map((o) => this.bar(o, s))];
  }

  private bar(o: ScenarioOptions, s: ProgressSample): Bar {
    const final = this.finals.get(o.name);
    if (final) return final;
    const live = s.scenarios?.find((x) => x.name === o.name) ?? {
      name: o.name,
      state: s.status.status > STATUS_RUNNING ? 'done' : 'running',
      vus: s.status.vus,
      vusMax: s.status.vusMax,
      iterations: s.completed,
    };
    const spent = s.elapsedMs - (o.startTimeMs ?? 0);
    // k6 leaves a scenario that never started waiting, even after a stop.
    if (spent < 0) return { left: o.name, status: '•', progress: 0, right: waitingColumns(o, spent) };
    const { progress, right } = scenarioColumns(o, live, spent);
    const over = live.state === 'done' || s.status.status > STATUS_RUNNING;
    if (!over) return { left: o.name, status: inGracefulStop(o, spent) ? '↓' : ' ', progress, right };
    // Done if it ran its course, interrupted if the run was stopped first.
    const bar: Bar = { left: o.name, status: progress >= 1 && !s.status.stopped ? '✓' : '✗', progress, right };
    this.finals.set(o.name, bar);
    return bar;
  }
}

type LogUpdate = ((text: string) => void) & { clear(): void; done(): void };
type CreateLogUpdate = (stream: NodeJS.WritableStream, options: { showCursor?: boolean }) => LogUpdate;
type Write = typeof process.stdout.write;

export class LiveProgress {
  private readonly model: ProgressModel;
  private timer: NodeJS.Timeout | null = null;
  private update: LogUpdate | null = null;
  private frame = '';
  private readonly restore: Array<() => void> = [];
  private stopped = false;

  constructor(
    options: EngineOptions,
    private readonly source: ProgressSource,
    private readonly mode: ProgressMode,
    /** Plain mode's output (stdout); the terminal mode writes to process.stdout itself. */
    private readonly out: (text: string) => void,
  ) {
    this.model = new ProgressModel(options);
  }

  start(): void {
    if (this.mode === 'plain') {
      this.timer = setInterval(() => this.out(this.plainBlock(this.sample(0))), PLAIN_REFRESH_MS);
    } else if (this.mode === 'tty') {
      this.timer = setInterval(() => this.draw(), TTY_REFRESH_MS);
      void this.openTerminal();
    }
  }

  /** Stops refreshing and prints the last block, with the run's interrupted iterations. */
  finish(interrupted: number, completed?: number): void {
    if (this.stopped) return;
    const sample = this.sample(interrupted, completed);
    const update = this.update;
    this.stop();
    if (this.mode === 'plain') this.out(this.plainBlock(sample));
    else if (this.mode === 'tty' && update) {
      update(this.ttyFrame(sample));
      update.done();
    } else if (this.mode === 'tty') {
      // Over before log-update was loaded: the last frame, written once.
      this.out(`${this.ttyFrame(sample)}\n`);
    }
  }

  /** Stops refreshing and gives the streams back; idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const undo of this.restore.splice(0)) undo();
  }

  private sample(interrupted: number, completed?: number): ProgressSample {
    return {
      status: this.source.status(),
      elapsedMs: this.source.elapsedMs(),
      completed: completed ?? completedIterations(this.source.metrics([])),
      interrupted,
      scenarios: this.source.scenarios?.(),
    };
  }

  private plainBlock(s: ProgressSample): string {
    return `\n${renderBlock(this.model.lines(s), { minLeft: 3 }).join('\n')}\n`;
  }

  private ttyFrame(s: ProgressSample): string {
    const color = !process.env.NO_COLOR;
    return `\n${renderBlock(this.model.lines(s), { columns: process.stdout.columns || 80, color, minLeft: 3 }).join('\n')}`;
  }

  private draw(): void {
    if (!this.update || this.stopped) return;
    this.frame = this.ttyFrame(this.sample(0));
    this.update(this.frame);
  }

  /**
   * log-update is ESM-only, so it is imported, not required. It writes through the original
   * stdout; every other write to stdout or stderr (logs, script console output forwarded from
   * the worker threads) first clears the bars and draws them again below, as k6's console
   * writer does.
   */
  private async openTerminal(): Promise<void> {
    let createLogUpdate: CreateLogUpdate;
    try {
      ({ createLogUpdate } = (await import('log-update')) as unknown as { createLogUpdate: CreateLogUpdate });
    } catch {
      return; // finish() writes the last frame once
    }
    if (this.stopped) return;
    const stdoutWrite = process.stdout.write.bind(process.stdout) as Write;
    // A terminal of unknown size (a pty nobody sized) reports 0: log-update would print nothing.
    const terminal = {
      isTTY: true,
      get columns() {
        return process.stdout.columns || undefined;
      },
      get rows() {
        return process.stdout.rows || undefined;
      },
      write: (text: string) => stdoutWrite(text),
    };
    const update = createLogUpdate(terminal as unknown as NodeJS.WritableStream, { showCursor: true });
    this.update = update;
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((...args: Parameters<Write>) => {
        update.clear();
        const ok = original.apply(stream, args);
        if (this.frame) update(this.frame);
        return ok;
      }) as Write;
      this.restore.push(() => {
        stream.write = original;
      });
    }
    this.draw();
  }
}
