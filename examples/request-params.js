// Request params: headers, tags, a per-request timeout and the three response types.
//
//   volley run examples/request-params.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    // Each of the 2 VUs runs exactly 2 iterations of its own.
    params: { executor: 'per-vu-iterations', vus: 2, iterations: 2, maxDuration: '10s' },
  },
};

export default function () {
  // Headers go out as given; tags label the request's samples (the `name` tag groups URLs).
  const res = http.get(`${BASE_URL}/echo?id=${__VU}-${__ITER}`, {
    headers: { 'X-Request-Id': `vu${__VU}-it${__ITER}`, Accept: 'application/json' },
    tags: { name: 'echo by id', kind: 'read' },
  });
  check(res, {
    'custom header arrives': (r) => r.json('headers.x-request-id') === `vu${__VU}-it${__ITER}`,
    'accept header arrives': (r) => r.json('headers.accept') === 'application/json',
  });

  // A timeout shorter than the server's answer: no response, k6's error code 1050.
  const slow = http.get(`${BASE_URL}/slow?ms=1500`, { timeout: '200ms', tags: { name: 'slow' } });
  check(slow, {
    'timed out': (r) => r.status === 0 && r.error_code === 1050,
    'gave up near the timeout': (r) => r.timings.duration >= 150 && r.timings.duration < 1000,
  });
  // A timeout given in milliseconds, long enough this time.
  const patient = http.get(`${BASE_URL}/slow?ms=50`, { timeout: 5000 });
  check(patient, { 'a long enough timeout waits': (r) => r.status === 200 && r.body === 'slept 50 ms\n' });

  // responseType 'text' (the default) gives a string...
  const text = http.get(`${BASE_URL}/json`, { responseType: 'text' });
  check(text, { 'text body is a string': (r) => typeof r.body === 'string' && r.body.startsWith('{') });

  // ...'binary' an ArrayBuffer of the exact bytes (this one is not valid UTF-8)...
  const binary = http.get(`${BASE_URL}/bytes`, { responseType: 'binary' });
  check(binary, {
    'binary body is an ArrayBuffer': (r) => r.body instanceof ArrayBuffer && r.body.byteLength === 6,
    'binary bytes are exact': (r) => new Uint8Array(r.body).join(',') === '0,1,2,253,254,255',
  });

  // ...and 'none' drops the body (it is still received and measured): cheaper for load.
  const none = http.get(`${BASE_URL}/json`, { responseType: 'none' });
  check(none, { 'none has no body': (r) => r.body === null && r.status === 200 });
}
