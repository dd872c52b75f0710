/**
 * One `volley run`: engine, REST API, banner, progress, end-of-test summary, exit code.
 * The control plane stays on this (main) thread; the engine runs on its own threads.
 */
import { writeFileSync } from 'node:fs';
import { createApp } from '../api/app';
import { listen, type BoundApi } from '../api/server';
import { Engine, type MetricSnapshot } from '../native';
import { frameForStdout, renderTextSummary, serializeSummaryExport } from '../summary';
import { banner } from './banner';
import { ExitCode } from './exitCodes';
import type { RunPlan } from './plan';
import { completedIterations, progressLine } from './progress';
import { buildSummaryData } from './summaryData';

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

async function startApi(plan: RunPlan, engine: Engine, io: RunIo): Promise<BoundApi | null | 'failed'> {
  if (!plan.address) return null;
  try {
    if (plan.apiExposed) {
      log(io, 'warning', `the REST API listens on ${plan.address.host}, reachable from the network${plan.apiToken ? ' (token required)' : ' without a token (--api-insecure)'}`);
    }
    const app = createApp(engine, { trendStats: plan.summaryTrendStats, loopback: !plan.apiExposed, token: plan.apiToken });
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

export async function runTest(plan: RunPlan, io: RunIo = processIo): Promise<number> {
  const engine = new Engine(plan.engine);
  const api = await startApi(plan, engine, io);
  if (api === 'failed') return ExitCode.CannotStartRestApi;
  if (!plan.quiet) io.out(`${banner(plan.engine, api ? api.url : null)}\n`);
  else if (api) io.err(`REST API: ${api.url}\n`);

  let interruptedBySignal = false;
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
  try {
    engine.start();
    const result = await engine.wait();
    if (progress) clearInterval(progress);
    const metrics: MetricSnapshot[] = engine.metrics(plan.summaryTrendStats);
    if (!plan.quiet) {
      const line = progressLine(engine.status(), engine.elapsedMs(), completedIterations(metrics), result.interruptedIterations);
      io.out(`${line}\n`);
    }
    if (result.error) log(io, 'error', `engine error: ${result.error}`);

    const data = buildSummaryData({
      metrics,
      trendStats: plan.summaryTrendStats,
      testRunDurationMs: engine.elapsedMs(),
      isStdOutTTY: io.isStdOutTTY,
      isStdErrTTY: io.isStdErrTTY,
    });
    if (plan.summaryMode !== 'disabled') {
      io.out(frameForStdout(renderTextSummary(data, { mode: plan.summaryMode })));
    }
    if (plan.summaryExport) writeFileSync(plan.summaryExport, serializeSummaryExport(data));

    if (plan.linger && api) {
      if (!plan.quiet) io.out("The test is done, but --linger was enabled, so volley is waiting for Ctrl+C to continue...\n");
      await new Promise<void>((resolve) => {
        process.removeListener('SIGINT', onSignal);
        process.once('SIGINT', () => resolve());
      });
    }
    if (interruptedBySignal) return ExitCode.ExternalAbort;
    if (engine.status().stopped) return ExitCode.StoppedFromApi;
    return ExitCode.Ok;
  } finally {
    if (progress) clearInterval(progress);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (api) await api.close();
  }
}
