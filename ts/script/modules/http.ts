/**
 * k6/http, backed by the engine: every request goes through the VU's keep-alive connection in
 * Rust and is measured there (phase timings, http_* metrics). Redirects are followed here, hop
 * by hop as k6 does (each hop is a request in the metrics), up to `redirects` (10).
 */
import { splitHeaders, type LinkResponse } from '../hostLink';
import { parseDuration } from '../../run/duration';
import type { HostSource, VuContext } from '../vu';
import { CookieJar } from './cookies';

type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string>;
  /** User tags of the request's samples; `name` names it (else its URL does). */
  tags?: Record<string, unknown>;
  timeout?: number | string;
  redirects?: number;
  responseType?: 'text' | 'binary' | 'none';
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
}

export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

const DEFAULT_REDIRECTS = 10;

/** Go's textproto.CanonicalMIMEHeaderKey: `content-type` -> `Content-Type`. */
export function canonicalHeader(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    canonical = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    // Every response repeats the same few names: remember them (within reason).
    if (canonicalNames.size >= 1000) canonicalNames.clear();
    canonicalNames.set(name, canonical);
  }
  return canonical;
}
const canonicalNames = new Map<string, string>();

/** Request headers as the engine takes them. */
function headerPairs(headers: Record<string, string>): Array<{ name: string; value: string }> {
  const pairs: Array<{ name: string; value: string }> = [];
  for (const name in headers) pairs.push({ name, value: String(headers[name]) });
  return pairs;
}

function bodyBytes(body: Body, headers: Record<string, string>): Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // An object is sent as a form, as k6 does.
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) form.append(k, String(v));
  return Buffer.from(form.toString());
}

function timeoutMs(t: number | string | undefined): number {
  if (t === undefined) return 60_000;
  return typeof t === 'number' ? t : parseDuration(t);
}

/** A gjson-like path: `a.b.0.c`; `#` is the length of an array. */
function select(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    if (part === '#' && Array.isArray(current)) return current.length;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

type ResponseCookie = { name: string; value: string; domain: string; path: string; http_only: boolean; secure: boolean; max_age: number; expires: number };
type RequestInfo = { method: string; url: string; headers: Record<string, string[]>; body: string };

/** What a Response keeps to build its `request` on demand. */
interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/**
 * k6's http.Response. `headers`, `cookies` and `request` are made on first use: most scripts
 * only read `status` or the body, and building them at every response is most of what a
 * response costs in JS. They are plain data fields for the script all the same (set them,
 * JSON.stringify the response).
 */
export class Response {
  status: number;
  status_text: string;
  proto: string;
  body: string | ArrayBuffer | null;
  timings: Timings;
  url: string;
  error: string;
  error_code: number;
  private rawHeaders: string;
  private sent: SentRequest;
  private madeHeaders: Record<string, string> | undefined;
  private madeCookies: Record<string, ResponseCookie[]> | undefined;
  private madeRequest: RequestInfo | undefined;

  constructor(raw: LinkResponse, url: string, sent: SentRequest, responseType: Params['responseType']) {
    this.status = raw.status;
    this.status_text = raw.statusText;
    this.proto = raw.proto;
    if (responseType === 'none' || !raw.body) this.body = responseType === 'none' ? null : raw.error ? null : '';
    else if (responseType === 'binary') {
      const bytes = raw.body as Buffer; // a Buffer unless the body is text
      this.body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }
    // The inbox delivers a text body as a string already (decoded as Buffer#toString does).
    else this.body = typeof raw.body === 'string' ? raw.body : raw.body.toString('utf8');
    const t = raw.timings;
    this.timings = { blocked: t.blocked, connecting: t.connecting, tls_handshaking: t.tlsHandshaking, sending: t.sending, waiting: t.waiting, receiving: t.receiving, duration: t.duration };
    this.url = url;
    this.error = raw.error;
    this.error_code = raw.errorCode;
    this.rawHeaders = raw.headers;
    this.sent = sent;
  }

  /** Header names canonical (Go's textproto), repeated headers joined with ", ". */
  get headers(): Record<string, string> {
    if (this.madeHeaders === undefined) {
      const headers: Record<string, string> = {};
      const received = splitHeaders(this.rawHeaders);
      for (let k = 0; k + 1 < received.length; k += 2) {
        const name = canonicalHeader(received[k]);
        const value = received[k + 1];
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      this.madeHeaders = headers;
    }
    return this.madeHeaders;
  }

  set headers(value: Record<string, string>) {
    this.madeHeaders = value;
  }

  /** The cookies the response set, by name. */
  get cookies(): Record<string, ResponseCookie[]> {
    if (this.madeCookies === undefined) {
      const cookies: Record<string, ResponseCookie[]> = {};
      for (const value of setCookieValues(this.rawHeaders)) {
        const [pair] = value.split(';');
        const i = pair.indexOf('=');
        const cookie = { name: pair.slice(0, i).trim(), value: pair.slice(i + 1).trim(), domain: '', path: '', http_only: /;\s*httponly/i.test(value), secure: /;\s*secure/i.test(value), max_age: 0, expires: 0 };
        (cookies[cookie.name] ??= []).push(cookie);
      }
      this.madeCookies = cookies;
    }
    return this.madeCookies;
  }

  set cookies(value: Record<string, ResponseCookie[]>) {
    this.madeCookies = value;
  }

  /** The request as sent: method, url, headers (canonical names, value lists) and body. */
  get request(): RequestInfo {
    if (this.madeRequest === undefined) {
      const { method, url, headers, body } = this.sent;
      this.madeRequest = { method, url, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [canonicalHeader(k), [v]])), body: body ? body.toString() : '' };
    }
    return this.madeRequest;
  }

  set request(value: RequestInfo) {
    this.madeRequest = value;
  }

  json(selector?: string): unknown {
    if (typeof this.body !== 'string') throw new Error('the response has no text body to parse as JSON (responseType is not text)');
    const value: unknown = JSON.parse(this.body);
    return selector === undefined ? value : select(value, selector);
  }

  /** The fields k6's Response has, for JSON.stringify(res) and console.log. */
  toJSON(): Record<string, unknown> {
    const { status, status_text, proto, headers, body, timings, url, error, error_code, cookies, request } = this;
    return { status, status_text, proto, headers, body, timings, url, error, error_code, cookies, request };
  }
}

