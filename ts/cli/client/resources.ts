/**
 * The documents k6's CLI client exchanges with the API (spec §2, §3.1-3.4, §7), decoded the way
 * Go's encoding/json fills k6's structs: keys match case-insensitively (the last one wins),
 * unknown keys are ignored, `null` leaves the zero value, and a value of the wrong kind fails
 * with Go's message. The nullable fields keep their "unset" state because yaml.v3 prints it
 * (`paused: ""`).
 */
import type { Json } from './goJson';

/** Go's null.Bool / null.Int: `null` when unset. */
export type NullBool = boolean | null;
export type NullInt = bigint | null;

/** k6's v1.Status, in its field order. */
export interface Status {
  status: number;
  paused: NullBool;
  vus: NullInt;
  vusMax: NullInt;
  stopped: boolean;
  running: boolean;
  tainted: boolean;
}

export const METRIC_TYPES = ['counter', 'gauge', 'trend', 'rate'] as const;
export const VALUE_TYPES = ['default', 'time', 'data'] as const;

/** k6's v1.Metric as the `stats` client holds it; `type`/`contains` keep Go's {Type, Valid} pair. */
export interface Metric {
  name: string;
  type: { type: (typeof METRIC_TYPES)[number]; valid: boolean };
  contains: { type: (typeof VALUE_TYPES)[number]; valid: boolean };
  tainted: NullBool;
  /** A Go map[string]float64 (yaml.v3 prints a nil one as `{}`, like an empty one). */
  sample: Array<[string, number]>;
}

type JsonObject = { [key: string]: Json };

function kindOf(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Go's UnmarshalTypeError text; `where` is `Struct.json.path` or absent at the top level. */
function typeError(value: string, goType: string, where?: string): Error {
  return new Error(
    where ? `json: cannot unmarshal ${value} into Go struct field ${where} of type ${goType}` : `json: cannot unmarshal ${value} into Go value of type ${goType}`,
  );
}

/** The value of the last key matching `name` case-insensitively, as Go's decoder sees it. */
function field(obj: JsonObject, name: string): Json | undefined {
  let found: Json | undefined;
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name) found = v;
  return found;
}

/**
 * Go's decoder records a value of the wrong kind for a plain field, skips it and goes on,
 * reporting the first such error at the end; an error from a type's own UnmarshalJSON (the
 * null.* and Null*Type fields) stops it at once.
 */
class Decoder {
  private firstTypeError: Error | null = null;

  /** A value of the wrong kind for a plain field: remembered, skipped. */
  mismatch(value: string, goType: string, where: string): void {
    this.firstTypeError ??= typeError(value, goType, where);
  }

  finish<T>(value: T): T {
    if (this.firstTypeError) throw this.firstTypeError;
    return value;
  }

  /** A JSON object, or null for `null`, absent or skipped. */
  object(v: Json | undefined, goType: string, where?: string): JsonObject | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v)) {
      if (!where) throw typeError(kindOf(v), goType);
      this.mismatch(kindOf(v), goType, where);
      return null;
    }
    return v;
  }

  string(v: Json | undefined, where: string): string {
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    this.mismatch(kindOf(v), 'string', where);
    return '';
  }

  bool(v: Json | undefined, where: string): boolean {
    if (v === undefined || v === null) return false;
    if (typeof v === 'boolean') return v;
    this.mismatch(kindOf(v), 'bool', where);
    return false;
  }

  uint32(v: Json | undefined, goType: string, where: string): number {
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number') this.mismatch(kindOf(v), goType, where);
    else if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) this.mismatch(`number ${v}`, goType, where);
    else return v;
    return 0;
  }

  float64(v: Json, where: string): number {
    if (v === null) return 0;
    if (typeof v === 'number') return v;
    this.mismatch(kindOf(v), 'float64', where);
    return 0;
  }
}

/** reflect.TypeOf(v).Name() of what null.v3 decoded first: unnamed for arrays. */
function goTypeName(v: Json): string {
  if (Array.isArray(v)) return '';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/**
 * gopkg.in/guregu/null.v3 Bool.UnmarshalJSON; an object is read as sql.NullBool. `where` is the
 * field's path, which Go adds to the type errors coming out of it.
 */
function nullBool(v: Json | undefined, where: string): NullBool {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const inner = field(v, 'bool');
    if (inner === undefined || inner === null) return false;
    if (typeof inner !== 'boolean') throw typeError(kindOf(inner), 'bool', `${where}.Bool`);
    return inner;
  }
  throw new Error(`json: cannot unmarshal ${goTypeName(v)} into Go value of type null.Bool`);
}

const fitsInt64 = (n: bigint) => n >= -(2n ** 63n) && n < 2n ** 63n;

function int64(v: number, where: string): bigint {
  if (!Number.isInteger(v) || !fitsInt64(BigInt(v))) throw typeError(`number ${v}`, 'int64', where);
  return BigInt(v);
}

