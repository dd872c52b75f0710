/**
 * The text the transform produces: where `async` and `await` go, and the parentheses that keep
 * `await` binding to the right expression.
 */
import { parse } from 'acorn';
import { transformModule } from '../ts/script/transform';

const HEADER = "import http from 'k6/http';\nimport { sleep, group, check } from 'k6';\n";

/** Transforms `body` (after the usual k6 imports) and returns the rewritten body. */
function rewrite(body: string): string {
  const { code } = transformModule(HEADER + body);
  expect(code.startsWith(HEADER)).toBe(true);
  parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  return code.slice(HEADER.length);
}

describe('async and await placement', () => {
  test('a request in the default export is awaited and the function made async', () => {
    expect(rewrite("export default function () { const res = http.get('u'); sleep(1); }")).toBe(
      "export default async function () { const res = await http.get('u'); await sleep(1); }",
    );
  });

  test("a response's submitForm() and clickLink() make requests: awaited, chained or not", () => {
    expect(
      rewrite("function login(res) { return res.submitForm({ fields: { u: 'a' } }); }\nexport default function () { const r = login(http.get('u')); r.clickLink().html(); }"),
    ).toBe(
      "async function login(res) { return await res.submitForm({ fields: { u: 'a' } }); }\nexport default async function () { const r = await login(await http.get('u')); (await r.clickLink()).html(); }",
    );
  });

  test('nested functions that reach a request become async, and so does every caller', () => {
    expect(
      rewrite("function outer() {\n  function inner() { return http.get('u'); }\n  return inner();\n}\nexport default function () { outer(); }"),
    ).toBe(
      "async function outer() {\n  async function inner() { return await http.get('u'); }\n  return await inner();\n}\nexport default async function () { await outer(); }",
    );
  });

  test('a closure returned from a function becomes async; the factory that returns it does not', () => {
    expect(rewrite("function make(u) { return () => http.get(u); }\nconst f = make('x');\nexport default function () { f(); }")).toBe(
      "function make(u) { return async () => await http.get(u); }\nconst f = make('x');\nexport default async function () { await f(); }",
    );
  });

  test('arrow functions with expression bodies become async arrows', () => {
    expect(rewrite("const get = u => http.get(u).json();\nexport default () => get('x');")).toBe(
      "const get = async u => (await http.get(u)).json();\nexport default async () => await get('x');",
    );
  });

  test('an arrow callback passed to group becomes async and group is awaited', () => {
    expect(rewrite("export default function () { group('g', () => { http.get('u'); }); }")).toBe(
      "export default async function () { await group('g', async () => { await http.get('u'); }); }",
    );
  });

  test('group is awaited even when its callback does not wait, and the callback stays synchronous', () => {
    expect(rewrite("export default function () { group('g', () => { check(1, { ok: (v) => v === 1 }); }); }")).toBe(
      "export default async function () { await group('g', () => { check(1, { ok: (v) => v === 1 }); }); }",
    );
  });

  test('check is not awaited and its predicates stay synchronous', () => {
    expect(rewrite("export default function () { check(http.get('u'), { ok: (r) => r.status === 200 }); }")).toBe(
      "export default async function () { check(await http.get('u'), { ok: (r) => r.status === 200 }); }",
    );
  });

  test('requests in for, for...of, for...in, while and do...while loops are awaited', () => {
    expect(
      rewrite(
        "export default function () {\n  for (let i = 0; i < 2; i++) http.get(i);\n  for (const u of ['a']) { http.get(u); }\n" +
          "  for (const k in {}) http.get(k);\n  while (http.get('w').status !== 200) {}\n  do sleep(1); while (false);\n}",
      ),
    ).toBe(
      "export default async function () {\n  for (let i = 0; i < 2; i++) await http.get(i);\n  for (const u of ['a']) { await http.get(u); }\n" +
        "  for (const k in {}) await http.get(k);\n  while ((await http.get('w')).status !== 200) {}\n  do await sleep(1); while (false);\n}",
    );
  });

  test('a request inside try/finally is awaited in both blocks', () => {
    expect(rewrite("export default function () { try { return http.get('a'); } finally { http.get('b'); } }")).toBe(
      "export default async function () { try { return await http.get('a'); } finally { await http.get('b'); } }",
    );
  });

  test('class methods that request become async, and this.method() calls are awaited', () => {
    expect(
      rewrite(
        "class Api {\n  constructor(base) { this.base = base; }\n  login() { return http.post(this.base); }\n  flow() { this.login(); return 1; }\n  pure() { return 2; }\n}\n" +
          "export default function () { const api = new Api('u'); api.flow(); api.pure(); }",
      ),
    ).toBe(
      "class Api {\n  constructor(base) { this.base = base; }\n  async login() { return await http.post(this.base); }\n  async flow() { await this.login(); return 1; }\n  pure() { return 2; }\n}\n" +
        "export default async function () { const api = new Api('u'); await api.flow(); api.pure(); }",
    );
  });

  test('overridden methods, super calls and static methods', () => {
    expect(
      rewrite(
        "class A { get() { return http.get('a'); } run() { return this.get(); } static make() { return new B(); } }\n" +
          "class B extends A { get() { sleep(1); return super.get(); } }\nexport default function () { A.make().run(); }",
      ),
    ).toBe(
      "class A { async get() { return await http.get('a'); } async run() { return await this.get(); } static make() { return new B(); } }\n" +
        "class B extends A { async get() { await sleep(1); return await super.get(); } }\nexport default async function () { await A.make().run(); }",
    );
  });

  test('static, computed and private method names get async before the name or its bracket', () => {
    expect(
      rewrite(
        "class A { static [`x`]() { http.get('a'); } static /* c */ ['y']() { http.get('b'); } #p() { http.get('c'); } run() { this.#p(); } }\n" +
          "export default function () { A.x(); A.y(); new A().run(); }",
      ),
    ).toBe(
      "class A { static async [`x`]() { await http.get('a'); } static /* c */ async ['y']() { await http.get('b'); } async #p() { await http.get('c'); } async run() { await this.#p(); } }\n" +
        "export default async function () { await A.x(); await A.y(); await new A().run(); }",
    );
  });

  test('object literal methods, function-valued properties and this inside them', () => {
    expect(
      rewrite(
        "const api = { login() { http.post('l'); }, other: function () { this.login(); }, ['x']() {}, arrow: () => sleep(1) };\n" +
          "export default function () { api.other(); api.arrow(); api.x(); }",
      ),
    ).toBe(
      "const api = { async login() { await http.post('l'); }, other: async function () { await this.login(); }, ['x']() {}, arrow: async () => await sleep(1) };\n" +
        "export default async function () { await api.other(); await api.arrow(); api.x(); }",
    );
  });

  test('methods reached through spreads, destructuring and computed keys', () => {
    expect(
      rewrite(
        "const base = { a() { http.get('a'); } };\nconst ext = { ...base, b() { this.a(); } };\n" +
          "export default function (k) { const { a } = ext; a(); ext[k](); }",
      ),
    ).toBe(
      "const base = { async a() { await http.get('a'); } };\nconst ext = { ...base, async b() { await this.a(); } };\n" +
        "export default async function (k) { const { a } = ext; await a(); await ext[k](); }",
    );
  });

  test('methods added with Object.assign', () => {
    expect(rewrite("const api = {};\nObject.assign(api, { login() { http.post('l'); } });\nexport default function () { api.login(); }")).toBe(
      "const api = {};\nObject.assign(api, { async login() { await http.post('l'); } });\nexport default async function () { await api.login(); }",
    );
  });

  test('a function with default parameters becomes async, and a blocking default callback too', () => {
    expect(rewrite("function f(u = 'x', cb = () => http.get(u)) { cb(); }\nexport default function () { f(); }")).toBe(
      "async function f(u = 'x', cb = async () => await http.get(u)) { await cb(); }\nexport default async function () { await f(); }",
    );
  });

  test('functions passed as arguments and then called: the receiver of the callback becomes async', () => {
    expect(rewrite("function run(fn) { return fn(); }\nexport default function () { run(() => http.get('a')); run(() => 1); }")).toBe(
      "async function run(fn) { return await fn(); }\nexport default async function () { await run(async () => await http.get('a')); await run(() => 1); }",
    );
  });

  test('functions called through call, apply and bind', () => {
    expect(
      rewrite("function f(u) { http.get(u); }\nexport default function () { f.call(null, 'a'); f.apply(null, ['b']); const g = f.bind(null, 'c'); g(); }"),
    ).toBe(
      "async function f(u) { await http.get(u); }\nexport default async function () { await f.call(null, 'a'); await f.apply(null, ['b']); const g = f.bind(null, 'c'); await g(); }",
    );
  });

  test('a function returned and called at once is awaited twice, outer await first', () => {
    expect(rewrite("function factory() { http.get('a'); return () => http.get('b'); }\nexport default function () { factory()(); }")).toBe(
      "async function factory() { await http.get('a'); return async () => await http.get('b'); }\nexport default async function () { await (await factory())(); }",
    );
  });

  test('immediately invoked functions', () => {
    expect(rewrite("(function () { http.get('x'); })();\n(() => sleep(1))();")).toBe(
      "await (async function () { await http.get('x'); })();\nawait (async () => await sleep(1))();",
    );
  });

  test('a blocking call at module level becomes a top-level await', () => {
    expect(rewrite("const res = http.get('init');\nexport default function () { return res.status; }")).toBe(
      "const res = await http.get('init');\nexport default function () { return res.status; }",
    );
  });

  test('switch cases, sequence expressions, logical assignment and class field arrows', () => {
    expect(
      rewrite(
        "let f = null;\nf ||= () => http.get('x');\nclass A { go = () => http.get('a'); run() { this.go(); } }\n" +
          "export default function (d) { switch (d) { case 1: f(); break; default: sleep(1), new A().run(); } }",
      ),
    ).toBe(
      "let f = null;\nf ||= async () => await http.get('x');\nclass A { go = async () => await http.get('a'); async run() { await this.go(); } }\n" +
        "export default async function (d) { switch (d) { case 1: await f(); break; default: await sleep(1), await new A().run(); } }",
    );
  });
});

