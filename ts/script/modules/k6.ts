/** The `k6` module: check, group, sleep, fail, backed by the engine's group tree and metrics. */
import type { HostSource, VuContext } from '../vu';
import type { CallTags } from '../vuTags';

type Checks = Record<string, ((value: unknown) => unknown) | unknown>;

export function createK6(vu: VuContext, rt: HostSource) {
  /** Every condition counts in `checks` and on the VU's current group (spec §6). */
  function check(value: unknown, sets: Checks, tags?: CallTags): boolean {
    let all = true;
    // The check's tags join the VU's on its `checks` samples (k6: check(val, sets, tags)).
    const userTags = vu.inInit ? undefined : vu.tags.with(tags);
    for (const [name, condition] of Object.entries(sets)) {
      const passed = Boolean(typeof condition === 'function' ? condition(value) : condition);
      if (!vu.inInit) rt.requireLink().recordCheck(vu.groupPath, name, passed, vu.scenario.index, userTags);
      all &&= passed;
    }
    return all;
  }

  /** Always a Promise: the transform awaits every group() (its callback may make requests). */
  async function group<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (name.includes('::')) throw new Error(`group and check names may not contain '::': ${JSON.stringify(name)}`);
    if (typeof fn !== 'function') throw new Error('group() needs a function as its second argument');
    const parent = vu.groupPath;
    const path = `${parent}::${name}`;
    vu.groupPath = path;
    const started = performance.now();
    try {
      return await fn();
    } finally {
      vu.groupPath = parent;
      if (!vu.inInit) rt.requireLink().recordGroup(path, performance.now() - started, vu.scenario.index, vu.tags.pairs());
    }
  }

  function sleep(seconds: number): Promise<void> {
    const ms = Math.max(0, Number(seconds) * 1000);
    return new Promise((resolve) => setTimeout(resolve, Number.isFinite(ms) ? ms : 0));
  }

  function fail(message?: string): never {
    throw new Error(message ?? 'fail() called');
  }

  function randomSeed(seed: number): void {
    // Math.random cannot be seeded in V8; a seeded generator replaces it for this VU's thread.
    let state = seed >>> 0 || 1;
    Math.random = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
  }

  const api = { check, group, sleep, fail, randomSeed };
  return { ...api, default: api };
}
