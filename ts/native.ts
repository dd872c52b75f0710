/**
 * The addon, through the loader that `napi build` generates (tries the platform package, then
 * the local build, and says what it tried when both fail).
 */
import type * as Native from '../native/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native: typeof Native = require('../native/index.js');

export const { Engine, ScriptHost, engineVersion } = native;
/** The script workers' hot calls (see ts/script/hostLink.ts): ScriptHost's, by listener id. */
export const {
  scriptHostAddMetricSample,
  scriptHostDrain,
  scriptHostFlush,
  scriptHostRecordCheck,
  scriptHostRecordGroup,
  scriptHostResend,
  scriptHostSend,
  scriptHostWaitIteration,
} = native;
export type Engine = Native.Engine;
export type ScriptHost = Native.ScriptHost;
export type {
  ClaimedVu,
  ControlFailure,
  EngineOptions,
  GroupSnapshot,
  HeaderPair,
  MetricSnapshot,
  RequestOptions,
  RunSummary,
  ScenarioOptions,
  ScenarioSnapshot,
  ScriptRequest,
  StatusSnapshot,
} from '../native/index';
