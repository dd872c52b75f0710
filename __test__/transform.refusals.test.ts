/**
 * Where a blocking call cannot be made to wait, the load fails with the file, line and column
 * (1-based), the reason and the fix.
 */
import { TransformError, transformGraph, transformModule } from '../ts/script/transform';

const URL = 'file:///scripts/test.js';

function refusal(source: string): TransformError {
  try {
    transformModule(source, URL);
  } catch (e) {
    if (e instanceof TransformError) return e;
    throw e;
  }
  throw new Error('expected a TransformError');
}

function expectRefusal(source: string, line: number, column: number, reason: string, fix: string): void {
  const err = refusal(source);
  expect({ file: err.file, line: err.line, column: err.column, reason: err.reason, fix: err.fix }).toEqual({
    file: '/scripts/test.js',
    line,
    column,
    reason,
    fix,
  });
  expect(err.message).toBe(`/scripts/test.js:${line}:${column}: ${reason}. Fix: ${fix}`);
}

const HTTP = "import http from 'k6/http';\n";

test('a request inside a callback passed to Array.prototype.forEach is refused at the request', () => {
  expectRefusal(
    `${HTTP}export default function () {\n  ['a'].forEach((u) => {\n    http.get(u);\n  });\n}`,
    4,
    5,
    'http.get inside a callback passed to Array.prototype.forEach cannot be made to wait',
    'use a for...of loop',
  );
});

test('a named function passed to forEach is refused where it is passed, naming the request line', () => {
  expectRefusal(
    `${HTTP}function visit(u) { http.get(u); }\nexport default function () {\n  const urls = ['a'];\n  urls.forEach(visit);\n}`,
    5,
    16,
    'visit is passed to Array.prototype.forEach, so its call to http.get (line 2) cannot be made to wait',
    'use a for...of loop',
  );
});

test('map, filter and reduce callbacks get a fix that fits each', () => {
  expect(refusal(`${HTTP}export default function () { return ['a'].map((u) => http.get(u)); }`).fix).toBe(
    'use a for...of loop that pushes each result onto an array',
  );
  expect(refusal(`${HTTP}export default function () { return ['a'].filter((u) => http.get(u).status); }`).fix).toBe(
    'use a for...of loop with an if',
  );
  expect(refusal(`${HTTP}export default function () { return ['a'].reduce((n, u) => n + http.get(u).status, 0); }`).fix).toBe(
    'use a for...of loop with an accumulator variable',
  );
});

test('a helper that requests, called from a forEach callback, is named with the request it reaches', () => {
  expectRefusal(
    `${HTTP}const api = { login() { http.post('l'); } };\nexport default function () { [1].forEach(() => api.login()); }`,
    3,
    48,
    'api.login() (which reaches http.post) inside a callback passed to Array.prototype.forEach cannot be made to wait',
    'use a for...of loop',
  );
});

test('a request inside a check predicate is refused', () => {
  expectRefusal(
    `${HTTP}import { check } from 'k6';\nexport default function () {\n  const res = http.get('x');\n  check(res, { 'ok': (r) => http.get(r.url).status === 200 });\n}`,
    5,
    29,
    'http.get inside a check predicate cannot be made to wait',
    'make the request before check() and test its response in the predicate',
  );
});

test('a callback passed to setTimeout is refused', () => {
  expectRefusal(
    "import { sleep } from 'k6';\nexport default function () { setTimeout(() => sleep(1), 10); }",
    2,
    47,
    'sleep inside a callback passed to setTimeout cannot be made to wait',
    'call sleep(seconds) and then call the function directly',
  );
});

test('a blocking function stored into an array is refused', () => {
  expectRefusal(
    `${HTTP}const steps = [() => http.get('a')];\nexport default function () { for (const s of steps) s(); }`,
    2,
    22,
    'http.get inside a function stored into an array cannot be made to wait',
    'call the function directly, or keep functions in an object literal ({ login, browse }) and call them through it',
  );
  expectRefusal(
    `${HTTP}function a() { http.get('a'); }\nconst steps = [];\nsteps.push(a);\nexport default function () { steps[0](); }`,
    4,
    12,
    'a is stored into an array, so its call to http.get (line 2) cannot be made to wait',
    'call the function directly, or keep functions in an object literal ({ login, browse }) and call them through it',
  );
});

test('a built-in blocking function passed as a callback is refused', () => {
  expectRefusal(
    "import { sleep } from 'k6';\nexport default function () { [1, 2].forEach(sleep); }",
    2,
    45,
    'sleep is passed to Array.prototype.forEach, so it cannot be made to wait',
    'use a for...of loop',
  );
});

test('a blocking function used as a constructor is refused', () => {
  expectRefusal(
    `${HTTP}function Api() { http.get('x'); }\nexport default function () { new Api(); }`,
    3,
    30,
    'Api calls http.get but is called with new, and a constructor cannot wait',
    'call it without new and have it return the object',
  );
});

test('a request in a class constructor is refused', () => {
  expectRefusal(
    `${HTTP}class A { constructor() { http.get('x'); } }\nexport default function () { new A(); }`,
    2,
    27,
    'http.get inside a class constructor cannot be made to wait',
    'move it into a method (say, init()) and call that method after new',
  );
});

