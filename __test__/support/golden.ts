/**
 * Reads the k6 v0.49.0 exchanges in __test__/golden (copied from ../shared/spec/k6-golden):
 * a `curl -si` command line, a blank line, then the raw HTTP response (or a note that nothing
 * answered).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_DIR = join(__dirname, '..', 'golden');

export interface GoldenExchange {
  file: string;
  method: string;
  path: string;
  body?: string;
  /** null: k6 had already closed its API (connection refused). */
  status: number | null;
  headers: Record<string, string>;
  text: string;
}

export function readGolden(file: string): GoldenExchange {
  const raw = readFileSync(join(GOLDEN_DIR, file), 'utf8');
  const [command, ...rest] = raw.split('\n');
  const m = /^curl -si -X (\w+) '([^']+)'(?: -H '[^']*')*(?: --data-raw '(.*)')?$/.exec(command);
  if (!m) throw new Error(`${file}: cannot read the curl line: ${command}`);
  const url = new URL(m[2]);
  const response = rest.join('\n').replace(/^\n/, '');
  // The response head is raw HTTP (CRLF line ends); the body is as sent.
  const head = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r?\n((?:[^\r\n]+\r?\n)*)\r?\n([\s\S]*)$/.exec(response);
  const headers: Record<string, string> = {};
  if (head) {
    for (const line of head[2].split(/\r?\n/).filter(Boolean)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
  }
  return {
    file,
    method: m[1],
    path: url.pathname + url.search,
    body: m[3],
    status: head ? Number(head[1]) : null,
    headers,
    text: head ? head[3] : '',
  };
}
