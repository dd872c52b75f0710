/**
 * Declarative request lists: a scenario whose `exec` names an exported array instead of a
 * function runs on the native fast path, with no JS per iteration. Each entry is a URL string or
 * `{ method, url, headers, body, timeout }`; every iteration sends them in order on the VU's
 * connection.
 *
 *   export const requests = [
 *     'http://localhost:8080/',
 *     { method: 'POST', url: 'http://localhost:8080/login', headers: { 'Content-Type': 'application/json' }, body: '{"user":"a"}' },
 *   ];
 *   export const options = { scenarios: { fast: { executor: 'constant-vus', vus: 50, duration: '30s', exec: 'requests' } } };
 */
import type { RequestOptions } from '../native';
import { parseDuration } from './duration';
import { ConfigError } from './plan';

export function toRequestList(name: string, list: unknown[]): RequestOptions[] {
  if (list.length === 0) throw new ConfigError(`the request list "${name}" is empty`);
  return list.map((entry, i) => {
    const at = `${name}[${i}]`;
    if (typeof entry === 'string') return { url: checkedUrl(entry, at) };
    if (!entry || typeof entry !== 'object') throw new ConfigError(`invalid ${at}: expected a URL or {method, url, headers, body}`);
    const e = entry as Record<string, unknown>;
    if (typeof e.url !== 'string') throw new ConfigError(`invalid ${at}: "url" is missing`);
    if (e.body !== undefined && typeof e.body !== 'string') throw new ConfigError(`invalid ${at}: "body" must be a string (JSON.stringify objects)`);
    const headers = e.headers === undefined ? [] : Object.entries(e.headers as Record<string, unknown>).map(([hname, value]) => ({ name: hname, value: String(value) }));
    let timeoutMs: number | undefined;
    if (e.timeout !== undefined) timeoutMs = typeof e.timeout === 'number' ? e.timeout : parseDuration(String(e.timeout));
    return {
      method: typeof e.method === 'string' ? e.method.toUpperCase() : 'GET',
      url: checkedUrl(e.url, at),
      headers,
      body: e.body as string | undefined,
      timeoutMs,
    };
  });
}

function checkedUrl(url: string, at: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`invalid ${at}: "${url}" is not an http(s) URL`);
  }
  return url;
}
