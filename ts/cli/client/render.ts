/**
 * k6's structs as yaml.v3 reflects them (spec §7): fields in declaration order under their
 * `yaml` tag or lower-cased name; null.Bool and null.Int through their MarshalText, so that a
 * value is a string (`paused: "false"`, `vus: "2"`, `tainted: ""` when null) which yaml.v3 then
 * quotes because it would otherwise read back as a bool, an int or null; NullMetricType and
 * NullValueType have no text form, so they come out as `{type, valid}` maps.
 */
import type { Metric, NullBool, NullInt, Status } from './resources';
import { bool, float, goMap, int, seq, str, struct, toYaml, type YamlNode } from './yaml';

const nullBoolText = (v: NullBool) => str(v === null ? '' : String(v));
const nullIntText = (v: NullInt) => str(v === null ? '' : v.toString());

/** What `k6 status`, `pause`, `resume` and `scale` print. */
export function statusYaml(s: Status): string {
  return toYaml(
    struct([
      ['status', int(s.status)],
      ['paused', nullBoolText(s.paused)],
      ['vus', nullIntText(s.vus)],
      ['vus-max', nullIntText(s.vusMax)],
      ['stopped', bool(s.stopped)],
      ['running', bool(s.running)],
      ['tainted', bool(s.tainted)],
    ]),
  );
}

function metricNode(m: Metric): YamlNode {
  return struct([
    ['name', str(m.name)],
    ['type', struct([['type', str(m.type.type)], ['valid', bool(m.type.valid)]])],
    ['contains', struct([['type', str(m.contains.type)], ['valid', bool(m.contains.valid)]])],
    ['tainted', nullBoolText(m.tainted)],
    ['sample', goMap(m.sample.map(([k, v]) => [k, float(v)]))],
  ]);
}

/** What `k6 stats` prints: the metrics in the server's order. */
export function metricsYaml(metrics: Metric[]): string {
  return toYaml(seq(metrics.map(metricNode)));
}
