/** One VU's state, as k6 keeps it per VU: ids, iteration, current group, tags, cookies. */
import type { ScriptHost } from '../native';
import { CookieJar } from './modules/cookies';

/** Where modules reach the engine; there is none while options are read. */
export interface HostSource {
  host: ScriptHost | null;
  requireHost(): ScriptHost;
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  startTime: number;
}

export class VuContext {
  iteration = -1;
  groupPath = '';
  readonly tags: Record<string, string> = {};
  readonly cookies = new CookieJar();
  /** Parsed once, at the VU's first iteration (k6 caches it there too). */
  setupData: unknown = undefined;
  setupDataLoaded = false;
  private readonly iterationListeners: Array<(n: number) => void> = [];

  constructor(
    readonly id: number,
    readonly scenario: ScenarioInfo,
  ) {}

  /** True while the VU's modules are evaluated (k6's init context): no requests, no samples. */
  inInit = true;

  onIteration(listener: (n: number) => void): void {
    this.iterationListeners.push(listener);
  }

  nextIteration(): number {
    this.iteration += 1;
    for (const l of this.iterationListeners) l(this.iteration);
    this.groupPath = '';
    return this.iteration;
  }
}
