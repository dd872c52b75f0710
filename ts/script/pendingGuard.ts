/**
 * The safety net behind the load-time transform: if a blocking call escaped it, the script holds
 * a Promise where k6 would give a Response. Reading a Response field from it throws a TypeError
 * at the user's own line (the stack of the read), instead of yielding a silent `undefined`.
 * Installed in script worker threads only, where no other code inspects Promises this way.
 */
const RESPONSE_FIELDS = ['status', 'status_text', 'body', 'headers', 'timings', 'error', 'error_code', 'cookies', 'json', 'html', 'url', 'proto', 'request'];

export function installPendingResponseGuard(): void {
  for (const field of RESPONSE_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(Promise.prototype, field)) continue;
    Object.defineProperty(Promise.prototype, field, {
      configurable: true,
      get() {
        throw new TypeError(
          `read .${field} of a pending response: the request was not awaited (volley could not make it wait here). Await it, or move the request out of the callback that holds it`,
        );
      },
    });
  }
}