describe('await precedence', () => {
  test('member access on a response: (await http.get(u)).json()', () => {
    expect(rewrite("export default function () { return http.get('u').json().id; }")).toBe(
      "export default async function () { return (await http.get('u')).json().id; }",
    );
  });

  test('destructuring, comparison, return, conditional and nullish operands', () => {
    expect(
      rewrite(
        "export default function (c) {\n  const { status } = http.get('a');\n  const ok = http.get('b').status === 200;\n" +
          "  const x = c ? http.get('c') : http.get('d');\n  const y = null ?? http.get('e');\n  return http.get('f');\n}",
      ),
    ).toBe(
      "export default async function (c) {\n  const { status } = await http.get('a');\n  const ok = (await http.get('b')).status === 200;\n" +
        "  const x = c ? await http.get('c') : await http.get('d');\n  const y = null ?? await http.get('e');\n  return await http.get('f');\n}",
    );
  });

  test('exponent, template literal, nested arguments, tagged template and new callee', () => {
    expect(
      rewrite(
        "function tag(s) { return http.get(s[0]); }\nfunction mk() { sleep(1); return class {}; }\n" +
          "export default function () { return [http.get('x').status ** 2, 2 ** http.get('y').status, `${http.get('t').url}`, http.get(http.get('u').url), tag`/p`.status, new (mk())()]; }",
      ),
    ).toBe(
      "async function tag(s) { return await http.get(s[0]); }\nasync function mk() { await sleep(1); return class {}; }\n" +
        "export default async function () { return [(await http.get('x')).status ** 2, 2 ** (await http.get('y')).status, `${(await http.get('t')).url}`, await http.get((await http.get('u')).url), (await tag`/p`).status, new ((await mk()))()]; }",
    );
  });

  test('optional chains keep their short-circuit', () => {
    expect(
      rewrite(
        "const api = { login() { return http.post('l'); } };\n" +
          "export default function (flag) { const o = flag ? api : null; o?.login(); return [o?.login().status, o?.login()['s'], http.get('u')?.json()]; }",
      ),
    ).toBe(
      "const api = { async login() { return await http.post('l'); } };\n" +
        "export default async function (flag) { const o = flag ? api : null; await o?.login(); return [(await o?.login())?.status, (await o?.login())?.['s'], (await http.get('u'))?.json()]; }",
    );
  });

  test('a statement that would start with ( after a line without ; gets a ; first', () => {
    expect(rewrite("let a = 1\nhttp.get('x').json()\nfunction f() { const b = 2\n  http.get('y').status }\nf();")).toBe(
      "let a = 1\n;(await http.get('x')).json()\nasync function f() { const b = 2\n  ;(await http.get('y')).status }\nawait f();",
    );
  });

  test('no ; is added after a ;, at the start of a block, or as the body of an if', () => {
    expect(rewrite("let a = 1;\nhttp.get('x').json();\nif (a) http.get('y').json();\n{ http.get('z').json() }")).toBe(
      "let a = 1;\n(await http.get('x')).json();\nif (a) (await http.get('y')).json();\n{ (await http.get('z')).json() }",
    );
  });
});

