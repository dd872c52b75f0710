/**
 * The load-time transform that lets synchronous k6 scripts run on the async engine.
 *
 * k6 scripts call `http.get(url)` and use the response on the next line; here every blocking call
 * returns a Promise. `transformGraph` rewrites a script's local module graph so that every blocking
 * call is awaited and every function that can reach one is async:
 *
 * ```js
 * export default function () {            export default async function () {
 *   const res = http.get(url);      ->      const res = await http.get(url);
 *   sleep(1);                               await sleep(1);
 * }                                       }
 * ```
 *
 * The text is only inserted into (`async `, `await `, and parentheses where precedence needs them),
 * never reprinted, so every line keeps its number. A whole-graph analysis follows functions
 * through variables, object and class members, imports and re-exports, arguments and return values
 * (see analyze.ts). Where a blocking function escapes to where the transform cannot follow it (an
 * Array.prototype.forEach callback, a check predicate, an array...), `TransformError` names the
 * line and the fix.
 *
 * Input is JavaScript (ES modules). TypeScript must have its types stripped first, with the
 * positions kept (blanked out, not removed), for line numbers to stay exact.
 */
import { Analysis, type CallNode } from './analyze';
import { type BlockingApis, DEFAULT_BLOCKING_APIS } from './blocking';
import { TransformError } from './errors';
import { buildGraph, normaliseUrl } from './graph';
import { parseModule, positionOf } from './parse';
import { asyncExports, collectRefusals } from './outcome';
import { rewriteModule } from './rewrite';
import type { FunctionValue } from './values';

export { type BlockingApis, DEFAULT_BLOCKING_APIS } from './blocking';
export { TransformError } from './errors';

/** A user module: its file URL and its text. */
export interface ModuleSource {
  url: string;
  source: string;
}

export interface TransformResult {
  /** The rewritten module: same lines as the source, every original token on its original line. */
  code: string;
  /**
   * Exports that may be async functions after the transform (made async here, or written async):
   * the runtime must await what they return. `default` for the default export.
   */
  asyncExports: string[];
  /** Source map v3 JSON (exact columns too), with `sourceMap: true`. */
  map?: string;
}

export interface TransformOptions {
  /** The calls that block; DEFAULT_BLOCKING_APIS (k6's) when absent. Replaces, does not extend. */
  blocking?: BlockingApis;
  /** Also produce a source map for each module. */
  sourceMap?: boolean;
}

/**
 * Transforms one module graph: the entry first, then the local modules it imports (directly or
 * not), which the caller resolves and reads. The runtime calls the entry's exports; import
 * specifiers that are not relative (`k6`, `k6/http`, `volley/http`...) are the built-in modules.
 * Returns a result per module, keyed by the URL as passed. Throws TransformError.
 */
export function transformGraph(modules: readonly ModuleSource[], options: TransformOptions = {}): Map<string, TransformResult> {
  const parsed = modules.map((m) => parseModule(normaliseUrl(m.url), m.source));
  const graph = buildGraph(parsed);
  const analysis = new Analysis(graph, options.blocking ?? DEFAULT_BLOCKING_APIS);
  analysis.run();

  const refusals = collectRefusals(analysis);
  if (refusals.length > 0) {
    const first = refusals[0];
    const { line, column } = positionOf(first.module.parsed, first.node.start);
    throw new TransformError(first.module.parsed.file, line, column, first.reason, first.fix);
  }

  const asyncByModule = new Map<number, FunctionValue[]>();
  for (const fn of analysis.asyncFns) {
    const list = asyncByModule.get(fn.module.index) ?? [];
    list.push(fn);
    asyncByModule.set(fn.module.index, list);
  }
  const awaitedByModule = new Map<number, CallNode[]>();
  for (const call of analysis.blockingCalls.values()) {
    const list = awaitedByModule.get(call.module.index) ?? [];
    list.push(call.node);
    awaitedByModule.set(call.module.index, list);
  }

  const results = new Map<string, TransformResult>();
  graph.forEach((module, i) => {
    const { code, map } = rewriteModule(
      module,
      asyncByModule.get(i) ?? [],
      awaitedByModule.get(i) ?? [],
      options.sourceMap === true,
    );
    const result: TransformResult = { code, asyncExports: asyncExports(analysis, module) };
    if (map !== undefined) result.map = map;
    results.set(modules[i].url, result);
  });
  return results;
}

/** Transforms a single module with no local imports. */
export function transformModule(source: string, url = 'file:///script.js', options: TransformOptions = {}): TransformResult {
  const result = transformGraph([{ url, source }], options).get(url);
  if (!result) throw new Error('unreachable: the transform returns a result for every module');
  return result;
}