/** The values of the Set-Cookie headers in a LinkResponse's headers (most responses have none). */
function setCookieValues(rawHeaders: string): string[] {
  if (!/set-cookie\0/i.test(rawHeaders)) return [];
  const values: string[] = [];
  const received = splitHeaders(rawHeaders);
  for (let i = 0; i + 1 < received.length; i += 2) if (received[i].toLowerCase() === 'set-cookie') values.push(received[i + 1]);
  return values;
}

export interface CookieJarApi {
  cookiesForURL(url: string): Record<string, string[]>;
  set(url: string, name: string, value: string, options?: Record<string, unknown>): void;
  clear(url: string): void;
  delete(url: string, name: string): void;
}

function jarApi(jar: CookieJar): CookieJarApi {
  return {
    cookiesForURL(url) {
      const out: Record<string, string[]> = {};
      for (const c of jar.forUrl(new URL(url))) (out[c.name] ??= []).push(c.value);
      return out;
    },
    set(url, name, value, options = {}) {
      jar.set(new URL(url), name, value, options);
    },
    clear(url) {
      jar.clear(new URL(url));
    },
    delete(url, name) {
      jar.delete(new URL(url), name);
    },
  };
}

/** `new http.CookieJar()`: a jar of its own, not the VU's. */
class StandaloneCookieJar implements CookieJarApi {
  readonly #jar = jarApi(new CookieJar());
  cookiesForURL(url: string) {
    return this.#jar.cookiesForURL(url);
  }
  set(url: string, name: string, value: string, options?: Record<string, unknown>) {
    this.#jar.set(url, name, value, options);
  }
  clear(url: string) {
    this.#jar.clear(url);
  }
  delete(url: string, name: string) {
    this.#jar.delete(url, name);
  }
}

/**
 * k6's ``http.url`...${id}` ``: the URL, named by its template (`${}` for each value) so that
 * requests to many URLs share one `name` tag.
 */
export class TemplatedUrl {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}

  toString(): string {
    return this.url;
  }
}

function templatedUrl(strings: TemplateStringsArray, ...values: unknown[]): TemplatedUrl {
  let url = strings[0];
  let name = strings[0];
  for (let i = 0; i < values.length; i++) {
    url += String(values[i]) + strings[i + 1];
    name += '${}' + strings[i + 1];
  }
  return new TemplatedUrl(url, name);
}

