/**
 * The k6 REST API as a Koa app (spec §1-§3). `createApp` binds nothing: tests drive
 * `app.callback()` directly and `listen()` in server.ts owns the bind policy.
 */
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { jsonApiErrors, rawBody } from './middleware';
import { bearerToken, loopbackHostOnly, sameMachineOrigin } from './guards';
import { getGroup, listGroups } from './groups';
import { getMetric, listMetrics } from './metrics';
import { getScenario, listScenarios, patchScenario } from './scenarios';
import { getSetup, postSetup, postTeardown, putSetup, SetupData, type SetupStore } from './setup';
import { getStatus, patchStatus } from './status';
import type { ControlSurface, ScriptLifecycle } from './surface';

type Handler = (ctx: Context) => void | Promise<void>;

/** k6's method table: any other method gets an empty 405 with no Allow header (spec §1.3). */
function methods(table: Record<string, Handler>) {
  return async (ctx: Context) => {
    const handler = table[ctx.method];
    if (!handler) {
      ctx.status = 405;
      ctx.body = '';
      ctx.remove('Content-Type');
      return;
    }
    await handler(ctx);
  };
}

/** Go's ServeMux answers unknown /v1/ paths with its plain-text 404 (spec §1.2). */
function notFound(ctx: Context) {
  ctx.status = 404;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = '404 page not found\n';
}

export interface AppOptions {
  /** Extra trend stats (`--summary-trend-stats`) served next to k6's six. */
  trendStats?: string[];
  setupData?: SetupStore;
  lifecycle?: ScriptLifecycle;
  /** True when bound to a loopback address: Host headers must then name loopback. */
  loopback?: boolean;
  /** When set, every /v1/ request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** A metric's `tainted`: null without thresholds (spec §5.4). */
  taintedOf?: (metric: string) => boolean | null;
}

export function createApp(surface: ControlSurface, options: AppOptions = {}): Koa {
  const app = new Koa();
  const trendStats = options.trendStats ?? [];
  const setupData = options.setupData ?? new SetupData();
  const lifecycle = options.lifecycle ?? {};
  const v1 = new Router({ prefix: '/v1', strict: true });
  v1.all('/status', methods({ GET: getStatus(surface), PATCH: patchStatus(surface) }));
  v1.all('/metrics', methods({ GET: listMetrics(surface, trendStats, options.taintedOf) }));
  // The empty id (`/v1/metrics/`) is a JSON 404 in k6, not the mux's text one.
  v1.all(['/metrics/', '/metrics/:id'], methods({ GET: getMetric(surface, trendStats, options.taintedOf) }));
  v1.all('/groups', methods({ GET: listGroups(surface) }));
  v1.all(['/groups/', '/groups/:id'], methods({ GET: getGroup(surface) }));
  v1.all('/setup', methods({ GET: getSetup(setupData), POST: postSetup(setupData, lifecycle), PUT: putSetup(setupData) }));
  v1.all('/teardown', methods({ POST: postTeardown(setupData, lifecycle) }));
  // volley's extension: per-scenario status and control.
  v1.all('/scenarios', methods({ GET: listScenarios(surface) }));
  v1.all(['/scenarios/', '/scenarios/:name'], methods({ GET: getScenario(surface), PATCH: patchScenario(surface) }));

  app.use(jsonApiErrors);
  app.use(sameMachineOrigin());
  if (options.loopback ?? true) app.use(loopbackHostOnly());
  if (options.token) app.use(bearerToken(options.token));
  app.use(rawBody());
  app.use(v1.routes());
  app.use(async (ctx: Context, next: Next) => {
    if (ctx.matched?.length) return next();
    if (ctx.path === '/v1' || ctx.path.startsWith('/v1/')) return notFound(ctx);
    // Everything outside /v1/ answers `ok`, whatever the method, as k6's catch-all does.
    ctx.status = 200;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'ok';
  });
  return app;
}