describe('what is left alone', () => {
  test('calls already awaited are not awaited again, and async functions are not made async again', () => {
    expect(rewrite("export default async function () { await http.get('a'); const r = await http.asyncRequest('GET', 'b'); http.get('c'); }")).toBe(
      "export default async function () { await http.get('a'); const r = await http.asyncRequest('GET', 'b'); await http.get('c'); }",
    );
  });

  test('http.asyncRequest is not awaited for the user, and calls of user async functions are not awaited', () => {
    const body = "async function both() { return Promise.all([http.asyncRequest('GET', 'a')]); }\nexport default function () { const p = both(); return p; }";
    expect(rewrite(body)).toBe(body);
  });

  test('code that never reaches a blocking call is unchanged', () => {
    const body =
      "const add = (a, b) => a + b;\nexport function pure() { return [1, 2].map((x) => add(x, 1)); }\n" +
      "export default function () { check(1, { one: (v) => v === 1 }); http.cookieJar(); }";
    expect(rewrite(body)).toBe(body);
  });

  test('an async generator may request: only the call is awaited', () => {
    expect(rewrite("async function* pages() { yield http.get('a'); }\nexport default async function () { for await (const p of pages()) {} }")).toBe(
      "async function* pages() { yield await http.get('a'); }\nexport default async function () { for await (const p of pages()) {} }",
    );
  });

  test('a getter that does not request stays a getter', () => {
    expect(rewrite("const o = { get name() { return 'x'; }, go() { http.get(this.name); } };\nexport default function () { o.go(); }")).toBe(
      "const o = { get name() { return 'x'; }, async go() { await http.get(this.name); } };\nexport default async function () { await o.go(); }",
    );
  });
});

