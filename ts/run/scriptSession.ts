/**
 * The main thread's side of a script run: reads the script's options in a lifecycle worker,
 * starts the VU workers once the engine exists, and runs setup(), teardown() and
 * handleSummary() when the engine asks. The main thread itself never runs script code.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Engine } from '../native';
import { DEFAULT_HTTP_SETTINGS, type HttpSettings } from './httpOptions';
import type { LifecyclePlan } from './plan';
import type { LifecycleReply, LifecycleRequest, WorkerSetup } from '../script/worker';
import type { ScenarioSpec } from '../script/vu';

const WORKER_FILE = join(__dirname, '..', 'script', 'worker.js');

export interface ScriptInfo {
  options: Record<string, unknown>;
  /** Exported functions. */
  exports: string[];
  /** Exported arrays (plain data), candidates for declarative request lists. */
  lists: Record<string, unknown[]>;
}

/** What the lifecycle loop reports while the test runs. */
export interface LifecycleEvents {
  /** An exception in setup() or teardown() (k6's exit code 107). */
  error(message: string): void;
  /** setup() or teardown() ran past its timeout (k6's exit codes 100 and 101). */
  timeout(step: 'setup' | 'teardown', ms: number): void;
}

/** A failure of the script itself (k6's exit code 107). */
export class ScriptError extends Error {}

export class LifecycleWorker {
  private readonly worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(setup: WorkerSetup) {
    this.worker = new Worker(WORKER_FILE, { workerData: setup, stdout: false, stderr: false });
    this.worker.unref();
  }

