/**
 * `--out TYPE=FILE` (repeatable), as k6 reads it: the type before the first `=`, the file after.
 * volley writes k6's `json` and `csv` formats; any other type is refused before the run (104).
 */

export type OutputKind = 'json' | 'csv';

export interface OutputTarget {
  kind: OutputKind;
  path: string;
}

export const OUTPUT_KINDS: readonly OutputKind[] = ['json', 'csv'];

/** A bad `--out`; the plan turns it into a ConfigError (exit 104). */
export class OutputSpecError extends Error {}

export function parseOutputSpecs(specs: string[] | undefined): OutputTarget[] {
  const targets: OutputTarget[] = [];
  for (const spec of specs ?? []) {
    const i = spec.indexOf('=');
    const kind = (i < 0 ? spec : spec.slice(0, i)).trim();
    const path = i < 0 ? '' : spec.slice(i + 1).trim();
    if (!(OUTPUT_KINDS as readonly string[]).includes(kind)) {
      throw new OutputSpecError(`invalid output type '${kind}', available types are: ${OUTPUT_KINDS.join(', ')}`);
    }
    // k6 writes to stdout without a file; here stdout carries the progress and the summary.
    if (!path || path === '-') throw new OutputSpecError(`--out ${kind} needs a file: --out ${kind}=results.${kind}`);
    if (targets.some((t) => t.path === path)) throw new OutputSpecError(`--out names the file "${path}" twice`);
    targets.push({ kind: kind as OutputKind, path });
  }
  return targets;
}
