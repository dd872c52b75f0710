/** /v1/status: GET the status document, PATCH it to pause, resume, scale or stop (spec §3.1, §3.2). */
import type { Context } from 'koa';
import type { ControlFailure, StatusSnapshot } from '../native';
import { ApiError, resource, sendJson } from './jsonapi';
import { decodeStatusPatch } from './statusPatch';
import type { ControlSurface } from './surface';

export function toJsonApiStatus(surface: ControlSurface, s: StatusSnapshot = surface.status()) {
  // Attribute order is part of the wire format (spec §3.1).
  return {
    data: resource('status', 'default', {
      status: s.status,
      paused: s.paused,
      vus: s.vus,
      'vus-max': s.vusMax,
      stopped: s.stopped,
      running: s.running,
      tainted: s.tainted,
    }),
  };
}

export function getStatus(surface: ControlSurface) {
  return (ctx: Context) => sendJson(ctx, 200, toJsonApiStatus(surface));
}

/** k6's titles per refused operation; "Test ended" is ours (spec README item 2: never hang). */
export function refusal(failure: ControlFailure, title: string, status: number): ApiError {
  if (failure.kind === 'ended') return new ApiError(409, 'Test ended', 'the test run has already ended, so it cannot be changed');
  return new ApiError(status, title, failure.detail);
}

/**
 * k6 answers a PATCH once its executor applied it (new VU loops started, surplus ones stopped),
 * so the reply already shows the new `vus`. Ours applies asynchronously: wait for the VUs to
 * catch up, bounded so that a slow iteration never holds the reply for long.
 */
async function settled(surface: ControlSurface, limitMs = 1000): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    const s = surface.status();
    if (s.paused || !s.running || s.vus === Math.min(s.targetVus, s.vusMax) || Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function patchStatus(surface: ControlSurface) {
  return async (ctx: Context) => {
    const patch = decodeStatusPatch(ctx.state.rawBody as string);
    // k6's order: decode, then stop (which ignores the rest), then pause, then vus / vus-max.
    if (patch.stopped === true) {
      // The reply shows the run at the moment of the stop, as k6's does (status and `running`
      // unchanged, `stopped` true, no active VU: golden 91), however fast the engine then ends.
      const before = surface.status();
      surface.stop();
      sendJson(ctx, 200, toJsonApiStatus(surface, { ...before, stopped: true, vus: 0 }));
      return;
    } else {
      if (patch.paused !== null) {
        const failure = surface.setPaused(patch.paused);
        if (failure) throw refusal(failure, 'Pause error', 500);
      }
      if (patch.vus !== null || patch.vusMax !== null) {
        const failure = surface.scale(patch.vus, patch.vusMax);
        if (failure) throw refusal(failure, 'Config update error', 400);
      }
      await settled(surface);
    }
    sendJson(ctx, 200, toJsonApiStatus(surface));
  };
}