describe('import forms', () => {
  test('default, named, renamed and namespace imports of k6/http and k6', () => {
    const code = transformModule(
      "import http from 'k6/http';\nimport { get, post as send } from 'k6/http';\nimport * as h from 'k6/http';\nimport * as k6 from 'k6';\nimport { sleep as nap } from 'k6';\n" +
        "export default function () { http.get('a'); get('b'); send('c'); h.put('d'); k6.sleep(1); nap(2); h.asyncRequest('GET', 'e'); }",
    ).code;
    expect(code.split('\n')[5]).toBe(
      "export default async function () { await http.get('a'); await get('b'); await send('c'); await h.put('d'); await k6.sleep(1); await nap(2); h.asyncRequest('GET', 'e'); }",
    );
  });

  test('every blocking export of k6/http is awaited', () => {
    const names = ['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch'];
    const code = transformModule(`import http from 'k6/http';\nexport default function () { ${names.map((n) => `http.${n}('u');`).join(' ')} }`).code;
    expect(code.split('\n')[1]).toBe(`export default async function () { ${names.map((n) => `await http.${n}('u');`).join(' ')} }`);
  });

  test('volley and volley/http are aliases of k6 and k6/http', () => {
    expect(transformModule("import http from 'volley/http';\nimport { sleep } from 'volley';\nexport default function () { http.get('a'); sleep(1); }").code).toBe(
      "import http from 'volley/http';\nimport { sleep } from 'volley';\nexport default async function () { await http.get('a'); await sleep(1); }",
    );
  });

  test('a local variable that shadows an import is not mistaken for it', () => {
    const body = "export default function () { const http = { get: (u) => u }; http.get('a'); const sleep = () => 0; sleep(); }";
    expect(rewrite(body)).toBe(body);
  });
});
