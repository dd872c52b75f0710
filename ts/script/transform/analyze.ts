/**
 * The whole-graph analysis: which values each expression can hold, and so which calls can block.
 *
 * It walks every module again and again, each walk adding values to slots (variables, parameters,
 * return values, object/class members, exports) and marking functions async, until a walk changes
 * nothing. Everything only grows, so it ends. A function becomes async when its own body (not a
 * nested function's) makes a call that can block: a blocking built-in, or a function already made
 * async. Where a blocking function flows somewhere the transform cannot follow (an unknown callee,
 * an array, a check predicate...), the escape is recorded; `outcome.ts` turns those into refusals.
 */
import type {
  AnyNode,
  AssignmentExpression,
  CallExpression,
  Class,
  Expression,
  ImportDefaultSpecifier,
  ImportNamespaceSpecifier,
  ImportSpecifier,
  MemberExpression,
  NewExpression,
  Node,
  ObjectExpression,
  Pattern,
  PrivateIdentifier,
  SpreadElement,
  Super,
  TaggedTemplateExpression,
} from 'acorn';
import type { Variable } from 'eslint-scope';
import { type BlockingApis, builtinDisplayName, isBlockingExport, isCheck, RESPONSE_METHOD } from './blocking';
import { exportName, type ModuleInfo, type ModuleRef } from './graph';
import { forEachChild } from './parse';
import { type Sink, snippet, unknownCalleeSink } from './sinks';
import {
  type BoundValue,
  type BuiltinModuleValue,
  type BuiltinValue,
  type ClassValue,
  EMPTY,
  type FunctionMethodValue,
  type FunctionNode,
  type FunctionRole,
  type FunctionValue,
  functionOf,
  type InstanceValue,
  type NamespaceValue,
  type ObjectValue,
  TOP_SET,
  union,
  type Value,
  type ValueSet,
} from './values';

export type CallNode = CallExpression | NewExpression | TaggedTemplateExpression;
type ImportBindingNode = ImportSpecifier | ImportDefaultSpecifier | ImportNamespaceSpecifier;

/** What encloses a call: whether an `await` can go there. */
export type Where = 'module' | 'function' | 'param-default' | 'field' | 'static-block';

interface Ctx {
  readonly module: ModuleInfo;
  readonly where: Where;
  /** The nearest enclosing function (arrow or not): the one that becomes async. */
  readonly fn: FunctionValue | null;
  /** The nearest non-arrow function: whose `this` applies. */
  readonly thisFn: FunctionValue | null;
  /** In a class field initializer or static block (or an arrow inside one): that class. */
  readonly fieldClass: ClassValue | null;
  readonly fieldStatic: boolean;
}

export interface BlockingCall {
  readonly node: CallNode;
  readonly module: ModuleInfo;
  readonly where: Where;
  readonly fn: FunctionValue | null;
  /** The callee values that block (built-ins, async functions). */
  readonly targets: Set<Value>;
}

export interface Escape {
  readonly value: FunctionValue | BuiltinValue;
  readonly sink: Sink;
  /** The expression that escapes (an argument, an array element...). */
  readonly site: AnyNode;
  readonly module: ModuleInfo;
}

/** `new f()` of a plain function: refused if `f` becomes async. */
export interface NewSite {
  readonly node: NewExpression;
  readonly module: ModuleInfo;
  readonly fns: Set<FunctionValue>;
}

/** Names found on every object through Object.prototype: reading one gives something not followed. */
const OBJECT_PROTO = new Set([
  'constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf',
]);

/** Safety valve only: the walk converges in a handful of passes on real scripts. */
const MAX_PASSES = 200;

const STATEMENT_TYPES = new Set([
  'ExpressionStatement', 'BlockStatement', 'EmptyStatement', 'DebuggerStatement', 'WithStatement', 'ReturnStatement',
  'LabeledStatement', 'BreakStatement', 'ContinueStatement', 'IfStatement', 'SwitchStatement', 'ThrowStatement',
  'TryStatement', 'WhileStatement', 'DoWhileStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement',
  'FunctionDeclaration', 'VariableDeclaration', 'ClassDeclaration', 'ImportDeclaration', 'ExportNamedDeclaration',
  'ExportDefaultDeclaration', 'ExportAllDeclaration',
]);

function staticKey(key: Expression | PrivateIdentifier): string | null {
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  return literalKey(key);
}

function literalKey(key: Expression | PrivateIdentifier): string | null {
  if (key.type === 'Literal') return String(key.value);
  if (key.type === 'TemplateLiteral' && key.expressions.length === 0) return key.quasis[0].value.cooked ?? null;
  return null;
}

function slotOf<K>(map: Map<K, Set<Value>>, key: K): Set<Value> {
  let slot = map.get(key);
  if (!slot) {
    slot = new Set();
    map.set(key, slot);
  }
  return slot;
}

export class Analysis {
  readonly asyncFns = new Set<FunctionValue>();
  readonly blockingCalls = new Map<CallNode, BlockingCall>();
  readonly escapes = new Map<AnyNode, Map<Value, Escape>>();
  readonly newSites = new Map<NewExpression, NewSite>();
  passes = 0;

  private changed = false;
  private readonly variables = new Map<Variable, Set<Value>>();
  private readonly fns = new Map<Node, FunctionValue>();
  private readonly classes = new Map<Node, ClassValue>();
  private readonly objects = new Map<Node, ObjectValue>();
  private readonly instances = new Map<ClassValue | FunctionValue, InstanceValue>();
  private readonly builtins = new Map<string, BuiltinValue>();
  private readonly builtinModules = new Map<string, BuiltinModuleValue>();
  private readonly namespaces = new Map<ModuleInfo, NamespaceValue>();
  private readonly fnMethods = new Map<string, FunctionMethodValue>();
  private readonly bounds = new Map<Node, Map<FunctionValue, BoundValue>>();
  private readonly singletons = new Map<Value, ValueSet>();
  private readonly paramCtxs = new Map<FunctionValue, Ctx>();
  private readonly constantImports = new Map<Variable, ValueSet>();
  /**
   * `this` of methods, cached for one pass. A value that arrives later in the pass is picked up by
   * the next pass, which the arrival itself causes (it marks the pass changed); the last pass
   * changes nothing, so what it reads is exact.
   */
  private readonly thisCache = new Map<FunctionValue, ValueSet>();
  private readonly walkCtxs = new Map<FunctionValue, { body: Ctx; params: Ctx }>();

