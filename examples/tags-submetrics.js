// Tags and sub-metrics: user tags on every sample (test-wide `options.tags`, scenario `tags`,
// `params.tags` with `name`, `http.url` templates, check and custom metric tags, `exec.vu.tags`),
// and thresholds on sub-metrics that select samples by any of their tags.
// 2 VUs x 3 iterations of 6 requests: every count below is known in advance.
//
//   volley run examples/tags-submetrics.js -e BASE_URL=http://127.0.0.1:8080
//   volley run examples/tags-submetrics.js -e STRICT=1   (one threshold fails: exit 99)
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

const cartValue = new Trend('cart_value');

export const options = {
  // On every sample of the test.
  tags: { team: 'shop' },
  scenarios: {
    browse: { executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '30s', tags: { flow: 'browse' } },
  },
  thresholds: {
    // `name` groups requests under one name; here it is set in params.tags.
    'http_req_duration{name:home}': ['p(95)<5000'],
    'http_reqs{name:item}': ['count==12'],
    // System tags select too: status, method, url, group, scenario, expected_response...
    'http_reqs{status:404}': [__ENV.STRICT ? 'count==0' : 'count==6'],
    'http_reqs{method:POST,group:::cart}': ['count==6'],
    // Test-wide and scenario tags are on every request.
    'http_reqs{team:shop,flow:browse}': ['count==36'],
    // A check's own tags.
    'checks{mytag:x}': ['rate==1'],
    // A custom metric's tags.
    'cart_value{currency:eur}': ['avg==20', 'min==10'],
    'iteration_duration{scenario:browse}': ['max<30000'],
    // exec.vu.tags set during the last iteration of each VU tag its iteration samples.
    'iterations{phase:last}': ['count==2'],
  },
};

export default function () {
  if (__ITER === 2) exec.vu.tags.phase = 'last';

  const home = http.get(`${BASE_URL}/`, { tags: { name: 'home' } });
  check(home, { 'home is 200': (r) => r.status === 200 }, { mytag: 'x' });

  http.get(`${BASE_URL}/status/404`, { tags: { kind: 'missing' } });

  // Batch items take params (and tags) of their own.
  http.batch([
    ['GET', `${BASE_URL}/json?item=1`, null, { tags: { name: 'item' } }],
    ['GET', `${BASE_URL}/json?item=2`, null, { tags: { name: 'item' } }],
  ]);

  // http.url names the request by its template: `${}/echo?vu=${}` for every VU.
  http.get(http.url`${BASE_URL}/echo?vu=${__VU}`);

  group('cart', function () {
    http.post(`${BASE_URL}/echo`, JSON.stringify({ add: 'book' }), { headers: { 'Content-Type': 'application/json' } });
    cartValue.add(10, { currency: 'eur' });
    cartValue.add(30, { currency: 'eur' });
    cartValue.add(99, { currency: 'usd' });
  });
}
