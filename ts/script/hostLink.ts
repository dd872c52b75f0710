/**
 * The JS end of a script worker thread's inbox (crates/node/src/inbox.rs): iteration grants and
 * responses come back from the engine's threads in batches, through one wake-up callback, and
 * are settled here. An addon `async fn` would settle every promise with a wake-up of its own; a
 * VU needs two per iteration (its grant, its response), so under load this is most of the cost
 * of crossing between the engine and JS.
 */
import {
  scriptHostAddMetricSample,
  scriptHostDrain,
  scriptHostFlush,
  scriptHostRecordCheck,
  scriptHostRecordGroup,
  scriptHostResend,
  scriptHostSend,
  scriptHostWaitIteration,
} from '../native';
import type { HeaderPair, ScriptHost, ScriptRequest } from '../native';

/**
 * A response as the inbox delivers it: a text body comes as a string already, and the headers as
 * one string `name\0value\0name\0value...` (names as received, repeated ones joined), split
 * only if the script looks at them (see `splitHeaders`).
 */
export interface LinkResponse {
  status: number;
  /** `200 OK`; "" without a response. */
  statusText: string;
  proto: string;
  headers: string;
  body?: Buffer | string | null;
  /** k6's `res.timings`, in milliseconds. */
  timings: { blocked: number; connecting: number; tlsHandshaking: number; sending: number; waiting: number; receiving: number; duration: number };
  error: string;
  errorCode: number;
}

/** A LinkResponse's headers as a flat list `[name, value, name, value, ...]`. */
export function splitHeaders(joined: string): string[] {
  return joined === '' ? [] : joined.split('\0');
}

interface Reply {
  resolve: (response: LinkResponse) => void;
  reject: (error: Error) => void;
}

// Event kinds and sizes in drain()'s flat array (see inbox.rs).
const GRANT = 0;
const RESPONSE = 1;
const FAILURE = 2;

/**
 * Every field of a ScriptRequest, as `sameRequest` compares it: a field added to ScriptRequest
 * and not here fails to compile, so no request can be resent with a stale field.
 */
const COMPARED: Record<keyof ScriptRequest, 'value' | 'never-same' | 'pairs'> = {
  method: 'value',
  url: 'value',
  timeoutMs: 'value',
  responseType: 'value',
  group: 'value',
  scenario: 'value',
  expectedStatuses: 'value',
  // A body Buffer may view memory the script changed since.
  body: 'never-same',
  headers: 'pairs',
  tags: 'pairs',
};
void COMPARED;

/**
 * Whether `b` is `a` again, field by field as COMPARED says (written out: a generic loop over the
 * keys costs more than the resend saves). No body is ever the same.
 */
export function sameRequest(a: ScriptRequest, b: ScriptRequest): boolean {
  if (a.method !== b.method || a.url !== b.url || a.timeoutMs !== b.timeoutMs) return false;
  if (a.responseType !== b.responseType || a.group !== b.group || a.scenario !== b.scenario) return false;
  if (a.expectedStatuses !== b.expectedStatuses) return false;
  if (a.body !== undefined || b.body !== undefined) return false;
  return samePairs(a.headers, b.headers) && samePairs(a.tags, b.tags);
}

/** Header or tag lists (tags: the same array while the VU's tags do not change), pair by pair. */
function samePairs(x: HeaderPair[] | undefined, y: HeaderPair[] | undefined): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i].name !== y[i].name || x[i].value !== y[i].value) return false;
  return true;
}

export class HostLink {
  // Arrays, not Maps: a Map that fills and empties at every request keeps rehashing.
  /** By VU id: who waits for the VU's next grant. */
  private readonly grants: Array<((iteration: number | null) => void) | undefined> = [];
  /** By token: who waits for a response. A token is free again once its event came. */
  private readonly replies: Array<Reply | undefined> = [];
  private readonly freeTokens: number[] = [];
  /** Each VU's last request sent: the addon keeps it rendered for `resend`. */
  private readonly lastSent = new Map<number, ScriptRequest>();
  private flushDue = false;
  private readonly flush = () => {
    this.flushDue = false;
    scriptHostFlush(this.id);
  };
  /** The host's listener id: the hot calls go through `scriptHost*(id, ...)`, not its methods. */
  private readonly id: number;

  constructor(readonly host: ScriptHost) {
    this.id = host.listen(() => this.deliver());
  }

