/** One VU's state, as k6 keeps it per VU: ids, iteration, current group, tags, cookies. */
import type { ScriptHost } from '../native';
import type { HostLink } from './hostLink';
import { logLine } from './log';
import type { HttpSettings } from '../run/httpOptions';
import { CookieJar } from './modules/cookies';
import { VuTags } from './vuTags';

/** Where modules reach the engine; there is none while options are read. */
export interface HostSource {
  host: ScriptHost | null;
  requireHost(): ScriptHost;
  /** The host's inbox: iterations and requests (see hostLink.ts). */
  requireLink(): HostLink;
  /** k6's run-wide HTTP options. */
  readonly http: HttpSettings;
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  startTime: number;
  /** Its place in the run's list of scenarios (how the engine names it); none for VU 0. */
  index?: number;
}

/** A scenario as the script workers run it: the export its VUs call, their `__ENV` and tags. */
export interface ScenarioSpec extends ScenarioInfo {
  exec: string;
  /** The scenario's `env` over the run's environment. */
  env: Record<string, string>;
  tags: Record<string, string>;
}

export class VuContext {
  iteration = -1;
  /** The current iteration's number in its scenario, across the scenario's VUs (from 0). */
  scenarioIteration = -1;
  groupPath = '';
  /** k6's VU tags (`exec.vu.tags`), on every sample the VU makes. */
  readonly tags = new VuTags((msg) => process.stderr.write(logLine('warning', msg)));
  readonly cookies = new CookieJar();
  /** Parsed once, at the VU's first iteration (k6 caches it there too). */
  setupData: unknown = undefined;
  setupDataLoaded = false;
  private readonly iterationListeners: Array<(n: number) => void> = [];

  /** `__ENV`: the scenario's env over the run's (the VU's own object: `activate` refills it). */
  readonly env: Record<string, string>;

  constructor(
    readonly id: number,
    public scenario: ScenarioInfo,
    env: Record<string, string>,
  ) {
    this.env = { ...env };
  }

  /**
   * The VU joins its scenario (k6's Activate): a VU initialised before the test (see worker.ts)
   * learns its scenario only when the engine hands it one.
   */
  activate(scenario: ScenarioInfo, env: Record<string, string>): void {
    this.scenario = scenario;
    for (const key of Object.keys(this.env)) delete this.env[key];
    Object.assign(this.env, env);
  }

  /** True while the VU's modules are evaluated (k6's init context): no requests, no samples. */
  inInit = true;

  onIteration(listener: (n: number) => void): void {
    this.iterationListeners.push(listener);
  }

  /** `inScenario`: the iteration's number in its scenario, across VUs (k6's iterationInTest). */
  nextIteration(inScenario = -1): number {
    this.iteration += 1;
    this.scenarioIteration = inScenario;
    for (const l of this.iterationListeners) l(this.iteration);
    this.groupPath = '';
    return this.iteration;
  }
}
