/**
 * k6/http, backed by the engine: every request goes through the VU's keep-alive connection in
 * Rust and is measured there (phase timings, http_* metrics). Redirects are followed here, hop
 * by hop as k6 does (each hop is a request in the metrics), up to `redirects` (10).
 */
import { splitHeaders, type LinkResponse } from '../hostLink';
import { parseDuration } from '../../run/duration';
import { optionHeaders } from '../../run/httpOptions';
import { logEvent } from '../log';
import { parseHTML, type Selection } from './html';
import type { HostSource, VuContext } from '../vu';
import { runBatch } from './batchLimit';
import { callbackWire, expectedStatuses, type ExpectedStatuses } from './expectedStatuses';
import { HttpCookieJar, cookieHeader, jarOf, responseCookies, type RequestCookies, type ResponseCookie } from './httpCookies';
import { file, formBody } from './multipart';
import { TLS_AND_OCSP } from './tlsConstants';

type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: number | string;
  redirects?: number;
  responseType?: 'text' | 'binary' | 'none';
  cookies?: RequestCookies;
  /** A jar of `new http.CookieJar()` (or `http.cookieJar()`); null: the VU's, as k6 ignores it. */
  jar?: HttpCookieJar | null;
  /** `http.expectedStatuses(...)`, or null for none (see expectedStatuses.ts). */
  responseCallback?: ExpectedStatuses | null;
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

function headerName(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((h) => h.toLowerCase() === lower);
}

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
  // An object is a form (multipart when it holds an http.file()); the script's header wins.
  const form = formBody(body);
  if (headerName(headers, 'Content-Type') === undefined) headers['Content-Type'] = form.contentType;
  return form.bytes;
}

/**
 * `` http.url`https://host/items/${id}` ``: the URL with its values, and as its `name` the
 * template with `${}` in their place (k6 tags the request's samples with that name).
 */
export class HttpURL {
  readonly name: string;
  readonly url: string;
  readonly clean_url: string;

  constructor(name: string, url: string) {
    this.name = name;
    this.url = url;
    this.clean_url = cleanUrl(url);
  }

  clean(): string {
    return this.clean_url;
  }

  getURL(): string {
    return this.url;
  }
}

/** k6 hides the credentials of a URL in its tags. */
function cleanUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, '$1****:****@');
}

function urlTemplate(strings: TemplateStringsArray, ...values: unknown[]): HttpURL {
  let name = strings[0];
  let url = strings[0];
  values.forEach((v, i) => {
    name += `\${}${strings[i + 1]}`;
    url += `${String(v)}${strings[i + 1]}`;
  });
  return new HttpURL(name, url);
}

function timeoutMs(t: number | string | undefined): number {
  if (t === undefined) return 60_000;
  return typeof t === 'number' ? t : parseDuration(t);
}

