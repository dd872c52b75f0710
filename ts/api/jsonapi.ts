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
  return goJson({ errors: [{ status: String(status), title, detail }] });
}

/** JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped in strings. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = JSON_TYPE;
  ctx.body = goJson(body);
}

export function resource(type: string, id: string, attributes: Record<string, unknown>) {
  return { type, id, attributes };
}
