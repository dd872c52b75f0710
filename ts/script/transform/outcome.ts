/**
 * What the analysis means for the user: the refusals (with the line to fix and how), and which
 * exports the runtime gets back as async functions.
 */
import type { AnyNode } from 'acorn';
import type { Analysis, BlockingCall } from './analyze';
import { builtinDisplayName } from './blocking';
import type { ModuleInfo } from './graph';
import { positionOf } from './parse';
import { sinkAction, sinkFix, sinkPlace, snippet } from './sinks';
import { type FunctionValue, functionOf, type Value } from './values';

export interface Refusal {
  readonly module: ModuleInfo;
  readonly node: AnyNode;
  readonly reason: string;
  readonly fix: string;
}

/** For each async function, the first call (in source order) that made it async. */
function firstBlockingCalls(analysis: Analysis): Map<FunctionValue, BlockingCall> {
  const firsts = new Map<FunctionValue, BlockingCall>();
  for (const call of analysis.blockingCalls.values()) {
    if (!call.fn) continue;
    const known = firsts.get(call.fn);
    if (!known || call.node.start < known.node.start) firsts.set(call.fn, call);
  }
  return firsts;
}

function targetFunction(value: Value): FunctionValue | null {
  return value.kind === 'fn-method' ? value.target : functionOf(value);
}

/** The built-in a blocking call ends up in: `http.post` for `api.login()`. */
function reachedApi(call: BlockingCall, firsts: Map<FunctionValue, BlockingCall>, visited: Set<FunctionValue>): string | null {
  for (const t of call.targets) if (t.kind === 'builtin') return builtinDisplayName(t.specifier, t.name);
  for (const t of call.targets) {
    const fn = targetFunction(t);
    if (!fn || visited.has(fn)) continue;
    visited.add(fn);
    const first = firsts.get(fn);
    const reached = first ? reachedApi(first, firsts, visited) : null;
    if (reached) return reached;
  }
  return null;
}

/** "http.get", "nap (sleep)", "api.login() (which reaches http.post)". */
function describeCall(call: BlockingCall, firsts: Map<FunctionValue, BlockingCall>): string {
  const callee = call.node.type === 'TaggedTemplateExpression' ? call.node.tag : call.node.callee;
  const text = callee.type === 'Super' ? 'super' : snippet(call.module.parsed.source, callee);
  for (const t of call.targets) {
    if (t.kind !== 'builtin') continue;
    const name = builtinDisplayName(t.specifier, t.name);
    return text === name ? text : `${text} (${name})`;
  }
  const reached = reachedApi(call, firsts, new Set());
  return reached ? `${text}() (which reaches ${reached})` : `${text}()`;
}

function lineOf(module: ModuleInfo, node: AnyNode): number {
  return positionOf(module.parsed, node.start).line;
}

/** Why a blocking call cannot wait where it is, or null if it can. */
function contextRefusal(call: BlockingCall, what: string): { reason: string; fix: string } | null {
  switch (call.where) {
    case 'module':
      return null;
    case 'param-default':
      return { reason: `${what} in a default parameter value cannot be made to wait`, fix: 'move the call into the function body' };
    case 'field':
      return {
        reason: `${what} in a class field initializer cannot be made to wait`,
        fix: 'assign the field in a method and call that method after new',
      };
    case 'static-block':
      return {
        reason: `${what} in a class static block cannot be made to wait`,
        fix: 'move the call into a function that the script calls',
      };
    case 'function':
      break;
  }
  const fn = call.fn;
  if (!fn || fn.userAsync) return null;
  if (fn.generator) {
    return {
      reason: `${what} inside a generator function cannot be made to wait`,
      fix: 'use a regular function (one that returns an array, say) instead of function*',
    };
  }
  switch (fn.role) {
    case 'getter':
      return { reason: `${what} inside a getter cannot be made to wait`, fix: 'turn the getter into a method (get name() -> name()) and call it' };
    case 'setter':
      return { reason: `${what} inside a setter cannot be made to wait`, fix: 'turn the setter into a method (set name(v) -> setName(v)) and call it' };
    case 'constructor':
      return {
        reason: `${what} inside a class constructor cannot be made to wait`,
        fix: 'move it into a method (say, init()) and call that method after new',
      };
    default:
      return null;
  }
}

export function collectRefusals(analysis: Analysis): Refusal[] {
  const firsts = firstBlockingCalls(analysis);
  const refusals: Refusal[] = [];

  for (const call of analysis.blockingCalls.values()) {
    const refusal = contextRefusal(call, describeCall(call, firsts));
    if (refusal) refusals.push({ module: call.module, node: call.node, ...refusal });
  }

  for (const bySite of analysis.escapes.values()) {
    for (const esc of bySite.values()) {
      if (!analysis.isBlocking(esc.value)) continue;
      const fix = sinkFix(esc.sink);
      if (esc.value.kind === 'builtin') {
        const name = builtinDisplayName(esc.value.specifier, esc.value.name);
        refusals.push({ module: esc.module, node: esc.site, reason: `${name} ${sinkAction(esc.sink)}, so it cannot be made to wait`, fix });
        continue;
      }
      const fn = esc.value;
      const first = firsts.get(fn);
      if (!first) continue;
      const what = describeCall(first, firsts);
      const inline = fn.module === esc.module && esc.site.start <= fn.node.start && fn.node.end <= esc.site.end;
      if (inline) {
        refusals.push({ module: first.module, node: first.node, reason: `${what} inside ${sinkPlace(esc.sink)} cannot be made to wait`, fix });
      } else {
        const name = snippet(esc.module.parsed.source, esc.site);
        const where = first.module === esc.module ? `line ${lineOf(first.module, first.node)}` : `${first.module.parsed.file}:${lineOf(first.module, first.node)}`;
        refusals.push({
          module: esc.module,
          node: esc.site,
          reason: `${name} ${sinkAction(esc.sink)}, so its call to ${what} (${where}) cannot be made to wait`,
          fix,
        });
      }
    }
  }

  for (const site of analysis.newSites.values()) {
    for (const fn of site.fns) {
      const first = firsts.get(fn);
      if (!first || !analysis.asyncFns.has(fn)) continue;
      const name = snippet(site.module.parsed.source, site.node.callee);
      refusals.push({
        module: site.module,
        node: site.node,
        reason: `${name} calls ${describeCall(first, firsts)} but is called with new, and a constructor cannot wait`,
        fix: 'call it without new and have it return the object',
      });
      break;
    }
  }

  const seen = new Set<string>();
  return refusals
    .sort((a, b) => a.module.index - b.module.index || a.node.start - b.node.start)
    .filter((r) => {
      const key = `${r.module.index}:${r.node.start}:${r.reason}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Exports that may be async functions after the transform (made async, or written async). */
export function asyncExports(analysis: Analysis, module: ModuleInfo): string[] {
  const out: string[] = [];
  for (const name of analysis.exportNames(module, new Set())) {
    for (const v of analysis.exportValues(module, name, new Set())) {
      const fn = functionOf(v);
      if ((fn && (fn.userAsync || analysis.asyncFns.has(fn))) || (v.kind === 'builtin' && v.blocking)) {
        out.push(name);
        break;
      }
    }
  }
  return out;
}
