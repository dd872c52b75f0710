/**
 * ESM loader hooks for script workers (module.register): built-in module names resolve to
 * per-VU shims, and every user module is loaded once per VU (`?vu=N` on its URL, carried to
 * its relative imports) so that module-level state belongs to one VU, as in k6. User modules
 * are rewritten by the sync-to-async transform on the way in.
 */
import { readFile } from 'node:fs/promises';
import { BUILTIN_EXPORTS, builtinName } from './builtins';
import { transformForVu } from './load';
import { fetchModule, isRemote } from './remote';

type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string; format?: string | null }>;
type Load = (url: string, context: { format?: string | null }) => Promise<{ format: string; source?: string | Buffer }>;

const SCHEME = 'volley-builtin:';

function vuQuery(url: string | undefined): string {
  const m = url ? /[?&](vu=\d+)/.exec(url) : null;
  return m ? m[1] : '';
}

/** `url` with the VU's query added (`vu=N`), as every module of a VU carries it. */
function withVu(url: string, query: string): string {
  if (!query || vuQuery(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** `url` as it was before `withVu`. */
function withoutVu(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('vu');
  return u.href;
}

/** A module of the script's own graph read from its file or, remote, fetched. */
function readModule(url: string): Promise<string> {
  return isRemote(url) ? fetchModule(url) : readFile(new URL(url), 'utf8');
}

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve) {
  const query = vuQuery(context.parentURL);
  const builtin = builtinName(specifier);
  if (builtin) return { url: `${SCHEME}${builtin}${query ? `?${query}` : ''}`, shortCircuit: true };
  if (/^k6\//.test(specifier) || specifier === 'k6') {
    throw new Error(`the module "${specifier}" is not supported by volley (supported: k6, k6/http, k6/metrics, k6/execution, k6/data, k6/encoding, k6/crypto, k6/html)`);
  }
  // Remote modules, and relative imports inside them: Node's own resolver knows only files.
  const parent = context.parentURL;
  if (isRemote(specifier) || (parent && isRemote(parent) && /^\.{0,2}\//.test(specifier))) {
    const url = new URL(specifier, parent && isRemote(parent) ? withoutVu(parent) : undefined).href;
    return { url: withVu(url, query), format: 'module', shortCircuit: true };
  }
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:')) return { ...resolved, url: withVu(resolved.url, query) };
  return resolved;
}

export async function load(url: string, context: { format?: string | null }, next: Load) {
  if (url.startsWith(SCHEME)) {
    const [name, query] = url.slice(SCHEME.length).split('?');
    const vu = Number(/vu=(\d+)/.exec(query ?? '')?.[1] ?? 0);
    if (name === 'volley:vu') return { format: 'module', source: vuShim(vu), shortCircuit: true };
    const names = BUILTIN_EXPORTS[name].filter((n) => n !== 'default');
    const source = [
      `const m = globalThis[Symbol.for('volley.runtime')].builtin(${JSON.stringify(name)}, ${vu});`,
      'export default m.default;',
      ...names.map((n) => `export const ${n} = m.${n};`),
    ].join('\n');
    return { format: 'module', source, shortCircuit: true };
  }
  if (url.startsWith('file:') && /\.(m?js|ts)(\?|$)/.test(url) && !url.includes('/node_modules/')) {
    const file = new URL(url);
    file.search = '';
    const source = await transformForVu(file.href, readModule);
    return { format: 'module', source, shortCircuit: true };
  }
  if (isRemote(url)) return { format: 'module', source: await transformForVu(withoutVu(url), readModule), shortCircuit: true };
  return next(url, context);
}

/** `__ITER` is a live binding: the shim owns the variable and the runtime moves it on. */
function vuShim(vu: number): string {
  return [
    `const m = globalThis[Symbol.for('volley.runtime')].builtin('volley:vu', ${vu});`,
    `export const __VU = ${vu};`,
    'export let __ITER = 0;',
    'export const __ENV = m.__ENV;',
    'export const open = m.open;',
    'export default m.default;',
    'm.onIteration((n) => { __ITER = n; });',
  ].join('\n');
}
