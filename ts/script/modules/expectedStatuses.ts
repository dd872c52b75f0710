/**
 * k6's response callbacks: `http.expectedStatuses(...)` makes one, `http.setResponseCallback(cb)`
 * and `params.responseCallback` choose one. The engine applies it (crates/engine/src/metrics/
 * expected.rs): it decides `http_req_failed`, the `expected_response` tag and the
 * `http_req_duration{expected_response:true}` sub-metric. k6 accepts only what
 * expectedStatuses() returns, or null (no callback: no tag, no http_req_failed sample).
 */

/** Opaque, as in k6 (it shows as `{}`); only this module reads its statuses. */
export class ExpectedStatuses {
  /** What the engine parses: statuses and inclusive ranges, `200-399,418`. */
  readonly #wire: string;

  constructor(wire: string) {
    this.#wire = wire;
  }

  static wire(callback: ExpectedStatuses): string {
    return callback.#wire;
  }
}

/** The engine's form of "no callback". */
export const NO_CALLBACK = 'none';

/** `http.expectedStatuses(200, {min: 300, max: 399}, ...)`, with k6's argument errors. */
export function expectedStatuses(...args: unknown[]): ExpectedStatuses {
  if (args.length === 0) throw new Error('no arguments');
  const parts = args.map((arg, i) => {
    if (Number.isInteger(arg)) return statusText(arg as number);
    const range = arg as { min?: unknown; max?: unknown } | null;
    if (typeof range !== 'object' || range === null || range.min === undefined || range.max === undefined) {
      throw new Error(`argument number ${i + 1} to expectedStatuses was neither an integer nor an object like {min:100, max:329}`);
    }
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max)) {
      throw new Error(`both min and max need to be integers for argument number ${i + 1}`);
    }
    return `${statusText(range.min as number)}-${statusText(range.max as number)}`;
  });
  return new ExpectedStatuses(parts.join(','));
}

/** A status the engine can hold (it compares u32s): negatives match nothing but 0 would, so clamp. */
function statusText(n: number): string {
  return String(Math.min(Math.max(n, 0), 0xffffffff));
}

/**
 * The wire form of a callback given to setResponseCallback or params.responseCallback; throws
 * k6's error for anything but expectedStatuses() or null.
 */
export function callbackWire(value: unknown, what: 'setResponseCallback' | 'responseCallback'): string {
  if (value === null || value === undefined) return NO_CALLBACK;
  if (value instanceof ExpectedStatuses) return ExpectedStatuses.wire(value);
  throw new Error(what === 'setResponseCallback' ? 'unsupported argument, expected http.expectedStatuses' : 'unsupported responseCallback');
}
