/** k6/metrics: custom Counter, Gauge, Rate and Trend, recorded in the engine's registry. */
import type { HostSource, VuContext } from '../vu';
import type { CallTags } from '../vuTags';

type Kind = 'counter' | 'gauge' | 'rate' | 'trend';

export function createMetrics(vu: VuContext, rt: HostSource) {
  function metricClass(kind: Kind) {
    return class {
      readonly name: string;
      readonly isTime: boolean;
      constructor(name: string, isTime = false) {
        this.name = name;
        this.isTime = kind === 'trend' && isTime === true;
        // Validated (name, type clash) by the engine; while options are read there is no engine yet.
        rt.host?.defineMetric(name, kind, this.isTime);
      }
      add(value: number | boolean, tags?: CallTags): boolean {
        if (vu.inInit) throw new Error('metrics can only be added to in the VU context, not in the init context');
        const n = typeof value === 'boolean' ? Number(value) : Number(value);
        if (!Number.isFinite(n)) throw new Error(`${this.name}: cannot add the value ${String(value)}, it is not a finite number`);
        rt.requireLink().addMetricSample(this.name, kind, this.isTime, n, vu.groupPath, vu.scenario.index, vu.tags.with(tags));
        return true;
      }
    };
  }
  const api = { Counter: metricClass('counter'), Gauge: metricClass('gauge'), Rate: metricClass('rate'), Trend: metricClass('trend') };
  return { ...api, default: api };
}
