/**
 * /v1/setup and /v1/teardown (spec §3.7, §3.8). The data is kept as JSON text, exactly as k6
 * keeps the bytes: PUT stores the raw body (an envelope sent by mistake is stored as it is),
 * an empty PUT clears it, POST runs setup() again when the script has one.
 */
import type { Context } from 'koa';
import { ApiError, JSON_TYPE, resource } from './jsonapi';
import type { ScriptLifecycle } from './surface';

/** Whitespace outside strings removed; numbers and key order kept verbatim (Go's json.Compact). */
export function compactJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      out += c;
    }
  }
  return out;
}

/** Where the setup data lives: JSON text, undefined = no data. Script runs keep it in the engine. */
export interface SetupStore {
  get(): string | undefined;
  set(json: string | undefined): void;
}

/** Setup data held here (runs without a script, tests). */
export class SetupData implements SetupStore {
  private text: string | undefined;

  get(): string | undefined {
    return this.text;
  }

  set(json: string | undefined): void {
    this.text = json;
  }
}

function toJsonApiSetup(data: SetupStore): string {
  // Built as text so that the stored JSON goes out byte for byte.
  const text = data.get();
  const attributes = text === undefined ? '{}' : `{"data":${text}}`;
  const head = JSON.stringify(resource('setupData', 'default', {})).replace(/"attributes":\{\}\}$/, '');
  return `{"data":${head}"attributes":${attributes}}}`;
}

function reply(ctx: Context, data: SetupStore): void {
  ctx.status = 200;
  ctx.type = JSON_TYPE;
  ctx.body = toJsonApiSetup(data);
}

function goJsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch {
    const first = text.trim()[0];
    if (first !== undefined && !'{["-0123456789tfn'.includes(first)) {
      return `invalid character '${first}' looking for beginning of value`;
    }
    return 'unexpected end of JSON input';
  }
}

export function getSetup(data: SetupStore) {
  return (ctx: Context) => reply(ctx, data);
}

export function putSetup(data: SetupStore) {
  return (ctx: Context) => {
    const body = ctx.state.rawBody as string;
    if (body.length === 0) {
      data.set(undefined);
    } else {
      const problem = goJsonError(body);
      if (problem) throw new ApiError(400, 'Error parsing request body', problem);
      data.set(compactJson(body));
    }
    reply(ctx, data);
  };
}

export function postSetup(data: SetupStore, lifecycle: ScriptLifecycle) {
  return async (ctx: Context) => {
    if (lifecycle.setup) {
      try {
        const result = await lifecycle.setup();
        data.set(result === undefined ? undefined : compactJson(result));
      } catch (e) {
        throw new ApiError(500, 'Error executing setup', e instanceof Error ? e.message : String(e));
      }
    }
    reply(ctx, data);
  };
}

export function postTeardown(data: SetupStore, lifecycle: ScriptLifecycle) {
  return async (ctx: Context) => {
    if (lifecycle.teardown) {
      try {
        await lifecycle.teardown(data.get());
      } catch (e) {
        throw new ApiError(500, 'Error executing teardown', e instanceof Error ? e.message : String(e));
      }
    }
    // k6: 200 with an empty body and no Content-Type.
    ctx.status = 200;
    ctx.body = '';
    ctx.remove('Content-Type');
  };
}
