/**
 * `volley scale --scenario NAME [--vus N] [--max M] [--rate R]`: our /v1/scenarios extension
 * (k6 has no per-scenario control). Prints the scenario's attributes as YAML, like `status`.
 */
import { callApi, ClientError } from './http';
import type { Json } from './goJson';
import { bool, float, int, str, struct, toYaml, type YamlNode } from './yaml';

export interface ScenarioPatch {
  vus?: bigint;
  vusMax?: bigint;
  rate?: number;
}

function field(value: Json | undefined): YamlNode {
  if (typeof value === 'boolean') return bool(value);
  if (typeof value === 'number') return Number.isInteger(value) ? int(value) : float(value);
  return str(value === null || value === undefined ? '' : String(value));
}

export function scenarioYaml(doc: Json): string {
  const data = (doc as { data?: { id?: Json; attributes?: Record<string, Json> } } | null)?.data;
  if (!data || typeof data.attributes !== 'object' || data.attributes === null) {
    throw new ClientError('the REST API answered without a scenario document');
  }
  return toYaml(struct([['name', field(data.id)], ...Object.entries(data.attributes).map(([k, v]): [string, YamlNode] => [k, field(v)])]));
}

export async function patchScenario(address: string, name: string, patch: ScenarioPatch): Promise<string> {
  const attributes: Record<string, number> = {};
  if (patch.vus !== undefined) attributes.vus = Number(patch.vus);
  if (patch.vusMax !== undefined) attributes['vus-max'] = Number(patch.vusMax);
  if (patch.rate !== undefined) attributes.rate = patch.rate;
  const body = JSON.stringify({ data: { type: 'scenarios', id: name, attributes } });
  return scenarioYaml(await callApi(address, 'PATCH', `/v1/scenarios/${encodeURIComponent(name)}`, body));
}