  /**
   * Reports the end of `vu`'s iteration (`done`: whether it completed; undefined before the
   * first) and resolves with the number in its scenario of the iteration the executor grants it
   * next (from 0), or null when it never will grant another.
   */
  nextIteration(vu: number, done?: boolean, tags?: HeaderPair[]): Promise<number | null> {
    return new Promise((resolve) => {
      this.grants[vu] = resolve;
      // The tags end the last iteration (its samples carry them): only with `done`.
      scriptHostWaitIteration(this.id, vu, done, done === undefined ? undefined : tags);
      this.flushSoon();
    });
  }

  /** ScriptHost.request, through the inbox. */
  request(vu: number, request: ScriptRequest): Promise<LinkResponse> {
    return new Promise((resolve, reject) => {
      const token = this.freeTokens.pop() ?? this.replies.length;
      this.replies[token] = { resolve, reject };
      try {
        const last = this.lastSent.get(vu);
        if (last !== undefined && sameRequest(last, request)) {
          scriptHostResend(this.id, vu, token);
        } else {
          scriptHostSend(this.id, vu, token, request);
          this.lastSent.set(vu, request);
        }
        this.flushSoon();
      } catch (e) {
        this.takeReply(token);
        reject(e as Error);
      }
    });
  }

  /**
   * ScriptHost.recordCheck (k6's check()), without the method call's cost. `scenario`: the VU's
   * scenario index; `tags`: the VU's and the check's user tags.
   */
  recordCheck(groupPath: string, name: string, passed: boolean, scenario?: number, tags?: HeaderPair[]): void {
    scriptHostRecordCheck(this.id, groupPath, name, passed, scenario, tags);
  }

  /** ScriptHost.recordGroup (the end of k6's group()). */
  recordGroup(path: string, tookMs: number, scenario?: number, tags?: HeaderPair[]): void {
    scriptHostRecordGroup(this.id, path, tookMs, scenario, tags);
  }

  /** ScriptHost.addMetricSample (a custom metric's add()). */
  addMetricSample(name: string, kind: string, isTime: boolean, value: number, group?: string | null, scenario?: number, tags?: HeaderPair[]): void {
    scriptHostAddMetricSample(this.id, name, kind, isTime, value, group, scenario, tags);
  }

  /**
   * The addon holds the work of waitIteration and send until flush(): once this thread has run
   * everything it can (the VUs whose events it just settled), one wake-up per engine worker
   * starts all of it.
   */
  private flushSoon(): void {
    if (this.flushDue) return;
    this.flushDue = true;
    setImmediate(this.flush);
  }

  /** The worker is done: the callback no longer keeps anything alive. */
  close(): void {
    this.host.unlisten();
  }

  private takeReply(token: number): Reply | undefined {
    const reply = this.replies[token];
    if (reply !== undefined) {
      this.replies[token] = undefined;
      this.freeTokens.push(token);
    }
    return reply;
  }

  private deliver(): void {
    const out = scriptHostDrain(this.id);
    const n = out[0] as Float64Array;
    let v = 1; // the next value in `out`
    let i = 0;
    while (i < n.length) {
      switch (n[i]) {
        case GRANT: {
          const vu = n[i + 1];
          const resolve = this.grants[vu];
          this.grants[vu] = undefined;
          resolve?.(n[i + 2] >= 0 ? n[i + 2] : null);
          i += 3;
          break;
        }
        case RESPONSE: {
          const token = n[i + 1];
          const response: LinkResponse = {
            status: n[i + 2],
            statusText: out[v] as string,
            proto: out[v + 1] as string,
            headers: out[v + 2] as string,
            body: out[v + 3] as Buffer | string | null,
            timings: {
              blocked: n[i + 3],
              connecting: n[i + 4],
              tlsHandshaking: n[i + 5],
              sending: n[i + 6],
              waiting: n[i + 7],
              receiving: n[i + 8],
              duration: n[i + 9],
            },
            error: out[v + 4] as string,
            errorCode: n[i + 10],
          };
          this.takeReply(token)?.resolve(response);
          i += 11;
          v += 5;
          break;
        }
        case FAILURE: {
          const token = n[i + 1];
          this.takeReply(token)?.reject(new Error(out[v] as string));
          i += 2;
          v += 1;
          break;
        }
        default:
          throw new Error(`unknown inbox event ${String(n[i])}`);
      }
    }
  }
}
