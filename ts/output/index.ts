/**
 * Outputs of a run: `--out json=FILE` / `--out csv=FILE` (written by the engine, off the hot
 * path; see crates/engine/src/output) and `--junit FILE` (written here at the end).
 */
import type { Engine } from '../native';
import type { OutputTarget } from './spec';
import { thresholdDeclarations } from './thresholds';

export { renderJunit, type JunitInput } from './junit';
export { OutputSpecError, parseOutputSpecs, type OutputKind, type OutputTarget } from './spec';

export type OutputStats = NonNullable<ReturnType<Engine['outputStats']>>;

/**
 * Creates the output files and turns the engine's sample stream on; before `engine.start()`.
 * Returns the reason when a file cannot be created.
 */
export function enableOutputs(engine: Engine, outputs: OutputTarget[], rawThresholds: unknown): string | undefined {
  if (outputs.length === 0) return undefined;
  try {
    engine.enableOutputs({
      outputs,
      thresholds: thresholdDeclarations(rawThresholds),
      // JS's offset is west-positive; k6 stamps JSON times in local time.
      utcOffsetMinutes: -new Date().getTimezoneOffset(),
      // Entries between the VUs and the writer; a tuning and test knob (a request is one entry).
      queueCapacity: Number(process.env.VOLLEY_OUTPUT_QUEUE) || undefined,
    });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Warning lines for the end of the run: samples the writer could not keep up with, I/O errors. */
export function outputWarnings(stats: OutputStats | null | undefined): string[] {
  if (!stats) return [];
  const warnings: string[] = [];
  if (stats.dropped > 0) {
    const total = stats.samples + stats.dropped;
    warnings.push(`the outputs could not keep up: ${stats.dropped} of ${total} samples were dropped (the files hold ${stats.samples})`);
  }
  for (const e of stats.errors) warnings.push(`output error: ${e}`);
  return warnings;
}
