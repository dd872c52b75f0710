// Every HTTP verb of k6/http against an echo endpoint, and the three kinds of body k6 sends:
// a string as is, a JSON string with its Content-Type, and an object as a url-encoded form.
//
//   volley run examples/http-methods.js -e BASE_URL=http://127.0.0.1:8080
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    // 4 iterations shared by 2 VUs: whichever VU is free takes the next one.
    verbs: { executor: 'shared-iterations', vus: 2, iterations: 4, maxDuration: '10s' },
  },
};

export default function () {
  // GET: the echo endpoint answers with what it received, as JSON.
  const get = http.get(`${BASE_URL}/echo?page=1`);
  check(get, {
    'GET is echoed': (r) => r.json('method') === 'GET',
    'GET query arrives': (r) => r.json('query.page') === '1',
  });

  // POST with a JSON string: the body goes out verbatim; the Content-Type is ours to set.
  const order = { item: 'book', quantity: 2 };
  const postJson = http.post(`${BASE_URL}/echo`, JSON.stringify(order), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(postJson, {
    'POST JSON body arrives intact': (r) => JSON.parse(r.json('body')).quantity === 2,
    'POST JSON content type': (r) => r.json('headers.content-type') === 'application/json',
  });

  // POST with an object: k6 encodes it as a form (keys sorted, as Go's url.Values does), and
  // sets the form Content-Type itself.
  const postForm = http.post(`${BASE_URL}/echo`, { user: 'alice', note: 'hello world' });
  check(postForm, {
    'POST object is a form': (r) => r.json('body') === 'note=hello+world&user=alice',
    'POST form content type': (r) => r.json('headers.content-type') === 'application/x-www-form-urlencoded',
  });

  // An object holding an http.file() is sent as multipart/form-data, one part per field.
  const upload = http.post(`${BASE_URL}/echo`, { title: 'notes', doc: http.file('file body', 'notes.txt', 'text/plain') });
  check(upload, {
    'POST with http.file is multipart': (r) => r.json('headers.content-type').startsWith('multipart/form-data; boundary=') &&
      r.json('body').includes('Content-Disposition: form-data; name="doc"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n'),
  });

  // PUT, PATCH and DELETE (k6 calls it del: delete is a JavaScript keyword).
  const put = http.put(`${BASE_URL}/echo`, 'replaced');
  const patch = http.patch(`${BASE_URL}/echo`, JSON.stringify({ quantity: 3 }), { headers: { 'Content-Type': 'application/json' } });
  const del = http.del(`${BASE_URL}/echo`);
  check(put, { 'PUT body': (r) => r.json('method') === 'PUT' && r.json('body') === 'replaced' });
  check(patch, { 'PATCH body': (r) => r.json('method') === 'PATCH' && r.json('body') === '{"quantity":3}' });
  check(del, { 'DELETE': (r) => r.json('method') === 'DELETE' });

  // HEAD has headers but never a body; OPTIONS takes an optional body like POST.
  const head = http.head(`${BASE_URL}/echo`);
  check(head, {
    'HEAD has no body': (r) => r.body === '' || r.body === null,
    'HEAD has headers': (r) => r.headers['X-Echo-Method'] === 'HEAD',
  });
  const opts = http.options(`${BASE_URL}/echo`);
  check(opts, { 'OPTIONS': (r) => r.json('method') === 'OPTIONS' });

  // http.request is the general form: any method, then body and params.
  const custom = http.request('POST', `${BASE_URL}/echo`, 'raw text', { headers: { 'X-Custom': 'yes' } });
  check(custom, { 'request() sends method, body and headers': (r) => r.json('method') === 'POST' && r.json('body') === 'raw text' && r.json('headers.x-custom') === 'yes' });
}
