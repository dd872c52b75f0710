import type { ControlFailure, MetricSnapshot, StatusSnapshot } from '../native';

/** What the REST API needs from a run: the engine's control handle (the addon's Engine fits). */
export interface ControlSurface {
  status(): StatusSnapshot;
  setPaused(paused: boolean): ControlFailure | null;
  scale(vus: number | null, vusMax: number | null): ControlFailure | null;
  stop(): void;
  metrics(trendStats: string[]): MetricSnapshot[];
}
