/**
 * The API's access policy (DESIGN.md, "Security and robustness defaults"; spec README item 8),
 * one small middleware per concern. k6 has none of these: binding to localhost is its only
 * protection, which a web page can defeat by DNS rebinding or a cross-site request.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { ApiError } from './jsonapi';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith('.localhost');
}

/** The host part of a Host header or an Origin's authority: `[::1]:6565` -> `[::1]`. */
function hostName(authority: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(authority.trim().toLowerCase());
  return m ? m[1] : authority;
}

/**
 * Bound to loopback, the Host header must name loopback too: a DNS-rebinding page reaches us
 * with its own host name.
 */
export function loopbackHostOnly() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const host = ctx.get('host');
    if (!isLoopbackHost(hostName(host))) {
      throw new ApiError(403, 'Forbidden', `the Host header "${host}" is not a loopback name; the API is bound to loopback`);
    }
    return next();
  };
}

/** Browsers send Origin on cross-site requests; only a page served from loopback may call us. */
export function sameMachineOrigin() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = ctx.get('origin');
    if (origin) {
      let host = '';
      try {
        host = new URL(origin).hostname;
      } catch {
        // An Origin that is not a URL ("null", from sandboxed pages) is refused below.
      }
      if (!isLoopbackHost(host)) throw new ApiError(403, 'Forbidden', `requests from the origin "${origin}" are not allowed`);
    }
    return next();
  };
}

/** `Authorization: Bearer <token>` on every /v1/ route when a token is configured. */
export function bearerToken(token: string) {
  const expected = Buffer.from(token);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path === '/v1' || ctx.path.startsWith('/v1/')) {
      const m = /^Bearer (.+)$/.exec(ctx.get('authorization'));
      const given = Buffer.from(m ? m[1] : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        ctx.set('WWW-Authenticate', 'Bearer');
        throw new ApiError(401, 'Unauthorized', 'this API needs an "Authorization: Bearer <token>" header with the run\'s API token');
      }
    }
    return next();
  };
}
