/** volley's programmatic API. */
export { createApp } from './api/app';
export type { ControlSurface } from './api/surface';
export { listen, parseAddress } from './api/server';
export { Engine, engineVersion } from './native';
export type { EngineOptions, MetricSnapshot, ScenarioOptions, ScenarioSnapshot, StatusSnapshot } from './native';
export { planRun, ConfigError } from './run/plan';
export { runTest } from './run/runTest';
