/**
 * One `volley run`: engine, REST API, banner, progress, end-of-test summary, exit code. The
 * control plane stays on this (main) thread; the engine runs on its own threads and script code
 * in worker threads.
 */
import { writeFileSync } from 'node:fs';
import { createApp } from '../api/app';
import { listen, type BoundApi } from '../api/server';
import type { SetupStore } from '../api/setup';
import type { ScriptLifecycle } from '../api/surface';
import { Engine, type MetricSnapshot } from '../native';
import { frameForStdout, renderTextSummary, serializeSummaryExport } from '../summary';
import type { SummaryData } from '../summary/types';
import { enableOutputs, outputWarnings, renderJunit } from '../output';
import { banner } from './banner';
import { ExitCode } from './exitCodes';
import { DEFAULT_LIFECYCLE, type RunPlan } from './plan';
import { completedIterations, LiveProgress, progressMode } from './progress';
import { ScriptError, type ScriptSession } from './scriptSession';
import { listenForTestAbort } from '../script/runtime';
import { buildSummaryData, thresholdTrendValues } from './summaryData';
import { bindSubmetrics, evaluateAll, metricOf, statsFor, ThresholdWatch, type PlannedThresholds } from './thresholdRun';

export interface RunIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
}

export const processIo: RunIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isStdOutTTY: Boolean(process.stdout.isTTY),
  isStdErrTTY: Boolean(process.stderr.isTTY),
};

/** Log lines in k6's logfmt shape on stderr. */
/** A logfmt line as k6's logger writes it; `fields` follow msg (k6's `hint`, say). */
function log(io: RunIo, level: 'info' | 'warning' | 'error', msg: string, fields: Record<string, string> = {}): void {
  const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('');
  io.err(`time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=${level} msg=${JSON.stringify(msg)}${extra}\n`);
}

interface ApiParts {
  setupData?: SetupStore;
  lifecycle?: ScriptLifecycle;
  taintedOf?: (metric: string) => boolean | null;
}

async function startApi(plan: RunPlan, engine: Engine, io: RunIo, parts: ApiParts): Promise<BoundApi | null | 'failed'> {
  if (!plan.address) return null;
  try {
    if (plan.apiExposed) {
      log(io, 'warning', `the REST API listens on ${plan.address.host}, reachable from the network${plan.apiToken ? ' (token required)' : ' without a token (--api-insecure)'}`);
    }
    const app = createApp(engine, { trendStats: plan.summaryTrendStats, loopback: !plan.apiExposed, token: plan.apiToken, ...parts });
    return await listen(app, plan.address);
  } catch (e) {
    const msg = `cannot start the REST API on ${plan.address.host}:${plan.address.port}: ${(e as Error).message}`;
    if (plan.addressExplicit) {
      log(io, 'error', msg);
      return 'failed';
    }
    log(io, 'warning', `${msg}; the test runs without it`);
    return null;
  }
}

function scriptApiParts(engine: Engine, session: ScriptSession): ApiParts {
  return {
    setupData: {
      get: () => engine.setupData() ?? undefined,
      set: (json) => engine.setSetupData(json ?? null),
    },
    lifecycle: {
      setup: async () => (await session.lifecycle.call({ op: 'setup' })) as string | undefined,
      teardown: async (data) => {
        await session.lifecycle.call({ op: 'teardown', data: data ?? null });
      },
    },
  };
}

/** handleSummary's map: `stdout`, `stderr` or file paths, values strings or ArrayBuffers. */
function writeSummaryOutputs(io: RunIo, outputs: Record<string, unknown>): void {
  for (const [target, value] of Object.entries(outputs)) {
    const text = typeof value === 'string' ? value : value instanceof ArrayBuffer ? Buffer.from(value) : JSON.stringify(value);
    if (target === 'stdout') io.out(String(text));
    else if (target === 'stderr') io.err(String(text));
    else writeFileSync(target, text);
  }
}

