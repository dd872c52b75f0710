/**
 * One script worker thread's runtime: the engine host, the VUs it hosts, and the built-in
 * modules each VU imports (one instance per VU, made by the factories in modules/).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { ScriptHost } from '../native';
import { DEFAULT_HTTP_SETTINGS, type HttpSettings } from '../run/httpOptions';
import { HostLink } from './hostLink';
import { createCrypto } from './modules/crypto';
import { createData } from './modules/data';
import { createEncoding } from './modules/encoding';
import { createExecution } from './modules/execution';
import { createHtml } from './modules/html';
import { createHttp } from './modules/http';
import { createK6 } from './modules/k6';
import { createMetrics } from './modules/metrics';
import { VuContext, type HostSource, type ScenarioInfo } from './vu';

export const RUNTIME_KEY = Symbol.for('volley.runtime');

/**
 * exec.test.abort() in any script thread reaches the main thread on this channel, which stops
 * the engine and exits with k6's 108 (ScriptAborted). One run per process: every listener in the
 * process hears every abort.
 */
const TEST_ABORT_CHANNEL = 'volley:exec.test.abort';
let abortSender: BroadcastChannel | null = null;

export function announceTestAbort(reason: string): void {
  if (!abortSender) {
    abortSender = new BroadcastChannel(TEST_ABORT_CHANNEL);
    abortSender.unref();
  }
  abortSender.postMessage(reason);
}

export interface TestAbortListener {
  /** Whether an abort was heard; waits one turn of the event loop for one already on its way. */
  heard(): Promise<boolean>;
  close(): void;
}

/** On the main thread: calls `onAbort` with the script's reason ("" without one). */
export function listenForTestAbort(onAbort: (reason: string) => void = () => {}): TestAbortListener {
  let heard = false;
  const channel = new BroadcastChannel(TEST_ABORT_CHANNEL);
  channel.unref();
  channel.onmessage = (event) => {
    heard = true;
    onAbort(String((event as { data: unknown }).data));
  };
  return {
    heard: () => new Promise((resolveHeard) => setImmediate(() => resolveHeard(heard))),
    close: () => channel.close(),
  };
}

type ModuleObject = Record<string, unknown>;

export class Runtime implements HostSource {
  readonly vus = new Map<number, VuContext>();
  private readonly modules = new Map<string, ModuleObject>();
  private readonly files = new Map<string, Buffer>();
  private attached: { host: ScriptHost; link: HostLink } | null = null;
  /** The script's options for k6/execution's `test.options` (set once a VU loaded the script). */
  testOptions: Record<string, unknown> | null = null;
  /** k6's run-wide HTTP options (given by the main thread before any VU runs). */
  http: HttpSettings = DEFAULT_HTTP_SETTINGS;
  onAbort: (reason: string) => void = announceTestAbort;

  constructor(
    readonly scriptPath: string,
    readonly env: Record<string, string>,
    readonly scenario: ScenarioInfo,
  ) {}

  install(): void {
    (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = this;
  }

  /** VU `id`, made on first use with the run's `__ENV` (`activate` gives it its scenario). */
  vu(id: number): VuContext {
    let vu = this.vus.get(id);
    if (!vu) {
      vu = new VuContext(id, this.scenario, this.env);
      this.vus.set(id, vu);
    }
    return vu;
  }

  get host(): ScriptHost | null {
    return this.attached?.host ?? null;
  }

  /** Attaching a host also opens its inbox (hostLink.ts); null closes it. */
  set host(host: ScriptHost | null) {
    this.attached?.link.close();
    this.attached = host ? { host, link: new HostLink(host) } : null;
  }

  requireHost(): ScriptHost {
    return this.requireLink().host;
  }

  requireLink(): HostLink {
    if (!this.attached) throw new Error('this needs a running test: not available while reading options');
    return this.attached.link;
  }

  /** Called from the ESM shims: the module `name` as VU `vuId` sees it. */
  builtin(name: string, vuId: number): ModuleObject {
    const key = `${name}#${vuId}`;
    let m = this.modules.get(key);
    if (!m) {
      m = this.make(name, this.vu(vuId));
      this.modules.set(key, m);
    }
    return m;
  }

  private make(name: string, vu: VuContext): ModuleObject {
    switch (name) {
      case 'k6':
        return createK6(vu, this);
      case 'k6/http':
        return createHttp(vu, this);
      case 'k6/metrics':
        return createMetrics(vu, this);
      case 'k6/execution':
        return createExecution(vu, this, (reason) => this.onAbort(reason));
      case 'k6/data':
        return createData();
      case 'k6/encoding':
        return createEncoding();
      case 'k6/crypto':
        return createCrypto();
      case 'k6/html':
        return createHtml();
      case 'volley:vu':
        return {
          __ENV: vu.env,
          open: (path: string, mode?: string) => this.open(vu, path, mode),
          onIteration: (listener: (n: number) => void) => vu.onIteration(listener),
          default: undefined,
        };
      default:
        throw new Error(`unknown built-in module ${name}`);
    }
  }

  /** k6's open(): a file next to the script, text or (mode "b") an ArrayBuffer; init context only. */
  private open(vu: VuContext, path: string, mode?: string): string | ArrayBuffer {
    if (!vu.inInit) throw new Error('open() can only be called from the init context');
    const file = resolve(dirname(this.scriptPath), path);
    let bytes = this.files.get(file);
    if (!bytes) {
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new Error(`open(${JSON.stringify(path)}): ${(e as Error).message}`);
      }
      this.files.set(file, bytes);
    }
    if (mode === 'b') return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return bytes.toString('utf8');
  }
}