  constructor(
    readonly modules: readonly ModuleInfo[],
    private readonly apis: BlockingApis,
  ) {}

  run(): void {
    for (this.passes = 1; this.passes <= MAX_PASSES; this.passes++) {
      this.changed = false;
      this.thisCache.clear();
      const entry = this.modules[0];
      if (entry) {
        // The runtime calls the entry's exports (default, setup, scenario exec functions...) with
        // data the transform cannot see.
        for (const name of this.exportNames(entry, new Set())) {
          for (const v of this.exportValues(entry, name, new Set())) {
            const fn = functionOf(v);
            if (fn) this.markParamsUnknown(fn);
          }
        }
      }
      for (const module of this.modules) {
        const ctx: Ctx = { module, where: 'module', fn: null, thisFn: null, fieldClass: null, fieldStatic: false };
        for (const stmt of module.parsed.ast.body) this.statement(stmt, ctx);
      }
      if (!this.changed) return;
    }
  }

  /** A value whose call must be awaited. */
  isBlocking(value: Value): boolean {
    switch (value.kind) {
      case 'builtin':
        return value.blocking;
      case 'fn':
        return this.asyncFns.has(value);
      case 'bound':
        return this.asyncFns.has(value.target);
      case 'fn-method':
        return value.method !== 'bind' && this.asyncFns.has(value.target);
      default:
        return false;
    }
  }

  /** Export names of a module, re-exports and `export *` included. */
  exportNames(module: ModuleInfo, visited: Set<ModuleInfo>): string[] {
    if (visited.has(module)) return [];
    visited.add(module);
    const names = new Set<string>(module.localExports.keys());
    if (module.defaultExport.size > 0) names.add('default');
    for (const name of module.reexports.keys()) names.add(name);
    for (const star of module.stars) {
      if (star.kind !== 'local') continue;
      for (const name of this.exportNames(star.module, visited)) if (name !== 'default') names.add(name);
    }
    return [...names];
  }

  exportValues(module: ModuleInfo, name: string, visited: Set<string>): ValueSet {
    const key = `${module.index}:${name}`;
    if (visited.has(key)) return EMPTY;
    visited.add(key);
    const variable = module.localExports.get(name);
    if (variable) return this.variableValues(variable, module);
    if (name === 'default' && module.defaultExport.size > 0) return module.defaultExport;
    const re = module.reexports.get(name);
    if (re) return re.name === '*' ? this.namespaceOf(re.from) : this.refExport(re.from, re.name, visited);
    let out: ValueSet = EMPTY;
    if (name !== 'default') for (const star of module.stars) out = union(out, this.refExport(star, name, visited));
    return out;
  }

  // ---- statements ----

  private statement(node: AnyNode, ctx: Ctx): void {
    switch (node.type) {
      case 'ExpressionStatement':
        this.ev(node.expression, ctx);
        return;
      case 'VariableDeclaration':
        for (const d of node.declarations) this.assign(d.id, d.init ? this.ev(d.init, ctx) : EMPTY, ctx, true);
        return;
      case 'FunctionDeclaration':
        this.walkFunction(this.fnValue(node, ctx.module), ctx);
        return;
      case 'ClassDeclaration':
        this.evalClass(node, ctx);
        return;
      case 'ReturnStatement':
        if (node.argument) {
          const vals = this.ev(node.argument, ctx);
          if (ctx.fn) this.addAll(ctx.fn.returns, vals);
        }
        return;
      case 'IfStatement':
        this.ev(node.test, ctx);
        this.statement(node.consequent, ctx);
        if (node.alternate) this.statement(node.alternate, ctx);
        return;
      case 'BlockStatement':
        for (const s of node.body) this.statement(s, ctx);
        return;
      case 'ForStatement':
        if (node.init) this.visit(node.init, ctx);
        if (node.test) this.ev(node.test, ctx);
        if (node.update) this.ev(node.update, ctx);
        this.statement(node.body, ctx);
        return;
      case 'ForInStatement':
      case 'ForOfStatement': {
        this.ev(node.right, ctx);
        const target = node.left.type === 'VariableDeclaration' ? node.left.declarations[0].id : node.left;
        this.assign(target, node.type === 'ForOfStatement' ? TOP_SET : EMPTY, ctx, true);
        this.statement(node.body, ctx);
        return;
      }
      case 'WhileStatement':
      case 'DoWhileStatement':
        this.ev(node.test, ctx);
        this.statement(node.body, ctx);
        return;
      case 'TryStatement':
        this.statement(node.block, ctx);
        if (node.handler) {
          if (node.handler.param) this.assign(node.handler.param, TOP_SET, ctx, true);
          this.statement(node.handler.body, ctx);
        }
        if (node.finalizer) this.statement(node.finalizer, ctx);
        return;
      case 'SwitchStatement':
        this.ev(node.discriminant, ctx);
        for (const c of node.cases) {
          if (c.test) this.ev(c.test, ctx);
          for (const s of c.consequent) this.statement(s, ctx);
        }
        return;
      case 'LabeledStatement':
        this.statement(node.body, ctx);
        return;
      case 'ThrowStatement':
        this.ev(node.argument, ctx);
        return;
      case 'EmptyStatement':
      case 'DebuggerStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
        return;
      case 'ExportNamedDeclaration':
        if (node.declaration) this.statement(node.declaration, ctx);
        return;
      case 'ExportDefaultDeclaration': {
        const decl = node.declaration;
        let vals: ValueSet;
        if (decl.type === 'FunctionDeclaration') {
          const fn = this.fnValue(decl, ctx.module);
          this.walkFunction(fn, ctx);
          vals = this.singleton(fn);
        } else if (decl.type === 'ClassDeclaration') {
          vals = this.singleton(this.evalClass(decl, ctx));
        } else {
          vals = this.ev(decl, ctx);
        }
        this.addAll(ctx.module.defaultExport, vals);
        return;
      }
      default:
        this.ev(node, ctx);
    }
  }

