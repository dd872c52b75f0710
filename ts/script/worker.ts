/**
 * A script worker thread. Role "vus": hosts the VUs the engine assigns to it, many per thread,
 * each an async loop of iterations granted by the engine's executor. Role "lifecycle": reads
 * the script's options and runs setup(), teardown() and handleSummary() as VU 0.
 */
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { ScriptHost, type ClaimedVu } from '../native';
import { errorLine, installConsole, logLine } from './log';
import { installPendingResponseGuard } from './pendingGuard';
import { Runtime } from './runtime';
import type { ScenarioSpec } from './vu';
import type { HttpSettings } from '../run/httpOptions';

export interface WorkerSetup {
  role: 'vus' | 'lifecycle';
  index: number;
  handle: number | null;
  scriptPath: string;
  /** The run's environment (`__ENV` of setup() and teardown()). */
  env: Record<string, string>;
  /** The run's scenarios, in the engine's order (a claimed VU names its scenario by index). */
  scenarios: ScenarioSpec[];
  /** k6's run-wide HTTP options (the lifecycle worker gets them with `attach`). */
  http: HttpSettings;
  /** VU workers: how many there are (VU ids go to workers by id % workers)... */
  workers: number;
  /** ...and how many VUs the test starts with: they are initialised before it starts. */
  initialVus: number;
}

/** What a VU worker tells the main thread: its share of the first VUs is initialised. */
export interface VuWorkerReady {
  initialised: true;
}

export type LifecycleRequest =
  | { op: 'options' }
  | { op: 'attach'; handle: number; http: HttpSettings }
  | { op: 'setup' }
  | { op: 'teardown'; data: string | null }
  | { op: 'summary'; data: string };

export type LifecycleReply =
  | { ok: true; value?: unknown }
  | { ok: false; error: string };

type ScriptModule = Record<string, unknown>;

const setup = workerData as WorkerSetup;
const write = (line: string) => process.stderr.write(line);
installConsole(write);
installPendingResponseGuard();
Error.stackTraceLimit = 50;
register(pathToFileURL(join(__dirname, 'hooks.js')));

// The lifecycle VU 0 belongs to no scenario.
const runtime = new Runtime(setup.scriptPath, setup.env, { name: '', executor: '', startTime: 0 });
runtime.http = setup.http;
runtime.install();
const scriptUrl = pathToFileURL(setup.scriptPath).href;

function importFor(vu: number): Promise<ScriptModule> {
  return import(`${scriptUrl}?vu=${vu}`) as Promise<ScriptModule>;
}

/**
 * VUs of this thread whose init code (module load) runs: k6 initialises VUs before their first
 * iteration is timed, but here they share one thread, so one VU's init would stall another's
 * timed iteration. A VU done with its init waits until none is left before it asks for work.
 */
let initialising = 0;
let initWaiters: Array<() => void> = [];

async function initialisedTogether(): Promise<void> {
  initialising -= 1;
  if (initialising === 0) {
    const waiters = initWaiters;
    initWaiters = [];
    for (const w of waiters) w();
    return;
  }
  await new Promise<void>((resolve) => initWaiters.push(resolve));
}

async function runVu(host: ScriptHost, claimed: ClaimedVu): Promise<void> {
  const { id } = claimed;
  const scenario = setup.scenarios[claimed.scenario];
  const vu = runtime.vu(id);
  vu.activate({ ...scenario, index: claimed.scenario }, scenario.env);
  // k6 tags a VU's samples with its scenario and the scenario's tags (js/runner.go, Activate);
  // `scenario.tags` holds the test's `options.tags` under the scenario's own.
  vu.tags.assign({ scenario: scenario.name, ...scenario.tags });
  const link = runtime.requireLink();
  let fn: ((data: unknown) => unknown) | null = null;
  // k6 empties the VU's cookie jar before each iteration unless `noCookiesReset` (js/runner.go, runFn).
  let resetCookies = true;
  initialising += 1;
  try {
    const mod = await importFor(id);
    resetCookies = (mod.options as { noCookiesReset?: unknown } | undefined)?.noCookiesReset !== true;
    runtime.testOptions ??= Object.freeze(plain(mod.options ?? {}) as Record<string, unknown>);
    const exported = mod[scenario.exec];
    if (typeof exported !== 'function') throw new Error(`the script exports no function named "${scenario.exec}"`);
    fn = exported as (data: unknown) => unknown;
  } catch (e) {
    write(errorLine(e));
  }
  vu.inInit = false;
  await initialisedTogether();
  let done: boolean | undefined; // how the last iteration ended, reported with the next wait
  for (;;) {
    const inScenario = await link.nextIteration(id, done, vu.tags.pairs());
    if (inScenario === null) break;
    vu.nextIteration(inScenario);
    if (resetCookies) vu.cookies.clearAll();
    if (!vu.setupDataLoaded) {
      const json = host.setupData();
      vu.setupData = json == null ? undefined : JSON.parse(json);
      vu.setupDataLoaded = true;
    }
    let ok = fn !== null;
    if (fn) {
      try {
        await fn(vu.setupData);
      } catch (e) {
        ok = false;
        if (!host.isInterrupted(id)) write(errorLine(e));
      }
    }
    done = ok;
  }
}

