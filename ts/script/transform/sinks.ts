/**
 * Places a blocking function can escape to where the transform cannot follow its calls, and what
 * the refusal says for each: the reason (as a phrase) and the fix.
 */
import type { AnyNode } from 'acorn';

export type Sink =
  /** `items.forEach(cb)` on something that is not a script object: taken for Array.prototype. */
  | { readonly kind: 'array-method'; readonly method: string }
  /** An array literal element, `list.push(fn)`, `map.set(k, fn)`. */
  | { readonly kind: 'store'; readonly into: string }
  /** Arguments gathered into a rest parameter (`function run(...steps)`), which is an array. */
  | { readonly kind: 'rest'; readonly callee: string }
  /** Members of an object turned into an array: `Object.values(obj)`, `Object.entries(obj)`. */
  | { readonly kind: 'object-values'; readonly method: string }
  /** Arguments of a function that reads them through `arguments`. */
  | { readonly kind: 'arguments'; readonly callee: string }
  /** A predicate of k6's `check`, which must return a boolean, not a Promise. */
  | { readonly kind: 'check' }
  | { readonly kind: 'timer'; readonly name: string }
  | { readonly kind: 'promise'; readonly name: string }
  /** Any other function the transform cannot see into; `builtin` when it is a k6/volley export. */
  | { readonly kind: 'callee'; readonly name: string; readonly builtin: boolean }
  /** A property of an object the transform does not follow (a global, a response, setup data). */
  | { readonly kind: 'property' };

const ARRAY_CALLBACK_METHODS = new Set([
  'forEach', 'map', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast',
  'findLastIndex', 'flatMap', 'sort', 'toSorted',
]);
const ARRAY_STORE_METHODS = new Set(['push', 'unshift', 'splice', 'fill', 'concat', 'with', 'toSpliced']);
const COLLECTION_STORE_METHODS = new Set(['set', 'add']);
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);
const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']);

/** Short source text for a message: whitespace collapsed, long text cut. */
export function snippet(source: string, node: AnyNode): string {
  const text = source.slice(node.start, node.end).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The sink for arguments of a call to something the transform cannot follow. */
export function unknownCalleeSink(callee: AnyNode, source: string, isNew: boolean): Sink {
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
    const method = callee.property.name;
    if (ARRAY_CALLBACK_METHODS.has(method)) return { kind: 'array-method', method };
    if (ARRAY_STORE_METHODS.has(method)) return { kind: 'store', into: 'an array' };
    if (COLLECTION_STORE_METHODS.has(method)) return { kind: 'store', into: `a collection (${method})` };
    if (PROMISE_METHODS.has(method)) return { kind: 'promise', name: `.${method}()` };
  }
  if (callee.type === 'Identifier') {
    if (TIMERS.has(callee.name)) return { kind: 'timer', name: callee.name };
    if (callee.name === 'Promise' && isNew) return { kind: 'promise', name: 'new Promise' };
  }
  return { kind: 'callee', name: snippet(source, callee), builtin: false };
}

/** "a callback passed to Array.prototype.forEach": where a function's body runs, for an inline function. */
export function sinkPlace(sink: Sink): string {
  switch (sink.kind) {
    case 'array-method':
      return `a callback passed to Array.prototype.${sink.method}`;
    case 'store':
      return `a function stored into ${sink.into}`;
    case 'rest':
      return `a function passed into the rest parameter of ${sink.callee} (an array)`;
    case 'arguments':
      return `a function passed to ${sink.callee} (which reads it through arguments)`;
    case 'object-values':
      return `a method of an object passed to Object.${sink.method} (which puts it in an array)`;
    case 'check':
      return 'a check predicate';
    case 'timer':
    case 'promise':
      return `a callback passed to ${sink.name}`;
    case 'callee':
      return sink.builtin
        ? `a callback passed to ${sink.name} (which does not wait for callbacks)`
        : `a callback passed to ${sink.name} (which the transform cannot follow)`;
    case 'property':
      return 'a function stored in a property of an object the transform cannot follow';
  }
}

/** "is passed to Array.prototype.forEach": what happens to a named function. */
export function sinkAction(sink: Sink): string {
  switch (sink.kind) {
    case 'array-method':
      return `is passed to Array.prototype.${sink.method}`;
    case 'store':
      return `is stored into ${sink.into}`;
    case 'rest':
      return `is passed into the rest parameter of ${sink.callee} (an array)`;
    case 'arguments':
      return `is passed to ${sink.callee} (which reads it through arguments)`;
    case 'object-values':
      return `holds functions and is passed to Object.${sink.method} (which puts them in an array)`;
    case 'check':
      return 'is used as a check predicate';
    case 'timer':
    case 'promise':
      return `is passed to ${sink.name}`;
    case 'callee':
      return sink.builtin
        ? `is passed to ${sink.name} (which does not wait for callbacks)`
        : `is passed to ${sink.name} (which the transform cannot follow)`;
    case 'property':
      return 'is stored in a property of an object the transform cannot follow';
  }
}

export function sinkFix(sink: Sink): string {
  switch (sink.kind) {
    case 'array-method':
      switch (sink.method) {
        case 'map':
        case 'flatMap':
          return 'use a for...of loop that pushes each result onto an array';
        case 'filter':
          return 'use a for...of loop with an if';
        case 'reduce':
        case 'reduceRight':
          return 'use a for...of loop with an accumulator variable';
        case 'sort':
        case 'toSorted':
          return 'make the requests first, then sort their results with a comparator that does not request';
        default:
          return 'use a for...of loop';
      }
    case 'store':
      return 'call the function directly, or keep functions in an object literal ({ login, browse }) and call them through it';
    case 'rest':
      return 'declare the parameters one by one instead of ...rest';
    case 'arguments':
      return 'declare a parameter for it and call it by name';
    case 'object-values':
      return 'loop over Object.keys(obj) and call obj[key]()';
    case 'check':
      return 'make the request before check() and test its response in the predicate';
    case 'timer':
      return 'call sleep(seconds) and then call the function directly';
    case 'promise':
      return 'call the function directly; the transform already waits for it';
    case 'callee':
      return 'call the function directly from script code, or use a for...of loop';
    case 'property':
      return 'keep the function in a variable or an object literal declared in the script';
  }
}