/** Where JSON.parse stopped (1-based), for k6's message; 0 when it does not say. */
function jsonErrorPosition(e: unknown): number {
  const m = /position (\d+)/.exec(String((e as Error).message));
  return m ? Number(m[1]) + 1 : 0;
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
  /** The response's Set-Cookie lines (res.cookies come from them). */
  private setCookie: string[];
  private sent: SentRequest;
  private madeHeaders: Record<string, string> | undefined;
  private madeCookies: Record<string, ResponseCookie[]> | undefined;
  private madeRequest: RequestInfo | undefined;
  /** The VU's http.request, for submitForm() and clickLink() (set by createHttp). */
  private declare client: RequestFn | undefined;

  constructor(raw: LinkResponse, url: string, sent: SentRequest, responseType: Params['responseType'], setCookie: string[]) {
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
    this.setCookie = setCookie;
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

  /** The cookies the response set, by name (k6's fields, see httpCookies.ts). */
  get cookies(): Record<string, ResponseCookie[]> {
    this.madeCookies ??= this.setCookie.length ? responseCookies(this.setCookie) : {};
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
    // k6's messages: a null body (a failed request, responseType 'none') and bytes that are no JSON.
    if (this.body === null) throw new Error("the body is null so we can't transform it to JSON - this likely was because of a request error getting the response");
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`cannot parse json due to an error at line 1, character ${jsonErrorPosition(e)} , error: ${(e as Error).message}`);
    }
    return selector === undefined ? value : select(value, selector);
  }

  /** k6's res.html(selector?): the body as a k6/html Selection (links resolve against res.url). */
  html(...selector: string[]): Selection {
    if (this.body === null) throw new Error('invalid response type');
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    const sel = parseHTML(text, this.url);
    return selector.length > 0 ? sel.find(selector[0]) : sel;
  }

  /**
   * k6's res.submitForm({ formSelector, fields, submitSelector, params }): the form's fields (and the
   * submit button's name=value), `fields` over them, sent to the form's action with its method; a GET
   * puts them in the query.
   */
  submitForm(args?: { formSelector?: unknown; submitSelector?: unknown; fields?: Record<string, unknown>; params?: Params | null }): Promise<Response> {
    const a = args ?? {};
    const formSelector = a.formSelector !== undefined ? String(a.formSelector) : 'form';
    const submitSelector = a.submitSelector !== undefined ? String(a.submitSelector) : '[type="submit"]';
    const form = this.html(formSelector);
    if (form.size() === 0) throw new Error(`no form found for selector '${formSelector}' in response '${this.url}'`);
    const methodAttr = form.attr('method');
    const method = methodAttr === undefined ? 'GET' : String(methodAttr).toUpperCase();
    const actionAttr = form.attr('action');
    const target = new URL(actionAttr === undefined ? this.url : String(actionAttr), this.url);
    const values = form.serializeObject();
    const submit = form.find(submitSelector);
    const submitName = submit.attr('name');
    const submitValue = submit.val();
    if (submitName !== undefined && submitValue !== undefined) values[String(submitName)] = submitValue;
    if (a.fields && typeof a.fields === 'object') Object.assign(values, a.fields);
    const request = this.requireClient();
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const k of Object.keys(values).sort()) query.append(k, String(values[k]));
      target.search = query.toString();
      return request(method, target.href, null, a.params ?? null);
    }
    return request(method, target.href, values, a.params ?? null);
  }

  /** k6's res.clickLink({ selector, params }): a GET of the first match's href (default `a[href]`). */
  clickLink(args?: { selector?: unknown; params?: Params | null }): Promise<Response> {
    const a = args ?? {};
    const selector = a.selector !== undefined ? String(a.selector) : 'a[href]';
    const link = this.html(selector);
    if (link.size() === 0) throw new Error(`no element found for selector '${selector}' in response '${this.url}'`);
    const href = link.attr('href');
    if (href === undefined) throw new Error(`no valid href attribute value found on element '${selector}' in response '${this.url}'`);
    return this.requireClient()('GET', new URL(String(href), this.url).href, undefined, a.params ?? null);
  }

  private requireClient(): RequestFn {
    if (!this.client) throw new Error('this response cannot make requests');
    return this.client;
  }

  /** @internal */
  attachClient(client: RequestFn): this {
    Object.defineProperty(this, 'client', { value: client, enumerable: false, writable: true });
    return this;
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

type Target = string | URL | HttpURL;
type RequestFn = (method: string, url: Target, body?: Body, params?: Params | null) => Promise<Response>;
type BatchItem = Target | [string, Target, Body?, Params?] | { method?: string; url: Target; body?: Body; params?: Params };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The URL a request goes to, and the name k6 tags it with when made by http.url. */
function targetOf(url: Target): string {
  if (url instanceof HttpURL) return url.url;
  return String(url);
}

/** The request's tags: `params.tags`, and the template's name unless they name it. */
function requestTags(url: Target, params: Params): Params['tags'] {
  if (!(url instanceof HttpURL) || (params.tags && 'name' in params.tags)) return params.tags;
  return { ...params.tags, name: url.name };
}

export function createHttp(vu: VuContext, rt: HostSource) {
  const vuJar = new HttpCookieJar(vu.cookies);
  // setResponseCallback's choice, for this VU (k6 keeps it per VU too). undefined: k6's default.
  let defaultCallback: string | undefined;
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

  async function request(method: string, url: Target, body?: Body, params: Params | null = {}): Promise<Response> {
    if (vu.inInit) throw new Error('Making http requests in the init context is not supported');
    const p = params ?? {};
    let target = targetOf(url);
    // The VU's tags under the request's; the same array while neither changes (cheap resends).
    const tags = vu.tags.with(requestTags(url, p));
    let verb = method.toUpperCase();
    let payload = body;
    const settings = rt.http;
    const redirects = p.redirects ?? settings.maxRedirects;
    // discardResponseBodies: k6 reads bodies but keeps none, unless the request asks for a type.
    const responseType = p.responseType ?? (settings.discardResponseBodies ? 'none' : 'text');
    const expected = 'responseCallback' in p ? callbackWire(p.responseCallback, 'responseCallback') : defaultCallback;
    // k6 ignores `jar: null`: the VU's jar stays in use.
    const jar = jarOf(p.jar) ?? vu.cookies;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...(p.headers ?? {}) };
      const bytes = bodyBytes(payload, headers);
      const parsed = parse(target);
      const cookies = cookieHeader(jar, parsed, p.cookies);
      if (cookies) {
        // Go's AddCookie appends to a Cookie header the script set itself.
        const own = headerName(headers, 'Cookie');
        if (own === undefined) headers.Cookie = cookies;
        else headers[own] = `${headers[own]}; ${cookies}`;
      }
      for (const h of optionHeaders(settings, (name) => headerName(headers, name) !== undefined)) headers[h.name] = h.value;
      const raw = await rt.requireLink().request(vu.id, {
        method: verb,
        url: target,
        headers: headerPairs(headers),
        body: bytes,
        timeoutMs: timeoutMs(p.timeout),
        responseType,
        // System tags: the group and scenario the request was made in.
        group: vu.groupPath,
        scenario: vu.scenario.name,
        tags,
        expectedStatuses: expected,
      });
      const setCookie = setCookieValues(raw.headers);
      if (setCookie.length) jar.store(parsed, setCookie);
      const res = new Response(raw, target, { method: verb, url: target, headers, body: bytes }, responseType, setCookie).attachClient(request);
      if (res.error_code !== 0 && res.status === 0) {
        // k6's `throw` option: a request that failed (no response) is an exception, not a result.
        if (settings.throw) throw new Error(res.error);
        // Otherwise k6 warns, once per failed request (lib/netext/httpext: "Request Failed").
        logEvent('warning', 'Request Failed', { error: `${verb[0]}${verb.slice(1).toLowerCase()} "${target}": ${res.error}` });
      }
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

  /** A batch entry as k6 reads it (parseBatchRequest): its request, and the host it goes to. */
  function batchJob(item: BatchItem, key: string | number): { host: string; run: () => Promise<Response> } {
    let method = 'GET';
    let url: Target;
    let body: Body;
    let params: Params | undefined;
    if (Array.isArray(item)) {
      if (item.length < 2) throw new Error(`invalid batch request ${JSON.stringify(item)}: want [method, url, body?, params?]`);
      if (typeof item[0] !== 'string') throw new Error(`invalid method type ${JSON.stringify(item[0])}`);
      [method, url, body, params] = item;
    } else if (typeof item === 'object' && item !== null && !(item instanceof URL) && !(item instanceof HttpURL)) {
      if (!('url' in item)) throw new Error(`batch request ${String(key)} doesn't have a url key`);
      ({ url, body, params } = item);
      if (item.method !== undefined) {
        if (typeof item.method !== 'string') throw new Error(`invalid method type ${JSON.stringify(item.method)}`);
        method = item.method.toUpperCase();
        // k6 drops the body of a GET or HEAD given in object form.
        if (method === 'GET' || method === 'HEAD') body = undefined;
      }
    } else {
      url = item;
    }
    const target = targetOf(url);
    return { host: new URL(target).host, run: () => request(method, url, body, params) };
  }

  async function batch(requests: BatchItem[] | Record<string, BatchItem>): Promise<Response[] | Record<string, Response>> {
    if (vu.inInit) throw new Error('Using batch in the init context is not supported');
    if (typeof requests !== 'object' || requests === null) throw new Error('http.batch() accepts only an array or an object of requests');
    if (Array.isArray(requests)) return runBatch(requests.map(batchJob), rt.http);
    const entries = Object.entries(requests);
    const responses = await runBatch(entries.map(([k, r]) => batchJob(r, k)), rt.http);
    return Object.fromEntries(entries.map(([k], i) => [k, responses[i]]));
  }

  const api = {
    request,
    asyncRequest: request,
    get: (url: Target, params?: Params) => request('GET', url, null, params),
    head: (url: Target, params?: Params) => request('HEAD', url, null, params),
    post: (url: Target, body?: Body, params?: Params) => request('POST', url, body, params),
    put: (url: Target, body?: Body, params?: Params) => request('PUT', url, body, params),
    patch: (url: Target, body?: Body, params?: Params) => request('PATCH', url, body, params),
    del: (url: Target, body?: Body, params?: Params) => request('DELETE', url, body, params),
    options: (url: Target, body?: Body, params?: Params) => request('OPTIONS', url, body, params),
    batch,
    cookieJar: () => vuJar,
    CookieJar: HttpCookieJar,
    expectedStatuses,
    setResponseCallback: (callback: ExpectedStatuses | null) => {
      defaultCallback = callbackWire(callback, 'setResponseCallback');
    },
    file,
    url: urlTemplate,
    ...TLS_AND_OCSP,
  };
  return { ...api, default: api };
}
