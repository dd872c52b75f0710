/**
 * JSON:API serialisation in one place (spec §1.5, §2): compact bodies, no trailing newline,
 * exactly one error object `{status, title, detail}` with the status as a string.
 */
import type { Context } from 'koa';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** An error the routes throw; the error middleware turns it into a JSON:API body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(`${title}: ${detail}`);
  }
}

export function errorBody(status: number, title: string, detail: string): string {
  return JSON.stringify({ errors: [{ status: String(status), title, detail }] });
}

export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = JSON_TYPE;
  ctx.body = JSON.stringify(body);
}

export function resource(type: string, id: string, attributes: Record<string, unknown>) {
  return { type, id, attributes };
}