/** gopkg.in/guregu/null.v3 Int.UnmarshalJSON: a number, or a decimal string ("" is null). */
function nullInt(v: Json | undefined, where: string): NullInt {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return int64(v, where);
  if (typeof v === 'string') {
    if (!/^[+-]?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    if (!fitsInt64(BigInt(v))) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
    return BigInt(v);
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const inner = field(v, 'int64');
    if (inner === undefined || inner === null) return 0n;
    if (typeof inner !== 'number') throw typeError(kindOf(inner), 'int64', `${where}.Int64`);
    return int64(inner, `${where}.Int64`);
  }
  throw new Error(`json: cannot unmarshal ${goTypeName(v)} into Go value of type null.Int`);
}

/** v1.StatusJSONAPI -> v1.Status. */
export function decodeStatus(doc: Json): Status {
  const d = new Decoder();
  const root = d.object(doc, 'v1.StatusJSONAPI') ?? {};
  const data = d.object(field(root, 'data'), 'v1.statusData', 'StatusJSONAPI.data') ?? {};
  d.string(field(data, 'type'), 'statusData.data.type');
  d.string(field(data, 'id'), 'statusData.data.id');
  const attrs = d.object(field(data, 'attributes'), 'v1.Status', 'statusData.data.attributes') ?? {};
  const at = (name: string) => `Status.data.attributes.${name}`;
  return d.finish({
    status: d.uint32(field(attrs, 'status'), 'lib.ExecutionStatus', at('status')),
    paused: nullBool(field(attrs, 'paused'), at('paused')),
    vus: nullInt(field(attrs, 'vus'), at('vus')),
    vusMax: nullInt(field(attrs, 'vus-max'), at('vus-max')),
    stopped: d.bool(field(attrs, 'stopped'), at('stopped')),
    running: d.bool(field(attrs, 'running'), at('running')),
    tainted: d.bool(field(attrs, 'tainted'), at('tainted')),
  });
}

/** NullMetricType / NullValueType: `null` is {zero value, valid: false}; an unknown name fails. */
function nullEnum<T extends string>(v: Json | undefined, names: readonly T[], goType: string, where: string, invalid: string): { type: T; valid: boolean } {
  if (v === undefined || v === null) return { type: names[0], valid: false };
  if (typeof v !== 'string') throw typeError(kindOf(v), `*${goType}`, where);
  const type = names.find((n) => n === v);
  if (!type) throw new Error(invalid);
  return { type, valid: true };
}

/** v1.MetricsJSONAPI -> []v1.Metric, each named after its resource id (as k6 v1.x does). */
export function decodeMetrics(doc: Json): Metric[] {
  const d = new Decoder();
  const root = d.object(doc, 'v1.MetricsJSONAPI') ?? {};
  const list = field(root, 'data');
  if (list === undefined || list === null) return d.finish([]);
  if (!Array.isArray(list)) {
    d.mismatch(kindOf(list), '[]v1.metricData', 'MetricsJSONAPI.data');
    return d.finish([]);
  }
  const metrics = list.map((item): Metric => {
    const data = d.object(item, 'v1.metricData', 'MetricsJSONAPI.data') ?? {};
    d.string(field(data, 'type'), 'metricData.data.type');
    const name = d.string(field(data, 'id'), 'metricData.data.id');
    const attrs = d.object(field(data, 'attributes'), 'v1.Metric', 'metricData.data.attributes') ?? {};
    const at = (n: string) => `Metric.data.attributes.${n}`;
    const type = nullEnum(field(attrs, 'type'), METRIC_TYPES, 'metrics.MetricType', at('type'), 'invalid metric type');
    const contains = nullEnum(field(attrs, 'contains'), VALUE_TYPES, 'metrics.ValueType', at('contains'), 'invalid value type');
    const tainted = nullBool(field(attrs, 'tainted'), at('tainted'));
    const sampleObj = d.object(field(attrs, 'sample'), 'map[string]float64', at('sample'));
    const sample = Object.entries(sampleObj ?? {}).map(([k, v]): [string, number] => [k, d.float64(v, at('sample'))]);
    return { name, type, contains, tainted, sample };
  });
  return d.finish(metrics);
}

/** What `pause`, `resume` and `scale` change; everything else is sent as its Go zero value. */
export interface StatusPatch {
  paused?: boolean;
  vus?: bigint;
  vusMax?: bigint;
}

/**
 * The PATCH body k6's client sends: the whole v1.Status in a full envelope, unset nullable
 * fields as `null` and the read-only ones as zero values (spec §7).
 */
export function statusPatchBody(patch: StatusPatch): string {
  const n = (v: bigint | undefined) => (v === undefined ? 'null' : v.toString());
  const attributes = [
    `"status":0`,
    `"paused":${patch.paused === undefined ? 'null' : String(patch.paused)}`,
    `"vus":${n(patch.vus)}`,
    `"vus-max":${n(patch.vusMax)}`,
    `"stopped":false`,
    `"running":false`,
    `"tainted":false`,
  ];
  return `{"data":{"type":"status","id":"default","attributes":{${attributes.join(',')}}}}`;
}
