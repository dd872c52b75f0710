/**
 * Decodes a PATCH /v1/status body the way k6's Go decoder does (spec §1.6): keys match
 * case-insensitively, unknown keys are ignored, null leaves a value unset, `vus` accepts a
 * numeric string. Error details use Go's wording so that clients see what k6 would say.
 */
import { ApiError } from './jsonapi';

export interface StatusPatch {
  paused: boolean | null;
  stopped: boolean | null;
  vus: number | null;
  vusMax: number | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function invalid(detail: string): ApiError {
  return new ApiError(400, 'Invalid data', detail);
}

function goKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Go's encoding/json matches struct fields case-insensitively; the last duplicate wins. */
function field(obj: { [key: string]: Json }, name: string): Json | undefined {
  let found: Json | undefined;
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name) found = v;
  return found;
}

function asObject(v: Json | undefined, goType: string): { [key: string]: Json } | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw invalid(`json: cannot unmarshal ${goKind(v)} into Go value of type ${goType}`);
  }
  return v;
}

function nullBool(v: Json | undefined): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw invalid(`json: cannot unmarshal ${goKind(v)} into Go value of type null.Bool`);
  return v;
}

function nullInt(v: Json | undefined): number | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') {
    if (!/^-?\d+$/.test(v)) throw invalid(`strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  }
  if (typeof v !== 'number') throw invalid(`json: cannot unmarshal ${goKind(v)} into Go value of type null.Int`);
  if (!Number.isInteger(v)) throw invalid(`json: cannot unmarshal number ${v} into Go value of type int64`);
  return v;
}

function parseJson(body: string): Json {
  if (body.trim() === '') throw invalid('unexpected end of JSON input');
  try {
    return JSON.parse(body) as Json;
  } catch {
    const first = body.trim()[0];
    if (!'{["-0123456789tfn'.includes(first)) {
      throw invalid(`invalid character '${first}' looking for beginning of value`);
    }
    throw invalid('unexpected end of JSON input');
  }
}

export function decodeStatusPatch(body: string): StatusPatch {
  const doc = asObject(parseJson(body), 'v1.StatusJSONAPI') ?? {};
  const data = asObject(field(doc, 'data'), 'v1.StatusData') ?? {};
  const attrs = asObject(field(data, 'attributes'), 'v1.Status') ?? {};
  const patch: StatusPatch = {
    paused: nullBool(field(attrs, 'paused')),
    stopped: nullBool(field(attrs, 'stopped')),
    vus: nullInt(field(attrs, 'vus')),
    vusMax: nullInt(field(attrs, 'vus-max')),
  };
  // Parsed and type-checked, then ignored, as k6 does.
  nullBool(field(attrs, 'running'));
  nullBool(field(attrs, 'tainted'));
  return patch;
}
