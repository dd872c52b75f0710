/**
 * The abstract values of the analysis: what an expression can hold, as far as the transform needs
 * to know. Each value is interned (one object per function, class, object literal...), so a set of
 * values is a plain `Set`.
 */
import type {
  AnonymousFunctionDeclaration,
  ArrowFunctionExpression,
  Class,
  FunctionDeclaration,
  FunctionExpression,
  Node,
  ObjectExpression,
  Pattern,
} from 'acorn';
import type { ModuleInfo } from './graph';

export type FunctionNode = FunctionDeclaration | AnonymousFunctionDeclaration | FunctionExpression | ArrowFunctionExpression;
export type FunctionRole = 'function' | 'arrow' | 'method' | 'getter' | 'setter' | 'constructor';

/** Something defined outside the script, or not followed: a global, a response, an array. */
export interface TopValue {
  readonly kind: 'top';
}

export interface FunctionValue {
  readonly kind: 'fn';
  readonly node: FunctionNode;
  readonly module: ModuleInfo;
  readonly role: FunctionRole;
  readonly params: readonly Pattern[];
  /** Written `async` by the user: its calls return Promises the user handles, so they are not awaited. */
  readonly userAsync: boolean;
  readonly generator: boolean;
  readonly returns: Set<Value>;
  /** Receivers it is called on (`obj.f()`), for `this` inside it. */
  readonly thisValues: Set<Value>;
  /** The object literal or class it is a member of, for `this`. */
  homeObject: ObjectValue | null;
  homeClass: ClassValue | null;
  isStatic: boolean;
  /** Its parameters may receive anything (it escaped, or the runtime calls it). */
  paramsUnknown: boolean;
}

export interface ClassValue {
  readonly kind: 'class';
  readonly node: Class;
  readonly module: ModuleInfo;
  readonly superValues: Set<Value>;
  readonly subclasses: Set<ClassValue>;
  /** Prototype members by key; getters are in `protoGetters`. */
  readonly proto: Map<string, Set<Value>>;
  readonly protoGetters: Map<string, Set<FunctionValue>>;
  readonly statics: Map<string, Set<Value>>;
  readonly staticGetters: Map<string, Set<FunctionValue>>;
  constructorFn: FunctionValue | null;
}

/** Every object `new C()` makes (or `new f()` for a constructor function), as one value. */
export interface InstanceValue {
  readonly kind: 'instance';
  readonly of: ClassValue | FunctionValue;
  readonly fields: Map<string, Set<Value>>;
}

export interface ObjectValue {
  readonly kind: 'object';
  readonly node: ObjectExpression;
  readonly props: Map<string, Set<Value>>;
  readonly getters: Map<string, Set<FunctionValue>>;
  /** Values spread into it (`{ ...base }`). */
  readonly spreads: Set<Value>;
}

/** `import * as lib from './lib.js'`. */
export interface NamespaceValue {
  readonly kind: 'namespace';
  readonly module: ModuleInfo;
}

/** A built-in module object: `import http from 'k6/http'`, `import * as k6 from 'k6'`. */
export interface BuiltinModuleValue {
  readonly kind: 'builtin-module';
  readonly specifier: string;
}

/** One export of a built-in module: `http.get`, `sleep`, `check`. */
export interface BuiltinValue {
  readonly kind: 'builtin';
  readonly specifier: string;
  readonly name: string;
  readonly blocking: boolean;
  readonly check: boolean;
}

/** `f.call`, `f.apply`, `f.bind` of a script function. */
export interface FunctionMethodValue {
  readonly kind: 'fn-method';
  readonly target: FunctionValue;
  readonly method: 'call' | 'apply' | 'bind';
}

/** The result of `f.bind(thisArg, ...args)`. */
export interface BoundValue {
  readonly kind: 'bound';
  readonly target: FunctionValue;
  readonly site: Node;
  readonly thisValues: Set<Value>;
  readonly boundArgs: Set<Value>[];
}

export type Value =
  | TopValue
  | FunctionValue
  | ClassValue
  | InstanceValue
  | ObjectValue
  | NamespaceValue
  | BuiltinModuleValue
  | BuiltinValue
  | FunctionMethodValue
  | BoundValue;

export type ValueSet = ReadonlySet<Value>;

export const TOP: TopValue = { kind: 'top' };
export const EMPTY: ValueSet = new Set<Value>();
export const TOP_SET: ValueSet = new Set<Value>([TOP]);

export function union(a: ValueSet, b: ValueSet): ValueSet {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const out = new Set(a);
  for (const v of b) out.add(v);
  return out;
}

/** The script function a callable value runs, if any. */
export function functionOf(value: Value): FunctionValue | null {
  if (value.kind === 'fn') return value;
  if (value.kind === 'bound') return value.target;
  return null;
}
