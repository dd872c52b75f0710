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
import { banner } from './banner';
import { ExitCode } from './exitCodes';
import type { RunPlan } from './plan';
import { completedIterations, progressLine } from './progress';
import { ScriptError, type ScriptSession } from './scriptSession';
import { buildSummaryData } from './summaryData';
import { evaluateAll, statsFor, watchThresholds, type PlannedThresholds } from './thresholdRun';

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
function log(io: RunIo, level: 'info' | 'warning' | 'error', msg: string): void {
  io.err(`time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=${level} msg=${JSON.stringify(msg)}\n`);
}

interface ApiParts {
  setupData?: SetupStore;
  lifecycle?: ScriptLifecycle;
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

export async function runTest(plan: RunPlan, io: RunIo = processIo, session?: ScriptSession, thresholds: PlannedThresholds = { sets: [], skipped: [] }): Promise<number> {
  const engine = new Engine(plan.engine);
  for (const key of thresholds.skipped) log(io, 'warning', `the threshold on "${key}" is not evaluated: sub-metric selectors other than {expected_response:true} are not supported yet`);
  const api = await startApi(plan, engine, io, session ? scriptApiParts(engine, session) : {});
  if (api === 'failed') return ExitCode.CannotStartRestApi;
  if (!plan.quiet) io.out(`${banner(plan.engine, api ? api.url : null, session?.scriptPath)}\n`);
  else if (api) io.err(`REST API: ${api.url}\n`);

  let interruptedBySignal = false;
  let scriptFailed = false;
  const onSignal = () => {
    if (interruptedBySignal) process.exit(ExitCode.ExternalAbort);
    interruptedBySignal = true;
    log(io, 'info', 'stopping the test (press Ctrl+C again to exit at once)');
    engine.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const progress = plan.quiet
    ? null
    : setInterval(() => {
        const line = progressLine(engine.status(), engine.elapsedMs(), completedIterations(engine.metrics([])), 0);
        io.out(`${line}\n`);
      }, 1000);
  const stopWatching = watchThresholds(engine, thresholds);
  try {
    if (session) {
      await session.attach(engine, (message) => {
        scriptFailed = true;
        io.err(message.endsWith('\n') ? message : `${message}\n`);
      });
    }
    engine.start();
    const result = await engine.wait();
    stopWatching();
    if (progress) clearInterval(progress);
    const trendStats = [...new Set([...plan.summaryTrendStats, ...statsFor(thresholds)])];
    const metrics: MetricSnapshot[] = engine.metrics(trendStats);
    if (!plan.quiet) {
      const line = progressLine(engine.status(), engine.elapsedMs(), completedIterations(metrics), result.interruptedIterations);
      io.out(`${line}\n`);
    }
    if (result.error) log(io, 'error', `engine error: ${result.error}`);

    const data: SummaryData = buildSummaryData({
      metrics,
      trendStats: plan.summaryTrendStats,
      testRunDurationMs: engine.elapsedMs(),
      isStdOutTTY: io.isStdOutTTY,
      isStdErrTTY: io.isStdErrTTY,
      groups: engine.groups(),
      setupData: engine.setupData() ?? undefined,
    });
    const evaluated = evaluateAll(thresholds, metrics);
    let thresholdsFailed = false;
    for (const [key, results] of evaluated) {
      const metric = data.metrics[key];
      if (!metric) continue;
      metric.thresholds = Object.fromEntries(results.map((r) => [r.threshold.source, { ok: r.ok }]));
      if (results.some((r) => !r.ok)) thresholdsFailed = true;
    }
    engine.setTainted(thresholdsFailed);

    const custom = session ? await session.handleSummary(data).catch((e: unknown) => {
      io.err(e instanceof ScriptError ? e.message : String(e));
      return undefined;
    }) : undefined;
    if (custom) writeSummaryOutputs(io, custom);
    else if (plan.summaryMode !== 'disabled') io.out(frameForStdout(renderTextSummary(data, { mode: plan.summaryMode })));
    if (plan.summaryExport) writeFileSync(plan.summaryExport, serializeSummaryExport(data));
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
    if (interruptedBySignal) return ExitCode.ExternalAbort;
    if (engine.status().stopped) return ExitCode.StoppedFromApi;
    if (thresholdsFailed) return ExitCode.ThresholdsFailed;
    if (scriptFailed) return ExitCode.ScriptException;
    return ExitCode.Ok;
  } finally {
    stopWatching();
    if (progress) clearInterval(progress);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (session) await session.close();
    if (api) await api.close();
  }
}
