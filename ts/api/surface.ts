import type { ControlFailure, GroupSnapshot, MetricSnapshot, ScenarioSnapshot, StatusSnapshot } from '../native';

/** What the REST API needs from a run: the engine's control handle (the addon's Engine fits). */
export interface ControlSurface {
  status(): StatusSnapshot;
  setPaused(paused: boolean): ControlFailure | null;
  scale(vus: number | null, vusMax: number | null): ControlFailure | null;
  stop(): void;
  metrics(trendStats: string[]): MetricSnapshot[];
  groups(): GroupSnapshot[];
  /** Every scenario, in the engine's order (/v1/scenarios, volley's extension). */
  scenarios(): ScenarioSnapshot[];
  setScenarioPaused(name: string, paused: boolean): ControlFailure | null;
  scaleScenario(name: string, vus: number | null, vusMax: number | null): ControlFailure | null;
  /** Iterations per second, for the arrival-rate executors. */
  setScenarioRate(name: string, rate: number): ControlFailure | null;
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
