/**
 * The live progress of a run, from engine snapshots (status, elapsed time, the iterations count):
 * on a terminal, k6's bars redrawn in place a few times a second (with log-update); otherwise
 * k6's plain block every second, as in the golden consoles; nothing with `--quiet`.
 */
import type { EngineOptions, MetricSnapshot, StatusSnapshot } from '../native';
import { inGracefulStop, renderBlock, runLine, scenarioColumns, type BarLine, type BarStatus, type ProgressSample } from './progressBar';

export type ProgressMode = 'tty' | 'plain' | 'off';

/** What the progress reads from the engine. */
export interface ProgressSource {
  status(): StatusSnapshot;
  elapsedMs(): number;
  metrics(trendStats: string[]): MetricSnapshot[];
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

/**
 * The block's lines over a run. A scenario's bar freezes, marked `✓` or `✗`, at the first
 * sample after its executor ended, as k6's bars do (lib/executor/helpers.go trackProgress).
 */
export class ProgressModel {
  private final: Extract<BarLine, { left: string }> | null = null;

  constructor(private readonly options: EngineOptions) {}

  lines(s: ProgressSample): BarLine[] {
    const name = this.options.scenarioName ?? 'default';
    const code = s.status.status;
    if (code < STATUS_RUNNING && !this.final) {
      const stage = code === STATUS_SETUP ? 'setup()' : s.status.paused ? 'paused' : 'running';
      return [
        { left: 'Run', status: ' ', progress: 1, right: [stage] },
        { left: name, status: ' ', progress: 0, right: [] },
      ];
    }
    return [{ text: runLine(this.options, s) }, this.scenario(name, s)];
  }

  private scenario(name: string, s: ProgressSample): Extract<BarLine, { left: string }> {
    if (this.final) return this.final;
    const { progress, right } = scenarioColumns(this.options, s);
    if (s.status.status === STATUS_RUNNING) {
      const status: BarStatus = inGracefulStop(this.options, s) ? '↓' : ' ';
      return { left: name, status, progress, right };
    }
    // Teardown or over: done if the scenario ran its course, interrupted if it was stopped.
    this.final = { left: name, status: progress >= 1 && !s.status.stopped ? '✓' : '✗', progress, right };
    return this.final;
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
    if (this.mode === 'plain' || (this.mode === 'tty' && !update)) this.out(this.plainBlock(sample));
    else if (update) {
      update(this.ttyFrame(sample));
      update.done();
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
      return; // finish() falls back to the plain block
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