/**
 * k6 initialises the test's VUs before it starts: this thread's share of the first ones (their
 * module instances, init code included) loads before the engine starts its clock, so that no
 * iteration waits for a module load (an arrival-rate scenario would drop those). VUs the test
 * adds later are initialised when they are claimed. An init error is reported by the VU's claim.
 */
async function initialiseFirstVus(): Promise<void> {
  const loads: Array<Promise<unknown>> = [];
  for (let id = 1; id <= setup.initialVus; id++) {
    if (id % setup.workers !== setup.index) continue;
    runtime.vu(id);
    loads.push(importFor(id).catch(() => undefined));
  }
  await Promise.all(loads);
}

async function hostVus(): Promise<void> {
  const host = ScriptHost.attach(setup.handle as number);
  runtime.host = host;
  await initialiseFirstVus();
  parentPort?.postMessage({ initialised: true } satisfies VuWorkerReady);
  const running: Array<Promise<void>> = [];
  for (;;) {
    const vu = await host.claimVu(setup.index);
    if (vu === null) break;
    running.push(runVu(host, vu));
  }
  // The host stays attached: script code a VU left running (a timer) may still record. Its
  // inbox keeps the thread alive only while something is outstanding.
  await Promise.all(running);
}

/** Only what survives JSON goes back: k6 options are plain data. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

async function lifecycle(request: LifecycleRequest): Promise<unknown> {
  const vu = runtime.vu(0);
  const mod = await importFor(0);
  switch (request.op) {
    case 'options':
      return {
        options: plain(mod.options) ?? {},
        exports: Object.keys(mod).filter((k) => typeof mod[k] === 'function'),
        // Exported arrays may be declarative request lists (a scenario's `exec`).
        lists: Object.fromEntries(Object.entries(mod).filter(([, v]) => Array.isArray(v)).map(([k, v]) => [k, plain(v)])),
      };
    case 'attach':
      runtime.host = ScriptHost.attach(request.handle);
      runtime.http = request.http;
      return undefined;
    case 'setup': {
      if (typeof mod.setup !== 'function') return undefined;
      vu.inInit = false;
      vu.groupPath = '::setup';
      // k6 puts the group in the tree when setup() runs, checks or no checks.
      runtime.host?.ensureGroup('::setup');
      try {
        const data = await (mod.setup as () => unknown)();
        return data === undefined ? undefined : JSON.stringify(data);
      } finally {
        vu.groupPath = '';
      }
    }
    case 'teardown': {
      if (typeof mod.teardown !== 'function') return undefined;
      vu.inInit = false;
      vu.groupPath = '::teardown';
      // k6 puts the group in the tree when teardown() runs, checks or no checks.
      runtime.host?.ensureGroup('::teardown');
      try {
        await (mod.teardown as (d: unknown) => unknown)(request.data == null ? undefined : JSON.parse(request.data));
      } finally {
        vu.groupPath = '';
      }
      return undefined;
    }
    case 'summary': {
      if (typeof mod.handleSummary !== 'function') return undefined;
      const result = await (mod.handleSummary as (d: unknown) => unknown)(JSON.parse(request.data));
      return plain(result);
    }
  }
}

if (setup.role === 'vus') {
  hostVus().catch((e) => {
    write(logLine('error', `script worker ${setup.index} failed: ${(e as Error).stack ?? String(e)}`));
    process.exitCode = 1;
  });
} else {
  parentPort?.on('message', (request: LifecycleRequest) => {
    lifecycle(request).then(
      (value) => parentPort?.postMessage({ ok: true, value } satisfies LifecycleReply),
      (e: unknown) => parentPort?.postMessage({ ok: false, error: errorLine(e) } satisfies LifecycleReply),
    );
  });
}
