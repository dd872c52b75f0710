/**
 * Parsing and name resolution for one module: acorn for the syntax tree (with offsets, which the
 * rewrite inserts at), eslint-scope for which declaration each identifier names.
 */
import { parse as acornParse, type AnyNode, type Node, type Program } from 'acorn';
import { analyze, type Variable } from 'eslint-scope';
import type * as ESTree from 'estree';
import { displayFile, TransformError } from './errors';

export interface ParsedModule {
  /** Normalised URL (the graph's key). */
  url: string;
  /** What messages name: a path for `file:` URLs. */
  file: string;
  source: string;
  ast: Program;
  /** Every identifier that declares or references a variable, mapped to that variable. Globals are absent. */
  variableOf: Map<Node, Variable>;
  /** Functions whose body reads `arguments`: their arguments are an array the analysis does not follow. */
  usesArguments: Set<Node>;
  parent: Map<Node, AnyNode>;
}

/** The child keys of each node type acorn produces, in source order (as eslint-visitor-keys). */
const CHILD_KEYS: Readonly<Record<string, readonly string[]>> = {
  ArrayExpression: ['elements'],
  ArrayPattern: ['elements'],
  ArrowFunctionExpression: ['params', 'body'],
  AssignmentExpression: ['left', 'right'],
  AssignmentPattern: ['left', 'right'],
  AwaitExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  BlockStatement: ['body'],
  BreakStatement: ['label'],
  CallExpression: ['callee', 'arguments'],
  CatchClause: ['param', 'body'],
  ChainExpression: ['expression'],
  ClassBody: ['body'],
  ClassDeclaration: ['id', 'superClass', 'body'],
  ClassExpression: ['id', 'superClass', 'body'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  ContinueStatement: ['label'],
  DebuggerStatement: [],
  DoWhileStatement: ['body', 'test'],
  EmptyStatement: [],
  ExportAllDeclaration: ['exported', 'source', 'attributes'],
  ExportDefaultDeclaration: ['declaration'],
  ExportNamedDeclaration: ['declaration', 'specifiers', 'source', 'attributes'],
  ExportSpecifier: ['local', 'exported'],
  ExpressionStatement: ['expression'],
  ForInStatement: ['left', 'right', 'body'],
  ForOfStatement: ['left', 'right', 'body'],
  ForStatement: ['init', 'test', 'update', 'body'],
  FunctionDeclaration: ['id', 'params', 'body'],
  FunctionExpression: ['id', 'params', 'body'],
  Identifier: [],
  IfStatement: ['test', 'consequent', 'alternate'],
  ImportAttribute: ['key', 'value'],
  ImportDeclaration: ['specifiers', 'source', 'attributes'],
  ImportDefaultSpecifier: ['local'],
  ImportExpression: ['source', 'options'],
  ImportNamespaceSpecifier: ['local'],
  ImportSpecifier: ['imported', 'local'],
  LabeledStatement: ['label', 'body'],
  Literal: [],
  LogicalExpression: ['left', 'right'],
  MemberExpression: ['object', 'property'],
  MetaProperty: ['meta', 'property'],
  MethodDefinition: ['key', 'value'],
  NewExpression: ['callee', 'arguments'],
  ObjectExpression: ['properties'],
  ObjectPattern: ['properties'],
  ParenthesizedExpression: ['expression'],
  PrivateIdentifier: [],
  Program: ['body'],
  Property: ['key', 'value'],
  PropertyDefinition: ['key', 'value'],
  RestElement: ['argument'],
  ReturnStatement: ['argument'],
  SequenceExpression: ['expressions'],
  SpreadElement: ['argument'],
  StaticBlock: ['body'],
  Super: [],
  SwitchCase: ['test', 'consequent'],
  SwitchStatement: ['discriminant', 'cases'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  TemplateElement: [],
  TemplateLiteral: ['quasis', 'expressions'],
  ThisExpression: [],
  ThrowStatement: ['argument'],
  TryStatement: ['block', 'handler', 'finalizer'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  VariableDeclaration: ['declarations'],
  VariableDeclarator: ['id', 'init'],
  WhileStatement: ['test', 'body'],
  WithStatement: ['object', 'body'],
  YieldExpression: ['argument'],
};

/** Keys that never hold child nodes, for node types missing from CHILD_KEYS. */
const NON_CHILD_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'raw', 'regex', 'bigint', 'name', 'operator']);

/** Calls `visit` with each child node of `node`. */
export function forEachChild(node: AnyNode, visit: (child: AnyNode) => void): void {
  const record = node as unknown as Record<string, unknown>;
  const keys = CHILD_KEYS[node.type];
  if (keys) {
    for (const key of keys) visitValue(record[key], visit);
    return;
  }
  for (const key in record) if (!NON_CHILD_KEYS.has(key)) visitValue(record[key], visit);
}

function visitValue(value: unknown, visit: (child: AnyNode) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) if (isNode(item)) visit(item);
  } else if (isNode(value)) {
    visit(value);
  }
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** 1-based line and column of an offset, as editors and Node's stack traces count. */
export function positionOf(module: ParsedModule, offset: number): { line: number; column: number } {
  const starts = lineStarts(module);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

const lineStartCache = new WeakMap<ParsedModule, number[]>();

function lineStarts(module: ParsedModule): number[] {
  let starts = lineStartCache.get(module);
  if (!starts) {
    starts = [0];
    // The line terminators of ECMAScript, as acorn counts lines.
    const re = /\r\n?|[\n\u2028\u2029]/g;
    for (let m = re.exec(module.source); m; m = re.exec(module.source)) starts.push(m.index + m[0].length);
    lineStartCache.set(module, starts);
  }
  return starts;
}

export function parseModule(url: string, source: string): ParsedModule {
  const file = displayFile(url);
  let ast: Program;
  try {
    ast = acornParse(source, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      // eslint-scope reads `range`.
      ranges: true,
      allowHashBang: true,
    });
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    const loc = err.loc ?? { line: 1, column: 0 };
    const reason = `syntax error: ${err.message.replace(/ \(\d+:\d+\)$/, '')}`;
    throw new TransformError(file, loc.line, loc.column + 1, reason, 'correct the syntax (scripts are JavaScript ES modules)');
  }

  const scopes = analyze(ast as unknown as ESTree.Program, { ecmaVersion: 2022, sourceType: 'module' });
  const variableOf = new Map<Node, Variable>();
  const usesArguments = new Set<Node>();
  for (const scope of scopes.scopes) {
    const args = scope.type === 'function' ? scope.set.get('arguments') : undefined;
    if (args && args.defs.length === 0 && args.references.length > 0) usesArguments.add(scope.block as unknown as Node);
    for (const variable of scope.variables) {
      for (const id of variable.identifiers) variableOf.set(id as unknown as Node, variable);
    }
    for (const ref of scope.references) {
      if (ref.resolved) variableOf.set(ref.identifier as unknown as Node, ref.resolved);
    }
  }

  const parent = new Map<Node, AnyNode>();
  const stack: AnyNode[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    forEachChild(node, (child) => {
      parent.set(child, node);
      stack.push(child);
    });
  }

  return { url, file, source, ast, variableOf, usesArguments, parent };
}