  /** One request at a time, in order. */
  call(request: LifecycleRequest): Promise<unknown> {
    const next = this.queue.then(
      () =>
        new Promise<unknown>((resolvePromise, reject) => {
          const onMessage = (reply: LifecycleReply) => {
            this.worker.off('error', onError);
            if (reply.ok) resolvePromise(reply.value);
            else reject(new ScriptError(reply.error));
          };
          const onError = (e: Error) => {
            this.worker.off('message', onMessage);
            reject(new ScriptError(e.message));
          };
          this.worker.once('message', onMessage);
          this.worker.once('error', onError);
          this.worker.postMessage(request);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** What the VU workers run, known once the options are read. */
export interface ScenarioRun {
  /** Every scenario, in the engine's order (request-list ones too: VUs find theirs by index). */
  scenarios: ScenarioSpec[];
  /** The most JS VUs at once: sizes the worker threads. */
  vusMax: number;
  /** k6's run-wide HTTP options, for every VU's k6/http (setup and teardown's too). */
  http: HttpSettings;
  /** The JS VUs the test starts with (k6 initialises them before it starts). */
  initialVus: number;
}

/**
 * One script worker thread per core but one, which the engine's I/O worker needs (VUs wait on
 * their requests far more than they run JS). On 2 cores, one script worker instead of two took
 * about a fifth less CPU per request at the same req/s (bench/script-path.js, 50 VUs): fewer
 * threads to wake, bigger batches per wake-up, one isolate to compile the script in.
 */
export function scriptWorkerCount(vusMax: number): number {
  return Math.max(1, Math.min(availableParallelism() - 1, vusMax));
}

export class ScriptSession {
  /** Runs setup(), teardown() and handleSummary() (and the REST API's POST /v1/setup, /v1/teardown). */
  lifecycle: LifecycleWorker;
  private readonly vuWorkersDone: Array<Promise<void>> = [];
  private hasSetup = false;
  private lifecycleLoop: Promise<void> = Promise.resolve();
  readonly scriptPath: string;

  private run: ScenarioRun;

  constructor(
    scriptPath: string,
    private readonly env: Record<string, string>,
  ) {
    this.scriptPath = resolve(scriptPath);
    this.run = { scenarios: [], vusMax: 1, http: DEFAULT_HTTP_SETTINGS, initialVus: 0 };
    this.lifecycle = new LifecycleWorker(this.workerSetup('lifecycle', 0, null));
  }

  configure(run: ScenarioRun): void {
    this.run = run;
  }

  get workerCount(): number {
    return scriptWorkerCount(this.run.vusMax);
  }

  private workerSetup(role: WorkerSetup['role'], index: number, handle: number | null): WorkerSetup {
    const { scenarios, http, initialVus } = this.run;
    return { role, index, handle, scriptPath: this.scriptPath, env: this.env, scenarios, http, workers: this.workerCount, initialVus };
  }

  async readScript(): Promise<ScriptInfo> {
    const info = (await this.lifecycle.call({ op: 'options' })) as ScriptInfo;
    this.hasSetup = info.exports.includes('setup');
    return info;
  }

  /** Starts the VU workers and answers the engine's setup/teardown requests. */
  async attach(engine: Engine, events: LifecycleEvents, timeouts: LifecyclePlan): Promise<void> {
    const onError = events.error;
    const handle = engine.scriptHandle();
    if (handle === null) throw new Error('the engine was not made for a script');
    await this.lifecycle.call({ op: 'attach', handle, http: this.run.http });
    const count = this.workerCount;
    const initialised: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_FILE, { workerData: this.workerSetup('vus', i, handle) });
      worker.on('error', (e) => onError(`script worker ${i} failed: ${e.message}`));
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      this.vuWorkersDone.push(exited);
      // Ready once its first VUs are initialised (or gone: its error is reported as it happens).
      initialised.push(Promise.race([new Promise<void>((done) => worker.once('message', () => done())), exited]));
    }
    // k6 initialises the first VUs before the test starts: the engine starts after them.
    await Promise.all(initialised);
    this.lifecycleLoop = (async () => {
      for (;;) {
        const step = await engine.nextLifecycle();
        if (step === null) return;
        try {
          // --no-setup / --no-teardown: k6 skips them (and their groups) altogether.
          if (step === 'setup' ? !timeouts.runSetup : !timeouts.runTeardown) continue;
          if (step === 'setup') {
            const done = await this.callWithin({ op: 'setup' }, timeouts.setupMs);
            if (done === null) {
              // k6: the test ends there, without iterations or teardown(); the summary follows.
              events.timeout('setup', timeouts.setupMs);
              engine.stop();
            } else if (this.hasSetup) {
              // k6 replaces whatever PUT /v1/setup stored when the script has a setup().
              engine.setSetupData((done.value as string | undefined) ?? null);
            }
          } else {
            const done = await this.callWithin({ op: 'teardown', data: engine.setupData() }, timeouts.teardownMs);
            if (done === null) events.timeout('teardown', timeouts.teardownMs);
          }
        } catch (e) {
          onError(e instanceof Error ? e.message : String(e));
          if (step === 'setup') engine.stop();
        } finally {
          engine.lifecycleDone();
        }
      }
    })();
  }

  /**
   * `request` in the lifecycle worker, given `ms` to answer: null when it did not, and then the
   * worker, stuck in the script, is replaced by a fresh one (handleSummary still runs, as in k6).
   */
  private async callWithin(request: LifecycleRequest, ms: number): Promise<{ value: unknown } | null> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<null>((resolveExpired) => {
      timer = setTimeout(() => resolveExpired(null), ms);
    });
    try {
      const done = await Promise.race([this.lifecycle.call(request).then((value) => ({ value })), expired]);
      if (done === null) {
        const stuck = this.lifecycle;
        this.lifecycle = new LifecycleWorker(this.workerSetup('lifecycle', 0, null));
        await stuck.terminate();
      }
      return done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** handleSummary(data) when the script exports it: its map of outputs, else undefined. */
  async handleSummary(data: unknown): Promise<Record<string, unknown> | undefined> {
    return (await this.lifecycle.call({ op: 'summary', data: JSON.stringify(data) })) as Record<string, unknown> | undefined;
  }

  async close(): Promise<void> {
    await this.lifecycleLoop;
    await Promise.all(this.vuWorkersDone);
    await this.lifecycle.terminate();
  }
}