/** The request's tags: `params.tags`, and the template's name unless they name it. */
function requestTags(url: string | URL | TemplatedUrl, params: Params): Params['tags'] {
  if (!(url instanceof TemplatedUrl) || (params.tags && 'name' in params.tags)) return params.tags;
  return { ...params.tags, name: url.name };
}

type BatchItem = string | [string, string, Body?, Params?] | { method?: string; url: string; body?: Body; params?: Params };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function createHttp(vu: VuContext, rt: HostSource) {
  const jar = jarApi(vu.cookies);
  // Load tests ask for the same URL over and over: its last parse is kept (never mutated).
  let lastUrl = '';
  let lastParsed: URL | null = null;
  const parse = (target: string): URL => {
    if (target !== lastUrl || lastParsed === null) {
      lastParsed = new URL(target);
      lastUrl = target;
    }
    return lastParsed;
  };

  async function request(method: string, url: string | URL | TemplatedUrl, body?: Body, params: Params = {}): Promise<Response> {
    if (vu.inInit) throw new Error('Making http requests in the init context is not supported');
    let target = String(url);
    // The VU's tags under the request's; the same array while neither changes (cheap resends).
    const tags = vu.tags.with(requestTags(url, params));
    let verb = method.toUpperCase();
    let payload = body;
    const redirects = params.redirects ?? DEFAULT_REDIRECTS;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...(params.headers ?? {}) };
      const bytes = bodyBytes(payload, headers);
      const parsed = parse(target);
      const cookies = vu.cookies.forUrl(parsed).map((c) => `${c.name}=${c.value}`);
      if (params.cookies) for (const [name, v] of Object.entries(params.cookies)) cookies.push(`${name}=${typeof v === 'string' ? v : v.value}`);
      if (cookies.length) headers.Cookie = cookies.join('; ');
      const raw = await rt.requireLink().request(vu.id, {
        method: verb,
        url: target,
        headers: headerPairs(headers),
        body: bytes,
        timeoutMs: timeoutMs(params.timeout),
        responseType: params.responseType ?? 'text',
        // System tags: the group and scenario the request was made in.
        group: vu.groupPath,
        scenario: vu.scenario.name,
        tags,
      });
      const setCookie = setCookieValues(raw.headers);
      if (setCookie.length) vu.cookies.store(parsed, setCookie);
      const res = new Response(raw, target, { method: verb, url: target, headers, body: bytes }, params.responseType);
      const location = REDIRECT_STATUSES.has(res.status) ? res.headers.Location : undefined;
      if (location && hop < redirects) {
        target = new URL(location, target).href;
        // Go's client: 303 always, and 301/302 after a POST, continue as a GET without a body.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && verb === 'POST')) {
          verb = verb === 'HEAD' ? 'HEAD' : 'GET';
          payload = undefined;
        }
        continue;
      }
      return res;
    }
  }

  function batchOne(item: BatchItem): Promise<Response> {
    if (typeof item === 'string') return request('GET', item);
    if (Array.isArray(item)) return request(item[0], item[1], item[2], item[3]);
    return request(item.method ?? 'GET', item.url, item.body, item.params);
  }

  async function batch(requests: BatchItem[] | Record<string, BatchItem>): Promise<Response[] | Record<string, Response>> {
    if (Array.isArray(requests)) return Promise.all(requests.map(batchOne));
    const entries = await Promise.all(Object.entries(requests).map(async ([k, r]) => [k, await batchOne(r)] as const));
    return Object.fromEntries(entries);
  }

  const api = {
    request,
    asyncRequest: request,
    get: (url: string | URL | TemplatedUrl, params?: Params) => request('GET', url, null, params),
    head: (url: string | URL | TemplatedUrl, params?: Params) => request('HEAD', url, null, params),
    post: (url: string | URL | TemplatedUrl, body?: Body, params?: Params) => request('POST', url, body, params),
    put: (url: string | URL | TemplatedUrl, body?: Body, params?: Params) => request('PUT', url, body, params),
    patch: (url: string | URL | TemplatedUrl, body?: Body, params?: Params) => request('PATCH', url, body, params),
    del: (url: string | URL | TemplatedUrl, body?: Body, params?: Params) => request('DELETE', url, body, params),
    options: (url: string | URL | TemplatedUrl, body?: Body, params?: Params) => request('OPTIONS', url, body, params),
    batch,
    url: templatedUrl,
    cookieJar: () => jar,
    CookieJar: StandaloneCookieJar,
  };
  return { ...api, default: api };
}
