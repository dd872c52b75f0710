/** A per-VU cookie jar: Set-Cookie in, Cookie out, by domain and path (RFC 6265, simplified). */
export interface Cookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires: number;
  hostOnly: boolean;
  secure: boolean;
  httpOnly: boolean;
}

export class CookieJar {
  private cookies: Cookie[] = [];

  /** Stores the cookies of a response from `url`. */
  store(url: URL, setCookie: string[]): void {
    for (const header of setCookie) {
      const [pair, ...attrs] = header.split(';');
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      const cookie: Cookie = {
        name: pair.slice(0, i).trim(),
        value: pair.slice(i + 1).trim(),
        domain: url.hostname,
        path: url.pathname.replace(/\/[^/]*$/, '') || '/',
        expires: 0,
        hostOnly: true,
        secure: false,
        httpOnly: false,
      };
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=').map((s) => s.trim());
        switch (k.toLowerCase()) {
          case 'domain':
            cookie.domain = v.replace(/^\./, '').toLowerCase();
            cookie.hostOnly = false;
            break;
          case 'path':
            cookie.path = v || '/';
            break;
          case 'expires':
            cookie.expires = Date.parse(v) || 0;
            break;
          case 'max-age':
            cookie.expires = Number(v) <= 0 ? 1 : Date.now() + Number(v) * 1000;
            break;
          case 'secure':
            cookie.secure = true;
            break;
          case 'httponly':
            cookie.httpOnly = true;
            break;
        }
      }
      this.cookies = this.cookies.filter((c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path));
      if (cookie.expires === 0 || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
  }

  set(url: URL, name: string, value: string, options: Partial<Cookie> = {}): void {
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.domain === (options.domain ?? url.hostname)));
    this.cookies.push({ name, value, domain: options.domain ?? url.hostname, path: options.path ?? '/', expires: options.expires ?? 0, hostOnly: !options.domain, secure: options.secure ?? false, httpOnly: options.httpOnly ?? false });
  }

  /** Forgets every cookie: k6 starts each iteration with an empty jar. */
  clearAll(): void {
    this.cookies = [];
  }

  clear(url: URL): void {
    this.cookies = this.cookies.filter((c) => !this.matches(c, url));
  }

  delete(url: URL, name: string): void {
    this.cookies = this.cookies.filter((c) => !(c.name === name && this.matches(c, url)));
  }

  /** The cookies that go with a request to `url`. */
  forUrl(url: URL): Cookie[] {
    if (this.cookies.length === 0) return [];
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === 0 || c.expires > now);
    return this.cookies.filter((c) => this.matches(c, url));
  }

  private matches(c: Cookie, url: URL): boolean {
    const host = url.hostname.toLowerCase();
    const domainOk = c.hostOnly ? host === c.domain : host === c.domain || host.endsWith(`.${c.domain}`);
    const pathOk = url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/';
    return domainOk && pathOk && (!c.secure || url.protocol === 'https:');
  }
}
