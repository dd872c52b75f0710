/**
 * The test's thresholds as the JSON output's `Metric` lines declare them: per key as written
 * (`metric` or `metric{tag:value}`), each expression with its abortOnFail settings. The
 * thresholds were validated when the plan was made; anything else here is skipped, not refused.
 */
import { parseDuration } from '../run/duration';

export interface ThresholdDeclaration {
  key: string;
  thresholds: Array<{ source: string; abortOnFail?: boolean; delayAbortEvalMs?: number }>;
}

export function thresholdDeclarations(raw: unknown): ThresholdDeclaration[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const out: ThresholdDeclaration[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const items = Array.isArray(value) ? value : [value];
    const thresholds: ThresholdDeclaration['thresholds'] = [];
    for (const item of items) {
      if (typeof item === 'string') thresholds.push({ source: item });
      else if (item && typeof item === 'object' && typeof (item as { threshold?: unknown }).threshold === 'string') {
        const t = item as { threshold: string; abortOnFail?: unknown; delayAbortEval?: unknown };
        const delay = typeof t.delayAbortEval === 'string' ? parseDuration(t.delayAbortEval) : undefined;
        thresholds.push({ source: t.threshold, abortOnFail: t.abortOnFail === true, ...(delay === undefined ? {} : { delayAbortEvalMs: delay }) });
      }
    }
    out.push({ key, thresholds });
  }
  return out;
}
