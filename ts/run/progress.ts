/**
 * The plain progress line k6 prints every second when stdout is not a terminal:
 * `running (01.0s), 2/2 VUs, 6 complete and 0 interrupted iterations`.
 */
import type { MetricSnapshot, StatusSnapshot } from '../native';

function pad(n: number): string {
  return n < 10 ? `0${n.toFixed(1)}` : n.toFixed(1);
}

export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${pad(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${pad(s - m * 60)}s`;
}

export function completedIterations(metrics: MetricSnapshot[]): number {
  const it = metrics.find((m) => m.name === 'iterations');
  return it?.stats.find((s) => s.name === 'count')?.value ?? 0;
}

export function progressLine(status: StatusSnapshot, elapsedMs: number, completed: number, interrupted: number): string {
  const word = status.paused ? 'paused' : 'running';
  return `${word} (${formatElapsed(elapsedMs)}), ${status.vus}/${status.vusMax} VUs, ${completed} complete and ${interrupted} interrupted iterations`;
}
