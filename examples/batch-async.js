// Several requests at once: http.batch (a list or a named map of requests) and
// http.asyncRequest, which returns a Promise to await, in an async default function.
//
//   volley run examples/batch-async.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    // 2 VUs looping for 1 second, as many iterations as fit.
    pages: { executor: 'constant-vus', vus: 2, duration: '1s' },
  },
  // The requests of one http.batch run at once, on connections of their own: at most `batch`
  // of them (k6's default 20), and at most `batchPerHost` to one host (default 6).
  batch: 10,
  batchPerHost: 4,
};

// 404 is an answer this test expects (not a failure in http_req_failed); 2xx and 3xx too.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 404));

// An async default function: k6 awaits it, and it may await Promises itself.
export default async function () {
  // A list: strings are GETs; arrays are [method, url, body, params]; objects name their fields.
  const responses = http.batch([
    `${BASE_URL}/`,
    ['POST', `${BASE_URL}/echo`, 'from batch', { headers: { 'X-Batch': 'list' } }],
    { method: 'GET', url: `${BASE_URL}/json`, params: { tags: { name: 'json' } } },
  ]);
  check(responses, {
    'batch answers in order': (rs) => rs.length === 3 && rs[0].body.startsWith('hello') && rs[1].json('body') === 'from batch' && rs[2].json('name') === 'volley',
  });

  // A map: the responses come back under the same names.
  const named = http.batch({
    home: `${BASE_URL}/`,
    profile: ['GET', `${BASE_URL}/json`],
  });
  check(named, { 'named batch': (r) => r.home.status === 200 && r.profile.json('owner.login') === 'alice' });

  // asyncRequest(method, url, body, params) resolves to the same Response as http.request.
  const one = await http.asyncRequest('POST', `${BASE_URL}/echo`, JSON.stringify({ n: 1 }), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(one, { 'awaited asyncRequest': (r) => r.json('method') === 'POST' && JSON.parse(r.json('body')).n === 1 });

  // Promise.all waits for both.
  const [a, b] = await Promise.all([
    http.asyncRequest('GET', `${BASE_URL}/echo?which=a`),
    http.asyncRequest('GET', `${BASE_URL}/echo?which=b`),
  ]);
  check([a, b], { 'Promise.all of asyncRequest': ([x, y]) => x.json('query.which') === 'a' && y.json('query.which') === 'b' });

  // A missing page is expected here (the VU's response callback), and this request says so itself.
  const missing = http.get(`${BASE_URL}/status/404`);
  const gone = http.get(`${BASE_URL}/status/410`, { responseCallback: http.expectedStatuses(410) });
  check([missing, gone], { 'expected statuses': ([m, g]) => m.status === 404 && g.status === 410 });

  sleep(0.1);
}
