/** Cross-cutting concerns of the REST API, one small middleware each. */
import type { Context, Next } from 'koa';
import { ApiError, errorBody, JSON_TYPE } from './jsonapi';

/** Any thrown error becomes a JSON:API body; an unexpected one is a 500, never a crash. */
export async function jsonApiErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const e =
      err instanceof ApiError
        ? err
        : new ApiError(500, 'Internal error', err instanceof Error ? err.message : String(err));
    ctx.status = e.status;
    ctx.type = JSON_TYPE;
    ctx.body = errorBody(e.status, e.title, e.detail);
  }
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the raw request body into `ctx.state.rawBody`; more than `limit` bytes is a 413. */
export function rawBody(limit = MAX_BODY_BYTES) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limit) throw tooLarge(limit);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
    ctx.state.rawBody = Buffer.concat(chunks).toString('utf8');
    return next();
  };
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'Request body too large', `the request body is larger than ${limit} bytes`);
}
