/**
 * The cookie side of k6/http: `res.cookies`, the Cookie header a request carries (the jar's
 * cookies and `params.cookies`), and the jar objects scripts handle (`http.cookieJar()`,
 * `new http.CookieJar()`), with k6's method names and options (js/modules/k6/http/cookiejar.go).
 */
import { CookieJar, ZERO_TIME_MS, parseCookieDate, parseSetCookie, type ParsedCookie } from './cookies';

/** One entry of `res.cookies[name]`, as k6 shows it. */
export interface ResponseCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  http_only: boolean;
  secure: boolean;
  max_age: number;
  expires: number;
}

/** `res.cookies`: the response's Set-Cookie lines by name, attributes as sent. */
export function responseCookies(setCookie: string[]): Record<string, ResponseCookie[]> {
  const out: Record<string, ResponseCookie[]> = {};
  for (const line of setCookie) {
    const c = parseSetCookie(line);
    if (!c) continue;
    (out[c.name] ??= []).push({
      name: c.name,
      value: c.value,
      domain: c.domain,
      path: c.path,
      http_only: c.httpOnly,
      secure: c.secure,
      max_age: c.maxAge,
      expires: c.expires ?? ZERO_TIME_MS,
    });
  }
  return out;
}

/** `params.cookies`: a value, or `{ value, replace }` (replace: the jar's cookie of that name is not sent). */
export type RequestCookies = Record<string, string | { value?: unknown; replace?: unknown } | null | undefined>;

/**
 * The Cookie header of a request to `url` (k6's SetRequestCookies): the request's own cookies
 * first, then the jar's, leaving out those a `replace: true` cookie stands for. "" for none.
 */
export function cookieHeader(jar: CookieJar, url: URL, own: RequestCookies | undefined): string {
  const pairs: string[] = [];
  const replaced = new Set<string>();
  if (own) {
    for (const [name, c] of Object.entries(own)) {
      if (c === null || c === undefined) continue;
      if (typeof c === 'object') {
        pairs.push(`${name}=${c.value === undefined ? '' : String(c.value)}`);
        if (c.replace) replaced.add(name);
      } else {
        pairs.push(`${name}=${String(c)}`);
      }
    }
  }
  for (const c of jar.cookies(url)) if (!replaced.has(c.name)) pairs.push(`${c.name}=${c.value}`);
  return pairs.join('; ');
}

const jars = new WeakMap<object, CookieJar>();

/** The jar behind a script's jar object (`params.jar`); undefined for anything else. */
export function jarOf(value: unknown): CookieJar | undefined {
  return typeof value === 'object' && value !== null ? jars.get(value) : undefined;
}

/** k6's http.CookieJar: `new http.CookieJar()` is a jar of its own; `http.cookieJar()` wraps the VU's. */
export class HttpCookieJar {
  constructor(jar: CookieJar = new CookieJar()) {
    jars.set(this, jar);
  }

  private get jar(): CookieJar {
    return jars.get(this) as CookieJar;
  }

  /** `{ name: [values] }` of the cookies a request to `url` would carry. */
  cookiesForURL(url: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.jar.cookies(new URL(url))) (out[c.name] ??= []).push(c.value);
    return out;
  }

  /**
   * As if `url` had answered Set-Cookie with these attributes (`domain`, `path`, `expires` as
   * an RFC 1123 date, `max_age` in seconds, `secure`, `http_only`).
   */
  set(url: string, name: string, value: string, options?: Record<string, unknown> | null): boolean {
    const c: ParsedCookie = { name, value: String(value), domain: '', path: '', httpOnly: false, secure: false, maxAge: 0, expires: null };
    for (const [key, v] of Object.entries(options ?? {})) {
      switch (key.toLowerCase()) {
        case 'path':
          c.path = String(v);
          break;
        case 'domain':
          c.domain = String(v);
          break;
        case 'expires': {
          const text = String(v);
          if (text === '') break;
          const at = parseCookieDate(text);
          if (at === null) throw new Error(`unable to parse "expires" date string "${text}": want an RFC 1123 date such as "Mon, 02 Jan 2006 15:04:05 GMT"`);
          c.expires = at;
          break;
        }
        case 'max_age':
          c.maxAge = Math.trunc(Number(v)) || 0;
          break;
        case 'secure':
          c.secure = Boolean(v);
          break;
        case 'http_only':
          c.httpOnly = Boolean(v);
          break;
      }
    }
    this.jar.setCookies(new URL(url), [c]);
    return true;
  }

  /** Deletes the cookies `url` would get whose domain is its host and path its directory (Go's jar ids). */
  clear(url: string): void {
    const u = new URL(url);
    const expired = this.jar.cookies(u).map((c): ParsedCookie => ({ ...c, domain: '', path: '', httpOnly: false, secure: false, maxAge: -1, expires: null }));
    this.jar.setCookies(u, expired);
  }

  /** Deletes the cookie `name` set for `url`'s host and directory. */
  delete(url: string, name: string): void {
    this.jar.setCookies(new URL(url), [{ name, value: '', domain: '', path: '', httpOnly: false, secure: false, maxAge: -1, expires: null }]);
  }
}
