/**
 * The JS end of a script worker thread's inbox (crates/node/src/inbox.rs): iteration grants and
 * responses come back from the engine's threads in batches, through one wake-up callback, and
 * are settled here. An addon `async fn` would settle every promise with a wake-up of its own; a
 * VU needs two per iteration (its grant, its response), so under load this is most of the cost
 * of crossing between the engine and JS.
 */
import type { ScriptHost, ScriptRequest, ScriptResponse } from '../native';

/** A response as the inbox delivers it: a text body comes as a string already. */
export type LinkResponse = Omit<ScriptResponse, 'body'> & { body?: Buffer | string | null };

interface Reply {
  resolve: (response: LinkResponse) => void;
  reject: (error: Error) => void;
}

// Event kinds and sizes in drain()'s flat array (see inbox.rs).
const GRANT = 0;
const RESPONSE = 1;
const FAILURE = 2;

export class HostLink {
  private readonly grants = new Map<number, (granted: boolean) => void>();
  private readonly replies = new Map<number, Reply>();
  private lastToken = 0;

  constructor(readonly host: ScriptHost) {
    host.listen(() => this.deliver());
  }

  /** Resolves true when the executor grants `vu` an iteration, false when it never will again. */
  nextIteration(vu: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.grants.set(vu, resolve);
      this.host.waitIteration(vu);
    });
  }

  /** ScriptHost.request, through the inbox. */
  request(vu: number, request: ScriptRequest): Promise<LinkResponse> {
    return new Promise((resolve, reject) => {
      const token = (this.lastToken = (this.lastToken + 1) >>> 0);
      this.replies.set(token, { resolve, reject });
      try {
        this.host.send(vu, token, request);
      } catch (e) {
        this.replies.delete(token);
        reject(e as Error);
      }
    });
  }

  /** The worker is done: the callback no longer keeps anything alive. */
  close(): void {
    this.host.unlisten();
  }

  private deliver(): void {
    const ev = this.host.drain();
    let i = 0;
    while (i < ev.length) {
      switch (ev[i]) {
        case GRANT: {
          const vu = ev[i + 1] as number;
          const resolve = this.grants.get(vu);
          this.grants.delete(vu);
          resolve?.(ev[i + 2] as boolean);
          i += 3;
          break;
        }
        case RESPONSE: {
          const token = ev[i + 1] as number;
          const flat = ev[i + 5] as string[];
          const headers = new Array<{ name: string; value: string }>(flat.length >> 1);
          for (let h = 0; h < flat.length; h += 2) headers[h >> 1] = { name: flat[h], value: flat[h + 1] };
          const response: LinkResponse = {
            status: ev[i + 2] as number,
            statusText: ev[i + 3] as string,
            proto: ev[i + 4] as string,
            headers,
            body: ev[i + 6] as Buffer | string | null,
            timings: {
              blocked: ev[i + 7] as number,
              connecting: ev[i + 8] as number,
              tlsHandshaking: ev[i + 9] as number,
              sending: ev[i + 10] as number,
              waiting: ev[i + 11] as number,
              receiving: ev[i + 12] as number,
              duration: ev[i + 13] as number,
            },
            error: ev[i + 14] as string,
            errorCode: ev[i + 15] as number,
          };
          const reply = this.replies.get(token);
          this.replies.delete(token);
          reply?.resolve(response);
          i += 16;
          break;
        }
        case FAILURE: {
          const token = ev[i + 1] as number;
          const reply = this.replies.get(token);
          this.replies.delete(token);
          reply?.reject(new Error(ev[i + 2] as string));
          i += 3;
          break;
        }
        default:
          throw new Error(`unknown inbox event ${String(ev[i])}`);
      }
    }
  }
}
