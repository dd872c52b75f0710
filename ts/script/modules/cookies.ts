/**
 * Cookies as k6 has them: Set-Cookie parsed as Go's net/http reads it (`res.cookies` shows those
 * fields), and a per-VU jar with Go's net/http/cookiejar semantics (RFC 6265: Domain, Path,
 * Expires, Max-Age, Secure), which is what k6's jar is (`cookiejar.New(nil)`: no public suffix
 * list).
 */

/** A Set-Cookie line as Go's `http.Cookie` holds it. */
export interface ParsedCookie {
  name: string;
  value: string;
  /** As given (a leading dot kept); "" when absent. */
  domain: string;
  /** As given; "" when absent. */
  path: string;
  httpOnly: boolean;
  secure: boolean;
  /** Go's MaxAge: 0 absent (or invalid), -1 for `Max-Age` <= 0 (delete now), else seconds. */
  maxAge: number;
  /** Milliseconds since the epoch; null when absent or unparsable (Go's zero time). */
  expires: number | null;
}

/**
 * What k6 shows as `expires` for a cookie without one: Go's zero `time.Time` through
 * `UnixNano() / 1e6`, which overflows to this constant.
 */
export const ZERO_TIME_MS = -6795364578871;

// RFC 2616 token characters: what Go accepts as a cookie name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's parseCookieValue: optional surrounding quotes, then only printable ASCII without `"`, `;`, `\`. */
function cookieValue(raw: string, allowQuotes: boolean): string | null {
  let v = raw;
  if (allowQuotes && v.length > 1 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x3b || c === 0x5c) return null;
  }
  return v;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Go's `time.Parse(time.RFC1123, s)`, then the `Mon, 02-Jan-2006 15:04:05 MST` form: any zone
 * abbreviation counts as UTC (as Go does for zones it does not know). Null when neither fits.
 */
export function parseCookieDate(text: string): number | null {
  const m = /^[A-Za-z]{3}, (\d{1,2})[ -]([A-Za-z]{3})[ -](\d{4}) (\d{2}):(\d{2}):(\d{2}) [A-Za-z]{3,4}$/.exec(text);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2].toLowerCase());
  const [day, year, h, min, s] = [m[1], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 0 || day < 1 || day > 31 || h > 23 || min > 59 || s > 59) return null;
  return Date.UTC(year, month, day, h, min, s);
}

/** One Set-Cookie header line as Go's readSetCookies reads it; null when Go drops it. */
export function parseSetCookie(line: string): ParsedCookie | null {
  const parts = line.trim().split(';');
  const first = parts[0].trim();
  const eq = first.indexOf('=');
  if (eq < 0) return null;
  const name = first.slice(0, eq).trim();
  if (!TOKEN.test(name)) return null;
  const value = cookieValue(first.slice(eq + 1), true);
  if (value === null) return null;
  const cookie: ParsedCookie = { name, value, domain: '', path: '', httpOnly: false, secure: false, maxAge: 0, expires: null };
  for (const part of parts.slice(1)) {
    const attr = part.trim();
    if (attr === '') continue;
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).toLowerCase();
    const val = cookieValue(i < 0 ? '' : attr.slice(i + 1), false);
    if (val === null) continue;
    switch (key) {
      case 'secure':
        cookie.secure = true;
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'domain':
        cookie.domain = val;
        break;
      case 'path':
        cookie.path = val;
        break;
      case 'max-age': {
        // Go: an integer without a leading zero (except "0" itself); <= 0 means delete.
        if (!/^[+-]?\d+$/.test(val) || (val !== '0' && val.startsWith('0'))) break;
        const secs = Number(val);
        cookie.maxAge = secs <= 0 ? -1 : secs;
        break;
      }
      case 'expires':
        cookie.expires = parseCookieDate(val);
        break;
    }
  }
  return cookie;
}

/** A cookie in the jar (Go's cookiejar entry). */
interface Entry {
  name: string;
  value: string;
  domain: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  persistent: boolean;
  hostOnly: boolean;
  /** Milliseconds since the epoch; Infinity for a session cookie. */
  expires: number;
  /** Creation order: older cookies go first among those of the same path length. */
  seq: number;
}