  private visit(node: AnyNode, ctx: Ctx): void {
    if (STATEMENT_TYPES.has(node.type)) this.statement(node, ctx);
    else this.ev(node, ctx);
  }

  // ---- expressions ----

  private ev(node: AnyNode, ctx: Ctx): ValueSet {
    switch (node.type) {
      case 'Identifier':
        return this.identifier(node, ctx.module);
      case 'Literal':
        return EMPTY;
      case 'ThisExpression':
        return this.thisValues(ctx);
      case 'ArrayExpression':
        for (const el of node.elements) {
          if (!el) continue;
          if (el.type === 'SpreadElement') this.ev(el.argument, ctx);
          else this.escape(this.ev(el, ctx), { kind: 'store', into: 'an array' }, el, ctx.module);
        }
        return TOP_SET;
      case 'ObjectExpression':
        return this.singleton(this.evalObject(node, ctx));
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const fn = this.fnValue(node, ctx.module);
        this.walkFunction(fn, ctx);
        return this.singleton(fn);
      }
      case 'ClassExpression':
        return this.singleton(this.evalClass(node, ctx));
      case 'TemplateLiteral':
        for (const e of node.expressions) this.ev(e, ctx);
        return EMPTY;
      case 'TaggedTemplateExpression':
      case 'CallExpression':
      case 'NewExpression':
        return this.evalCall(node, ctx);
      case 'MemberExpression': {
        const key = this.memberKey(node, ctx);
        if (node.object.type === 'Super') return this.superMember(ctx, key);
        return this.member(this.ev(node.object, ctx), key);
      }
      case 'UpdateExpression':
      case 'UnaryExpression':
        this.ev(node.argument, ctx);
        return EMPTY;
      case 'BinaryExpression':
        if (node.left.type !== 'PrivateIdentifier') this.ev(node.left, ctx);
        this.ev(node.right, ctx);
        return EMPTY;
      case 'LogicalExpression':
        return union(this.ev(node.left, ctx), this.ev(node.right, ctx));
      case 'ConditionalExpression':
        this.ev(node.test, ctx);
        return union(this.ev(node.consequent, ctx), this.ev(node.alternate, ctx));
      case 'AssignmentExpression':
        return this.evalAssignment(node, ctx);
      case 'SequenceExpression': {
        let last: ValueSet = EMPTY;
        for (const e of node.expressions) last = this.ev(e, ctx);
        return last;
      }
      case 'AwaitExpression':
      case 'ChainExpression':
      case 'ParenthesizedExpression':
        return this.ev(node.type === 'AwaitExpression' ? node.argument : node.expression, ctx);
      case 'YieldExpression':
        if (node.argument) this.ev(node.argument, ctx);
        return TOP_SET;
      case 'ImportExpression':
        this.ev(node.source, ctx);
        return TOP_SET;
      case 'MetaProperty':
        return TOP_SET;
      case 'SpreadElement':
        return this.ev(node.argument, ctx);
      default:
        // Any syntax not modelled above: still walk it, so no call inside is missed.
        forEachChild(node, (child) => this.visit(child, ctx));
        return TOP_SET;
    }
  }

  private identifier(node: AnyNode & { name: string }, module: ModuleInfo): ValueSet {
    const variable = module.parsed.variableOf.get(node);
    if (!variable) return node.name === 'undefined' ? EMPTY : TOP_SET;
    // `arguments`: declared by no one, an array-like the analysis does not follow.
    if (variable.defs.length === 0) return TOP_SET;
    return this.variableValues(variable, module);
  }

  private variableValues(variable: Variable, module: ModuleInfo): ValueSet {
    let out: ValueSet = this.variables.get(variable) ?? EMPTY;
    for (const def of variable.defs) {
      switch (def.type) {
        case 'FunctionName':
          out = union(out, this.singleton(this.fnValue(def.node as unknown as FunctionNode, module)));
          break;
        case 'ClassName':
          out = union(out, this.singleton(this.classValue(def.node as unknown as Class, module)));
          break;
        case 'ImportBinding':
          out = union(out, this.importValues(variable, def.node as unknown as ImportBindingNode, module, String(def.parent.source.value)));
          break;
        case 'CatchClause':
        case 'ImplicitGlobalVariable':
          out = union(out, TOP_SET);
          break;
        default:
          break;
      }
    }
    return out;
  }

  private importValues(variable: Variable, spec: ImportBindingNode, module: ModuleInfo, specifier: string): ValueSet {
    const cached = this.constantImports.get(variable);
    if (cached) return cached;
    const ref = module.refs.get(specifier) ?? { kind: 'missing' };
    const vals =
      spec.type === 'ImportNamespaceSpecifier'
        ? this.namespaceOf(ref)
        : this.refExport(ref, spec.type === 'ImportDefaultSpecifier' ? 'default' : exportName(spec.imported), new Set());
    // What a built-in (or missing) module exports never changes; a script module's exports grow.
    if (ref.kind !== 'local') this.constantImports.set(variable, vals);
    return vals;
  }

  private refExport(ref: ModuleRef, name: string, visited: Set<string>): ValueSet {
    switch (ref.kind) {
      case 'local':
        return this.exportValues(ref.module, name, visited);
      case 'builtin':
        if (name === 'default' && !isBlockingExport(this.apis, ref.specifier, 'default')) {
          return this.singleton(this.builtinModule(ref.specifier));
        }
        return this.singleton(this.builtin(ref.specifier, name));
      case 'missing':
        return TOP_SET;
    }
  }

  private namespaceOf(ref: ModuleRef): ValueSet {
    switch (ref.kind) {
      case 'local': {
        let ns = this.namespaces.get(ref.module);
        if (!ns) {
          ns = { kind: 'namespace', module: ref.module };
          this.namespaces.set(ref.module, ns);
        }
        return this.singleton(ns);
      }
      case 'builtin':
        return this.singleton(this.builtinModule(ref.specifier));
      case 'missing':
        return TOP_SET;
    }
  }

  private thisValues(ctx: Ctx): ValueSet {
    if (ctx.thisFn) return this.functionThis(ctx.thisFn);
    if (ctx.fieldClass) {
      const out = new Set<Value>();
      for (const cls of this.family(ctx.fieldClass)) out.add(ctx.fieldStatic ? cls : this.instanceOf(cls));
      return out;
    }
    return EMPTY;
  }

  private functionThis(fn: FunctionValue): ValueSet {
    if (!fn.homeClass && !fn.homeObject) return fn.thisValues;
    const cached = this.thisCache.get(fn);
    if (cached) return cached;
    const out = new Set<Value>(fn.thisValues);
    if (fn.homeObject) out.add(fn.homeObject);
    if (fn.homeClass) {
      for (const cls of this.family(fn.homeClass)) out.add(fn.isStatic ? cls : this.instanceOf(cls));
    }
    this.thisCache.set(fn, out);
    return out;
  }

  /** A class and every class that extends it, directly or not. */
  private family(cls: ClassValue): ClassValue[] {
    const out = [cls];
    for (let i = 0; i < out.length; i++) for (const sub of out[i].subclasses) if (!out.includes(sub)) out.push(sub);
    return out;
  }

  private memberKey(node: MemberExpression, ctx: Ctx): string | null {
    if (!node.computed) return staticKey(node.property);
    this.ev(node.property, ctx);
    return literalKey(node.property);
  }

  /** `obj.key` for every value `obj` can hold; a null key is a computed one: any member. */
  private member(objects: ValueSet, key: string | null): ValueSet {
    let out: ValueSet = EMPTY;
    for (const o of objects) out = union(out, this.memberOf(o, key));
    return out;
  }

  private memberOf(o: Value, key: string | null): ValueSet {
    switch (o.kind) {
      case 'top':
        // res.submitForm / res.clickLink: a Response is not followed, so any unfollowed value's.
        if (key !== null && isBlockingExport(this.apis, 'k6/http', RESPONSE_METHOD + key)) return this.singleton(this.builtin('k6/http', RESPONSE_METHOD + key));
        return TOP_SET;
      case 'builtin':
      case 'fn-method':
      case 'bound':
        return TOP_SET;
      case 'object':
        return this.objectMember(o, key, new Set());
      case 'instance':
        return this.instanceMember(o, key);
      case 'class':
        return this.classMember(o, key, true, new Set());
      case 'fn':
        if (key === 'call' || key === 'apply' || key === 'bind') return this.singleton(this.fnMethod(o, key));
        return EMPTY;
      case 'namespace': {
        if (key !== null) return this.exportValues(o.module, key, new Set());
        let out: ValueSet = EMPTY;
        for (const name of this.exportNames(o.module, new Set())) out = union(out, this.exportValues(o.module, name, new Set()));
        return out;
      }
      case 'builtin-module':
        return key === null ? TOP_SET : this.singleton(this.builtin(o.specifier, key));
    }
  }

  private lookup(props: Map<string, Set<Value>>, getters: Map<string, Set<FunctionValue>> | null, key: string | null): ValueSet {
    let out: ValueSet = EMPTY;
    if (key === null) {
      for (const slot of props.values()) out = union(out, slot);
      if (getters) for (const gs of getters.values()) for (const g of gs) out = union(out, g.returns);
      return out;
    }
    out = union(props.get(key) ?? EMPTY, props.get('*') ?? EMPTY);
    const gs = getters?.get(key);
    if (gs) for (const g of gs) out = union(out, g.returns);
    return out;
  }

  private objectMember(o: ObjectValue, key: string | null, visited: Set<Value>): ValueSet {
    if (visited.has(o)) return EMPTY;
    visited.add(o);
    let out = this.lookup(o.props, o.getters, key);
    for (const s of o.spreads) {
      if (s.kind === 'object') out = union(out, this.objectMember(s, key, visited));
      else if (s.kind === 'instance') out = union(out, this.instanceMember(s, key));
      else if (s.kind === 'top') out = union(out, TOP_SET);
    }
    if (out.size === 0 && key !== null && OBJECT_PROTO.has(key)) return TOP_SET;
    return out;
  }

  private instanceMember(inst: InstanceValue, key: string | null): ValueSet {
    let out = this.lookup(inst.fields, null, key);
    if (inst.of.kind === 'class') out = union(out, this.classMember(inst.of, key, false, new Set()));
    if (out.size === 0 && key !== null && OBJECT_PROTO.has(key)) return TOP_SET;
    return out;
  }

  /** A prototype (or static) member, looked up the class chain; the first class that has it wins. */
  private classMember(cls: ClassValue, key: string | null, isStatic: boolean, visited: Set<ClassValue>): ValueSet {
    if (visited.has(cls)) return EMPTY;
    visited.add(cls);
    let out = isStatic ? this.lookup(cls.statics, cls.staticGetters, key) : this.lookup(cls.proto, cls.protoGetters, key);
    if (key !== null && out.size > 0) return out;
    for (const s of cls.superValues) {
      if (s.kind === 'class') out = union(out, this.classMember(s, key, isStatic, visited));
      else if (s.kind === 'top') out = union(out, TOP_SET);
    }
    return out;
  }

  private superMember(ctx: Ctx, key: string | null): ValueSet {
    const cls = ctx.thisFn?.homeClass ?? ctx.fieldClass;
    if (!cls) return TOP_SET;
    const isStatic = ctx.thisFn ? ctx.thisFn.isStatic : ctx.fieldStatic;
    let out: ValueSet = EMPTY;
    for (const s of cls.superValues) {
      if (s.kind === 'class') out = union(out, this.classMember(s, key, isStatic, new Set()));
      else if (s.kind === 'top') out = union(out, TOP_SET);
    }
    return out;
  }

  private evalObject(node: ObjectExpression, ctx: Ctx): ObjectValue {
    const obj = this.objectValue(node);
    for (const p of node.properties) {
      if (p.type === 'SpreadElement') {
        this.addAll(obj.spreads, this.ev(p.argument, ctx));
        continue;
      }
      let key: string | null;
      if (p.computed) {
        this.ev(p.key, ctx);
        key = literalKey(p.key);
      } else {
        key = staticKey(p.key);
      }
      if (p.value.type === 'FunctionExpression') this.fnValue(p.value, ctx.module).homeObject = obj;
      if (p.kind !== 'init') {
        const fn = this.fnValue(p.value as FunctionNode, ctx.module);
        this.walkFunction(fn, ctx);
        if (p.kind === 'get') this.addGetter(obj.getters, key ?? '*', fn);
        continue;
      }
      this.addAll(slotOf(obj.props, key ?? '*'), this.ev(p.value, ctx));
    }
    return obj;
  }

  private addGetter(getters: Map<string, Set<FunctionValue>>, key: string, fn: FunctionValue): void {
    let set = getters.get(key);
    if (!set) {
      set = new Set();
      getters.set(key, set);
    }
    if (!set.has(fn)) {
      set.add(fn);
      this.changed = true;
    }
  }

  private evalClass(node: Class, ctx: Ctx): ClassValue {
    const cls = this.classValue(node, ctx.module);
    if (node.superClass) {
      const supers = this.ev(node.superClass, ctx);
      this.addAll(cls.superValues, supers);
      for (const s of supers) {
        if (s.kind === 'class' && !s.subclasses.has(cls)) {
          s.subclasses.add(cls);
          this.changed = true;
        }
      }
    }
    for (const m of node.body.body) {
      if (m.type === 'StaticBlock') {
        const sctx: Ctx = { module: ctx.module, where: 'static-block', fn: null, thisFn: null, fieldClass: cls, fieldStatic: true };
        for (const s of m.body) this.statement(s, sctx);
        continue;
      }
      let key: string | null;
      if (m.computed) {
        this.ev(m.key as Expression, ctx);
        key = literalKey(m.key);
      } else {
        key = staticKey(m.key);
      }
      if (m.type === 'MethodDefinition') {
        const fn = this.fnValue(m.value, ctx.module);
        fn.homeClass = cls;
        fn.isStatic = m.static;
        if (m.kind === 'constructor') cls.constructorFn = fn;
        else if (m.kind === 'method') this.addAll(slotOf(m.static ? cls.statics : cls.proto, key ?? '*'), this.singleton(fn));
        else if (m.kind === 'get') this.addGetter(m.static ? cls.staticGetters : cls.protoGetters, key ?? '*', fn);
        this.walkFunction(fn, ctx);
      } else if (m.value) {
        const fctx: Ctx = { module: ctx.module, where: 'field', fn: null, thisFn: null, fieldClass: cls, fieldStatic: m.static };
        const vals = this.ev(m.value, fctx);
        this.addAll(slotOf(m.static ? cls.statics : this.instanceOf(cls).fields, key ?? '*'), vals);
      }
    }
    return cls;
  }

  private evalAssignment(node: AssignmentExpression, ctx: Ctx): ValueSet {
    const right = this.ev(node.right, ctx);
    if (node.operator === '=') {
      if (node.left.type === 'MemberExpression') this.assignMember(node.left, right, ctx, node.right);
      else this.assign(node.left, right, ctx, true);
      return right;
    }
    if (node.operator === '||=' || node.operator === '&&=' || node.operator === '??=') {
      this.assign(node.left, right, ctx, true);
      return union(this.ev(node.left, ctx), right);
    }
    this.ev(node.left, ctx);
    return EMPTY;
  }

  /** Flows `vals` into a binding pattern or assignment target. */
  private assign(target: Pattern, vals: ValueSet, ctx: Ctx, evalDefaults: boolean): void {
    switch (target.type) {
      case 'Identifier': {
        const variable = ctx.module.parsed.variableOf.get(target);
        if (variable && vals.size > 0) this.addAll(slotOf(this.variables, variable), vals);
        return;
      }
      case 'MemberExpression':
        this.assignMember(target, vals, ctx);
        return;
      case 'ObjectPattern':
        for (const p of target.properties) {
          if (p.type === 'RestElement') {
            this.assign(p.argument, TOP_SET, ctx, evalDefaults);
            continue;
          }
          let key: string | null;
          if (p.computed) {
            this.ev(p.key, ctx);
            key = literalKey(p.key);
          } else {
            key = staticKey(p.key);
          }
          this.assign(p.value, this.member(vals, key), ctx, evalDefaults);
        }
        return;
      case 'ArrayPattern':
        for (const el of target.elements) if (el) this.assign(el, TOP_SET, ctx, evalDefaults);
        return;
      case 'RestElement':
        this.assign(target.argument, TOP_SET, ctx, evalDefaults);
        return;
      case 'AssignmentPattern':
        this.assign(target.left, evalDefaults ? union(vals, this.ev(target.right, ctx)) : vals, ctx, evalDefaults);
        return;
      default:
        return;
    }
  }

  /** `site` is the assigned expression when there is one (what a refusal points at). */
  private assignMember(target: MemberExpression, vals: ValueSet, ctx: Ctx, site: AnyNode = target): void {
    const objects = target.object.type === 'Super' ? this.thisValues(ctx) : this.ev(target.object, ctx);
    const key = this.memberKey(target, ctx) ?? '*';
    for (const o of objects) {
      switch (o.kind) {
        case 'object':
          this.addAll(slotOf(o.props, key), vals);
          break;
        case 'instance':
          this.addAll(slotOf(o.fields, key), vals);
          break;
        case 'class':
          this.addAll(slotOf(o.statics, key), vals);
          break;
        case 'top':
        case 'builtin':
        case 'builtin-module':
          this.escape(vals, { kind: 'property' }, site, ctx.module);
          break;
        default:
          break;
      }
    }
  }

  // ---- functions and calls ----

  private walkFunction(fn: FunctionValue, outer: Ctx): void {
    // A function's context is lexical: the same on every pass.
    let ctxs = this.walkCtxs.get(fn);
    if (!ctxs) {
      const arrow = fn.role === 'arrow';
      const body: Ctx = {
        module: fn.module,
        where: 'function',
        fn,
        thisFn: arrow ? outer.thisFn : fn,
        fieldClass: arrow ? outer.fieldClass : null,
        fieldStatic: arrow ? outer.fieldStatic : false,
      };
      ctxs = { body, params: { ...body, where: 'param-default' } };
      this.walkCtxs.set(fn, ctxs);
      this.paramCtxs.set(fn, body);
    }
    const ctx = ctxs.body;
    for (const p of fn.params) this.paramDefaults(p, ctxs.params);
    const body = fn.node.body;
    if (body.type === 'BlockStatement') for (const s of body.body) this.statement(s, ctx);
    else this.addAll(fn.returns, this.ev(body, ctx));
  }

  /** Evaluates default values inside a parameter list, where an `await` cannot go. */
  private paramDefaults(p: Pattern, ctx: Ctx): void {
    switch (p.type) {
      case 'AssignmentPattern':
        this.assign(p.left, this.ev(p.right, ctx), ctx, false);
        this.paramDefaults(p.left, ctx);
        return;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') this.paramDefaults(prop.argument, ctx);
          else {
            if (prop.computed) this.ev(prop.key, ctx);
            this.paramDefaults(prop.value, ctx);
          }
        }
        return;
      case 'ArrayPattern':
        for (const el of p.elements) if (el) this.paramDefaults(el, ctx);
        return;
      case 'RestElement':
        this.paramDefaults(p.argument, ctx);
        return;
      default:
        return;
    }
  }

  private paramCtx(fn: FunctionValue): Ctx {
    let ctx = this.paramCtxs.get(fn);
    if (!ctx) {
      ctx = { module: fn.module, where: 'function', fn, thisFn: fn, fieldClass: null, fieldStatic: false };
      this.paramCtxs.set(fn, ctx);
    }
    return ctx;
  }

  /** A call of `fn`: receivers flow into its `this`, arguments into its parameters. */
  private flowCall(
    fn: FunctionValue,
    receivers: ValueSet,
    args: readonly ValueSet[],
    argNodes: readonly AnyNode[],
    spreadAt: number,
    callee: AnyNode | null,
    caller: ModuleInfo,
  ): void {
    if (fn.role !== 'arrow') this.addAll(fn.thisValues, receivers);
    const ctx = this.paramCtx(fn);
    if (fn.module.parsed.usesArguments.has(fn.node)) {
      args.forEach((a, j) => {
        const site = argNodes[j];
        if (!site || !this.canEscape(a)) return;
        this.escape(a, { kind: 'arguments', callee: callee ? snippet(caller.parsed.source, callee) : 'a function' }, site, caller);
      });
    }
    fn.params.forEach((p, i) => {
      if (p.type === 'RestElement') {
        for (let j = i; j < args.length; j++) {
          const site = argNodes[j];
          if (!site || !this.canEscape(args[j])) continue;
          const name = callee ? snippet(caller.parsed.source, callee) : 'a function';
          this.escape(args[j], { kind: 'rest', callee: name }, site, caller);
        }
        this.assign(p.argument, TOP_SET, ctx, false);
        return;
      }
      const vals = spreadAt >= 0 && i >= spreadAt ? TOP_SET : (args[i] ?? EMPTY);
      this.assign(p, vals, ctx, false);
    });
  }

  private markParamsUnknown(fn: FunctionValue): void {
    if (fn.paramsUnknown) return;
    fn.paramsUnknown = true;
    this.changed = true;
    const ctx = this.paramCtx(fn);
    for (const p of fn.params) this.assign(p.type === 'RestElement' ? p.argument : p, TOP_SET, ctx, false);
  }

  private evalCall(node: CallNode, ctx: Ctx): ValueSet {
    const isNew = node.type === 'NewExpression';
    const calleeNode: Expression | Super = node.type === 'TaggedTemplateExpression' ? node.tag : node.callee;
    let callees: ValueSet;
    let receivers: ValueSet = EMPTY;
    if (calleeNode.type === 'Super') {
      receivers = this.thisValues(ctx);
      const cls = ctx.thisFn?.homeClass;
      callees = cls ? cls.superValues : EMPTY;
    } else if (calleeNode.type === 'MemberExpression') {
      const key = this.memberKey(calleeNode, ctx);
      if (calleeNode.object.type === 'Super') {
        receivers = this.thisValues(ctx);
        callees = this.superMember(ctx, key);
      } else {
        receivers = this.ev(calleeNode.object, ctx);
        callees = this.member(receivers, key);
      }
    } else {
      callees = this.ev(calleeNode, ctx);
    }

    const args: ValueSet[] = [];
    const argNodes: AnyNode[] = [];
    let spreadAt = -1;
    const objectMethod = this.objectStatic(calleeNode, ctx.module);
    if (node.type === 'TaggedTemplateExpression') {
      // The tag gets the strings array first.
      args.push(TOP_SET);
      argNodes.push(node.quasi);
      for (const e of node.quasi.expressions) {
        args.push(this.ev(e, ctx));
        argNodes.push(e);
      }
    } else {
      for (const a of node.arguments as (Expression | SpreadElement)[]) {
        if (a.type === 'SpreadElement') {
          this.ev(a.argument, ctx);
          if (spreadAt < 0) spreadAt = args.length;
          args.push(TOP_SET);
        } else {
          args.push(this.ev(a, ctx));
        }
        argNodes.push(a);
      }
    }

    const calleeSite = calleeNode.type === 'Super' ? null : calleeNode;
    let result: ValueSet = EMPTY;
    let blocking = false;
    // Arguments of a callee that is not followed escape; the sink (for the message) is worked out
    // only when an argument holds a function.
    let unfollowed: BuiltinValue | 'top' | null = null;
    for (const c of callees) {
      switch (c.kind) {
        case 'fn':
          if (isNew) {
            if (c.role === 'arrow') break;
            const inst = this.singleton(this.instanceOf(c));
            this.flowCall(c, inst, args, argNodes, spreadAt, calleeSite, ctx.module);
            result = union(result, inst);
            this.recordNew(node, c, ctx.module);
          } else {
            this.flowCall(c, receivers, args, argNodes, spreadAt, calleeSite, ctx.module);
            result = union(result, c.returns);
            if (c.userAsync || c.generator) result = union(result, TOP_SET);
            if (this.asyncFns.has(c)) blocking = true;
          }
          break;
        case 'class': {
          if (!isNew && calleeNode.type !== 'Super') break;
          const inst = this.singleton(this.instanceOf(c));
          const ctor = this.constructorOf(c, new Set());
          if (ctor) this.flowCall(ctor, isNew ? inst : receivers, args, argNodes, spreadAt, calleeSite, ctx.module);
          if (isNew) result = union(result, inst);
          break;
        }
        case 'builtin':
          result = union(result, TOP_SET);
          if (c.blocking && !isNew) {
            blocking = true;
            // A blocking built-in waits for its callbacks (group): they may become async.
            for (const a of args) for (const v of a) {
              const fn = functionOf(v);
              if (fn) this.markParamsUnknown(fn);
            }
          } else {
            unfollowed ??= c;
            if (c.check && args.length > 1) this.checkPredicates(args[1], argNodes[1], ctx.module);
          }
          break;
        case 'fn-method': {
          const target = c.target;
          if (c.method === 'bind') {
            const bound = this.boundValue(node, target);
            this.addAll(bound.thisValues, args[0] ?? EMPTY);
            for (let i = 1; i < args.length; i++) {
              while (bound.boundArgs.length < i) bound.boundArgs.push(new Set());
              this.addAll(bound.boundArgs[i - 1], args[i]);
            }
            result = union(result, this.singleton(bound));
            break;
          }
          const thisArg = args[0] ?? EMPTY;
          if (c.method === 'call') {
            const shifted = spreadAt >= 0 ? Math.max(0, spreadAt - 1) : -1;
            this.flowCall(target, thisArg, args.slice(1), argNodes.slice(1), shifted, calleeSite, ctx.module);
          } else {
            // apply: the arguments come in an array.
            this.flowCall(target, thisArg, [], [], 0, calleeSite, ctx.module);
          }
          result = union(result, target.returns);
          if (this.asyncFns.has(target)) blocking = true;
          break;
        }
        case 'bound': {
          const all = [...c.boundArgs, ...args];
          const nodes = [...c.boundArgs.map(() => node), ...argNodes];
          this.flowCall(c.target, c.thisValues, all, nodes, spreadAt >= 0 ? spreadAt + c.boundArgs.length : -1, calleeSite, ctx.module);
          result = union(result, c.target.returns);
          if (this.asyncFns.has(c.target)) blocking = true;
          break;
        }
        case 'top':
          result = union(result, TOP_SET);
          unfollowed ??= 'top';
          break;
        default:
          break;
      }
    }
    if (objectMethod === 'assign' && args.length > 0) {
      // Object.assign(target, ...sources): the sources' members become the target's, as a spread does.
      for (const target of args[0]) {
        if (target.kind !== 'object') continue;
        for (let i = 1; i < args.length; i++) this.addAll(target.spreads, args[i]);
      }
      result = args[0];
      unfollowed = null;
    }
    if ((objectMethod === 'values' || objectMethod === 'entries') && argNodes[0]) {
      // The members come back in an array, which the analysis does not follow.
      const members = this.member(args[0], null);
      if (this.canEscape(members)) this.escape(members, { kind: 'object-values', method: objectMethod }, argNodes[0], ctx.module);
    }
    if (unfollowed) {
      let sink: Sink | null = null;
      for (let i = 0; i < args.length; i++) {
        const site = argNodes[i];
        if (!site || !this.canEscape(args[i])) continue;
        sink ??=
          unfollowed === 'top'
            ? unknownCalleeSink(calleeNode, ctx.module.parsed.source, isNew)
            : { kind: 'callee', name: `${isNew ? 'new ' : ''}${builtinDisplayName(unfollowed.specifier, unfollowed.name)}`, builtin: true };
        this.escape(args[i], sink, site, ctx.module);
      }
    }
    if (blocking) this.noteBlocking(node, callees, ctx);
    return result;
  }

  /** `assign` for `Object.assign(...)` with `Object` the global (not shadowed); null for other callees. */
  private objectStatic(callee: Expression | Super, module: ModuleInfo): string | null {
    if (
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      callee.object.type === 'Identifier' &&
      callee.object.name === 'Object' &&
      callee.property.type === 'Identifier' &&
      !module.parsed.variableOf.has(callee.object)
    ) {
      return callee.property.name;
    }
    return null;
  }

  private checkPredicates(sets: ValueSet, site: AnyNode | undefined, module: ModuleInfo): void {
    if (!site) return;
    for (const o of sets) {
      if (o.kind !== 'object') continue;
      this.escape(this.objectMember(o, null, new Set()), { kind: 'check' }, site, module);
    }
  }

  private constructorOf(cls: ClassValue, visited: Set<ClassValue>): FunctionValue | null {
    if (cls.constructorFn) return cls.constructorFn;
    if (visited.has(cls)) return null;
    visited.add(cls);
    for (const s of cls.superValues) {
      if (s.kind === 'class') {
        const ctor = this.constructorOf(s, visited);
        if (ctor) return ctor;
      }
    }
    return null;
  }

  private noteBlocking(node: CallNode, callees: ValueSet, ctx: Ctx): void {
    let info = this.blockingCalls.get(node);
    if (!info) {
      info = { node, module: ctx.module, where: ctx.where, fn: ctx.fn, targets: new Set() };
      this.blockingCalls.set(node, info);
    }
    for (const c of callees) if (this.isBlocking(c)) info.targets.add(c);
    const fn = ctx.fn;
    if (ctx.where !== 'function' || !fn || this.asyncFns.has(fn)) return;
    if (fn.userAsync || fn.generator) return;
    if (fn.role !== 'function' && fn.role !== 'arrow' && fn.role !== 'method') return;
    this.asyncFns.add(fn);
    this.changed = true;
  }

  private recordNew(node: NewExpression, fn: FunctionValue, module: ModuleInfo): void {
    let site = this.newSites.get(node);
    if (!site) {
      site = { node, module, fns: new Set() };
      this.newSites.set(node, site);
    }
    site.fns.add(fn);
  }

  /** Whether `vals` holds anything `escape` records. */
  private canEscape(vals: ValueSet): boolean {
    for (const v of vals) if (v.kind === 'fn' || v.kind === 'bound' || (v.kind === 'builtin' && v.blocking)) return true;
    return false;
  }

  /** Records every function in `vals` flowing where its calls cannot be followed. */
  private escape(vals: ValueSet, sink: Sink, site: AnyNode, module: ModuleInfo): void {
    for (const v of vals) {
      const fn = functionOf(v);
      if (fn) {
        this.markParamsUnknown(fn);
        if (fn.userAsync || fn.generator) continue;
        this.recordEscape(fn, sink, site, module);
      } else if (v.kind === 'builtin' && v.blocking) {
        this.recordEscape(v, sink, site, module);
      }
    }
  }

  private recordEscape(value: FunctionValue | BuiltinValue, sink: Sink, site: AnyNode, module: ModuleInfo): void {
    let bySite = this.escapes.get(site);
    if (!bySite) {
      bySite = new Map();
      this.escapes.set(site, bySite);
    }
    if (!bySite.has(value)) bySite.set(value, { value, sink, site, module });
  }

  // ---- interned values ----

  private singleton(v: Value): ValueSet {
    let s = this.singletons.get(v);
    if (!s) {
      s = new Set([v]);
      this.singletons.set(v, s);
    }
    return s;
  }

  private addAll(target: Set<Value>, vals: ValueSet): void {
    for (const v of vals) {
      if (!target.has(v)) {
        target.add(v);
        this.changed = true;
      }
    }
  }

  fnValue(node: FunctionNode, module: ModuleInfo): FunctionValue {
    let fn = this.fns.get(node);
    if (fn) return fn;
    let role: FunctionRole = node.type === 'ArrowFunctionExpression' ? 'arrow' : 'function';
    const parent = module.parsed.parent.get(node);
    if (parent?.type === 'MethodDefinition' && parent.value === node) {
      role = parent.kind === 'constructor' ? 'constructor' : parent.kind === 'get' ? 'getter' : parent.kind === 'set' ? 'setter' : 'method';
    } else if (parent?.type === 'Property' && parent.value === node && (parent.method || parent.kind !== 'init')) {
      role = parent.kind === 'get' ? 'getter' : parent.kind === 'set' ? 'setter' : 'method';
    }
    fn = {
      kind: 'fn',
      node,
      module,
      role,
      params: node.params,
      userAsync: node.async,
      generator: node.generator,
      returns: new Set(),
      thisValues: new Set(),
      homeObject: null,
      homeClass: null,
      isStatic: false,
      paramsUnknown: false,
    };
    this.fns.set(node, fn);
    return fn;
  }

  private classValue(node: Class, module: ModuleInfo): ClassValue {
    let cls = this.classes.get(node);
    if (!cls) {
      cls = {
        kind: 'class',
        node,
        module,
        superValues: new Set(),
        subclasses: new Set(),
        proto: new Map(),
        protoGetters: new Map(),
        statics: new Map(),
        staticGetters: new Map(),
        constructorFn: null,
      };
      this.classes.set(node, cls);
    }
    return cls;
  }

  private instanceOf(of: ClassValue | FunctionValue): InstanceValue {
    let inst = this.instances.get(of);
    if (!inst) {
      inst = { kind: 'instance', of, fields: new Map() };
      this.instances.set(of, inst);
    }
    return inst;
  }

  private objectValue(node: ObjectExpression): ObjectValue {
    let obj = this.objects.get(node);
    if (!obj) {
      obj = { kind: 'object', node, props: new Map(), getters: new Map(), spreads: new Set() };
      this.objects.set(node, obj);
    }
    return obj;
  }

  private builtin(specifier: string, name: string): BuiltinValue {
    const key = `${specifier}\0${name}`;
    let b = this.builtins.get(key);
    if (!b) {
      b = {
        kind: 'builtin',
        specifier,
        name,
        blocking: isBlockingExport(this.apis, specifier, name),
        check: isCheck(specifier, name),
      };
      this.builtins.set(key, b);
    }
    return b;
  }

  private builtinModule(specifier: string): BuiltinModuleValue {
    let m = this.builtinModules.get(specifier);
    if (!m) {
      m = { kind: 'builtin-module', specifier };
      this.builtinModules.set(specifier, m);
    }
    return m;
  }

  private fnMethod(target: FunctionValue, method: 'call' | 'apply' | 'bind'): FunctionMethodValue {
    const key = `${method}\0${target.module.index}:${target.node.start}`;
    let m = this.fnMethods.get(key);
    if (!m) {
      m = { kind: 'fn-method', target, method };
      this.fnMethods.set(key, m);
    }
    return m;
  }

  private boundValue(site: Node, target: FunctionValue): BoundValue {
    let byTarget = this.bounds.get(site);
    if (!byTarget) {
      byTarget = new Map();
      this.bounds.set(site, byTarget);
    }
    let b = byTarget.get(target);
    if (!b) {
      b = { kind: 'bound', target, site, thisValues: new Set(), boundArgs: [] };
      byTarget.set(target, b);
    }
    return b;
  }
}
