/**
 * The one error the transform throws: a script it cannot make wait, or cannot parse. The message
 * is `file:line:col: reason. Fix: fix`, with a 1-based line and column (as editors and Node's
 * stack traces count), so a terminal or an editor can jump to it.
 */
import { fileURLToPath } from 'node:url';

export class TransformError extends Error {
  /** A path for `file:` URLs, the URL itself otherwise. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly reason: string;
  readonly fix: string;

  constructor(file: string, line: number, column: number, reason: string, fix: string) {
    super(`${file}:${line}:${column}: ${reason}. Fix: ${fix}`);
    this.name = 'TransformError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
    this.fix = fix;
  }
}

/** What a user reads as "the file": the path of a `file:` URL, any other URL as it is. */
export function displayFile(url: string): string {
  if (url.startsWith('file:')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}
