/**
 * Which built-in calls block in k6 (and so return a Promise here, to be awaited), and how the
 * transform names built-ins in its messages.
 */

/**
 * Module specifier -> names of its exports that block. A listed name is a member of the module's
 * default export too (`import http from 'k6/http'; http.get(...)`); list `default` itself only if
 * the default export is a blocking function. `volley` and `volley/*` read the `k6` and `k6/*` entries.
 */
export type BlockingApis = Readonly<Record<string, readonly string[]>>;

/**
 * A blocking method of k6/http's Response (`res.submitForm()`, `res.clickLink()`) is listed under
 * 'k6/http' with this prefix. A response is a value the analysis does not follow, so a call of such a
 * method on any value it does not follow blocks (a script's own `submitForm` on an unfollowed object
 * gets an `await` too, which changes nothing for a function that does not return a Promise).
 */
export const RESPONSE_METHOD = 'Response#';

/**
 * k6's blocking calls. `http.asyncRequest` is absent on purpose: it already returns a Promise that the
 * script awaits itself. `group` always blocks: its callback may wait, and the runtime's `group` must
 * await whatever the callback returns (the same holds for any blocking built-in that takes a callback).
 */
export const DEFAULT_BLOCKING_APIS: BlockingApis = {
  'k6/http': ['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch', RESPONSE_METHOD + 'submitForm', RESPONSE_METHOD + 'clickLink'],
  k6: ['sleep', 'group'],
};

/** `volley` and `volley/x` are aliases of `k6` and `k6/x`. */
export function canonicalModule(specifier: string): string {
  if (specifier === 'volley') return 'k6';
  if (specifier.startsWith('volley/')) return `k6/${specifier.slice('volley/'.length)}`;
  return specifier;
}

export function isBlockingExport(apis: BlockingApis, specifier: string, name: string): boolean {
  const names = apis[specifier] ?? apis[canonicalModule(specifier)];
  return names !== undefined && names.includes(name);
}

/** k6's `check`: not blocking, but its predicates must stay synchronous. */
export function isCheck(specifier: string, name: string): boolean {
  return canonicalModule(specifier) === 'k6' && name === 'check';
}

/** How a message names a built-in: `http.get`, `sleep`, `metrics.Trend`. */
export function builtinDisplayName(specifier: string, name: string): string {
  const canonical = canonicalModule(specifier);
  if (canonical === 'k6') return name;
  if (name.startsWith(RESPONSE_METHOD)) return `res.${name.slice(RESPONSE_METHOD.length)}`;
  if (canonical.startsWith('k6/')) return `${canonical.slice('k6/'.length)}.${name}`;
  return `${name} (from '${specifier}')`;
}