test('a request in a getter or a setter is refused', () => {
  expectRefusal(
    `${HTTP}const o = { get status() { return http.get('x').status; } };\nexport default function () { return o.status; }`,
    2,
    35,
    'http.get inside a getter cannot be made to wait',
    'turn the getter into a method (get name() -> name()) and call it',
  );
  expectRefusal(
    `${HTTP}class A { set url(u) { http.get(u); } }\nexport default function () { new A().url = 'x'; }`,
    2,
    24,
    'http.get inside a setter cannot be made to wait',
    'turn the setter into a method (set name(v) -> setName(v)) and call it',
  );
});

test('a request in a default parameter value is refused', () => {
  expectRefusal(
    `${HTTP}function f(r = http.get('x')) { return r; }\nexport default function () { f(); }`,
    2,
    16,
    'http.get in a default parameter value cannot be made to wait',
    'move the call into the function body',
  );
});

test('a request in a generator, a class field initializer or a static block is refused', () => {
  expectRefusal(
    `${HTTP}function* gen() { yield http.get('x'); }\nexport default function () { for (const r of gen()) {} }`,
    2,
    25,
    'http.get inside a generator function cannot be made to wait',
    'use a regular function (one that returns an array, say) instead of function*',
  );
  expectRefusal(
    `${HTTP}class A { res = http.get('x'); }\nexport default function () { new A(); }`,
    2,
    17,
    'http.get in a class field initializer cannot be made to wait',
    'assign the field in a method and call that method after new',
  );
  expectRefusal(
    `${HTTP}class A { static { http.get('x'); } }`,
    2,
    20,
    'http.get in a class static block cannot be made to wait',
    'move the call into a function that the script calls',
  );
});

test('arguments gathered into a rest parameter are refused', () => {
  expectRefusal(
    `${HTTP}function run(...steps) { for (const s of steps) s(); }\nexport default function () { run(() => http.get('a')); }`,
    3,
    40,
    'http.get inside a function passed into the rest parameter of run (an array) cannot be made to wait',
    'declare the parameters one by one instead of ...rest',
  );
});

test('a blocking function passed to a function that reads its arguments object is refused', () => {
  expectRefusal(
    `${HTTP}function f() { return arguments[0](); }\nexport default function () { f(() => http.get('a')); }`,
    3,
    38,
    'http.get inside a function passed to f (which reads it through arguments) cannot be made to wait',
    'declare a parameter for it and call it by name',
  );
});

test('an object whose methods request, turned into an array by Object.values, is refused', () => {
  expectRefusal(
    `${HTTP}const routes = { home: () => http.get('/') };\nexport default function () { for (const fn of Object.values(routes)) fn(); }`,
    3,
    61,
    'routes holds functions and is passed to Object.values (which puts them in an array), so its call to http.get (line 2) cannot be made to wait',
    'loop over Object.keys(obj) and call obj[key]()',
  );
});

test('a blocking function stored on an object the transform cannot follow is refused', () => {
  expectRefusal(
    `${HTTP}export default function (data) { data.cb = () => http.get('a'); }`,
    2,
    50,
    'http.get inside a function stored in a property of an object the transform cannot follow cannot be made to wait',
    'keep the function in a variable or an object literal declared in the script',
  );
});

test('a callback passed to a function defined outside the script is refused, naming that function', () => {
  expectRefusal(
    `${HTTP}export default function () { const r = http.get('a'); r.html().find('a').each((i, el) => http.get(el.attr('href'))); }`,
    2,
    90,
    "http.get inside a callback passed to r.html().find('a').each (which the transform cannot follow) cannot be made to wait",
    'call the function directly from script code, or use a for...of loop',
  );
  expectRefusal(
    `${HTTP}import { SharedArray } from 'k6/data';\nconst data = new SharedArray('d', () => http.get('x').json());\n`,
    3,
    41,
    'http.get inside a callback passed to new data.SharedArray (which does not wait for callbacks) cannot be made to wait',
    'call the function directly from script code, or use a for...of loop',
  );
});

test('a refusal in an imported module names that module', () => {
  let err: unknown;
  try {
    transformGraph([
      { url: 'file:///scripts/main.js', source: "import { all } from './lib/util.js';\nexport default function () { all(['a']); }" },
      {
        url: 'file:///scripts/lib/util.js',
        source: "import http from 'k6/http';\nexport function all(urls) {\n  return urls.map((u) => http.get(u));\n}",
      },
    ]);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TransformError);
  expect((err as TransformError).message).toBe(
    '/scripts/lib/util.js:3:26: http.get inside a callback passed to Array.prototype.map cannot be made to wait. ' +
      'Fix: use a for...of loop that pushes each result onto an array',
  );
});

test('the first refusal in source order is the one reported', () => {
  const err = refusal(`${HTTP}export default function () {\n  [1].map(() => http.get('b'));\n  [1].forEach(() => http.get('a'));\n}`);
  expect([err.line, err.column]).toEqual([3, 17]);
});

test('a syntax error is reported with its position', () => {
  const err = refusal(`${HTTP}export default function () {\n  const r = ;\n}`);
  expect(err.message).toBe("/scripts/test.js:3:13: syntax error: Unexpected token. Fix: correct the syntax (scripts are JavaScript ES modules)");
});

test('async callbacks written by the user are the user’s to await: no refusal', () => {
  expect(() =>
    transformModule(`${HTTP}export default async function () { await Promise.all(['a'].map(async (u) => http.asyncRequest('GET', u))); }`),
  ).not.toThrow();
});
