/**
 * A VU's tags as k6 keeps them (`exec.vu.tags`): the test's `options.tags`, the `scenario` tag and
 * the scenario's `tags`, changed by the script at will. Every sample the VU makes carries them;
 * the engine gets them as name/value pairs, made again only after a change (so that a repeated
 * request still compares equal to the last one and takes the cheap resend path).
 */
import type { HeaderPair } from '../native';

/** Tags the engine sets itself on a VU's samples: never sent as user tags. */
const SYSTEM = new Set(['scenario', 'group']);

/** What `check()`, `metric.add()` and `params.tags` take: values become strings as in k6. */
export type CallTags = Record<string, unknown> | undefined | null;

export class VuTags {
  private readonly values: Record<string, string> = {};
  private cached: HeaderPair[] | undefined;
  private stale = true;
  /** `exec.vu.tags`: reads and writes go through to the VU's tags. */
  readonly view: Record<string, string>;

  constructor(private readonly warn: (msg: string) => void = () => {}) {
    this.view = new Proxy(this.values, {
      set: (target, key, value: unknown) => {
        if (typeof key !== 'string') return false;
        // k6 (js/modules/k6/execution, tagsDynamicObject.Set): other types are discarded with a warning.
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          this.warn(`the execution.vu.tags.Set('${key}') operation has been discarded because only String, Boolean and Number types are accepted as a Tag value`);
          return true;
        }
        target[key] = String(value);
        this.stale = true;
        return true;
      },
      deleteProperty: (target, key) => {
        if (typeof key === 'string') delete target[key];
        this.stale = true;
        return true;
      },
    });
  }

  /** Sets several tags at once (the VU's start: options and scenario tags). */
  assign(tags: Record<string, string>): void {
    Object.assign(this.values, tags);
    this.stale = true;
  }

  /** The VU's user tags as pairs (the same array until they change); undefined when none. */
  pairs(): HeaderPair[] | undefined {
    if (this.stale) {
      const list = Object.entries(this.values)
        .filter(([name]) => !SYSTEM.has(name))
        .map(([name, value]) => ({ name, value }));
      this.cached = list.length ? list : undefined;
      this.stale = false;
    }
    return this.cached;
  }

  /** The VU's tags under a call's own (`params.tags`, a check's or a metric's tags). */
  with(extra: CallTags): HeaderPair[] | undefined {
    const base = this.pairs();
    if (!extra || typeof extra !== 'object') return base;
    const own = Object.entries(extra);
    if (own.length === 0) return base;
    const merged = new Map((base ?? []).map((p) => [p.name, p.value]));
    for (const [name, value] of own) merged.set(name, tagValue(value));
    return [...merged].map(([name, value]) => ({ name, value }));
  }
}

/** k6 turns tag values into strings (numbers and booleans as JS prints them). */
function tagValue(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}
