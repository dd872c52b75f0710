/**
 * The rewrite: `async ` before each function made async and `await ` before each blocking call,
 * inserted at the original offsets with magic-string. Nothing is reprinted or removed, and no
 * inserted text holds a line break, so every original token keeps its line (and its column, less
 * the width of what was inserted before it on the same line).
 */
import type { AnyNode, Node } from 'acorn';
import MagicString from 'magic-string';
import type { CallNode } from './analyze';
import type { ModuleInfo } from './graph';
import type { FunctionValue } from './values';

interface Insertion {
  readonly pos: number;
  readonly text: string;
  /** For openings at the same offset: the enclosing node (ending later) goes first. */
  readonly spanEnd: number;
}

/** Statement lists: where a leading `(` could join the previous line's expression (ASI). */
function statementList(parent: AnyNode): readonly AnyNode[] | null {
  switch (parent.type) {
    case 'Program':
    case 'BlockStatement':
    case 'StaticBlock':
      return parent.body;
    case 'SwitchCase':
      return parent.consequent;
    default:
      return null;
  }
}

function skipTrivia(source: string, pos: number): number {
  let i = pos;
  for (;;) {
    if (/\s/.test(source[i] ?? '')) i++;
    else if (source.startsWith('//', i)) i = source.indexOf('\n', i) < 0 ? source.length : source.indexOf('\n', i);
    else if (source.startsWith('/*', i)) i = source.indexOf('*/', i + 2) + 2;
    else return i;
  }
}

/** Where `async ` goes: before `function`, the arrow's parameters, or a method's name. */
function asyncPosition(fn: FunctionValue, parent: AnyNode | undefined, source: string): number {
  if (parent?.type === 'MethodDefinition' && parent.value === fn.node) {
    if (!parent.computed) return parent.key.start;
    // `static [key]() {}`: after `static`; otherwise the method starts at `[`.
    return parent.static ? skipTrivia(source, parent.start + 'static'.length) : parent.start;
  }
  if (parent?.type === 'Property' && parent.value === fn.node && parent.method) {
    return parent.computed ? parent.start : parent.key.start;
  }
  return fn.node.start;
}

/** Whether `await X` in this position would bind wrongly without parentheses. */
function needsParens(target: Node, parent: AnyNode | undefined): boolean {
  if (!parent) return false;
  switch (parent.type) {
    case 'MemberExpression':
      return parent.object === target;
    case 'CallExpression':
    case 'NewExpression':
      return parent.callee === target;
    case 'TaggedTemplateExpression':
      return parent.tag === target;
    case 'BinaryExpression':
      return parent.operator === '**' && parent.left === target;
    default:
      return false;
  }
}

/**
 * A `(` inserted at the start of an expression statement that follows a statement without `;`
 * would continue that statement (`x = 1\n(await f()).y`): such a `(` gets a `;` before it.
 */
function needsSemicolon(target: Node, module: ModuleInfo): boolean {
  const { parent, source } = module.parsed;
  let node: AnyNode = target as AnyNode;
  let up = parent.get(node);
  while (up && up.start === target.start && up.type !== 'ExpressionStatement') {
    node = up;
    up = parent.get(node);
  }
  if (!up || up.type !== 'ExpressionStatement' || up.start !== target.start) return false;
  const container = parent.get(up);
  const list = container ? statementList(container) : null;
  if (!list) return false;
  const index = list.indexOf(up);
  if (index <= 0) return false;
  const previous = list[index - 1];
  return source[previous.end - 1] !== ';';
}

/** Whether an optional link (`?.`) inside `node`'s own chain can short-circuit it. */
function shortCircuits(node: AnyNode): boolean {
  let n: AnyNode = node;
  for (;;) {
    if (n.type === 'MemberExpression') {
      if (n.optional) return true;
      n = n.object as AnyNode;
    } else if (n.type === 'CallExpression') {
      if (n.optional) return true;
      n = n.callee as AnyNode;
    } else {
      return false;
    }
  }
}

/**
 * `o?.login().status` with `o?.login()` awaited becomes `(await o?.login())?.status`: once the
 * parentheses cut the chain, the link after them needs its own `?.` to keep the short-circuit.
 * Returns where to insert and what, or null.
 */
function chainContinuation(target: AnyNode, up: AnyNode | undefined, source: string): { pos: number; text: string } | null {
  if (!up || !shortCircuits(target)) return null;
  if (up.type === 'MemberExpression' && up.object === target && !up.optional) {
    const pos = skipTrivia(source, target.end);
    return up.computed ? { pos, text: '?.' } : { pos, text: '?' };
  }
  if (up.type === 'CallExpression' && up.callee === target && !up.optional) {
    return { pos: skipTrivia(source, target.end), text: '?.' };
  }
  return null;
}

export interface Rewritten {
  readonly code: string;
  /** Source map v3 JSON, when asked for. */
  readonly map?: string;
}

export function rewriteModule(
  module: ModuleInfo,
  asyncFns: readonly FunctionValue[],
  awaited: readonly CallNode[],
  sourceMap: boolean,
): Rewritten {
  const { source, parent } = module.parsed;
  const opens: Insertion[] = [];
  const closes: Insertion[] = [];

  for (const fn of asyncFns) {
    opens.push({ pos: asyncPosition(fn, parent.get(fn.node), source), text: 'async ', spanEnd: fn.node.end });
  }

  for (const call of awaited) {
    let target: AnyNode = call;
    let up = parent.get(call);
    if (up?.type === 'ChainExpression') {
      target = up;
      up = parent.get(up);
    }
    if (up?.type === 'AwaitExpression') continue;
    if (needsParens(target, up)) {
      if (needsSemicolon(target, module)) opens.push({ pos: target.start, text: ';', spanEnd: Number.POSITIVE_INFINITY });
      opens.push({ pos: target.start, text: '(await ', spanEnd: target.end });
      closes.push({ pos: target.end, text: ')', spanEnd: target.start });
      const link = chainContinuation(target, up, source);
      if (link) closes.push({ pos: link.pos, text: link.text, spanEnd: Number.NEGATIVE_INFINITY });
    } else {
      opens.push({ pos: target.start, text: 'await ', spanEnd: target.end });
    }
  }

  const s = new MagicString(source);
  // Closings attach to the text before them and openings to the text after, so at one offset all
  // closings come first; among openings, outer before inner; among closings, inner before outer.
  opens.sort((a, b) => a.pos - b.pos || b.spanEnd - a.spanEnd);
  closes.sort((a, b) => a.pos - b.pos || b.spanEnd - a.spanEnd);
  for (const c of closes) s.appendLeft(c.pos, c.text);
  for (const o of opens) s.appendRight(o.pos, o.text);

  const code = s.toString();
  if (!sourceMap) return { code };
  const map = s.generateMap({ source: module.parsed.file, hires: true, includeContent: true }).toString();
  return { code, map };
}
