/** `volley run script.js`: the script's options, overridden by flags, to a plan and a session. */
import { existsSync } from 'node:fs';
import { ConfigError, parseEnv, parseShortcuts, sidePlan, type RunFlags, type RunPlan } from './plan';
import { toRequestList } from './requestList';
import { poolSize, scenarioFromOptions } from './scriptPlan';
import { ScriptSession } from './scriptSession';
import { planThresholds, type PlannedThresholds } from './thresholdRun';

export interface ScriptRun {
  plan: RunPlan;
  /** Absent for a declarative request list: no JS runs during the test. */
  session?: ScriptSession;
  thresholds: PlannedThresholds;
}

export async function planScriptRun(scriptPath: string, flags: RunFlags): Promise<ScriptRun> {
  if (flags.url) throw new ConfigError('give either a script or --url, not both');
  if (!existsSync(scriptPath)) throw new ConfigError(`the script "${scriptPath}" does not exist`);
  if (!/\.(m?js|ts)$/.test(scriptPath)) throw new ConfigError(`the script "${scriptPath}" is not a .js, .mjs or .ts file`);
  const shortcuts = parseShortcuts(flags);
  const env = parseEnv(flags.env);
  const side = sidePlan(flags);
  const session = new ScriptSession(scriptPath, env);
  try {
    const info = await session.readScript();
    const scenario = scenarioFromOptions(info.options, shortcuts);
    const thresholds = planThresholds(info.options.thresholds);
    const list = info.lists[scenario.exec];
    if (list) {
      const lifecycle = ['setup', 'teardown', 'handleSummary'].filter((f) => info.exports.includes(f));
      if (lifecycle.length) {
        throw new ConfigError(`the scenario runs the request list "${scenario.exec}" without JS, so ${lifecycle.join(', ')} would not run: remove them or use a function`);
      }
      await session.close();
      const engine = { ...scenario.engine, requests: toRequestList(scenario.exec, list), paused: flags.paused ?? false, insecureSkipTlsVerify: flags.insecureSkipTlsVerify ?? false };
      return { plan: { ...side, engine }, thresholds };
    }
    if (!info.exports.includes(scenario.exec)) {
      throw new ConfigError(scenario.exec === 'default' ? 'the script has no default function to run (export default function () { ... })' : `the script exports no function "${scenario.exec}" (the scenario's exec)`);
    }
    const vusMax = poolSize(scenario.engine);
    session.configure({
      exec: scenario.exec,
      scenario: { name: scenario.engine.scenarioName ?? 'default', executor: scenario.engine.executor, startTime: 0 },
      env: { ...env, ...scenario.env },
      vusMax,
    });
    const plan: RunPlan = {
      ...side,
      engine: { ...scenario.engine, scriptWorkers: session.workerCount, paused: flags.paused ?? false, insecureSkipTlsVerify: flags.insecureSkipTlsVerify ?? false },
      script: { path: session.scriptPath, exec: scenario.exec, env, thresholds: info.options.thresholds },
    };
    return { plan, session, thresholds };
  } catch (e) {
    await session.close();
    throw e;
  }
}
