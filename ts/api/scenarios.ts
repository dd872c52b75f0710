/**
 * /v1/scenarios: volley's extension, JSON:API like k6's resources. GET lists each scenario
 * (executor, state, progress, VUs, rate); GET /v1/scenarios/{name} reads one; PATCH
 * /v1/scenarios/{name} changes one scenario's `paused`, `vus`, `vus-max` or `rate` while the
 * others go on. PATCH /v1/status still pauses and scales the whole run as in k6.
 *
 *   PATCH /v1/scenarios/checkout
 *   {"data":{"type":"scenarios","id":"checkout","attributes":{"rate":120}}}
 */
import type { Context } from 'koa';
import type { ScenarioSnapshot } from '../native';
import { ApiError, resource, sendJson } from './jsonapi';
import { refusal } from './status';
import type { ControlSurface } from './surface';

export function toJsonApiScenario(s: ScenarioSnapshot) {
  return resource('scenarios', s.name, {
    executor: s.executor,
    state: s.state,
    progress: s.progress,
    vus: s.vus,
    'vus-max': s.vusMax,
    // Only the arrival-rate executors have a rate (iterations per second).
    ...(s.rate == null ? {} : { rate: s.rate }),
    paused: s.paused,
    iterations: s.iterations,
    'start-time-ms': s.startTimeMs,
  });
}

function find(surface: ControlSurface, ctx: Context): ScenarioSnapshot {
  const name = (ctx.params.name as string | undefined) ?? '';
  const scenario = surface.scenarios().find((s) => s.name === name);
  if (!scenario) throw new ApiError(404, 'Not Found', 'No scenario with that ID was found');
  return scenario;
}

export function listScenarios(surface: ControlSurface) {
  return (ctx: Context) => sendJson(ctx, 200, { data: surface.scenarios().map(toJsonApiScenario) });
}

export function getScenario(surface: ControlSurface) {
  return (ctx: Context) => sendJson(ctx, 200, { data: toJsonApiScenario(find(surface, ctx)) });
}

export interface ScenarioPatch {
  paused: boolean | null;
  vus: number | null;
  vusMax: number | null;
  rate: number | null;
}

function invalid(detail: string): ApiError {
  return new ApiError(400, 'Invalid data', detail);
}

/**
 * `{"data":{"attributes":{...}}}`; absent or null attributes are left alone, read-only ones
 * (`executor`, `state`, ...) are ignored so that a GET document can be sent back changed.
 */
export function decodeScenarioPatch(body: string): ScenarioPatch {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw invalid('the body is not JSON');
  }
  const attrs = (doc as { data?: { attributes?: unknown } } | null)?.data?.attributes;
  if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) throw invalid('expected {"data":{"attributes":{...}}}');
  const a = attrs as Record<string, unknown>;
  const check = <T>(key: string, ok: (v: unknown) => boolean, what: string): T | null => {
    const v = a[key];
    if (v === undefined || v === null) return null;
    if (!ok(v)) throw invalid(`"${key}" must be ${what}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const wholeNumber = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  return {
    paused: check<boolean>('paused', (v) => typeof v === 'boolean', 'true or false'),
    vus: check<number>('vus', wholeNumber, 'a whole number'),
    vusMax: check<number>('vus-max', wholeNumber, 'a whole number'),
    rate: check<number>('rate', (v) => typeof v === 'number' && Number.isFinite(v), 'a number of iterations per second'),
  };
}

/** As PATCH /v1/status does: reply once the scenario's VUs caught up with a new target, briefly. */
async function settled(surface: ControlSurface, name: string, limitMs = 1000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    const s = surface.scenarios().find((x) => x.name === name);
    // Arrival-rate VUs are busy only during an iteration: there is nothing to wait for.
    if (!s || s.paused || s.state !== 'running' || s.rate != null || s.vus === Math.min(s.targetVus, s.vusMax) || Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function patchScenario(surface: ControlSurface) {
  return async (ctx: Context) => {
    const { name } = find(surface, ctx);
    const patch = decodeScenarioPatch(ctx.state.rawBody as string);
    if (patch.paused !== null) {
      const failure = surface.setScenarioPaused(name, patch.paused);
      if (failure) throw refusal(failure, 'Pause error', 500);
    }
    if (patch.vus !== null || patch.vusMax !== null) {
      const failure = surface.scaleScenario(name, patch.vus, patch.vusMax);
      if (failure) throw refusal(failure, 'Config update error', 400);
    }
    if (patch.rate !== null) {
      const failure = surface.setScenarioRate(name, patch.rate);
      if (failure) throw refusal(failure, 'Config update error', 400);
    }
    if (patch.vus !== null || patch.vusMax !== null) await settled(surface, name);
    sendJson(ctx, 200, { data: toJsonApiScenario(find(surface, ctx)) });
  };
}
