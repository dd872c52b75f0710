// What a response holds: status, body, headers, timings, json() with a selector, url, and for a
// request that got no answer, error and error_code (k6's numbering: 1212 connection refused,
// 14xx for HTTP 4xx statuses).
//
//   volley run examples/response-fields.js -e BASE_URL=http://127.0.0.1:8080 -e CLOSED_URL=http://127.0.0.1:1/
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
// Port 1 is privileged and unused: nothing listens there.
const CLOSED_URL = __ENV.CLOSED_URL || 'http://127.0.0.1:1/';

// The k6 shortcuts: one VU running 3 iterations (the shared-iterations executor).
export const options = { vus: 1, iterations: 3 };

export default function () {
  const res = http.get(`${BASE_URL}/json`);
  check(res, {
    'status 200': (r) => r.status === 200,
    'body is the JSON text': (r) => typeof r.body === 'string' && r.body.includes('"volley"'),
    // Header names are canonicalised as Go does: Content-Type, not content-type.
    'content type header': (r) => r.headers['Content-Type'] === 'application/json',
    'url is the final url': (r) => r.url === `${BASE_URL}/json`,
    'no error': (r) => r.error === '' && r.error_code === 0,
  });

  // json() parses the body; a selector reaches inside it (`.` for keys and indexes, `#` counts).
  check(res, {
    'json() whole': (r) => r.json().owner.login === 'alice',
    'json(selector) key': (r) => r.json('name') === 'volley',
    'json(selector) nested': (r) => r.json('owner.id') === 7,
    'json(selector) index': (r) => r.json('items.1.price') === 20,
    'json(selector) count': (r) => r.json('items.#') === 2,
    'json(selector) missing': (r) => r.json('nope.deeper') === undefined,
  });

  // Every phase of the request, in milliseconds; duration = sending + waiting + receiving.
  const t = res.timings;
  check(t, {
    'timings are numbers': (x) => ['blocked', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving', 'duration'].every((k) => typeof x[k] === 'number' && x[k] >= 0),
    'duration adds up': (x) => Math.abs(x.duration - (x.sending + x.waiting + x.receiving)) < 0.01,
    'no TLS on http': (x) => x.tls_handshaking === 0,
  });

  // A 404 is a response, not an error: the status is there, error_code is 1000 + status.
  const missing = http.get(`${BASE_URL}/status/404`);
  check(missing, {
    'status 404': (r) => r.status === 404,
    '404 error_code': (r) => r.error_code === 1404,
  });

  // Nothing listening: status 0, no body, an error message and its code.
  const refused = http.get(CLOSED_URL);
  check(refused, {
    'refused has status 0': (r) => r.status === 0,
    'refused has an error': (r) => typeof r.error === 'string' && r.error.includes('refused'),
    'refused error_code 1212': (r) => r.error_code === 1212,
  });
}