export interface JarCookie {
  name: string;
  value: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isIp(host: string): boolean {
  return IPV4.test(host) || host.includes(':');
}

/** Go's canonicalHost on a WHATWG URL: no port, no IPv6 brackets, no trailing dot, lowercase. */
function canonicalHost(url: URL): string {
  let host = url.hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** Go's jarKey without a public suffix list: an IP as it is, else the last two labels. */
function jarKey(host: string): string {
  if (isIp(host)) return host;
  const last = host.lastIndexOf('.');
  if (last <= 0) return host;
  const prev = host.lastIndexOf('.', last - 1);
  return host.slice(prev + 1);
}

/** RFC 6265 5.1.4: the directory of the request path. */
function defaultPath(path: string): string {
  if (path === '' || !path.startsWith('/')) return '/';
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

function hasDotSuffix(s: string, suffix: string): boolean {
  return s.length > suffix.length && s.endsWith(suffix) && s[s.length - suffix.length - 1] === '.';
}

/**
 * A Secure cookie goes to https, and to loopback hosts over plain http too (Go's cookiejar since
 * 1.22 treats them as secure origins; k6 v0.49 sends them to http://127.0.0.1).
 */
function secureOrigin(url: URL, host: string): boolean {
  return url.protocol === 'https:' || host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}

export class CookieJar {
  /** By jarKey, then by `domain;path;name`. */
  private entries = new Map<string, Map<string, Entry>>();
  private nextSeq = 0;

  /** Stores the Set-Cookie lines of a response from `url` (Go's Jar.SetCookies). */
  store(url: URL, setCookie: string[]): void {
    const cookies: ParsedCookie[] = [];
    for (const line of setCookie) {
      const c = parseSetCookie(line);
      if (c) cookies.push(c);
    }
    this.setCookies(url, cookies);
  }

  /** Go's Jar.SetCookies: a cookie that does not belong to `url`'s host is dropped. */
  setCookies(url: URL, cookies: ParsedCookie[]): void {
    if (cookies.length === 0 || (url.protocol !== 'http:' && url.protocol !== 'https:')) return;
    const host = canonicalHost(url);
    const key = jarKey(host);
    const defPath = defaultPath(url.pathname);
    const now = Date.now();
    let submap = this.entries.get(key);
    for (const c of cookies) {
      const place = domainAndType(host, c.domain);
      if (!place) continue;
      const path = c.path === '' || !c.path.startsWith('/') ? defPath : c.path;
      const id = `${place.domain};${path};${c.name}`;
      // Max-Age wins over Expires; a past expiry deletes.
      let expires = Infinity;
      let persistent = false;
      let remove = false;
      if (c.maxAge < 0) remove = true;
      else if (c.maxAge > 0) {
        expires = now + c.maxAge * 1000;
        persistent = true;
      } else if (c.expires !== null) {
        if (c.expires <= now) remove = true;
        expires = c.expires;
        persistent = true;
      }
      if (remove) {
        submap?.delete(id);
        continue;
      }
      if (!submap) {
        submap = new Map();
        this.entries.set(key, submap);
      }
      const old = submap.get(id);
      submap.set(id, {
        name: c.name,
        value: c.value,
        domain: place.domain,
        path,
        secure: c.secure,
        httpOnly: c.httpOnly,
        persistent,
        hostOnly: place.hostOnly,
        expires,
        seq: old ? old.seq : this.nextSeq++,
      });
    }
  }

  /** The cookies to send with a request to `url` (Go's Jar.Cookies): longest path first, then oldest. */
  cookies(url: URL): JarCookie[] {
    if (this.entries.size === 0 || (url.protocol !== 'http:' && url.protocol !== 'https:')) return [];
    const host = canonicalHost(url);
    const submap = this.entries.get(jarKey(host));
    if (!submap) return [];
    const secure = secureOrigin(url, host);
    const path = url.pathname === '' ? '/' : url.pathname;
    const now = Date.now();
    const selected: Entry[] = [];
    for (const [id, e] of submap) {
      if (e.persistent && e.expires <= now) {
        submap.delete(id);
        continue;
      }
      if (e.secure && !secure) continue;
      const domainOk = e.domain === host || (!e.hostOnly && hasDotSuffix(host, e.domain));
      if (domainOk && pathMatch(e.path, path)) selected.push(e);
    }
    selected.sort((a, b) => b.path.length - a.path.length || a.seq - b.seq);
    return selected.map((e) => ({ name: e.name, value: e.value }));
  }

  /** k6 starts each iteration with a new jar. */
  clearAll(): void {
    this.entries = new Map();
  }
}

/** Go's domainAndType: where a cookie with Domain attribute `domain` set by `host` belongs. */
function domainAndType(host: string, domain: string): { domain: string; hostOnly: boolean } | null {
  if (domain === '') return { domain: host, hostOnly: true };
  if (isIp(host)) return host === domain ? { domain: host, hostOnly: true } : null;
  let d = domain.startsWith('.') ? domain.slice(1) : domain;
  if (d === '' || d.startsWith('.') || d.endsWith('.')) return null;
  d = d.toLowerCase();
  // The domain must domain-match the host: a.example.com cannot set cookies for other.com.
  if (host !== d && !hasDotSuffix(host, d)) return null;
  return { domain: d, hostOnly: false };
}

/** RFC 6265 5.1.4 path-match. */
function pathMatch(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
