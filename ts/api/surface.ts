import type { ControlFailure, GroupSnapshot, MetricSnapshot, StatusSnapshot } from '../native';

/** What the REST API needs from a run: the engine's control handle (the addon's Engine fits). */
export interface ControlSurface {
  status(): StatusSnapshot;
  setPaused(paused: boolean): ControlFailure | null;
  scale(vus: number | null, vusMax: number | null): ControlFailure | null;
  stop(): void;
  metrics(trendStats: string[]): MetricSnapshot[];
  groups(): GroupSnapshot[];
}

/**
 * The script's setup() and teardown(), when it has them (POST /v1/setup runs setup again,
 * POST /v1/teardown runs teardown; spec §3.7, §3.8). Each resolves with the JSON text setup
 * returned (undefined: no data) or rejects with the script's error.
 */
export interface ScriptLifecycle {
  setup?: () => Promise<string | undefined>;
  teardown?: (setupData: string | undefined) => Promise<void>;
}