export async function runTest(plan: RunPlan, io: RunIo = processIo, session?: ScriptSession, planned: PlannedThresholds = { sets: [] }): Promise<number> {
  for (const warning of plan.warnings ?? []) log(io, 'warning', warning);
  const engine = new Engine(plan.engine);
  // Keys with a tag selector read the sub-metric the engine made for them.
  const thresholds = bindSubmetrics(planned, engine);
  // --out: the files are created now, so that a bad path fails before anything runs.
  const outputError = enableOutputs(engine, plan.outputs, plan.script?.thresholds);
  if (outputError) {
    log(io, 'error', outputError);
    if (session) await session.close();
    return ExitCode.InvalidConfig;
  }
  const watch = new ThresholdWatch(engine, thresholds, (keys) =>
    log(io, 'error', `thresholds on metrics '${keys.join("', '")}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`),
  );
  const api = await startApi(plan, engine, io, { ...(session ? scriptApiParts(engine, session) : {}), taintedOf: watch.taintedOf });
  if (api === 'failed') return ExitCode.CannotStartRestApi;
  if (!plan.quiet) io.out(`${banner(plan.engine, api ? api.url : null, session?.scriptPath)}\n`);
  else if (api) io.err(`REST API: ${api.url}\n`);

  let interruptedBySignal = false;
  let scriptFailed = false;
  let scriptAborted = false;
  /** setup() or teardown() ran past its timeout: k6's 100 or 101. */
  let lifecycleTimedOut: number | null = null;
  const onSignal = () => {
    if (interruptedBySignal) {
      // k6's second Ctrl+C: exit now, teardown unfinished. process.exit waits for the libuv
      // pool, where engine.wait() blocks until the run ends: releasing a teardown in flight
      // lets the (already stopped) run end at once.
      engine.lifecycleDone();
      process.exit(ExitCode.ExternalAbort);
    }
    interruptedBySignal = true;
    log(io, 'info', 'stopping the test (press Ctrl+C again to exit at once)');
    engine.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // exec.test.abort(): stop as on a signal; teardown and the summary still run (k6's 108).
  const abortListener = session
    ? listenForTestAbort((reason) => {
        // Once, from here: the aborting VU's own error line is lost when the stop interrupts it first.
        if (!scriptAborted) log(io, 'error', reason ? `test aborted: ${reason}` : 'test aborted');
        scriptAborted = true;
        engine.stop();
      })
    : null;

  const progress = new LiveProgress(plan.engine, engine, progressMode(plan.quiet, io.isStdOutTTY), io.out);
  progress.start();
  watch.start();
  try {
    if (session) {
      await session.attach(
        engine,
        {
          error: (message) => {
            scriptFailed = true;
            io.err(message.endsWith('\n') ? message : `${message}\n`);
          },
          timeout: (step, ms) => {
            lifecycleTimedOut ??= step === 'setup' ? ExitCode.SetupTimeout : ExitCode.TeardownTimeout;
            // k6's timeoutError: its message and hint.
            log(io, 'error', `${step}() execution timed out after ${(ms / 1000).toFixed(0)} seconds`, { hint: `You can increase the time limit via the ${step}Timeout option` });
          },
        },
        plan.script?.timeouts ?? DEFAULT_LIFECYCLE,
      );
    }
    engine.start();
    const result = await engine.wait();
    watch.stop();
    const trendStats = [...new Set([...plan.summaryTrendStats, ...statsFor(thresholds)])];
    const metrics: MetricSnapshot[] = engine.metrics(trendStats);
    // k6 prints its last block after the summary (its progress goroutine ends last); volley
    // prints it before, so that the summary ends the output.
    progress.finish(result.interruptedIterations, completedIterations(metrics));
    if (result.error) log(io, 'error', `engine error: ${result.error}`);

    const data: SummaryData = buildSummaryData({
      metrics,
      trendStats: plan.summaryTrendStats,
      timeUnit: plan.summaryTimeUnit,
      testRunDurationMs: engine.elapsedMs(),
      isStdOutTTY: io.isStdOutTTY,
      isStdErrTTY: io.isStdErrTTY,
      groups: engine.groups(),
      setupData: engine.setupData() ?? undefined,
    });
    const evaluated = evaluateAll(thresholds, metrics);
    let thresholdsFailed = false;
    for (const set of thresholds.sets) {
      const results = evaluated.get(set.key) ?? [];
      if (results.some((r) => !r.ok)) thresholdsFailed = true;
      // Keys selecting the same sub-metric share its entry (and its thresholds).
      const metric = data.metrics[metricOf(thresholds, set)];
      if (!metric) continue;
      metric.thresholds = { ...metric.thresholds, ...Object.fromEntries(results.map((r) => [r.threshold.source, { ok: r.ok }])) };
    }
    watch.record(evaluated);

    // As k6: a disabled summary (--no-summary, --summary-mode=disabled) also skips handleSummary()
    // and the --summary-export file.
    if (plan.summaryMode !== 'disabled') {
      const custom = session ? await session.handleSummary(data).catch((e: unknown) => {
        io.err(e instanceof ScriptError ? e.message : String(e));
        return undefined;
      }) : undefined;
      if (custom) writeSummaryOutputs(io, custom);
      else io.out(frameForStdout(renderTextSummary(data, { mode: plan.summaryMode, thresholdValues: thresholdTrendValues(data, metrics) })));
      if (plan.summaryExport) writeFileSync(plan.summaryExport, serializeSummaryExport(data));
    }
    if (plan.junit) writeFileSync(plan.junit, renderJunit({ thresholds: evaluated, groups: engine.groups(), durationMs: engine.elapsedMs() }));
    for (const warning of outputWarnings(engine.outputStats())) log(io, 'warning', warning);
    if (thresholdsFailed) {
      const failed = [...evaluated].filter(([, rs]) => rs.some((r) => !r.ok)).map(([k]) => k);
      log(io, 'error', `thresholds on metrics '${failed.join("', '")}' have been crossed`);
    }

    if (plan.linger && api) {
      if (!plan.quiet) io.out('The test is done, but --linger was enabled, so volley is waiting for Ctrl+C to continue...\n');
      await new Promise<void>((resolve) => {
        process.removeListener('SIGINT', onSignal);
        process.once('SIGINT', () => resolve());
      });
    }
    // Our own stops (signal, test.abort(), a failed setup()) also set `stopped`: they go first.
    if (interruptedBySignal) return ExitCode.ExternalAbort;
    if (scriptAborted) return ExitCode.ScriptAborted;
    if (scriptFailed) return ExitCode.ScriptException;
    if (lifecycleTimedOut !== null) return lifecycleTimedOut;
    // abortOnFail stops the run itself: that is a threshold failure (99), not an API stop.
    if (watch.abortedBy.length) return ExitCode.ThresholdsFailed;
    if (engine.status().stopped) return ExitCode.StoppedFromApi;
    if (thresholdsFailed) return ExitCode.ThresholdsFailed;
    return ExitCode.Ok;
  } finally {
    watch.stop();
    progress.stop();
    abortListener?.close();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (session) await session.close();
    if (api) await api.close();
  }
}
